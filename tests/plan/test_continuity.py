"""The continuity tier: units changed from the previous phase's plan, below cost.

Each case is worked out by hand in its docstring. The tier is the last one, so
it only chooses among plans that are already optimal in every earlier tier.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from plan_builders import capability, mission, nation, scenario, units_of
from test_properties import scenarios

from forceplan.plan import plan_scenario
from forceplan.plan.build import build_phase
from forceplan.plan.build.continuity import add_continuity
from forceplan.plan.model import CONTINUITY_STAGE
from forceplan.plan.planner import _allocation
from forceplan.plan.solve import solve_phase
from forceplan.scenario import Scenario, bundled_scenarios, load_scenario

INFANTRY = [capability("infantry", ratio=1)]


def _phases(*needs: int) -> list[dict[str, Any]]:
    """Six-month phases p1, p2, ... with land needing ``needs[i]`` infantry in phase i."""
    return [
        {
            "id": f"p{i + 1}",
            "name": f"Phase {i + 1}",
            "start_month": 1 + 6 * i,
            "end_month": 6 + 6 * i,
            "requirements": {"land": {"infantry": need}},
        }
        for i, need in enumerate(needs)
    ]


def _twins(*needs: int) -> Scenario:
    """Two identical nations (6 infantry at ratio 1, same GDP, no caveats)."""
    return scenario(
        [nation("AAA", {"infantry": 6}), nation("BBB", {"infantry": 6})],
        [mission("land", {"infantry": 6})],
        INFANTRY,
        phases=_phases(*needs),
    )


def _in_phase(result: Any, phase: str, iso: str) -> int:
    frame = result.allocations
    return int(frame[(frame["phase"] == phase) & (frame["nation"] == iso)]["units"].sum())


# ---------------------------------------------------------------------------
# Hand-worked cases
# ---------------------------------------------------------------------------


def test_drawdown_is_a_subset_of_the_previous_plan() -> None:
    """AAA and BBB are identical (6 infantry each at ratio 1, same cost, GDP
    and caveats); 'land' needs 6 in phase 1 and 3 in phase 2.

    Without the continuity tier every split is optimal: phase 1 must send
    ``a1 + b1 = 6`` and phase 2 ``a2 + b2 = 3`` (coverage, nothing unmet: each
    nation alone could send all 6), and every tier above continuity (unmet,
    cost 100 per unit) takes the same value on every split.

    With it, phase 2 minimises ``|a2 - a1| + |b2 - b1|``. By the triangle
    inequality that is at least ``|(a2 + b2) - (a1 + b1)| = |3 - 6| = 3``,
    with equality exactly when both differences have the sign of the total,
    ``a2 <= a1`` and ``b2 <= b1``; and such a plan exists (take 3 units away
    from phase 1's plan in any way). So the optimum is 3, reached only by a
    phase-2 plan that is a subset of phase 1's with exactly 3 units removed.
    """
    s = _twins(6, 3)
    result = plan_scenario(s)
    assert result.optimal
    a1, b1 = _in_phase(result, "p1", "AAA"), _in_phase(result, "p1", "BBB")
    a2, b2 = _in_phase(result, "p2", "AAA"), _in_phase(result, "p2", "BBB")
    assert (a1 + b1, a2 + b2) == (6, 3)
    assert a2 <= a1 and b2 <= b1
    assert abs(a2 - a1) + abs(b2 - b1) == 3
    assert result.units_changed == {"p2": {"changed": 3, "added": 0, "withdrawn": 3}}
    assert result.objective[CONTINUITY_STAGE] == 3
    # the tiers above continuity are those of phase 2 solved on its own
    alone = solve_phase(build_phase(s, s.ordered_phases[1], backstop_enabled=False), 1e12)
    assert alone.stage_values["annual_cost_usd_m"] == 300
    assert alone.stage_values["unmet_priority_1_personnel"] == 0


def test_the_tier_follows_whichever_nation_was_there() -> None:
    """Same two identical nations, phase 2 needs 3. Given a previous plan of
    all 6 from AAA, the plan that changes least keeps 3 of AAA's (change 3;
    any unit from BBB adds 1 to BBB's change and 1 to AAA's); given all 6
    from BBB, it keeps 3 of BBB's. Without the tier the two phase-2 models
    are the same, so at most one of these could come out by chance."""
    s = _twins(6, 3)
    p2 = s.ordered_phases[1]
    for stays, goes in (("AAA", "BBB"), ("BBB", "AAA")):
        model = build_phase(s, p2, backstop_enabled=False)
        add_continuity(model, {(stays, "infantry", "land"): 6})
        solution = solve_phase(model, 1e12)
        assert _allocation(solution) == {(stays, "infantry", "land"): 3}, goes
        assert solution.stage_values[CONTINUITY_STAGE] == 3


def test_continuity_never_overrides_a_higher_tier() -> None:
    """AAA and BBB each hold 6 infantry (ratio 1); BBB's caveat bars the
    front. Phase 1: 'land' (west) needs 6 and the plan before phase 2 is all
    AAA (given to the model). Phase 2: 'front' needs 6 and 'land' 3.

    Continuity alone would keep AAA on 'land' (e.g. AAA land 3, AAA front 3:
    change 3 + 3 = 6, with 3 front units unmet). But unmet requirement is
    tier 1: only AAA may go to the front and it holds just 6, so AAA must
    send all 6 to 'front', leaving 'land' to BBB (3). That plan is the only
    one with nothing unmet, and its change is |0 - 6| + |6 - 0| + |3 - 0| = 15.
    The higher tier wins: 0 unmet at a continuity of 15, not 3 unmet at 6.
    """
    raw_phases = [
        {
            "id": "p1",
            "name": "Phase 1",
            "start_month": 1,
            "end_month": 6,
            "requirements": {"land": {"infantry": 6}, "front": {"infantry": 0}},
        },
        {
            "id": "p2",
            "name": "Phase 2",
            "start_month": 7,
            "end_month": 12,
            "requirements": {"land": {"infantry": 3}, "front": {"infantry": 6}},
        },
    ]
    s = scenario(
        [
            nation("AAA", {"infantry": 6}),
            nation("BBB", {"infantry": 6}, caveats=["no_front"]),
        ],
        [
            mission("land", {"infantry": 6}),
            mission("front", {"infantry": 6}, region="front"),
        ],
        INFANTRY,
        phases=raw_phases,
        caveats={"no_front": {"description": "No front line", "exclude_regions": ["front"]}},
    )
    model = build_phase(s, s.ordered_phases[1], backstop_enabled=False)
    add_continuity(model, {("AAA", "infantry", "land"): 6})
    solution = solve_phase(model, 1e12)
    assert solution.stage_values["unmet_priority_1_personnel"] == 0
    assert solution.stage_values[CONTINUITY_STAGE] == 15
    assert _allocation(solution) == {
        ("AAA", "infantry", "front"): 6,
        ("BBB", "infantry", "land"): 3,
    }
    # the whole plan: nothing unmet in either phase, whatever phase 1 chose
    result = plan_scenario(s)
    assert result.shortfalls.empty
    assert units_of(result, "AAA", "front") == 6


def test_a_twin_phase_right_after_reuses_the_plan_and_changes_nothing() -> None:
    """Phases 1 and 2 both need 6: phase 1's plan is optimal for phase 2 in
    every earlier tier (same model) and changes nothing, so phase 2 keeps it
    (continuity 0). Phase 3 needs 3 and phase 4 needs 6 again: phase 4 is a
    twin of phase 1 but its previous plan differs, so it is solved, and it
    adds exactly the 3 units back (the triangle inequality again: at least
    |6 - 3| = 3, and 3 is reached by growing phase 3's plan)."""
    result = plan_scenario(_twins(6, 6, 3, 6))
    changes = result.units_changed
    assert changes["p2"]["changed"] == 0
    assert changes["p3"] == {"changed": 3, "added": 0, "withdrawn": 3}
    assert changes["p4"] == {"changed": 3, "added": 3, "withdrawn": 0}
    for iso in ("AAA", "BBB"):
        assert _in_phase(result, "p1", iso) == _in_phase(result, "p2", iso)
        assert _in_phase(result, "p3", iso) <= _in_phase(result, "p4", iso)


# ---------------------------------------------------------------------------
# The last tier cannot worsen an earlier one
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_continuity_keeps_every_earlier_tier_at_its_optimum(s: Scenario) -> None:
    """Phase 2 solved with the continuity tier (against phase 1's plan) reaches
    the same optimum in every earlier tier as phase 2 solved without it; cost,
    a continuous tier, is held to within its tolerance (1e-4 or 1e-6
    relative). Warm-started and cold solves agree on the continuity tier too
    (the HiGHS MIP-start check covers the new stage)."""
    first, second = s.ordered_phases
    previous = _allocation(solve_phase(build_phase(s, first, backstop_enabled=True), 1e12))
    plain = solve_phase(build_phase(s, second, backstop_enabled=True), 1e12)
    model = build_phase(s, second, backstop_enabled=True)
    add_continuity(model, previous)
    with_tier = solve_phase(model, 1e12)
    cold_model = build_phase(s, second, backstop_enabled=True)
    add_continuity(cold_model, previous)
    cold = solve_phase(cold_model, 1e12, warm_start=False)
    for name, value in plain.stage_values.items():
        tolerance = max(2e-4, 2e-6 * abs(value))
        assert abs(with_tier.stage_values[name] - value) <= tolerance, name
    if CONTINUITY_STAGE in with_tier.stage_values:
        got = with_tier.stage_values[CONTINUITY_STAGE]
        assert got == cold.stage_values[CONTINUITY_STAGE]
        # the tier's value is the change of the plan it returns
        current = _allocation(with_tier)
        keys = set(current) | set(previous)
        assert got == sum(abs(current.get(k, 0) - previous.get(k, 0)) for k in keys)


# ---------------------------------------------------------------------------
# The flagship
# ---------------------------------------------------------------------------


def test_flagship_withdrawal_draws_down() -> None:
    """reassurance-2025: build-up (x0.6), sustain (x1.0), then three
    withdrawal steps (x0.75, 0.5, 0.25).

    By the triangle inequality each phase changes at least
    ``sum over (m, c) of |coalition units now - coalition units before|``
    (unit-equivalents). Sustain and the first withdrawal step come within a few
    unit-equivalents of it: since units cost each nation its own cost (cost
    factors, a higher tier than continuity), a cheaper nation may take over a
    line at a phase boundary (at most 4; sustain swaps about 2: Turkey's HQ share and
    Canada's trainers); later steps may regroup a few sub-units to
    keep 15 flags on the ground, each offer near its (scaled) minimum and the
    cheaper nation on a line, higher tiers than continuity, but never add
    more than five unit-equivalents (one before national costs), and what
    they withdraw less what they add is exactly the fall in the force. Before
    the continuity tier the flagship changed 58, 43, 33 and 24 units
    (sustain, withdrawal 1, 2, 3)."""
    s = load_scenario(bundled_scenarios()["reassurance-2025"])
    result = plan_scenario(s)
    assert result.optimal
    alloc = result.allocations
    phases = [p.id for p in s.ordered_phases]
    for before, now in zip(phases, phases[1:], strict=False):
        prev = {
            (r.nation, r.capability, r.mission): r.units
            for r in alloc[alloc["phase"] == before].itertuples()
        }
        cur = {
            (r.nation, r.capability, r.mission): r.units
            for r in alloc[alloc["phase"] == now].itertuples()
        }
        bound = 0.0
        for m, c in {(m, c) for _, c, m in set(prev) | set(cur)}:
            bound += abs(
                sum(u for (_, c2, m2), u in cur.items() if (c2, m2) == (c, m))
                - sum(u for (_, c2, m2), u in prev.items() if (c2, m2) == (c, m))
            )
        change = result.units_changed[now]
        assert change["changed"] >= bound - 1e-6, now
        if now in ("sustain", "withdrawal_1"):
            # each unit-equivalent swapped from one nation to another counts twice
            assert (change["changed"] - bound) / 2 <= 4.0, now
        if now.startswith("withdrawal"):
            assert change["added"] <= 5.0, now
            fall = sum(prev.values()) - sum(cur.values())
            assert change["withdrawn"] - change["added"] == pytest.approx(fall), now
    assert result.objective[CONTINUITY_STAGE] == pytest.approx(
        sum(c["changed"] for c in result.units_changed.values())
    )


def test_flagship_continuity_stage_warm_equals_cold() -> None:
    """The HiGHS 1.16 MIP-start guard also covers the continuity stage: on the
    flagship, warm-started and cold solves of each phase (against the plan's
    previous phase) agree on every tier."""
    s = load_scenario(bundled_scenarios()["reassurance-2025"])
    previous: dict[tuple[str, str, str], int] | None = None
    for phase in s.ordered_phases:
        warm_model = build_phase(s, phase, backstop_enabled=True)
        cold_model = build_phase(s, phase, backstop_enabled=True)
        if previous is not None:
            add_continuity(warm_model, previous)
            add_continuity(cold_model, previous)
        warm = solve_phase(warm_model, 1e12)
        cold = solve_phase(cold_model, 1e12, warm_start=False)
        for name, value in warm.stage_values.items():
            assert abs(value - cold.stage_values[name]) <= 1e-6 * max(1.0, abs(value)), name
        previous = _allocation(warm)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_a_twins_known_optima_give_the_same_plan_values_as_a_full_solve(s: Scenario) -> None:
    """A phase whose twin was solved against another previous plan solves only
    the continuity stage, holding the earlier tiers at the twin's optima.
    Here the twin is phase 2 itself solved without continuity; the shortcut
    and the full solve reach the same value in every tier."""
    first, second = s.ordered_phases
    previous = _allocation(solve_phase(build_phase(s, first, backstop_enabled=True), 1e12))
    twin = solve_phase(build_phase(s, second, backstop_enabled=True), 1e12)
    full_model = build_phase(s, second, backstop_enabled=True)
    add_continuity(full_model, previous)
    full = solve_phase(full_model, 1e12)
    short_model = build_phase(s, second, backstop_enabled=True)
    add_continuity(short_model, previous)
    short = solve_phase(short_model, 1e12, known=twin)
    assert short.stage_values.keys() == full.stage_values.keys()
    for name, value in full.stage_values.items():
        tolerance = max(2e-4, 2e-6 * abs(value))
        assert abs(short.stage_values[name] - value) <= tolerance, name
