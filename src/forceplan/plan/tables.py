"""The tables of :class:`PlanResult`, read from the solved phase models.

Column meanings are in docs/planner.md, section 8.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from forceplan.plan.build.offers import offer_minimum
from forceplan.plan.diagnose import explain_flags_goal, explain_lead_goal, explain_offer
from forceplan.plan.model import CONTINUITY_STAGE, tied_up_personnel
from forceplan.plan.result import (
    ALLOCATION_COLUMNS,
    FLAG_COLUMNS,
    FLANK_COLUMNS,
    FORCE_COLUMNS,
    GOAL_COLUMNS,
    NATION_COLUMNS,
    OFFER_COLUMNS,
    SHORTFALL_COLUMNS,
)
from forceplan.plan.solve import PhaseSolution
from forceplan.scenario import Scenario
from forceplan.scenario.model import Capability, Nation


def solved(solutions: list[PhaseSolution]) -> list[PhaseSolution]:
    """The phases with a plan: a phase not solved has no rows in any table."""
    return [s for s in solutions if s.solved]


def solved_units(solution: PhaseSolution, col: int | None) -> int:
    return 0 if col is None else int(round(float(solution.values[col])))


@dataclass(frozen=True)
class Sent:
    """What one nation sends on one line in one phase."""

    whole: int
    sub: int
    frames: int
    sub_size: int

    @property
    def units(self) -> float:
        """Unit-equivalents in theatre: whole units plus sub-units / per_unit."""
        return self.whole + (self.sub / self.sub_size if self.sub_size else 0.0)


def sent(sol: PhaseSolution) -> dict[tuple[str, str, str], Sent]:
    """(iso, cap, mission) -> what the nation sends there (anything > 0)."""
    model = sol.model
    keys = set(model.x) | set(model.sub) | set(model.frame)
    out: dict[tuple[str, str, str], Sent] = {}
    for key in keys:
        whole = solved_units(sol, model.x.get(key))
        frames = solved_units(sol, model.frame.get(key))
        sub = solved_units(sol, model.sub.get(key)) + frames * model.core_size.get(key[1], 0)
        if whole or sub or frames:
            out[key] = Sent(whole, sub, frames, model.sub_size.get(key[1], 0))
    return out


def tours(personnel: float, months: int, cap: Capability) -> float:
    """People who serve a tour while ``personnel`` posts are held for ``months``.

    Each post is filled by ``months / tour_months`` successive tours, so
    ``personnel x months / tour_months`` people serve (a tour that runs past
    the phase counts for its share; summed over phases, the whole mission).
    The Times' arithmetic: 64,000 posts over 24 months of 6-month tours is
    64,000 x 24 / 6 = 256,000 people.
    """
    return personnel * months / cap.tour_months.value


def objective(
    solutions: list[PhaseSolution], changes: dict[str, dict[str, float]]
) -> dict[str, float]:
    """Each tier summed over phases, weighted by the phase's months: unit and
    personnel tiers in unit-months and personnel-months, the offers tier in
    share-months, money tiers in US$ m over the phase (annual x months / 12).

    Continuity counts changes between phases, not a stock held over months:
    ``continuity_units`` is the plain sum of units changed, not weighted.
    """
    out: dict[str, float] = {}
    for sol in solutions:
        months = sol.model.phase.months
        for name, value in sol.stage_values.items():
            if name == CONTINUITY_STAGE:
                continue
            if name.endswith("_usd_m"):
                key, weight = name.replace("annual_", ""), months / 12
            elif name.endswith("_units"):
                key, weight = name.removesuffix("_units") + "_unit_months", months
            else:
                key, weight = name + "_months", months
            out[key] = out.get(key, 0.0) + value * weight
    if changes:
        out[CONTINUITY_STAGE] = float(sum(c["changed"] for c in changes.values()))
    order = sorted(out, key=_tier_rank)
    return {k: round(out[k], 6) for k in order}


def _tier_rank(key: str) -> tuple[int, str]:
    prefixes = [
        "lead_nations",
        "flags",
        "unmet",
        "backstop",
        "below_floor",
        "flank_drain",
        "offer",
        "burden",
        "cost",
        "continuity",
    ]
    for i, prefix in enumerate(prefixes):
        if key.startswith(prefix):
            return i, key
    return len(prefixes), key


def allocations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    mission_order = {m.id: i for i, m in enumerate(scenario.missions)}
    cap_order = {c.id: i for i, c in enumerate(scenario.capabilities)}
    nation_order = {n.iso: i for i, n in enumerate(scenario.nations)}
    phase_order = {p.id: i for i, p in enumerate(scenario.ordered_phases)}
    for sol in solved(solutions):
        for (iso, cap_id, mission_id), what in sent(sol).items():
            cap = scenario.capability(cap_id)
            rows.append(
                (
                    sol.model.phase.id,
                    mission_id,
                    cap_id,
                    iso,
                    what.units,
                    what.whole,
                    what.sub,
                    what.frames,
                    what.units * cap.personnel_per_unit.value,
                    what.units * cap.annual_cost_per_unit_usd_m.value,
                    (
                        phase_order[sol.model.phase.id],
                        mission_order[mission_id],
                        cap_order[cap_id],
                        nation_order[iso],
                    ),
                )
            )
    rows.sort(key=lambda r: r[-1])
    frame = pd.DataFrame([r[:-1] for r in rows], columns=ALLOCATION_COLUMNS)
    return frame.astype(
        {
            "units": "float64",
            "whole_units": "int64",
            "sub_units": "int64",
            "frames": "int64",
            "personnel": "float64",
            "annual_cost_usd_m": "float64",
        }
    )


def shortfalls(solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    for sol in solved(solutions):
        model = sol.model
        filled: dict[tuple[str, str], int] = {}
        for (_, cap_id, mission_id), what in sent(sol).items():
            line = (cap_id, mission_id)
            filled[line] = filled.get(line, 0) + what.whole + what.frames
        for req in model.requirements:
            mission_id, cap_id = req.mission.id, req.capability.id
            coalition = filled.get((cap_id, mission_id), 0)
            if coalition >= req.required:
                continue
            backstop = solved_units(sol, model.backstop.get((cap_id, mission_id)))
            unmet = req.required - coalition - backstop
            rows.append(
                (
                    model.phase.id,
                    mission_id,
                    cap_id,
                    req.required,
                    coalition,
                    backstop,
                    unmet,
                    unmet * req.capability.personnel_per_unit.value,
                )
            )
    frame = pd.DataFrame(rows, columns=SHORTFALL_COLUMNS)
    return frame.astype({c: "int64" for c in SHORTFALL_COLUMNS[3:7]}).astype(
        {"unmet_personnel": "float64"}
    )


def _standing_army(scenario: Scenario, sol: PhaseSolution, nation: Nation) -> float:
    """Army personnel tied up by ``nation``'s standing commitments after the drain."""
    out = 0.0
    for k, com in enumerate(nation.commitments):
        cap = scenario.capability(com.capability)
        if scenario.service(nation, cap) != "army":
            continue
        kept = com.units.value - solved_units(sol, sol.model.drain.get((nation.iso, k)))
        out += tied_up_personnel(kept * cap.personnel_per_unit.value, cap.rotation_ratio.value)
    return out


