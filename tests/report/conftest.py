"""The flagship planned once and simulated once (1,000 draws) for every report test."""

from __future__ import annotations

import pandas as pd
import pytest
import xarray as xr

from forceplan import load_scenario, plan_scenario
from forceplan.plan import PlanResult
from forceplan.scenario import Scenario


@pytest.fixture(scope="session")
def flagship() -> Scenario:
    return load_scenario("reassurance-2025")


@pytest.fixture(scope="session")
def flagship_plan(flagship: Scenario) -> PlanResult:
    return plan_scenario(flagship)


@pytest.fixture(scope="session")
def tiny_plan() -> PlanResult:
    from pathlib import Path

    return plan_scenario(load_scenario(Path(__file__).parents[1] / "fixtures" / "tiny.toml"))


@pytest.fixture(scope="session")
def flagship_simulation(flagship: Scenario, flagship_plan: PlanResult) -> xr.Dataset:
    from forceplan.simulate import simulate_plan

    return simulate_plan(flagship, flagship_plan, 1000, 7, keep_draws=1000)


@pytest.fixture(scope="session")
def comparison(flagship: Scenario, flagship_plan: PlanResult) -> pd.DataFrame:
    from forceplan.simulate import compare

    small = load_scenario("iiss-small")
    return compare([flagship, small], 300, 7, labels=["flagship", "small"],
                   plans=[flagship_plan, plan_scenario(small)])
