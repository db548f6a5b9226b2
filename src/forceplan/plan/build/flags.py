"""Flags on the ground (the multinational tripwire) and lead nations."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild
from forceplan.plan.model import Requirement


def flag_slots(b: PhaseBuild, reqs: list[Requirement]) -> int:
    """Most distinct nations the on-ground lines of ``reqs`` can hold.

    A whole unit holds one nation; a multinational unit of ``per_unit``
    sub-units holds its framework nation and up to ``per_unit -
    framework_min`` partners with one sub-unit each.
    """
    slots = 0
    for r in reqs:
        if not r.mission.on_ground:
            continue
        sub_unit = r.capability.sub_unit
        per_unit = 1 if sub_unit is None else sub_unit.size - sub_unit.framework_share + 1
        slots += r.required * per_unit
    return slots


def add_min_flags(b: PhaseBuild) -> None:
    """``flag[n] <= sum of n's units and sub-units on on-ground missions`` and
    ``sum_n flag[n] >= min(min_nations_on_ground, flag slots)``."""
    s, model = b.scenario, b.model
    wanted_total = s.constraints.min_nations_on_ground
    slots = flag_slots(b, b.reqs)
    if wanted_total > slots > 0:
        model.notes.append(
            f"phase {b.phase.id}: the on-ground requirements hold at most {slots} nations, "
            f"so at most {slots} (not {wanted_total}) can be on the ground"
        )
    wanted = min(wanted_total, slots)
    if wanted <= 0 or not b.enabled("min_flags"):
        return
    on_ground = {m.id for m in s.missions if m.on_ground}
    by_nation = b.by_nation()
    for nation in s.nations:
        cols = [x.col for x in by_nation.get(nation.iso, []) if x.mission_id in on_ground]
        if not cols:
            continue
        y = model.add_col(f"on_ground[{nation.iso}]", 0.0, 1.0, True)
        model.flag[nation.iso] = y
        model.add_row(
            f"flag_needs_units[{nation.iso}]",
            [(y, 1.0)] + [(c, -1.0) for c in cols],
            -math.inf,
            0.0,
        )
    model.add_row(
        "min_nations_on_ground", [(y, 1.0) for y in model.flag.values()], float(wanted), math.inf
    )


def add_lead_nations(b: PhaseBuild) -> None:
    """``sum over lead nations of (whole units + units framed) on the mission >= 1``.

    A lead nation leads with a unit of its own or a multinational unit it
    frames; a company in another nation's unit does not lead.
    """
    if not b.enabled("lead_nations"):
        return
    model = b.model
    needed = {r.mission.id for r in b.reqs}
    for mission_id, leads in b.scenario.constraints.lead_nations.items():
        if mission_id not in needed:
            continue
        cols = [
            col
            for (iso, _, m), col in (*model.x.items(), *model.frame.items())
            if m == mission_id and iso in leads
        ]
        model.add_row(f"lead_nation[{mission_id}]", [(c, 1.0) for c in cols], 1.0, math.inf)
