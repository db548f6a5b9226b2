"""The tiers of the lexicographic objective, in order (docs/planner.md, section 5)."""

from __future__ import annotations

from forceplan.plan.build.context import PhaseBuild
from forceplan.plan.build.offers import OFFER_STAGE, offer_stage_coefficients
from forceplan.plan.model import FLAGS_STAGE, LEAD_STAGE, Stage


def add_stages(b: PhaseBuild, cost_terms: list[tuple[int, float]]) -> None:
    """Political goals missed (lead nations, then flags on the ground), unmet
    requirement by priority (weighted personnel), backstop units, units below
    soft floors, flank drain, offers' unused share, burden deviation, cost."""
    model, reqs = b.model, b.reqs
    # the goals' shortfalls are whole numbers at every optimum (1 - units sent, or
    # the flags short, both integral), so their tiers are held as integers
    if model.lead_gap:
        model.stages.append(
            Stage(LEAD_STAGE, {c: 1.0 for c in model.lead_gap.values()}, True, goal=True)
        )
    if model.flag_gap is not None:
        model.stages.append(Stage(FLAGS_STAGE, {model.flag_gap: 1.0}, True, goal=True))
    for level in sorted({r.mission.priority for r in reqs}):
        coeffs = {
            model.unmet[(r.mission.id, r.capability.id)]: r.capability.unmet_weight
            for r in reqs
            if r.mission.priority == level
        }
        integral = all(float(c).is_integer() for c in coeffs.values())
        model.stages.append(Stage(f"unmet_priority_{level}_personnel", coeffs, integral))
    if model.backstop:
        model.stages.append(
            Stage("backstop_units", {c: 1.0 for c in model.backstop.values()}, True)
        )
    if model.below:
        model.stages.append(
            Stage("below_floor_units", {c: 1.0 for c in model.below.values()}, False)
        )
    if any(model.col_upper[c] > 0 for c in model.drain.values()):
        model.stages.append(
            Stage("flank_drain_units", {c: 1.0 for c in model.drain.values()}, True)
        )
    if model.offer_gap:
        model.stages.append(Stage(OFFER_STAGE, offer_stage_coefficients(b), False))
    if model.dev_cols:
        model.stages.append(
            Stage("burden_deviation_usd_m", {c: 1.0 for c in model.dev_cols}, False)
        )
    if cost_terms:
        cost_coeffs: dict[int, float] = {}
        for col, cost in cost_terms:
            cost_coeffs[col] = cost_coeffs.get(col, 0.0) + cost
        model.stages.append(Stage("annual_cost_usd_m", cost_coeffs, False))
