"""The columns of a phase: flank drain, units sent (whole, sub-units, frames), backstop, unmet."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild, Sent
from forceplan.plan.model import CORE, SUB, Capacity, Requirement, deployable, units_whole
from forceplan.scenario.model import Capability, Nation, Scenario


def add_flank_drain(b: PhaseBuild) -> None:
    """``drain[n,k]``: units drawn from standing commitment ``k`` of nation ``n``.

    Hard floors bound the drain by ``held - floor``; soft floors allow the
    whole commitment and add ``below >= drain - (held - floor)`` (penalised).
    """
    model = b.model
    needed = {r.capability.id for r in b.reqs}
    for nation in b.scenario.nations:
        for k, com in enumerate(nation.commitments):
            key = (nation.iso, com.capability)
            b.held[key] = b.held.get(key, 0.0) + com.units.value
            if not deployable(nation) or com.capability not in needed:
                continue
            slack = com.units.value - com.floor.value
            upper = units_whole(com.units.value) if b.soft_floor else units_whole(slack)
            if upper <= 0:
                continue
            col = model.add_col(f"drain[{nation.iso},{k}]", 0.0, float(upper), True)
            model.drain[(nation.iso, k)] = col
            b.drains.setdefault(key, []).append(col)
            if b.soft_floor:
                below = model.add_col(f"below[{nation.iso},{k}]", 0.0, float(upper), False)
                model.below[(nation.iso, k)] = below
                model.add_row(
                    f"below_floor[{nation.iso},{k}]",
                    [(below, 1.0), (col, -1.0)],
                    -max(slack, 0.0),
                    math.inf,
                )


def fleet_pool(
    scenario: Scenario, nation: Nation, cap: Capability, *, fleet_caps: bool = True
) -> float:
    """Units of ``cap`` ``nation`` may tie up in all, mission and commitments together:
    its holdings times its fleet cap (share 1 where its service has none)."""
    owned = nation.units.get(cap.id)
    share = scenario.fleet_share(nation, scenario.service(nation, cap))
    if share is None or not fleet_caps:
        share = 1.0
    return share * (owned.value if owned is not None else 0.0)


def free_units(
    scenario: Scenario,
    nation: Nation,
    cap: Capability,
    *,
    fleet_caps: bool = True,
    drawn: float = 0.0,
) -> float:
    """Units of ``cap`` ``nation`` may tie up for the mission with ``drawn`` units
    drawn from its commitments.

    ``fleet pool - rotation x (units on commitments - drawn)``, at least 0: the
    fleet cap and the standing commitments both count against the holdings,
    and commitments that already exceed the pool leave nothing (not less than
    nothing) until enough is drawn from them to cover the excess.
    """
    held = sum(c.units.value for c in nation.commitments if c.capability == cap.id)
    pool = fleet_pool(scenario, nation, cap, fleet_caps=fleet_caps)
    return max(0.0, pool - cap.rotation_ratio.value * (held - drawn))


def add_units_sent(b: PhaseBuild) -> None:
    """``x`` (whole units), and for capabilities with sub-units ``frame`` (multinational
    units a nation leads, each with its framework share of sub-units) and ``sub``
    (sub-units a partner sends into other nations' multinational units).

    A nation gets columns on a line only where its caveats allow it, an offer
    of its that stands in this phase covers the line (nations without offers:
    every allowed line), and it can sustain something there. What it can
    sustain, in units, is the least of its holdings after rotation, fleet cap
    and commitments (plus what it may draw from them), its army-share room
    after standing commitments, and its offer's ceiling. Whole units where
    that is at least one; frames where it holds a framework share of
    sub-units; partner sub-units only where a whole unit is out of reach
    (larger contributors send whole units or lead multinational ones).
    """
    model = b.model
    # (cap, mission) -> (iso, sub-units it can sustain there, can send a whole unit)
    sub_capacity: dict[tuple[str, str], list[tuple[str, int, bool]]] = {}
    for nation in b.deployable_nations():
        room = _army_room(b, nation)
        for req in b.reqs:
            cap = req.capability
            key = (nation.iso, cap.id)
            if key not in b.free:
                b.free[key] = free_units(
                    b.scenario, nation, cap, fleet_caps=b.enabled("fleet_caps")
                )
            if not b.scenario.allowed(nation, req.mission, cap):
                continue
            if not _offered(b, nation, req.mission.id, cap.id):
                continue
            limits = Capacity(
                holdings=_sustainable(b, nation, cap),
                army=_army_units(b, nation, cap, room),
                offer=_offer_ceiling(b, nation, req.mission.id, cap),
            )
            sustainable = limits.units
            line = (nation.iso, cap.id, req.mission.id)
            model.capacity[line] = limits
            name = ",".join(line)
            upper = min(units_whole(sustainable), req.required)
            if upper >= 1:
                col = model.add_col(f"x[{name}]", 0.0, float(upper), True)
                model.x[line] = col
                b.sent.append(Sent(nation.iso, cap, req.mission.id, col, 1.0, line))
            if cap.sub_unit is not None:
                capacity = min(
                    units_whole(sustainable * cap.sub_unit.size), req.required * cap.sub_unit.size
                )
                if capacity >= 1:
                    sub_capacity.setdefault((cap.id, req.mission.id), []).append(
                        (nation.iso, capacity, upper >= 1)
                    )
    for req in b.reqs:
        candidates = sub_capacity.get((req.capability.id, req.mission.id), [])
        if any(not whole for _, _, whole in candidates):
            _add_sub_units(b, req, candidates)


def _add_sub_units(
    b: PhaseBuild, req: Requirement, candidates: list[tuple[str, int, bool]]
) -> None:
    """Partner columns for nations that cannot send a whole unit on the line, and
    frame columns for nations that can (a framework nation fields whole units of
    the capability too and puts its framework share of sub-units into each unit
    it leads); called only for lines with a partner (a multinational unit needs
    one)."""
    model, cap = b.model, req.capability
    sub_unit = cap.sub_unit
    assert sub_unit is not None
    size, core = sub_unit.size, sub_unit.framework_share
    model.sub_size[cap.id] = size
    model.core_size[cap.id] = core
    for iso, capacity, whole in candidates:
        line = (iso, cap.id, req.mission.id)
        name = ",".join(line)
        framed = min(req.required, capacity // core) if whole and core < size else 0
        if framed >= 1:
            col = model.add_col(f"frame[{name}]", 0.0, float(framed), True)
            model.frame[line] = col
            b.sent.append(Sent(iso, cap, req.mission.id, col, core / size, (*line, CORE)))
        if not whole:
            partner = min(capacity, (size - core) * req.required)
            col = model.add_col(f"sub[{name}]", 0.0, float(partner), True)
            model.sub[line] = col
            b.sent.append(Sent(iso, cap, req.mission.id, col, 1.0 / size, (*line, SUB)))


def _sustainable(b: PhaseBuild, nation: Nation, cap: Capability) -> float:
    """Units of ``cap`` ``nation`` can keep deployed from its holdings (fractional),
    drawing on its commitments as far as their floors allow."""
    drainable = sum(b.model.col_upper[c] for c in b.drains.get((nation.iso, cap.id), []))
    free = free_units(
        b.scenario, nation, cap, fleet_caps=b.enabled("fleet_caps"), drawn=drainable
    )
    return free / cap.rotation_ratio.value


def army_standing(scenario: Scenario, nation: Nation) -> float:
    """Army personnel ``nation``'s standing commitments tie up (personnel x rotation x units,
    over the commitments its army crews)."""
    out = 0.0
    for com in nation.commitments:
        cap = scenario.capability(com.capability)
        if scenario.service(nation, cap) == "army":
            out += cap.personnel_per_unit.value * cap.rotation_ratio.value * com.units.value
    return out


def _army_room(b: PhaseBuild, nation: Nation) -> float:
    """Army personnel ``nation`` may tie up under its cap, standing commitments (less
    what may be drawn from them) deducted; inf without the cap."""
    if not b.enabled("political_caps"):
        return math.inf
    room = nation.max_army_share.value * nation.army_personnel.value
    for k, com in enumerate(nation.commitments):
        cap = b.scenario.capability(com.capability)
        if b.service(nation, cap) != "army":
            continue
        drain = b.model.drain.get((nation.iso, k))
        drawable = 0.0 if drain is None else b.model.col_upper[drain]
        tie = cap.personnel_per_unit.value * cap.rotation_ratio.value
        room -= tie * (com.units.value - drawable)
    return max(0.0, room)


def _army_units(b: PhaseBuild, nation: Nation, cap: Capability, room: float) -> float:
    """Units of ``cap`` that fit in ``room`` army personnel (inf if the army does not crew it)."""
    if b.service(nation, cap) != "army" or math.isinf(room):
        return math.inf
    return room / (cap.personnel_per_unit.value * cap.rotation_ratio.value) + 1e-9


def _offered(b: PhaseBuild, nation: Nation, mission_id: str, cap_id: str) -> bool:
    """Whether ``nation`` may send on the line: no offers, or a standing offer covers it."""
    if not nation.offers:
        return True
    index = b.scenario.offer_index(nation, mission_id, cap_id)
    return index is not None and nation.offers[index].stands_in(b.phase)


def _offer_ceiling(b: PhaseBuild, nation: Nation, mission_id: str, cap: Capability) -> float:
    """Units of ``cap`` the offer covering the line allows at most (inf: no ceiling)."""
    index = b.scenario.offer_index(nation, mission_id, cap.id)
    if index is None or not b.enabled("offer_ceilings"):
        return math.inf
    ceiling = nation.offers[index].max_personnel
    if ceiling is None:
        return math.inf
    return ceiling.value / cap.personnel_per_unit.value + 1e-9


def add_backstop(b: PhaseBuild) -> None:
    """``backstop[c, m]``: units the backstop fills, within its units per capability."""
    backstop, model = b.scenario.backstop, b.model
    if not b.backstop_enabled or backstop is None:
        return
    for req in b.reqs:
        cap_units = backstop.units.get(req.capability.id)
        if cap_units is None:
            continue
        if backstop.missions and req.mission.id not in backstop.missions:
            continue
        upper = min(units_whole(cap_units.value), req.required)
        if upper < 1:
            continue
        col = model.add_col(
            f"backstop[{req.capability.id},{req.mission.id}]", 0.0, float(upper), True
        )
        model.backstop[(req.capability.id, req.mission.id)] = col
    by_cap: dict[str, list[int]] = {}
    for (cap_id, _), col in model.backstop.items():
        by_cap.setdefault(cap_id, []).append(col)
    for cap_id, cols in by_cap.items():
        if len(cols) > 1:
            model.add_row(
                f"backstop_capacity[{cap_id}]",
                [(c, 1.0) for c in cols],
                -math.inf,
                float(units_whole(backstop.units[cap_id].value)),
            )


def add_unmet(b: PhaseBuild) -> None:
    """``unmet[m, c]``: what neither the coalition nor the backstop fills."""
    for req in b.reqs:
        col = b.model.add_col(
            f"unmet[{req.mission.id},{req.capability.id}]", 0.0, float(req.required), False
        )
        b.model.unmet[(req.mission.id, req.capability.id)] = col
