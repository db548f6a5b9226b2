"""Explaining in words why a phase has no plan, and why an offer is not (fully) used."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from forceplan.plan.build import build_phase
from forceplan.plan.build.columns import army_standing, free_units
from forceplan.plan.build.flags import flag_slots
from forceplan.plan.model import (
    CONSTRAINT_GROUPS,
    Capacity,
    PhaseModel,
    Requirement,
    deployable,
    tied_up_personnel,
    units_whole,
)
from forceplan.plan.solve import is_feasible
from forceplan.scenario import Scenario
from forceplan.scenario.model import Capability, Nation, Phase

if TYPE_CHECKING:
    from forceplan.plan.solve import PhaseSolution


def _held(nation: Nation, cap_id: str) -> float:
    fig = nation.units.get(cap_id)
    return fig.value if fig is not None else 0.0


def _limit_reasons(
    scenario: Scenario, nation: Nation, cap: Capability, limits: Capacity, per: int, label: str
) -> list[str]:
    """Which of ``nation``'s limits on a line (``limits``, as the model computed them)
    leave it less than ``1 / per`` unit of ``cap``, in words."""
    out: list[str] = []
    ratio = cap.rotation_ratio.value

    def short(units: float) -> bool:
        return not math.isinf(units) and units_whole(units * per) < 1

    if short(limits.holdings):
        fleet_share = scenario.fleet_share(nation, scenario.service(nation, cap))
        fleet = (
            f", at most {fleet_share:.0%} of the fleet tied up" if fleet_share is not None else ""
        )
        committed = sum(c.units.value for c in nation.commitments if c.capability == cap.id)
        on_commitments = f", {committed:g} on standing commitments" if committed else ""
        out.append(
            f"{_held(nation, cap.id):g} {cap.id} held at rotation ratio {ratio:g}{fleet}"
            f"{on_commitments}: not enough to keep {label} deployed"
        )
    if short(limits.army):
        army = nation.army_personnel.value
        share = nation.max_army_share.value
        standing = army_standing(scenario, nation)
        tie = tied_up_personnel(cap.personnel_per_unit.value, ratio)
        if standing >= share * army:
            out.append(
                f"its standing commitments already tie up {standing / army:.1%} of its army "
                f"against its army-share cap of {share:.1%}"
            )
        else:
            # the room the model allowed, drawdowns of commitments included
            room = max(0.0, limits.army - 1e-9) * tie
            out.append(
                f"its army-share cap ({share:.0%} of {army:,.0f} army personnel, "
                f"{standing:,.0f} tied up by standing commitments) leaves room for "
                f"{room:,.0f}, less than the {tie / per:,.0f} that {label} "
                f"ties up at rotation ratio {ratio:g}"
            )
    if short(limits.offer):
        out.append(
            f"its offer's ceiling ({limits.offer * cap.personnel_per_unit.value:,.0f} "
            f"personnel) is below {label} ({cap.personnel_per_unit.value / per:,.0f})"
        )
    return out


def _too_few(
    scenario: Scenario, nation: Nation, reqs: list[Requirement], model: PhaseModel, whole: bool
) -> str:
    """Why ``nation`` cannot keep one unit (``whole``), or else one sub-unit, of any
    capability of ``reqs`` deployed on their lines: the limits the model computed
    for it there (holdings at the rotation ratio under its fleet cap and
    commitments, its army-share cap, its offer's ceiling)."""
    parts: dict[str, list[str]] = {}
    for req in reqs:
        cap = req.capability
        limits = model.capacity.get((nation.iso, cap.id, req.mission.id))
        if limits is None or cap.id in parts:
            continue
        per = 1 if whole or cap.sub_unit is None else cap.sub_unit.size
        label = (
            f"one {cap.id}" if per == 1 else f"one {cap.sub_unit.name} of {cap.id}"  # type: ignore[union-attr]
        )
        parts[cap.id] = _limit_reasons(scenario, nation, cap, limits, per, label)
    text = "; ".join(r for reasons in parts.values() for r in reasons)
    what = "a unit" if whole else "a unit or sub-unit"
    return f"{nation.iso} cannot sustain {what} ({text or 'no line it may send on'})"


def _why_not(
    scenario: Scenario,
    nation: Nation,
    reqs: list[Requirement],
    phase: Phase,
    model: PhaseModel,
    whole: bool = False,
) -> str:
    """Why ``nation`` has no unit (``whole``: no whole unit or multinational unit it
    could lead) it may send to any of ``reqs``, in words."""
    if not deployable(nation):
        return f"{nation.iso} is {nation.stance}"
    barred = [r for r in reqs if not scenario.allowed(nation, r.mission, r.capability)]
    if len(barred) == len(reqs):
        return f"{nation.iso}'s caveats ({', '.join(nation.caveats)}) bar it"
    allowed = [r for r in reqs if r not in barred]
    if nation.offers:
        offered = [
            r
            for r in allowed
            if (i := scenario.offer_index(nation, r.mission.id, r.capability.id)) is not None
            and nation.offers[i].stands_in(phase)
        ]
        if not offered:
            return f"{nation.iso}'s offers do not cover these lines in this phase"
        allowed = offered
    lacking = [r.capability.id for r in allowed if _held(nation, r.capability.id) <= 0]
    if len(lacking) == len(allowed):
        return f"{nation.iso} has no {' or '.join(sorted(set(lacking)))} units"
    held = [r for r in allowed if r.capability.id not in lacking]
    return _too_few(scenario, nation, held, model, whole)


# ---------------------------------------------------------------------------
# Political goals the plan misses (soft goals)
# ---------------------------------------------------------------------------

#: The rules a goal competes with once each nation's own limits allow it.
_OTHER_RULES = (
    "the army and fleet caps over all its lines together, the offers' ceilings, the "
    "enabler ratios and the treaty limits"
)


def explain_lead_goal(scenario: Scenario, sol: PhaseSolution, mission_id: str) -> str:
    """Why none of ``mission_id``'s lead nations leads there in ``sol``, in words."""
    model = sol.model
    leads = scenario.constraints.lead_nations[mission_id]
    reqs = [r for r in model.requirements if r.mission.id == mission_id]
    able = sorted(
        {iso for iso, _, m in (*model.x, *model.frame) if m == mission_id and iso in leads}
    )
    unable = "; ".join(
        _why_not(scenario, scenario.nation(iso), reqs, model.phase, model, whole=True)
        for iso in leads
        if iso not in able
    )
    if not able:
        return (
            f"none of its lead nations ({', '.join(leads)}) can send it a unit of its own or "
            f"lead a multinational one: {unable}"
        )
    caps = {c for iso, c, m in (*model.x, *model.frame) if m == mission_id and iso in able}
    blocked = _unsupported(scenario, model, caps)
    rules = "; ".join(blocked) if blocked else f"no plan lets them within {_OTHER_RULES}"
    return (
        f"{', '.join(able)} could lead there on their own limits, but {rules}"
        + (f"; {unable}" if unable else "")
    )


def _unsupported(scenario: Scenario, model: PhaseModel, caps: set[str]) -> list[str]:
    """Enabler ratios that allow none of ``caps`` in the phase: no nation (nor the
    backstop) can send any of their enablers, so no manoeuvre unit they cover can go."""
    out = []
    filled = {c for _, c, _ in (*model.x, *model.frame)} | {c for c, _ in model.backstop}
    for rule in scenario.constraints.enabler_ratios:
        if rule.ratio.value <= 0 or not caps & set(rule.per):
            continue
        if not filled & set(rule.enablers):
            manoeuvre = " or ".join(sorted(caps & set(rule.per)))
            out.append(
                f"the enabler ratio '{rule.name}' allows no {manoeuvre} without "
                f"{' or '.join(rule.enablers)}, which no nation can send in this phase"
            )
    return out


def explain_flags_goal(scenario: Scenario, sol: PhaseSolution, achieved: int) -> str:
    """Why fewer than the wanted flags are on the ground in ``sol``, in words."""
    model = sol.model
    reqs = [r for r in model.requirements if r.mission.on_ground]
    wanted = model.flags_wanted
    able = sorted(
        {
            iso
            for iso, _, m in (*model.x, *model.sub, *model.frame)
            if scenario.mission(m).on_ground
        }
    )
    if len(able) < wanted:
        unable = [n for n in scenario.nations if n.iso not in able]
        why = "; ".join(_why_not(scenario, n, reqs, model.phase, model) for n in unable)
        return (
            f"only {len(able)} nations can put a unit or sub-unit on an on-ground mission "
            f"({', '.join(able) or 'none'}); the others cannot: {why}"
        )
    return (
        f"{len(able)} nations could each put a unit or sub-unit on the ground on their own "
        f"limits, but at most {achieved} at once within the requirements and {_OTHER_RULES}"
    )


def diagnose_infeasible(
    scenario: Scenario,
    phase: Phase,
    model: PhaseModel,
    backstop_enabled: bool,
    deadline: float | None = None,
    flank_floor: str | None = None,
    goals: str | None = None,
) -> list[str]:
    """Explain, in words, which requirement or constraint makes ``phase`` infeasible.

    ``deadline`` (a ``time.perf_counter()`` value): the checks that solve a
    relaxed model stop there; a check time ran out on blames nothing.
    ``flank_floor``: the floors the plan used ("hard" or "soft"); ``goals``:
    whether the political goals were "soft" or "hard".
    """
    reasons: list[str] = []
    where = f"phase '{phase.id}' (months {phase.start_month}-{phase.end_month})"
    constraints = scenario.constraints
    reqs = model.requirements

    needed_missions = {r.mission.id for r in reqs}
    leading = [*model.x, *model.frame]
    for mission_id, leads in constraints.lead_nations.items():
        if mission_id not in needed_missions:
            continue
        if not any(m == mission_id and iso in leads for iso, _, m in leading):
            mission_reqs = [r for r in reqs if r.mission.id == mission_id]
            why = "; ".join(
                _why_not(scenario, scenario.nation(iso), mission_reqs, phase, model, whole=True)
                for iso in leads
            )
            reasons.append(
                f"{where}: mission '{mission_id}' must include one of its lead nations "
                f"({', '.join(leads)}; constraints.lead_nations) but none can send it a unit: {why}"
            )

    on_ground_reqs = [r for r in reqs if r.mission.on_ground]
    wanted = min(constraints.min_nations_on_ground, _slots(scenario, phase, on_ground_reqs))
    if wanted > 0:
        able = sorted(
            {
                iso
                for iso, _, m in (*model.x, *model.sub, *model.frame)
                if scenario.mission(m).on_ground
            }
        )
        if len(able) < wanted:
            unable = [n for n in scenario.nations if n.iso not in able]
            why = "; ".join(_why_not(scenario, n, on_ground_reqs, phase, model) for n in unable)
            reasons.append(
                f"{where}: at least {wanted} nations must be on the ground "
                f"(constraints.min_nations_on_ground) but only {len(able)} can put a unit on an "
                f"on-ground mission ({', '.join(able) or 'none'}); the others cannot: {why}"
            )
    if reasons:
        return reasons

    present = _present_groups(scenario, model, flank_floor)
    culprits = []
    unchecked = []
    for group in present:
        left = 10.0 if deadline is None else deadline - time.perf_counter()
        feasible = None
        if left > 0:
            relaxed = build_phase(
                scenario,
                phase,
                backstop_enabled=backstop_enabled,
                flank_floor=flank_floor,
                disabled=frozenset({group}),
                goals=goals,
            )
            feasible = is_feasible(relaxed, time_limit=min(left, 10.0))
        if feasible:
            culprits.append(group)
        elif feasible is None:
            unchecked.append(CONSTRAINT_GROUPS[group])
    if unchecked:
        reasons.append(
            f"{where}: no feasible plan; the time limit ran out before checking whether "
            f"{', '.join(unchecked)} is to blame"
        )
    if culprits:
        for group in culprits:
            reasons.append(
                f"{where}: {CONSTRAINT_GROUPS[group]} cannot be met together with the other "
                f"constraints; without it this phase has a plan"
            )
    elif not unchecked:
        reasons.append(
            f"{where}: no single constraint is to blame; together "
            f"{', '.join(CONSTRAINT_GROUPS[g] for g in present)} leave no feasible plan"
        )
    return reasons


def _slots(scenario: Scenario, phase: Phase, reqs: list[Requirement]) -> int:
    from forceplan.plan.build.context import PhaseBuild

    b = PhaseBuild.start(
        scenario, phase, backstop_enabled=False, flank_floor=None, disabled=frozenset()
    )
    return flag_slots(b, reqs)


def _present_groups(scenario: Scenario, model: PhaseModel, flank_floor: str | None) -> list[str]:
    names = set(model.row_names)
    present = []
    for group, prefix in [
        ("min_flags", "min_nations_on_ground"),
        ("lead_nations", "lead_nation["),
        ("burden_bound", "burden_"),
        ("treaty_limits", "treaty["),
        ("political_caps", "political_cap["),
        ("offer_ceilings", "offer_ceiling["),
        ("enabler_ratios", "enabler_ratio["),
    ]:
        if any(n.startswith(prefix) for n in names):
            present.append(group)
    if scenario.constraints.max_fleet_share or any(n.max_fleet_share for n in scenario.nations):
        present.append("fleet_caps")
    floor_mode = flank_floor or scenario.constraints.flank_floor
    if floor_mode == "hard" and any(
        units_whole(c.units.value) > 0 for n in scenario.nations for c in n.commitments
    ):
        present.append("flank_floors")
    return present


# ---------------------------------------------------------------------------
# Offers the plan does not fully use
# ---------------------------------------------------------------------------


def explain_offer(scenario: Scenario, sol: PhaseSolution, nation: Nation, index: int) -> str:
    """Why the plan uses less of ``nation``'s offer ``index`` than its minimum, in words."""
    offer = nation.offers[index]
    model = sol.model
    phase = model.phase
    if not deployable(nation):
        return f"{nation.iso} is {nation.stance}: the planner sends none of its troops"
    if not offer.stands_in(phase):
        return (
            f"the offer stands from month {offer.from_month}; this phase begins in month "
            f"{phase.start_month}"
        )
    lines = [r for r in model.requirements if offer.covers(r.mission.id, r.capability.id)]
    if not lines:
        return "this phase requires none of the lines the offer covers"
    allowed = [r for r in lines if scenario.allowed(nation, r.mission, r.capability)]
    if not allowed:
        return f"its caveats ({', '.join(nation.caveats)}) bar every line the offer covers"
    keys = [
        key
        for key in (*model.x, *model.sub, *model.frame)
        if key[0] == nation.iso and offer.covers(key[2], key[1])
    ]
    caps = list({r.capability.id: r.capability for r in allowed}.values())
    if not keys:
        return _too_few(scenario, nation, allowed, model, whole=False)
    reasons = _binding(scenario, sol, nation, caps)
    if reasons:
        return "; ".join(reasons)
    full = all(_covered(sol, r) for r in allowed)
    if full:
        return (
            "the lines it offers are filled; a larger share for it would leave another "
            "nation's offer further below its minimum (the offers tier counts each offer's "
            "unused share the same) or cost a higher tier"
        )
    return "a higher tier (coverage by priority, backstop, flank floors and drain) decides first"


def _covered(sol: PhaseSolution, req: Requirement) -> bool:
    model = sol.model
    cols = [
        col
        for (_, c, m), col in (*model.x.items(), *model.frame.items())
        if c == req.capability.id and m == req.mission.id
    ]
    backstop = model.backstop.get((req.capability.id, req.mission.id))
    if backstop is not None:
        cols.append(backstop)
    return sum(round(float(sol.values[c])) for c in cols) >= req.required


def _binding(
    scenario: Scenario, sol: PhaseSolution, nation: Nation, caps: list[Capability]
) -> list[str]:
    """The caps of ``nation`` that leave no room for one more unit or sub-unit of ``caps``."""
    model = sol.model
    deployed: dict[str, float] = {}
    for key, col in model.allocation_columns().items():
        if key[0] == nation.iso:
            units = round(float(sol.values[col])) * model.unit_share(key)
            deployed[key[1]] = deployed.get(key[1], 0.0) + units
    out: list[str] = []
    army_room = _army_room(scenario, sol, nation, deployed)
    for cap in caps:
        smallest = 1.0 if cap.sub_unit is None else 1.0 / cap.sub_unit.size
        ratio = cap.rotation_ratio.value
        drained = sum(
            round(float(sol.values[col]))
            for (iso, k), col in model.drain.items()
            if iso == nation.iso and nation.commitments[k].capability == cap.id
        )
        free = free_units(scenario, nation, cap, drawn=drained)
        if ratio * (deployed.get(cap.id, 0.0) + smallest) > free + 1e-9:
            share = scenario.fleet_share(nation, scenario.service(nation, cap))
            what = f"the {share:.0%} fleet cap" if share is not None else "its holdings"
            out.append(
                f"all the {cap.id} it can sustain are in use ({_held(nation, cap.id):g} held; "
                f"{what}, rotation ratio {ratio:g} and standing commitments leave no more)"
            )
        elif scenario.service(nation, cap) == "army" and army_room is not None:
            need = tied_up_personnel(smallest * cap.personnel_per_unit.value, ratio)
            if need > army_room + 1e-6:
                cap_share = nation.max_army_share.value
                out.append(
                    f"its army-share cap is reached ({cap_share:.0%} of "
                    f"{nation.army_personnel.value:,.0f} army personnel tied up, standing "
                    "commitments included)"
                )
    # the army-share cap first: it is the broadest limit
    return sorted(set(out), key=lambda r: (not r.startswith("its army-share"), r))


def _army_room(
    scenario: Scenario, sol: PhaseSolution, nation: Nation, deployed: dict[str, float]
) -> float | None:
    """Army personnel the nation may still tie up under its cap (None: no cap row)."""
    if f"political_cap[{nation.iso}]" not in sol.model.row_names:
        return None
    used = 0.0
    for cap_id, units in deployed.items():
        cap = scenario.capability(cap_id)
        if scenario.service(nation, cap) == "army":
            people = units * cap.personnel_per_unit.value
            used += tied_up_personnel(people, cap.rotation_ratio.value)
    for k, com in enumerate(nation.commitments):
        cap = scenario.capability(com.capability)
        if scenario.service(nation, cap) == "army":
            drain = sol.model.drain.get((nation.iso, k))
            kept = com.units.value - (0 if drain is None else round(float(sol.values[drain])))
            used += tied_up_personnel(kept * cap.personnel_per_unit.value, cap.rotation_ratio.value)
    return nation.max_army_share.value * nation.army_personnel.value - used
