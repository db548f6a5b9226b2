"""Political goals that may be impossible, and caps already used up before the mission.

Known answers worked out by hand (docs/planner.md, sections 4 and 5): a plan is
returned with each missed goal reported in words; ``goals = "hard"`` keeps the
old behaviour (no plan, and an explanation that names the real cause).
"""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import capability, mission, nation, scenario, units_of

from forceplan.plan import PlanInfeasible, plan_scenario
from forceplan.plan.result import GOAL_COLUMNS, PlanResult


def _goal(result: PlanResult, goal: str, subject: str | None = None) -> dict[str, Any]:
    rows = result.goals[result.goals["goal"] == goal]
    if subject is not None:
        rows = rows[rows["subject"] == subject]
    assert len(rows) == 1, result.goals
    return dict(rows.iloc[0])


def _shortfall(result: PlanResult, cap: str) -> int:
    rows = result.shortfalls[result.shortfalls["capability"] == cap]
    return int(rows["unmet"].sum())


# ---------------------------------------------------------------------------
# Caps already used up by standing commitments
# ---------------------------------------------------------------------------


def _army_case(share: float) -> Any:
    """AAA: army 100,000; 8 battalions of 500 on a standing commitment at rotation 3
    tie up 12,000 (12%), floor 8 so nothing may be drawn. BBB holds 15."""
    commitment = {
        "name": "eFP",
        "capability": "infantry",
        "units": 8,
        "floor": 8,
    }
    return scenario(
        [
            nation("AAA", {"infantry": 40}, max_army_share=share, commitments=[commitment]),
            nation("BBB", {"infantry": 15}),
        ],
        [mission("land", {"infantry": 2})],
    )


def test_commitments_above_the_army_cap_leave_no_headroom_not_infeasibility() -> None:
    """AAA's 12% standing tie-up is over its 10% cap: it can send nothing (not less
    than nothing), BBB sends both battalions, and the plan says why in words."""
    result = plan_scenario(_army_case(0.10))
    assert result.status == "optimal"
    assert units_of(result, "AAA") == 0
    assert units_of(result, "BBB") == 2
    note = next(n for n in result.notes if "(AAA)" in n)
    assert "12.0% of its army (12,000 of 100,000 personnel)" in note
    assert "cap of 10.0%" in note
    assert note.endswith("it can send nothing its army crews")


def test_commitments_below_the_army_cap_leave_the_rest() -> None:
    """At a 15% cap AAA has 15,000 - 12,000 = 3,000 of room: two battalions of 1,500
    tied up each. Costs tie, so either may send; no note about AAA."""
    result = plan_scenario(_army_case(0.15))
    assert units_of(result, "AAA") + units_of(result, "BBB") == 2
    assert not [n for n in result.notes if "(AAA)" in n]


def _fleet_case(held: int, committed: int) -> Any:
    """AAA's fighters, at most half the fleet tied up: pool ``held / 2``; its
    commitment (floor 0, so it may be drawn) ties up 3 per squadron."""
    caps = [capability("fighters", domain="air", personnel=250)]
    commitment = {"name": "air policing", "capability": "fighters", "units": committed, "floor": 0}
    return scenario(
        [nation("AAA", {"fighters": held}, commitments=[commitment])],
        [mission("skies", {"fighters": 1}, on_ground=False)],
        caps,
        constraints={"max_fleet_share": {"air_force": 0.5}},
    )


def test_a_drawdown_must_first_cover_what_commitments_exceed() -> None:
    """4 held, pool 2; 1 committed ties up 3: 1 over. Drawing it down leaves a pool of
    2, two thirds of a squadron at rotation 3: none can go (a drawdown credited in
    full, 3 units of room, would have sent one). The squadron is unmet."""
    result = plan_scenario(_fleet_case(held=4, committed=1))
    assert result.status == "optimal"
    assert units_of(result, "AAA") == 0
    assert _shortfall(result, "fighters") == 1
    assert int(result.flank["drain"].sum()) == 0
    note = next(n for n in result.notes if "(AAA)" in n)
    assert "tie up 3 fighters (1 committed at rotation ratio 3)" in note
    assert "against the 2 its 50% fleet cap allows of 4 held" in note


