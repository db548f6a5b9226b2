"""Enabler-to-manoeuvre ratios: the force sent must be one that can be supported."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild


def add_enabler_ratios(b: PhaseBuild) -> None:
    """``units of enablers - ratio x units of manoeuvre capabilities >= 0``, whole force.

    Units are counted over every mission of the phase: the coalition's whole
    and multinational units plus the backstop's. A phase that requires none
    of the manoeuvre capabilities has no row.
    """
    if not b.enabled("enabler_ratios"):
        return
    s, model = b.scenario, b.model
    needed = {r.capability.id for r in b.reqs}
    for i, rule in enumerate(s.constraints.enabler_ratios):
        if not needed & set(rule.per):
            continue
        ratio = rule.ratio.value
        terms: list[tuple[int, float]] = []
        for req in b.reqs:
            cap_id, mission_id = req.capability.id, req.mission.id
            if cap_id in rule.enablers:
                coef = 1.0
            elif cap_id in rule.per:
                coef = -ratio
            else:
                continue
            cols = b.filled(cap_id, mission_id)
            backstop = model.backstop.get((cap_id, mission_id))
            if backstop is not None:
                cols.append(backstop)
            terms.extend((col, coef) for col in cols)
        model.add_row(f"enabler_ratio[{i}]", terms, 0.0, math.inf)
