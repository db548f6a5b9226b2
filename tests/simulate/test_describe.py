"""Files that explain themselves: every variable and coordinate carries units, a long name
and a description; the draws of the run and the kept draws are two clearly named dims."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from typer.testing import CliRunner

from forceplan import load_scenario
from forceplan.cli import app
from forceplan.simulate import simulate_scenario
from forceplan.simulate.describe import undescribed

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"


@pytest.mark.parametrize("name", ["reassurance-2025", "un-100k", str(TINY)])
def test_every_variable_and_coordinate_is_described(name: str) -> None:
    ds = simulate_scenario(load_scenario(name), 300, 2, keep_draws=40)
    assert undescribed(ds) == []
    assert ds["deployed_personnel"].attrs["units"] == "personnel"
    assert ds["outcome_total_cost_usd_m"].attrs["units"] == "US$ million"
    assert ds["p_offensive"].attrs["units"] == "1"
    assert "assumption" in ds["p_offensive"].attrs["description"]


def test_all_draws_and_the_kept_draws_are_two_named_dims() -> None:
    ds = simulate_scenario(load_scenario(TINY), 300, 2, keep_draws=40)
    assert ds.sizes["draw"] == 300 and ds.sizes["kept_draw"] == 40
    assert ds["outcome_total_cost_usd_m"].dims == ("draw",)
    assert ds["deployed_personnel"].dims[0] == "kept_draw"
    params = [v for v in ds.data_vars if str(v).startswith("param_")]
    assert params and all(ds[v].dims == ("kept_draw",) for v in params)
    # the kept draws are the first draws: their values are their numbers on `draw`
    assert (ds["kept_draw"].values == np.arange(40)).all()
    assert "kept" in ds["kept_draw"].attrs["long_name"]


def test_the_netcdf_file_keeps_the_attributes(tmp_path: Path) -> None:
    out = tmp_path / "sim.nc"
    result = CliRunner().invoke(app, ["simulate", str(TINY), "--draws", "200", "--netcdf",
                                      str(out), "--no-store"])
    assert result.exit_code == 0, result.output
    ds = xr.open_dataset(out, engine="h5netcdf")
    try:
        assert undescribed(ds) == []
        assert ds["month"].attrs["units"] == "month"
        assert ds["summary_p_offensive"].attrs["long_name"].startswith("P(renewed")
    finally:
        ds.close()
