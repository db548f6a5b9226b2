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

from forceplan.scenario import Scenario
from forceplan.simulate.deterrence import HAZARD_PART_LABELS, shapley_attribution
from forceplan.simulate.engine import OUTCOMES, ProgressCallback, Run, start_run, validate_run
from forceplan.simulate.inputs import PlanLike
from forceplan.simulate.summary import band
from forceplan.simulate.threads import single_blas_thread

#: outcome -> (label, unit)
OUTCOME_LABELS: dict[str, tuple[str, str]] = {
    "deployed_personnel_mean": ("Deployed, average", "personnel"),
    "tied_up_personnel_mean": ("Tied up by rotation, average", "personnel"),
    "coverage_mean": ("Requirement coverage", "share"),
    "total_cost_usd_m": ("Total cost (US$)", "US$ m"),
    "un_paid_usd_m": ("Paid by the UN budget (US$)", "US$ m"),
    "peak_budget_share_pct": ("Heaviest burden, % of a defence budget a year", "percent"),
    "nations_left": ("Contributors that leave", "nations"),
    "trained_added_end": ("Ukrainians trained", "personnel"),
    "russia_force_end": ("Russian forces at end", "personnel"),
    "deterrence_ratio_end": ("Deterrence ratio at end", "ratio"),
    "p_offensive_end": ("P(renewed offensive by end)", "probability"),
    "p_offensive_24m": ("P(renewed offensive within 24 months)", "probability"),
}
#: rows of the attribution of the paired difference in P(offensive by end) to hazard parts
PART_PREFIX = "p_offensive_part_"
ATTRIBUTION_NOTE = (
    "The paired difference in P(offensive by end) from the first scenario, split among the "
    "parts of the log hazard by their Shapley values, draw by draw; the parts' means add up to "
    "the mean difference (their medians need not)."
)

Planner = Callable[[Scenario, bool | None], PlanLike]


def _default_planner(scenario: Scenario, backstop: bool | None) -> PlanLike:
    from forceplan.plan import plan_scenario

    return plan_scenario(scenario, backstop=backstop)


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

    Rows ``p_offensive_part_<part>`` attribute the paired difference in P(offensive by
    end) to each part of the hazard (Shapley values; only their ``diff_`` columns are
    filled). ``plans`` (one per scenario) skips planning; otherwise ``planner``
    (default ``forceplan.plan.plan_scenario``) is called with each scenario and ``backstop``.
    ``attrs`` of the frame carry seed, draws, scenario hashes, cost bases and version.
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
    runs = [
        start_run(
            scenario,
            plans[k] if plans is not None else make_plan(scenario, backstop),
            draws,
            seed,
            months=months,
            keep_draws=0,
        )
        for k, scenario in enumerate(scenarios)
    ]
    shares = _run_in_lockstep(runs, progress)
    datasets = [run.dataset() for run in runs]
    base = {o: np.asarray(datasets[0][f"outcome_{o}"].values, dtype=float) for o in OUTCOMES}
    rows = []
    for name, ds, share in zip(names, datasets, shares, strict=True):
        for o in OUTCOME_LABELS:
            x = np.asarray(ds[f"outcome_{o}"].values, dtype=float)
            rows.append({"scenario": name, "outcome": o, **band(x), **band(x - base[o], "diff_")})
        for i, part in enumerate(runs[0].hazard_part_names if share is not None else ()):
            assert share is not None
            nothing = {k: float("nan") for k in band(share[:, i])}
            rows.append({"scenario": name, "outcome": f"{PART_PREFIX}{part}", **nothing,
                         **band(share[:, i], "diff_")})
    frame = pd.DataFrame(rows)
    frame.attrs = {
        "seed": seed,
        "draws": draws,
        "scenarios": names,
        "scenario_hashes": [str(ds.attrs["scenario_hash"]) for ds in datasets],
        "months": [int(ds.attrs["months"]) for ds in datasets],
        "backstop_enabled": [bool(ds.attrs["backstop_enabled"]) for ds in datasets],
        "plan_unmet_units": [float(ds.attrs["plan_unmet_units"]) for ds in datasets],
        "cost_basis": [str(ds.attrs["cost_basis"]) for ds in datasets],
        "funding_rule": [str(ds.attrs["funding_rule"]) for ds in datasets],
        "cost_notes": [str(ds.attrs["cost_note"]) for ds in datasets],
        "hazard_parts": list(runs[0].hazard_part_names) if shares[0] is not None else [],
        "attribution_note": ATTRIBUTION_NOTE if shares[0] is not None else "",
        "forceplan_version": str(datasets[0].attrs["forceplan_version"]),
        "deterrence_note": str(datasets[0].attrs["deterrence_note"]),
    }
    return frame


def _run_in_lockstep(
    runs: list[Run], progress: ProgressCallback | None
) -> list[np.ndarray | None]:
    """Step every run block by block; per run, each draw's Shapley split (draws, parts)
    of its difference from the first run in P(offensive by end), or None if the hazard
    parts are not comparable (a custom hazard without parts, or different horizons)."""
    total = runs[0].draws * len(runs)
    with single_blas_thread():  # small matrix products: extra BLAS threads only wait
        split, comparable = _lockstep(runs, progress, total)
    if not comparable:
        return [None for _ in runs]
    return [np.concatenate(parts, axis=0) for parts in split]


def _lockstep(
    runs: list[Run], progress: ProgressCallback | None, total: int
) -> tuple[list[list[np.ndarray]], bool]:
    split: list[list[np.ndarray]] = [[] for _ in runs]
    comparable = True
    for _ in range(runs[0].blocks):
        results = [run.step(want_parts=True) for run in runs]
        first = results[0]
        comparable = comparable and all(
            r.hazard_parts is not None
            and first.hazard_parts is not None
            and r.hazard_part_names == first.hazard_part_names
            and r.hazard_parts.shape == first.hazard_parts.shape
            for r in results
        )
        if comparable:
            assert first.hazard_parts is not None
            for k, r in enumerate(results):
                assert r.hazard_parts is not None
                split[k].append(shapley_attribution(first.hazard_parts, r.hazard_parts))
        if progress is not None:
            progress(sum(run.done for run in runs), total)
    return split, comparable


def part_label(outcome: str) -> str:
    """Row label of an attribution row (``p_offensive_part_<part>``)."""
    part = outcome.removeprefix(PART_PREFIX)
    return HAZARD_PART_LABELS.get(part, part)


def compare_table(frame: pd.DataFrame) -> pd.DataFrame:
    """Wide view: one row per outcome, one column per scenario ("median [p5-p95]")."""
    wide: dict[str, dict[str, str]] = {}
    for rec in frame.itertuples(index=False):
        if str(rec.outcome).startswith(PART_PREFIX):
            cell = f"{rec.diff_p50:,.3g} [{rec.diff_p05:,.3g}-{rec.diff_p95:,.3g}]"
        else:
            cell = f"{rec.p50:,.3g} [{rec.p05:,.3g}-{rec.p95:,.3g}]"
        wide.setdefault(str(rec.outcome), {})[str(rec.scenario)] = cell
    return pd.DataFrame(wide).T
