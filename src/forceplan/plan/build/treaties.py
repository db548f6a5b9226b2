"""Treaty limits: linear caps on what some nations may put on some missions at once."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild
from forceplan.scenario.model import Capability, Nation, Scenario


def treaty_applies(scenario: Scenario, limit_index: int, nation: Nation | None) -> bool:
    """Whether treaty limit ``limit_index`` binds ``nation`` (None = the backstop provider)."""
    limit = scenario.constraints.treaty_limits[limit_index]
    if nation is None:
        return not limit.nations and limit.applies_to in ("all", "non_black_sea_states")
    if limit.nations:
        return nation.iso in limit.nations
    if limit.applies_to == "non_black_sea_states":
        return not nation.black_sea_state
    if limit.applies_to == "black_sea_states":
        return nation.black_sea_state
    return True


def treaty_coefficient(
    scenario: Scenario, limit_index: int, cap: Capability, mission_id: str
) -> float:
    """What one unit of ``cap`` on ``mission_id`` counts towards the limit."""
    limit = scenario.constraints.treaty_limits[limit_index]
    if limit.capabilities and cap.id not in limit.capabilities:
        return 0.0
    if limit.missions and mission_id not in limit.missions:
        return 0.0
    if limit.measure == "units":
        return 1.0
    if limit.measure == "personnel":
        return cap.personnel_per_unit.value
    return cap.displacement_tonnes.value if cap.displacement_tonnes is not None else 0.0


def add_treaty_limits(b: PhaseBuild) -> None:
    """``sum coef x units (+ backstop) <= maximum`` per limit, over the nations it binds."""
    if not b.enabled("treaty_limits"):
        return
    s, model = b.scenario, b.model
    nations = {n.iso: n for n in s.nations}
    for i, limit in enumerate(s.constraints.treaty_limits):
        terms: list[tuple[int, float]] = []
        for x in b.sent:
            if treaty_applies(s, i, nations[x.iso]):
                coef = treaty_coefficient(s, i, x.cap, x.mission_id)
                if coef:
                    terms.append((x.col, coef * x.share))
        if treaty_applies(s, i, None):
            for (cap_id, mission_id), col in model.backstop.items():
                coef = treaty_coefficient(s, i, s.capability(cap_id), mission_id)
                if coef:
                    terms.append((col, coef))
        if terms:
            model.add_row(f"treaty[{i}]", terms, -math.inf, limit.maximum.value)
