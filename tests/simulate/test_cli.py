"""`forceplan simulate` and `forceplan compare` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forceplan.cli import app

TINY = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
runner = CliRunner()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "draws must be"),
        (["--draws", "10000001"], "at most 10,000,000"),
        (["--seed", "-1"], "seed must be"),
        (["--months", "0"], "months must be between 1 and 240"),
        (["--months", "241"], "months must be between 1 and 240"),
    ],
)
def test_simulate_rejects_bad_settings(tmp_path: Path, args: list[str], message: str) -> None:
    out = tmp_path / "out.json"
    nc = tmp_path / "out.nc"
    result = runner.invoke(
        app, ["simulate", TINY, *args, "--json", str(out), "--netcdf", str(nc)]
    )
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists() and not nc.exists()
    assert list(tmp_path.iterdir()) == []


def test_simulate_rejects_non_numbers() -> None:
    result = runner.invoke(app, ["simulate", TINY, "--draws", "many"])
    assert result.exit_code == 2


def test_simulate_missing_scenario(tmp_path: Path) -> None:
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["simulate", str(tmp_path / "nope.toml"), "--json", str(out)])
    assert result.exit_code == 2
    assert not out.exists()


@pytest.mark.parametrize(
    "args",
    [["--draws", "0"], ["--seed", "-3"], ["--months", "999"]],
)
def test_compare_rejects_bad_settings(tmp_path: Path, args: list[str]) -> None:
    out = tmp_path / "cmp.json"
    result = runner.invoke(app, ["compare", TINY, TINY, *args, "--json", str(out)])
    assert result.exit_code == 2
    assert not out.exists()


def test_simulate_writes_reproducible_outputs(tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    for path in (first, second):
        result = runner.invoke(
            app, ["simulate", TINY, "--draws", "500", "--seed", "7", "--json", str(path)]
        )
        assert result.exit_code == 0, result.output
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["seed"] == 7 and data["draws"] == 500
    assert len(data["scenario_hash"]) == 64 and data["forceplan_version"]
    assert "median" in result.output
    assert "assumptions, not facts" in result.output
    metrics = {row["metric"] for row in data["summary"]}
    assert {"deployed_personnel", "tied_up_personnel", "coverage", "cumulative_cost_usd_m",
            "trained_added", "deterrence_ratio", "p_offensive"} <= metrics


def test_simulate_netcdf_carries_provenance(tmp_path: Path) -> None:
    pytest.importorskip("h5py")
    import xarray as xr

    nc = tmp_path / "run.nc"
    result = runner.invoke(
        app, ["simulate", TINY, "--draws", "300", "--seed", "2", "--netcdf", str(nc)]
    )
    assert result.exit_code == 0, result.output
    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert ds.attrs["seed"] == 2
        assert len(ds.attrs["scenario_hash"]) == 64
        assert "forceplan_version" in ds.attrs
        assert set(ds.deployed_personnel.dims) == {"kept_draw", "month", "nation"}
        assert set(ds.coverage.dims) == {"kept_draw", "month", "mission", "capability"}


def test_compare_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "cmp.json"
    result = runner.invoke(
        app, ["compare", TINY, TINY, "--draws", "400", "--seed", "1", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert data["seed"] == 1
    assert all(row["diff_p05"] == 0 and row["diff_p95"] == 0 for row in data["rows"])
    assert "Comparison" in result.output


def test_simulate_reports_bad_simulation_settings(tmp_path: Path) -> None:
    text = Path(TINY).read_text() + '\n[simulation]\nforced_exits = { ZZZ = 5 }\n'
    bad = tmp_path / "bad.toml"
    bad.write_text(text)
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["simulate", str(bad), "--draws", "10", "--json", str(out)])
    assert result.exit_code == 2
    assert "unknown nation 'ZZZ'" in result.output
    assert not out.exists()


def test_simulate_states_cost_basis_payer_and_hazard_parts(tmp_path: Path) -> None:
    pytest.importorskip("h5py")
    import xarray as xr

    nc, out = tmp_path / "run.nc", tmp_path / "run.json"
    result = runner.invoke(
        app,
        ["simulate", TINY, "--draws", "300", "--seed", "2", "--netcdf", str(nc),
         "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Cost basis: additional (incremental) cost" in text
    assert "costs lie where they fall" in text
    assert "What the offensive hazard is made of" in text
    assert "Flags on the ground" in text and "Russian forces facing Ukraine" in text
    data = json.loads(out.read_text())
    assert data["cost_basis"] == "additional" and data["funding_rule"] == "where_they_fall"
    assert "hazard_multiplier" in {row["metric"] for row in data["summary"]}
    with xr.open_dataset(nc, engine="h5netcdf") as ds:
        assert ds.attrs["cost_basis"] == "additional"
        assert ds.attrs["funding_rule"] == "where_they_fall"
        assert ds.summary_cumulative_paid_usd_m.attrs["cost_basis"] == "additional"
        assert set(ds.log_hazard_part.dims) == {"kept_draw", "month", "hazard_part"}


def test_compare_says_who_pays_and_attributes_the_difference(tmp_path: Path) -> None:
    un = tmp_path / "un.toml"
    un.write_text(f'extends = "{TINY}"\nname = "tiny_un"\n[costs]\nfunding = "un_assessed"\n')
    out = tmp_path / "cmp.json"
    result = runner.invoke(
        app,
        ["compare", TINY, str(un), "--draws", "300", "--seed", "1", "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "who pays" in text and "where they fall" in text and "UN budget" in text
    assert "cost basis" in text
    assert "What moves P(renewed offensive by end)" in text
    data = json.loads(out.read_text())
    assert data["funding_rule"] == ["where_they_fall", "un_assessed"]
    parts = [r for r in data["rows"] if r["outcome"].startswith("p_offensive_part_")]
    assert {r["outcome"] for r in parts} == {
        f"p_offensive_part_{p}"
        for p in ("baseline", "ukraine", "training", "force", "flags", "backstop")
    }
    paid = [r for r in data["rows"] if r["outcome"] == "un_paid_usd_m"]
    assert paid[0]["p50"] == 0 and paid[1]["p50"] > 0


def test_plan_states_what_its_costs_mean(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", TINY, "--json", str(out)], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Costs: additional (incremental) cost" in text and "Who pays: costs lie" in text
    data = json.loads(out.read_text())
    assert data["costs"]["basis"] == "additional"
    assert data["costs"]["funding_rule"] == "where_they_fall"
