"""Small runs on the tiny fixture, shared by the store tests."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import xarray as xr

from forceplan import load_scenario, plan_scenario
from forceplan.plan import PlanResult
from forceplan.scenario import Scenario

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"


@cache
def tiny() -> Scenario:
    return load_scenario(TINY)


@cache
def tiny_plan() -> PlanResult:
    return plan_scenario(tiny())


@cache
def tiny_simulation(draws: int = 400, seed: int = 3) -> xr.Dataset:
    from forceplan.simulate import simulate_plan

    return simulate_plan(tiny(), tiny_plan(), draws, seed, keep_draws=50)
