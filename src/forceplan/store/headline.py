"""A few headline numbers per run, kept on the run's row for listings (`forceplan runs`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from forceplan.store.results import DATASET, FRAME, PLAN, ResultPart


def headline(parts: Sequence[ResultPart]) -> dict[str, Any]:
    """Headline numbers of a run's results, read from their tables (missing columns skipped).

    plan: status, peak coalition personnel deployed, cost over the plan (US$ m),
    unmet unit-phases; simulation: median total cost, coverage and P(offensive)
    at the end; comparison: the number of scenarios.
    """
    out: dict[str, Any] = {}
    kinds = {p.kind for p in parts}
    if FRAME in kinds:
        frame = next(p for p in parts if p.kind == FRAME)
        out["scenarios"] = len(frame.meta.get("scenarios") or [])
        return out
    if DATASET in kinds:
        outcomes = next(p for p in parts if p.kind == DATASET).tables.get("outcomes")
        if outcomes is not None and "outcome" in outcomes:
            medians = dict(zip(outcomes["outcome"], outcomes["p50"], strict=True))
            for key in ("total_cost_usd_m", "coverage_mean", "p_offensive_end"):
                if key in medians:
                    out[f"{key}_p50"] = float(medians[key])
    plan = next((p for p in parts if p.kind == PLAN), None)
    if plan is not None:
        out.update(_plan_headline(plan))
    return out


def _plan_headline(part: ResultPart) -> dict[str, Any]:
    out: dict[str, Any] = {"plan_status": part.meta.get("status")}
    nations, phases = part.tables.get("nations"), part.tables.get("phases")
    if nations is not None and {"phase", "deployed_personnel"} <= set(nations.columns):
        per_phase = nations.groupby("phase")["deployed_personnel"].sum()
        out["peak_deployed"] = float(per_phase.max()) if len(per_phase) else 0.0
        if phases is not None and "annual_cost_usd_m" in nations and "months" in phases:
            months = phases.set_index("phase")["months"]
            cost = nations["annual_cost_usd_m"] * nations["phase"].map(months) / 12
            out["cost_usd_m"] = float(cost.sum())
    short = part.tables.get("shortfalls")
    if short is not None and "unmet" in short:
        out["unmet_units"] = float(short["unmet"].sum())
    return out
