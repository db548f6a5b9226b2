"""`drivers`: which declared uncertainties move which outcomes."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from forceplan import load_scenario, simulate_scenario
from forceplan.simulate.drivers import drivers, noise_level

DRAWS = 1000


@pytest.fixture(scope="module")
def flagship_drivers() -> pd.DataFrame:
    ds = simulate_scenario(load_scenario("reassurance-2025"), draws=DRAWS, seed=11)
    return drivers(ds)


def test_unit_costs_and_overrun_drive_cost_and_retention_does_not(
    flagship_drivers: pd.DataFrame,
) -> None:
    """Cost is sampled unit cost times the overrun factor (docs/model.md, "Cost"). Issue 7
    found the cost band reflected the overrun alone because the unit-cost ranges were never
    sampled; now the unit costs of the big land units rank-correlate strongly with total
    cost and the overrun still does, less. Trainee retention enters only Ukraine's
    strength, never cost, so its correlation with cost is sampling noise: for independent
    inputs rho has standard error 1/sqrt(n-1), and 4 standard errors bound it with
    overwhelming probability."""
    table = flagship_drivers
    bound = 4 / (DRAWS - 1) ** 0.5
    infantry = table.loc["unit_cost_infantry_battalion", "total_cost_usd_m"]
    assert infantry > 0.5
    assert bound < table.loc["cost_overrun", "total_cost_usd_m"] < infantry
    assert abs(table.loc["trainee_retention", "total_cost_usd_m"]) < bound
    # Rows come ordered by their largest absolute correlation.
    strength = table.abs().max(axis=1).to_numpy()
    assert list(strength) == sorted(strength, reverse=True)


def test_fixed_parameter_has_zero_correlation(tmp_path: Path) -> None:
    variant = tmp_path / "fixed.toml"
    variant.write_text(
        'extends = "reassurance-2025"\n'
        '[uncertainties.cost_overrun]\ndistribution = "fixed"\nvalue = 1.0\n'
    )
    ds = simulate_scenario(load_scenario(variant), draws=200, seed=1)
    assert drivers(ds, ["total_cost_usd_m"]).loc["cost_overrun", "total_cost_usd_m"] == 0.0


def test_unknown_outcome_is_refused() -> None:
    ds = simulate_scenario(load_scenario("reassurance-2025"), draws=50, seed=1)
    with pytest.raises(ValueError, match="unknown outcome"):
        drivers(ds, ["happiness"])


def test_noise_level() -> None:
    assert noise_level(401) == pytest.approx(0.1)