def nations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    basis = scenario.constraints.burden_sharing.basis
    all_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations)
    by_iso = {n.iso: n for n in scenario.nations}
    rows = []
    for sol in solved(solutions):
        months = sol.model.phase.months
        deployed: dict[str, float] = {}
        tied: dict[str, float] = {}
        served: dict[str, float] = {}
        army_tied: dict[str, float] = {}
        cost: dict[str, float] = {}
        for (iso, cap_id, _), what in sent(sol).items():
            cap = scenario.capability(cap_id)
            people = what.units * cap.personnel_per_unit.value
            tied_people = tied_up_personnel(people, cap.rotation_ratio.value)
            deployed[iso] = deployed.get(iso, 0.0) + people
            tied[iso] = tied.get(iso, 0.0) + tied_people
            served[iso] = served.get(iso, 0.0) + tours(people, months, cap)
            if scenario.service(by_iso[iso], cap) == "army":
                army_tied[iso] = army_tied.get(iso, 0.0) + tied_people
            cost[iso] = cost.get(iso, 0.0) + what.units * cap.annual_cost_per_unit_usd_m.value
        total_cost = sum(cost.values())
        contributors_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations if n.iso in deployed)
        for nation in scenario.nations:
            iso = nation.iso
            gdp = nation.gdp_usd_bn.value
            if basis == "all":
                gdp_share = gdp / all_gdp
            else:
                gdp_share = gdp / contributors_gdp if iso in deployed else 0.0
            nation_cost = cost.get(iso, 0.0)
            army = nation.army_personnel.value
            rows.append(
                (
                    sol.model.phase.id,
                    iso,
                    deployed.get(iso, 0.0),
                    tied.get(iso, 0.0),
                    served.get(iso, 0.0),
                    army_tied.get(iso, 0.0) / army,
                    _standing_army(scenario, sol, nation) / army,
                    nation_cost,
                    nation_cost / (nation.defence_budget_usd_bn.value * 1000.0),
                    nation_cost / total_cost if total_cost > 0 else 0.0,
                    gdp_share,
                )
            )
    return pd.DataFrame(rows, columns=NATION_COLUMNS)