def test_a_drawdown_that_covers_the_excess_frees_room() -> None:
    """6 held, pool 3; 2 committed tie up 6: 3 over. Drawing 1 leaves 3 tied up (no
    room); drawing both leaves 3 free, one squadron: it sends 1 and drains 2."""
    result = plan_scenario(_fleet_case(held=6, committed=2))
    assert units_of(result, "AAA") == 1
    assert int(result.flank["drain"].sum()) == 2
    assert _shortfall(result, "fighters") == 0


# ---------------------------------------------------------------------------
# Lead nations and flags on the ground: goals
# ---------------------------------------------------------------------------


def _lead_case(**constraints: Any) -> Any:
    """BBB, the lead nation, has no infantry; AAA can fill the battalion."""
    return scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 0})],
        [mission("command", {"infantry": 1})],
        constraints={"lead_nations": {"command": ["BBB"]}, **constraints},
    )


def test_a_lead_nation_that_cannot_send_is_a_goal_missed_not_infeasibility() -> None:
    result = plan_scenario(_lead_case())
    assert result.status == "optimal"
    assert units_of(result, "AAA") == 1  # the requirement is still met
    assert list(result.goals.columns) == GOAL_COLUMNS
    row = _goal(result, "lead_nations", "command")
    assert (row["target"], row["achieved"], row["shortfall"], row["met"]) == (1, 0, 1, False)
    assert "BBB has no infantry units" in row["explanation"]
    missed = result.goals_missed()
    assert len(missed) == 1
    assert missed[0].startswith("phase only: no lead nation leads mission 'command'")
    assert result.objective["lead_nations_missing_months"] == 12  # one mission x 12 months
    data = result.to_dict()
    assert data["goals"][0]["met"] is False and data["goal_mode"] == "soft"
    assert data["goals_missed"] == missed


def test_hard_goals_keep_the_infeasibility_and_its_explanation() -> None:
    for s, kwargs in [(_lead_case(goals="hard"), {}), (_lead_case(), {"goals": "hard"})]:
        with pytest.raises(PlanInfeasible, match=r"lead nations \(BBB.*BBB has no infantry"):
            plan_scenario(s, **kwargs)


def test_a_goal_that_can_be_met_is_met() -> None:
    """Either nation could send the battalion; the goal puts BBB there."""
    s = scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 15})],
        [mission("command", {"infantry": 1})],
        constraints={"lead_nations": {"command": ["BBB"]}},
    )
    result = plan_scenario(s)
    assert result.allocations.set_index("nation")["units"].to_dict() == {"BBB": 1}
    assert _goal(result, "lead_nations", "command")["met"]
    assert result.goals_missed() == []
    assert result.objective["lead_nations_missing_months"] == 0


def test_flags_short_of_the_minimum_are_missed_by_as_little_as_possible() -> None:
    """Three flags wanted on the ground; CCC's caveat keeps it off land. AAA and BBB
    are both put on the ground (2 of 3), though AAA could fill all three alone."""
    s = scenario(
        [
            nation("AAA", {"infantry": 15}),
            nation("BBB", {"infantry": 15}),
            nation("CCC", {"infantry": 15}, caveats=["air_only"]),
        ],
        [mission("land", {"infantry": 3})],
        caveats={"air_only": {"description": "Air only", "only_domains": ["air"]}},
        constraints={"min_nations_on_ground": 3},
    )
    result = plan_scenario(s)
    assert result.status == "optimal"
    assert units_of(result, "AAA") >= 1 and units_of(result, "BBB") >= 1
    assert units_of(result, "AAA") + units_of(result, "BBB") == 3
    row = _goal(result, "min_nations_on_ground")
    assert (row["target"], row["achieved"], row["shortfall"]) == (3, 2, 1)
    assert "only 2 nations can put a unit or sub-unit" in row["explanation"]
    assert "CCC's caveats (air_only) bar it" in row["explanation"]
    assert result.goals_missed()[0].startswith(
        "phase only: 2 of the 3 flags wanted on the ground"
    )


