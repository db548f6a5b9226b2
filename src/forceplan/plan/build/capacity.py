"""What each nation can sustain: availability after rotation (fleet caps folded in) and
the army-share cap, standing commitments counted against both.

Standing commitments that already exceed a cap leave the nation no room (never
less than none, which would make every plan infeasible): it sends nothing
under that cap until enough is drawn from the commitments to cover the excess,
and the plan says so in words (:func:`add_headroom_notes`).
"""

from __future__ import annotations

import math

from forceplan.plan.build.columns import army_standing, fleet_pool
from forceplan.plan.build.context import PhaseBuild
from forceplan.plan.model import deployable

_EPS = 1e-6


def add_availability(b: PhaseBuild) -> None:
    """``rotation x (sum_m x + sum_m sub / per_unit - sum_k drain) <= free`` per (n, c).

    ``free`` (:func:`forceplan.plan.build.columns.free_units`) is the fleet-
    capped holdings less ``rotation x units on commitments``, at least 0; each
    unit drawn from a commitment frees ``rotation`` units. Where commitments
    already exceed the pool by ``excess`` and may be drawn on, the drain must
    first cover the excess: :func:`_excess_rows`.
    """
    model = b.model
    per_key: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for s in b.sent:
        ratio = s.cap.rotation_ratio.value
        per_key.setdefault((s.iso, s.cap.id), []).append((s.col, ratio * s.share))
    for (iso, cap_id), terms in per_key.items():
        cap = b.scenario.capability(cap_id)
        ratio = cap.rotation_ratio.value
        drains = [(d, -ratio) for d in b.drains.get((iso, cap_id), [])]
        nation = b.scenario.nation(iso)
        pool = fleet_pool(b.scenario, nation, cap, fleet_caps=b.enabled("fleet_caps"))
        excess = ratio * b.held.get((iso, cap_id), 0.0) - pool
        name = f"availability[{iso},{cap_id}]"
        if drains and excess > _EPS:
            _excess_rows(b, name, terms, drains, excess)
        else:
            model.add_row(name, terms + drains, -math.inf, b.free[(iso, cap_id)])


def _excess_rows(
    b: PhaseBuild,
    name: str,
    terms: list[tuple[int, float]],
    drains: list[tuple[int, float]],
    excess: float,
) -> None:
    """``terms - drains <= -excess`` if the nation sends anything under the cap, else
    nothing: a binary ``sends`` with ``terms + drains + excess x sends <= 0`` and
    ``sum of the columns <= (their upper bounds) x sends``.

    Without it (a row ``terms + drains <= max(0, -excess) = 0``) a unit drawn
    from a commitment would free ``rotation`` units of room even though the
    commitments still exceed the cap, overstating what the nation can send.
    """
    model = b.model
    sends = model.add_col(f"sends_over_excess[{name}]", 0.0, 1.0, True)
    model.add_row(name, [*terms, *drains, (sends, excess)], -math.inf, 0.0)
    upper = sum(model.col_upper[c] for c, _ in terms)
    model.add_row(
        f"sends_only_if[{name}]",
        [(c, 1.0) for c, _ in terms] + [(sends, -upper)],
        -math.inf,
        0.0,
    )


def fix_idle_drains(b: PhaseBuild) -> None:
    """Fix at 0 the drains that free nothing in this phase: a unit drawn from a
    commitment frees units of its capability (availability) and, if the army
    crews it, army personnel for any army-crewed line (army cap)."""
    used = {col for idx in b.model.row_index for col in idx}
    for cols in b.drains.values():
        for c in cols:
            if c not in used:
                b.model.col_upper[c] = 0.0