def flank(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    """Per commitment: units held, drawn, kept, floor; and the pool behind it: the
    nation's holdings of the capability, the units its commitments tie up
    (rotation x kept, all its commitments of that capability), the units the
    mission ties up (rotation x deployed) and what is left to reinforce."""
    rows = []
    for sol in solved(solutions):
        deployed: dict[tuple[str, str], float] = {}
        for (iso, cap_id, _), what in sent(sol).items():
            deployed[(iso, cap_id)] = deployed.get((iso, cap_id), 0.0) + what.units
        for nation in scenario.nations:
            kept_by_cap: dict[str, float] = {}
            drawn = []
            for k, com in enumerate(nation.commitments):
                d = solved_units(sol, sol.model.drain.get((nation.iso, k)))
                drawn.append(d)
                kept_by_cap[com.capability] = (
                    kept_by_cap.get(com.capability, 0.0) + com.units.value - d
                )
            for k, com in enumerate(nation.commitments):
                cap = scenario.capability(com.capability)
                ratio = cap.rotation_ratio.value
                owned = nation.units.get(cap.id)
                pool = owned.value if owned is not None else 0.0
                flank_tied = ratio * kept_by_cap[cap.id]
                mission_tied = ratio * deployed.get((nation.iso, cap.id), 0.0)
                held = com.units.value
                kept = held - drawn[k]
                rows.append(
                    (
                        sol.model.phase.id,
                        nation.iso,
                        com.name,
                        com.capability,
                        held,
                        kept,
                        drawn[k],
                        com.floor.value,
                        kept < com.floor.value - 1e-9,
                        drawn[k] * cap.personnel_per_unit.value,
                        pool,
                        flank_tied,
                        mission_tied,
                        pool - flank_tied - mission_tied,
                    )
                )
    frame = pd.DataFrame(rows, columns=FLANK_COLUMNS)
    return frame.astype({"drain": "int64", "below_floor": "bool"})


def offers(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    """Per phase and offer: what was offered, what the plan uses, and why if less."""
    rows = []
    for sol in solved(solutions):
        phase = sol.model.phase
        used: dict[tuple[str, int], float] = {}
        for (iso, cap_id, mission_id), what in sent(sol).items():
            nation = scenario.nation(iso)
            index = scenario.offer_index(nation, mission_id, cap_id)
            if index is not None:
                people = what.units * scenario.capability(cap_id).personnel_per_unit.value
                used[(iso, index)] = used.get((iso, index), 0.0) + people
        for nation in scenario.nations:
            for i, offer in enumerate(nation.offers):
                people = used.get((nation.iso, i), 0.0)
                minimum = offer_minimum(offer.minimum, phase)
                ceiling = offer.max_personnel
                stands = offer.stands_in(phase)
                if not stands:
                    status = "not yet"
                elif people <= 0:
                    status = "unused"
                elif people < minimum - 1e-6:
                    status = "below minimum"
                else:
                    status = "honoured"
                why = "" if status == "honoured" else explain_offer(scenario, sol, nation, i)
                rows.append(
                    (
                        phase.id,
                        nation.iso,
                        offer.name,
                        minimum,
                        math.nan if ceiling is None else ceiling.value,
                        offer.from_month,
                        stands,
                        people,
                        status,
                        why,
                    )
                )
    return pd.DataFrame(rows, columns=OFFER_COLUMNS).astype(
        {"from_month": "int64", "stands": "bool", "used_personnel": "float64"}
    )


def flags(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    """Per phase and mission line: how many nations send something, and which."""
    order = {n.iso: i for i, n in enumerate(scenario.nations)}
    rows = []
    for sol in solved(solutions):
        by_mission: dict[str, set[str]] = {}
        for iso, _, mission_id in sent(sol):
            by_mission.setdefault(mission_id, set()).add(iso)
        needed = {r.mission.id for r in sol.model.requirements}
        for mission in scenario.missions:
            if mission.id not in needed:
                continue
            isos = sorted(by_mission.get(mission.id, set()), key=order.__getitem__)
            rows.append(
                (sol.model.phase.id, mission.id, mission.on_ground, len(isos), ", ".join(isos))
            )
    return pd.DataFrame(rows, columns=FLAG_COLUMNS).astype({"flags": "int64"})


def force(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    """Per phase: personnel required, deployed (coalition), tied up, who serve a tour."""
    on_ground = {m.id for m in scenario.missions if m.on_ground}
    rows = []
    for sol in solved(solutions):
        phase = sol.model.phase
        months = phase.months
        required = required_tours = 0.0
        for req in sol.model.requirements:
            people = req.required * req.capability.personnel_per_unit.value
            required += people
            required_tours += tours(people, months, req.capability)
        deployed = tied = served = 0.0
        sending: set[str] = set()
        grounded: set[str] = set()
        for (iso, cap_id, mission_id), what in sent(sol).items():
            cap = scenario.capability(cap_id)
            people = what.units * cap.personnel_per_unit.value
            deployed += people
            tied += tied_up_personnel(people, cap.rotation_ratio.value)
            served += tours(people, months, cap)
            sending.add(iso)
            if mission_id in on_ground:
                grounded.add(iso)
        rows.append(
            (
                phase.id,
                months,
                required,
                deployed,
                tied,
                served,
                required_tours,
                len(sending),
                len(grounded),
            )
        )
    return pd.DataFrame(rows, columns=FORCE_COLUMNS).astype(
        {"months": "int64", "nations_sending": "int64", "flags_on_ground": "int64"}
    )


def goals(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    """Per phase: each mission's lead nations and the minimum of flags on the ground,
    met or not; a goal missed says why (``explanation``)."""
    leads = scenario.constraints.lead_nations
    on_ground = {m.id for m in scenario.missions if m.on_ground}
    rows = []
    for sol in solved(solutions):
        model = sol.model
        phase = model.phase.id
        needed = {r.mission.id for r in model.requirements}
        leading: dict[str, set[str]] = {}
        grounded: set[str] = set()
        for (iso, _, mission_id), what in sent(sol).items():
            if what.whole or what.frames:
                leading.setdefault(mission_id, set()).add(iso)
            if mission_id in on_ground:
                grounded.add(iso)
        for mission_id, isos in leads.items():
            if mission_id not in needed:
                continue
            achieved = len(leading.get(mission_id, set()) & set(isos))
            met = achieved >= 1
            why = "" if met else explain_lead_goal(scenario, sol, mission_id)
            rows.append((phase, "lead_nations", mission_id, 1, achieved, 0 if met else 1, met, why))
        wanted = model.flags_wanted
        if wanted > 0:
            achieved = len(grounded)
            met = achieved >= wanted
            why = "" if met else explain_flags_goal(scenario, sol, achieved)
            rows.append(
                (
                    phase,
                    "min_nations_on_ground",
                    "on-ground missions",
                    wanted,
                    achieved,
                    max(0, wanted - achieved),
                    met,
                    why,
                )
            )
    return pd.DataFrame(rows, columns=GOAL_COLUMNS).astype(
        {"target": "int64", "achieved": "int64", "shortfall": "int64", "met": "bool"}
    )
