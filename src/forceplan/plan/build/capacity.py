"""What each nation can sustain: availability after rotation (fleet caps folded in) and
the army-share cap, standing commitments counted against both."""

from __future__ import annotations

import math

from forceplan.plan.build.context import PhaseBuild


def add_availability(b: PhaseBuild) -> None:
    """``rotation x (sum_m x + sum_m sub / per_unit - sum_k drain) <= free`` per (n, c).

    ``free`` (:func:`forceplan.plan.build.columns.free_units`) is the fleet-
    capped holdings less ``rotation x units on commitments``; each unit drawn
    from a commitment frees ``rotation`` units.
    """
    model = b.model
    per_key: dict[tuple[str, str], list[tuple[int, float]]] = {}
    for s in b.sent:
        ratio = s.cap.rotation_ratio.value
        per_key.setdefault((s.iso, s.cap.id), []).append((s.col, ratio * s.share))
    for (iso, cap_id), terms in per_key.items():
        ratio = b.scenario.capability(cap_id).rotation_ratio.value
        drains = [(d, -ratio) for d in b.drains.get((iso, cap_id), [])]
        model.add_row(
            f"availability[{iso},{cap_id}]", terms + drains, -math.inf, b.free[(iso, cap_id)]
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
    commitments alone exceed the cap has no headroom until it draws them down.
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
        standing = 0.0
        for k, com in enumerate(nation.commitments):
            cap = s.capability(com.capability)
            if b.service(nation, cap) != "army":
                continue
            tie = cap.personnel_per_unit.value * cap.rotation_ratio.value
            standing += tie * com.units.value
            drain = model.drain.get((nation.iso, k))
            if drain is not None:
                terms.append((drain, -tie))
        cap_personnel = nation.max_army_share.value * nation.army_personnel.value
        model.add_row(
            f"political_cap[{nation.iso}]", terms, -math.inf, max(0.0, cap_personnel - standing)
        )
