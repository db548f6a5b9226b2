"""Stage 3: simulate a plan month by month under uncertainty (Monte Carlo).

Python API::

    from forceplan import load_scenario, simulate_scenario
    ds = simulate_scenario(load_scenario("reassurance-2025"), draws=10_000, seed=7)
    ds.summary_p_offensive.sel(stat="p50")          # per year
    ds.deployed_personnel.sel(nation="GBR").mean("kept_draw")

See docs/model.md for the model and its sources.
"""

from __future__ import annotations

import xarray as xr

from forceplan.scenario import Scenario
from forceplan.simulate.compare import compare, compare_table
from forceplan.simulate.deterrence import (
    HAZARD_PARTS,
    HazardFunction,
    HazardInputs,
    default_offensive_hazard,
    offensive_hazard_parts,
    shapley_attribution,
)
from forceplan.simulate.engine import (
    DETERRENCE_NOTE,
    MAX_DRAWS,
    ProgressCallback,
    simulate_plan,
    validate_run,
)
from forceplan.simulate.inputs import PlanLike, SimplePlan, compile_inputs
from forceplan.simulate.parameters import (
    DEFAULT_UNCERTAINTIES,
    effective_uncertainties,
    model_numbers,
)
from forceplan.simulate.summary import summary, summary_to_json


def simulate_scenario(
    scenario: Scenario,
    draws: int = 1000,
    seed: int = 0,
    *,
    backstop: bool | None = None,
    months: int | None = None,
    hazard: HazardFunction | None = None,
    keep_draws: int | None = None,
    progress: ProgressCallback | None = None,
) -> xr.Dataset:
    """Plan ``scenario`` (``forceplan.plan.plan_scenario``) and run it forward month by month.

    Returns an :class:`xarray.Dataset` with monthly trajectories of the first
    ``keep_draws`` draws (default up to 1,000) on dims (draw, month, nation,
    mission, capability), one scalar outcome per draw on dim ``sample``, and
    ``summary_*`` variables (mean, 5th, 50th, 95th percentile per year over all
    draws). ``hazard`` replaces the offensive-hazard model (see
    :class:`HazardInputs`). Same seed and scenario give bit-identical results.
    """
    validate_run(draws, seed, months)
    from forceplan.plan import plan_scenario

    result = plan_scenario(scenario, backstop=backstop)
    return simulate_plan(
        scenario,
        result,
        draws,
        seed,
        months=months,
        hazard=hazard,
        keep_draws=keep_draws,
        progress=progress,
    )


__all__ = [
    "DEFAULT_UNCERTAINTIES",
    "DETERRENCE_NOTE",
    "HAZARD_PARTS",
    "MAX_DRAWS",
    "HazardFunction",
    "HazardInputs",
    "PlanLike",
    "SimplePlan",
    "compare",
    "compare_table",
    "compile_inputs",
    "default_offensive_hazard",
    "effective_uncertainties",
    "model_numbers",
    "offensive_hazard_parts",
    "shapley_attribution",
    "simulate_scenario",
    "simulate_plan",
    "summary",
    "summary_to_json",
    "validate_run",
]