def test_a_lead_nation_blocked_by_an_enabler_ratio_is_explained() -> None:
    """BBB can send a battalion, but every battalion needs a quarter of a logistics
    unit (rounded up: one) and no nation can keep one deployed (AAA holds 2, at
    rotation 3): nothing land can go, and the explanation names the ratio, not
    BBB's holdings."""
    caps = [capability("infantry"), capability("logistics", domain="enabler")]
    s = scenario(
        [nation("BBB", {"infantry": 15}), nation("AAA", {"logistics": 2})],
        [mission("command", {"infantry": 1, "logistics": 1})],
        caps,
        constraints={
            "lead_nations": {"command": ["BBB"]},
            "enabler_ratios": [
                {"name": "logistics", "enablers": ["logistics"], "per": ["infantry"], "ratio": 0.25}
            ],
        },
    )
    result = plan_scenario(s)
    assert units_of(result, "BBB") == 0
    row = _goal(result, "lead_nations", "command")
    assert not row["met"]
    assert "BBB could lead there on their own limits" in row["explanation"]
    assert "enabler ratio 'logistics' allows no infantry without logistics" in row["explanation"]


# ---------------------------------------------------------------------------
# The diagnosis names the real cause
# ---------------------------------------------------------------------------


def _headquarters_case(ratio: float, **constraints: Any) -> Any:
    """GBR holds 3 headquarters (10 staff cells each, 6 for the framework nation) and a
    cap far above what one headquarters ties up; EST could add staff cells."""
    hq = capability(
        "headquarters",
        domain="command",
        personnel=400,
        ratio=ratio,
        sub_unit={"name": "staff cell", "per_unit": 10, "framework_min": 6},
    )
    return scenario(
        [nation("GBR", {"headquarters": 3}), nation("EST", {"headquarters": 0.3})],
        [mission("command", {"headquarters": 1})],
        [hq],
        constraints={"lead_nations": {"command": ["GBR"]}, **constraints},
    )


def test_the_diagnosis_blames_units_held_against_the_rotation_ratio() -> None:
    """3 headquarters at rotation 5.5 sustain 0.55 of one, 5 staff cells: fewer than
    the 6 a framework nation provides, so GBR cannot lead. The cause is its holdings
    against the rotation ratio; its army cap has room to spare. (At 3.5 it keeps 8
    cells and may lead a multinational headquarters: docs/planner.md, "Framework
    nations".)"""
    lead_share = "not enough to keep a framework nation's 6 staff cells of one headquarters"
    with pytest.raises(PlanInfeasible) as caught:
        plan_scenario(_headquarters_case(5.5, goals="hard"))
    text = str(caught.value)
    assert f"3 headquarters held at rotation ratio 5.5: {lead_share}" in text
    assert "army-share" not in text
    row = _goal(plan_scenario(_headquarters_case(5.5)), "lead_nations", "command")
    assert "3 headquarters held at rotation ratio 5.5" in row["explanation"]
    assert "army-share" not in row["explanation"]


def test_the_diagnosis_blames_the_army_cap_when_it_binds() -> None:
    """At rotation 3 a framework nation's 6 staff cells (of 40) tie up 6 x 40 x 3 = 720;
    a cap of 0.5% of 100,000 leaves 500: the army-share cap is the cause, with both
    figures."""
    s = _headquarters_case(3.0)
    gbr = s.nation("GBR").model_copy(
        update={"max_army_share": s.nation("GBR").max_army_share.model_copy(
            update={"value": 0.005})}
    )
    s = s.model_copy(update={"nations": (gbr, s.nation("EST"))})
    row = _goal(plan_scenario(s), "lead_nations", "command")
    assert (
        "leaves room for 500, less than the 720 that a framework nation's 6 staff cells of "
        "one headquarters ties up"
    ) in row["explanation"]
    assert "rotation ratio 3: not enough" not in row["explanation"]
