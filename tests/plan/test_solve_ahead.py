"""Stages solved ahead in worker threads give the plan of a plain solve in phase order."""

from __future__ import annotations

import pytest

from forceplan.plan import plan_scenario
from forceplan.plan.build import build_phase
from forceplan.plan.build.continuity import add_continuity
from forceplan.plan.planner import _allocation
from forceplan.plan.solve import solve_phase
from forceplan.scenario import load_scenario


def sequential_allocations(name: str) -> list[dict[tuple[str, str, str], float]]:
    """Every phase solved in one go with solve_phase, in phase order, no threads."""
    s = load_scenario(name)
    out: list[dict[tuple[str, str, str], float]] = []
    previous: dict[tuple[str, str, str], float] | None = None
    for phase in s.ordered_phases:
        backstop = s.backstop is not None and s.backstop.enabled
        model = build_phase(s, phase, backstop_enabled=backstop)
        if previous is not None:
            add_continuity(model, previous)
        solution = solve_phase(model, 1e12)
        assert solution.status == "optimal"
        current = _allocation(solution)
        out.append(current)
        previous = current
    return out


@pytest.mark.parametrize("name", ["reassurance-2025", "iiss-medium"])
def test_plan_matches_a_sequential_solve(name: str) -> None:
    s = load_scenario(name)
    signatures = {
        tuple(
            (r.mission.id, r.capability.id, r.required)
            for r in build_phase(s, phase, backstop_enabled=False).requirements
        )
        for phase in s.ordered_phases
    }
    assert len(signatures) == len(s.ordered_phases) > 2, "want distinct phases, no twins"
    result = plan_scenario(s)
    got = []
    for phase in s.ordered_phases:
        rows = result.allocations[result.allocations["phase"] == phase.id]
        got.append({(r.nation, r.capability, r.mission): float(r.units) for r in rows.itertuples()})
    assert got == sequential_allocations(name)