def add_army_caps(b: PhaseBuild) -> None:
    """Personnel tied up in army-crewed units, mission and standing commitments together,
    at most ``max_army_share x army_personnel`` per nation.

    Row: ``sum pers x rotation x units sent - sum pers x rotation x drain
    <= max(0, cap - pers x rotation x units on commitments)`` over the
    capabilities the nation's army crews (``Scenario.service``). A nation whose
    commitments alone exceed the cap has no headroom until it draws them down
    by the excess (:func:`_excess_rows`).
    """
    if not b.enabled("political_caps"):
        return
    s, model = b.scenario, b.model
    by_nation = b.by_nation()
    for nation in b.deployable_nations():
        terms = [
            (x.col, x.personnel * x.cap.rotation_ratio.value)
            for x in by_nation.get(nation.iso, [])
            if b.service(nation, x.cap) == "army"
        ]
        if not terms:
            continue
        drains: list[tuple[int, float]] = []
        for k, com in enumerate(nation.commitments):
            cap = s.capability(com.capability)
            if b.service(nation, cap) != "army":
                continue
            drain = model.drain.get((nation.iso, k))
            if drain is not None:
                tie = cap.personnel_per_unit.value * cap.rotation_ratio.value
                drains.append((drain, -tie))
        cap_personnel = nation.max_army_share.value * nation.army_personnel.value
        excess = army_standing(s, nation) - cap_personnel
        name = f"political_cap[{nation.iso}]"
        if drains and excess > _EPS:
            _excess_rows(b, name, terms, drains, excess)
        else:
            model.add_row(name, terms + drains, -math.inf, max(0.0, -excess))


def add_headroom_notes(b: PhaseBuild) -> None:
    """A note, in words, for each nation whose standing commitments already use up a
    cap that a line it could send on falls under: its army-share cap, or the
    fleet cap (or its holdings) of a capability the phase requires."""
    s, model = b.scenario, b.model
    lines: dict[str, set[str]] = {}
    for iso, cap_id, _ in model.capacity:
        lines.setdefault(iso, set()).add(cap_id)
    for nation in s.nations:
        if not deployable(nation) or nation.iso not in lines:
            continue
        caps = [s.capability(c) for c in sorted(lines[nation.iso])]
        who = f"{nation.name} ({nation.iso}):"
        drawable = {c for (iso, c), cols in b.drains.items() if iso == nation.iso and cols}
        if b.enabled("political_caps") and any(b.service(nation, c) == "army" for c in caps):
            army = nation.army_personnel.value
            standing = army_standing(s, nation)
            share = nation.max_army_share.value
            if standing > share * army + _EPS:
                could_draw = any(b.service(nation, s.capability(c)) == "army" for c in drawable)
                model.notes.append(
                    f"{who} its standing commitments already tie up {standing / army:.1%} of its "
                    f"army ({standing:,.0f} of {army:,.0f} personnel) against its cap of "
                    f"{share:.1%} (max_army_share): "
                    + (
                        "it can send army-crewed units only after drawing its commitments "
                        "down by the excess"
                        if could_draw
                        else "it can send nothing its army crews"
                    )
                )
        for cap in caps:
            held = sum(c.units.value for c in nation.commitments if c.capability == cap.id)
            if held <= 0:
                continue
            ratio = cap.rotation_ratio.value
            pool = fleet_pool(s, nation, cap, fleet_caps=b.enabled("fleet_caps"))
            if ratio * held <= pool + _EPS:
                continue
            owned = nation.units.get(cap.id)
            owned_units = owned.value if owned is not None else 0.0
            fleet = s.fleet_share(nation, s.service(nation, cap))
            limit = (
                f"the {pool:g} its {fleet:.0%} fleet cap allows of {owned_units:g} held"
                if fleet is not None and b.enabled("fleet_caps")
                else f"the {owned_units:g} it holds"
            )
            model.notes.append(
                f"{who} its standing commitments already tie up {ratio * held:g} {cap.id} "
                f"({held:g} committed at rotation ratio {ratio:g}) against {limit}: "
                + (
                    f"it can send {cap.id} only after drawing its commitments down by the excess"
                    if cap.id in drawable
                    else f"it can send no {cap.id}"
                )
            )
