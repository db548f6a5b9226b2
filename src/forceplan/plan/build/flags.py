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
    ``sum_n flag[n] (+ missing) >= min(min_nations_on_ground, flag slots)``.

    With soft goals (``constraints.goals``, the default) the column ``missing``
    takes up what the plan cannot meet; its tier comes before every other
    (docs/planner.md, section 5), so a plan that can meet the goal does.
    """
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
    model.flags_wanted = wanted
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
    terms = [(y, 1.0) for y in model.flag.values()]
    if b.soft_goals:
        # a goal: the flags short of it are a column, minimised in a tier of its own
        gap = model.add_col("flags_missing", 0.0, float(wanted), False)
        model.flag_gap = gap
        terms.append((gap, 1.0))
    model.add_row("min_nations_on_ground", terms, float(wanted), math.inf)


def add_lead_nations(b: PhaseBuild) -> None:
    """``sum over lead nations of (whole units + units framed) on the mission >= 1``.

    A lead nation leads with a unit of its own or a multinational unit it
    frames; a company in another nation's unit does not lead. With soft goals a
    column ``missing`` (0..1) joins the row, minimised in the first tier.
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
        terms = [(c, 1.0) for c in cols]
        if b.soft_goals:
            # a goal: 1 when none of the lead nations leads there, minimised in its tier
            gap = model.add_col(f"lead_nation_missing[{mission_id}]", 0.0, 1.0, False)
            model.lead_gap[mission_id] = gap
            terms.append((gap, 1.0))
        model.add_row(f"lead_nation[{mission_id}]", terms, 1.0, math.inf)
