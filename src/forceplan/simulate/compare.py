"""Side-by-side comparison of scenarios with common random numbers.

Every scenario is simulated with the same seed; because random streams are
keyed by parameter name and nation code (not by position), draw ``i`` of
every scenario sees the same values of every shared uncertainty and the same
political climate and national exit propensities. Differences against the
first scenario are therefore computed draw by draw (paired), so they are not
Monte Carlo noise: a scenario compared with itself differs by exactly zero.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from forceplan.scenario import Scenario
from forceplan.simulate.engine import OUTCOMES, ProgressCallback, simulate_plan, validate_run
from forceplan.simulate.inputs import PlanLike
from forceplan.simulate.summary import band

#: outcome -> (label, unit)
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "deployed_personnel_mean": ("Deployed, average", "personnel"),
    "tied_up_personnel_mean": ("Tied up by rotation, average", "personnel"),
    "coverage_mean": ("Requirement coverage", "share"),
    "total_cost_usd_m": ("Total cost (US$)", "US$ m"),
    "nations_left": ("Contributors that leave", "nations"),
    "trained_added_end": ("Ukrainians trained", "personnel"),
    "deterrence_ratio_end": ("Deterrence ratio at end", "ratio"),
    "p_offensive_end": ("P(renewed offensive by end)", "probability"),
}

Planner = Callable[[Scenario, bool | None], PlanLike]


def _default_planner(scenario: Scenario, backstop: bool | None) -> PlanLike:
    from forceplan.plan import plan

    return plan(scenario, backstop=backstop)


def compare(
    scenarios: Sequence[Scenario],
    draws: int = 1000,
    seed: int = 0,
    *,
    labels: Sequence[str] | None = None,
    backstop: bool | None = None,
    months: int | None = None,
    planner: Planner | None = None,
    plans: Sequence[PlanLike] | None = None,
    progress: ProgressCallback | None = None,
) -> pd.DataFrame:
    """One row per (scenario, outcome): mean, 5/50/95th percentiles, and the paired
    difference against the first scenario (mean and percentiles of x_s - x_0 per draw).

    ``plans`` (one per scenario) skips planning; otherwise ``planner`` (default
    ``forceplan.plan.plan``) is called with each scenario and ``backstop``.
    ``attrs`` of the frame carry seed, draws, scenario hashes and version.
    """
    validate_run(draws, seed, months)
    if not scenarios:
        raise ValueError("compare needs at least one scenario")
    names = list(labels) if labels is not None else [s.name for s in scenarios]
    if len(names) != len(scenarios):
        raise ValueError("one label per scenario")
    make_plan = planner or _default_planner
    if plans is not None and len(plans) != len(scenarios):
        raise ValueError("one plan per scenario")
    runs: list[xr.Dataset] = []
    for k, scenario in enumerate(scenarios):
        done_before = k * draws

        def step(done: int, total: int, offset: int = done_before) -> None:
            if progress is not None:
                progress(offset + done, total * len(scenarios))

        runs.append(
            simulate_plan(
                scenario,
                plans[k] if plans is not None else make_plan(scenario, backstop),
                draws,
                seed,
                months=months,
                keep_draws=0,
                progress=step,
            )
        )
    base = {o: np.asarray(runs[0][f"outcome_{o}"].values, dtype=float) for o in OUTCOMES}
    rows = []
    for name, ds in zip(names, runs, strict=True):
        for o in OUTCOME_LABELS:
            x = np.asarray(ds[f"outcome_{o}"].values, dtype=float)
            d = x - base[o]
            rows.append({"scenario": name, "outcome": o, **band(x), **band(d, "diff_")})
    frame = pd.DataFrame(rows)
    frame.attrs = {
        "seed": seed,
        "draws": draws,
        "scenarios": names,
        "scenario_hashes": [str(ds.attrs["scenario_hash"]) for ds in runs],
        "months": [int(ds.attrs["months"]) for ds in runs],
        "backstop_enabled": [bool(ds.attrs["backstop_enabled"]) for ds in runs],
        "plan_unmet_units": [float(ds.attrs["plan_unmet_units"]) for ds in runs],
        "forceplan_version": str(runs[0].attrs["forceplan_version"]),
        "deterrence_note": str(runs[0].attrs["deterrence_note"]),
    }
    return frame


def compare_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Wide view: one row per outcome, one column per scenario ("median [p5-p95]")."""
    wide: dict[str, dict[str, str]] = {}
    for rec in frame.itertuples(index=False):
        cell = f"{rec.p50:,.3g} [{rec.p05:,.3g}-{rec.p95:,.3g}]"
        wide.setdefault(str(rec.outcome), {})[str(rec.scenario)] = cell
    return pd.DataFrame(wide).T
