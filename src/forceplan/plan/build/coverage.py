"""Coverage of each requirement, and how multinational units are made up."""

from __future__ import annotations

from forceplan.plan.build.context import PhaseBuild


def add_coverage(b: PhaseBuild) -> None:
    """``sum_n x + sum_n frame + backstop + unmet = required`` per (mission, capability).

    A multinational unit counts once, on its framework nation's ``frame``
    column; the sub-units that make it up are balanced by
    :func:`add_multinational_units`.
    """
    model = b.model
    for req in b.reqs:
        mission_id, cap_id = req.mission.id, req.capability.id
        terms = [(col, 1.0) for col in b.filled(cap_id, mission_id)]
        backstop = model.backstop.get((cap_id, mission_id))
        if backstop is not None:
            terms.append((backstop, 1.0))
        terms.append((model.unmet[(mission_id, cap_id)], 1.0))
        need = float(req.required)
        model.add_row(f"coverage[{mission_id},{cap_id}]", terms, need, need)


def add_multinational_units(b: PhaseBuild) -> None:
    """Multinational units are whole: the framework nation's share plus partners' sub-units.

    Per line, with ``k`` sub-units per unit and ``f`` the framework share:
    ``sum_n sub[n] = (k - f) x sum_n frame[n]``. Each unit a nation frames
    carries ``f`` of its own sub-units (as eFP framework nations provide the
    core of each battlegroup) and partners fill the other ``k - f``; partners
    are nations that cannot send a whole unit of the capability there, so a
    multinational unit is never a national unit in disguise (a framework nation
    that cannot send a whole unit may partner in its own units too: it still
    sends less than a unit).
    """
    model = b.model
    lines: dict[tuple[str, str], list[int]] = {}
    for (_, cap_id, mission_id), col in model.sub.items():
        lines.setdefault((cap_id, mission_id), []).append(col)
    for (cap_id, mission_id), partners in lines.items():
        sub_unit = b.scenario.capability(cap_id).sub_unit
        assert sub_unit is not None
        slots = float(sub_unit.size - sub_unit.framework_share)
        frames = [
            col for (_, c, m), col in model.frame.items() if c == cap_id and m == mission_id
        ]
        model.add_row(
            f"multinational_units[{cap_id},{mission_id}]",
            [(col, 1.0) for col in partners] + [(col, -slots) for col in frames],
            0.0,
            0.0,
        )
