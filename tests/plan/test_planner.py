"""Known answers for the planner, each worked out by hand in its docstring."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from plan_builders import capability, mission, nation, scenario, units_of

import forceplan
from forceplan.plan import (
    PlanError,
    PlanInfeasible,
    plan_scenario,
    tied_up_personnel,
    troop_sets_needed,
)
from forceplan.scenario import load_scenario

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"


# ---------------------------------------------------------------------------
# Rotation arithmetic
# ---------------------------------------------------------------------------


def test_rotation_ratio_three_ties_up_three_times_the_deployed() -> None:
    """25,000 deployed at a rotation ratio of 3 (one deployed, one preparing,
    one recovering) ties up 3 x 25,000 = 75,000."""
    assert tied_up_personnel(25_000, 3) == 75_000


@pytest.mark.parametrize(
    ("months", "tour", "sets"),
    [(24, 6, 4), (24, 4, 6), (12, 6, 2), (13, 6, 3), (6, 6, 1), (0, 6, 0), (60, 9, 7)],
)
def test_troop_sets_needed_without_reuse(months: int, tour: float, sets: int) -> None:
    """Six-month tours over two years: 24 / 6 = 4 sets; a partial tour still
    needs a whole set (13 months = 2 full tours + 1 month -> 3 sets)."""
    assert troop_sets_needed(months, tour) == sets


def test_troop_sets_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        troop_sets_needed(12, 0)
    with pytest.raises(ValueError):
        troop_sets_needed(-1, 6)


def test_tied_up_personnel_in_the_plan_is_deployed_times_ratio() -> None:
    """One battalion of 500 at ratio 3: 500 deployed, 1,500 tied up; the army
    of 100,000 therefore has 1.5 % tied up."""
    s = scenario([nation("AAA", {"infantry": 9})], [mission("land", {"infantry": 1})])
    row = plan_scenario(s).nations.iloc[0]
    assert row["deployed_personnel"] == 500
    assert row["tied_up_personnel"] == 1500
    assert row["army_share"] == pytest.approx(0.015)


# ---------------------------------------------------------------------------
# A small allocation with a proven optimum
# ---------------------------------------------------------------------------


def test_small_allocation_optimum() -> None:
    """Mission 'land' needs 4 battalions (ratio 3).

    AAA holds 6 battalions, so it can keep floor(6/3) = 2 deployed; BBB holds
    3, so 1. Whatever the plan, the coalition can field at most 2 + 1 = 3,
    so at least 1 battalion is unmet; the plan AAA 2, BBB 1, unmet 1 reaches
    that bound, and it is the only plan that does (any fewer units from
    either nation leaves more unmet). Cost: 3 x 100 = US$300m a year.
    """
    s = scenario(
        [nation("AAA", {"infantry": 6}), nation("BBB", {"infantry": 3})],
        [mission("land", {"infantry": 4})],
    )
    result = plan_scenario(s)
    assert result.status == "optimal"
    assert units_of(result, "AAA") == 2
    assert units_of(result, "BBB") == 1
    short = result.shortfalls.iloc[0]
    assert (short["required"], short["coalition_units"], short["unmet"]) == (4, 3, 1)
    assert result.objective["cost_usd_m"] == pytest.approx(300.0)
    # one unmet battalion of 500 for 12 months, in personnel-months
    assert result.objective["unmet_priority_1_personnel_months"] == pytest.approx(6000.0)


def test_higher_priority_mission_is_served_first() -> None:
    """AAA can sustain one battalion (3 held, ratio 3). 'front_door' (priority
    1) and 'back_door' (priority 3) each need one: the lexicographic order
    gives it to priority 1 and leaves priority 3 unmet."""
    s = scenario(
        [nation("AAA", {"infantry": 3})],
        [
            mission("back_door", {"infantry": 1}, priority=3),
            mission("front_door", {"infantry": 1}, priority=1),
        ],
    )
    result = plan_scenario(s)
    assert units_of(result, "AAA", "front_door") == 1
    assert units_of(result, "AAA", "back_door") == 0
    assert result.shortfalls["mission"].tolist() == ["back_door"]


def test_cost_breaks_ties_between_capabilities_only_after_coverage() -> None:
    """Two ways to fill two requirements is not a choice: coverage is an
    equality, so no nation ever sends more than is required, even when it
    has spare units (cost would only rise)."""
    s = scenario([nation("AAA", {"infantry": 30})], [mission("land", {"infantry": 2})])
    assert units_of(plan_scenario(s), "AAA") == 2


# ---------------------------------------------------------------------------
# Caveats, availability, floors, caps
# ---------------------------------------------------------------------------


def test_caveats_are_respected() -> None:
    """tiny.toml: Beta is 'air and sea only'. Make land need 5 battalions:
    Alpha can sustain 9/3 = 3, Beta holds 6 battalions but may not send any,
    so 2 stay unmet rather than break the caveat."""
    base = load_scenario(TINY)
    land = base.mission("land").model_copy(
        update={
            "requirements": {
                "infantry_battalion": base.mission("land")
                .requirements["infantry_battalion"]
                .model_copy(update={"value": 5})
            }
        }
    )
    s = base.model_copy(update={"missions": (land, base.mission("skies"))})
    result = plan_scenario(s)
    sustain = result.allocations[result.allocations["phase"] == "sustain"]
    assert units_of(result, "BBB", cap="infantry_battalion") == 0
    land_sustain = sustain[sustain["mission"] == "land"]
    assert land_sustain.set_index("nation")["units"].to_dict() == {"AAA": 3}
    short = result.shortfalls[result.shortfalls["phase"] == "sustain"].iloc[0]
    assert short["unmet"] == 2


def test_commitments_drawn_down_to_a_hard_floor() -> None:
    """AAA holds 9 battalions and keeps 2 on an eFP commitment (floor 1),
    ratio 3. Free: 9 - 3x2 = 3 -> 1 deployable. Drawing the commitment down by
    1 (to its floor) frees 3 more -> 2 deployable; it may not go lower. Need 3:
    send 2, drain 1, keep 1 (= floor), 1 unmet."""
    commitment = {"name": "eFP", "kind": "efp", "capability": "infantry", "units": 2, "floor": 1}
    s = scenario(
        [nation("AAA", {"infantry": 9}, commitments=[commitment])],
        [mission("land", {"infantry": 3})],
    )
    result = plan_scenario(s)
    assert units_of(result, "AAA") == 2
    flank = result.flank.iloc[0]
    assert (flank["drain"], flank["units_kept"], bool(flank["below_floor"])) == (1, 1, False)
    assert result.shortfalls.iloc[0]["unmet"] == 1


def test_soft_floor_may_be_breached_and_is_reported() -> None:
    """Same as above with a soft floor: meeting the requirement (tier 1) beats
    keeping the floor, so the commitment is drained to 0 (below its floor of
    1) and all 3 battalions go; the flank table flags it."""
    commitment = {"name": "eFP", "kind": "efp", "capability": "infantry", "units": 2, "floor": 1}
    s = scenario(
        [nation("AAA", {"infantry": 9}, commitments=[commitment])],
        [mission("land", {"infantry": 3})],
        constraints={"flank_floor": "soft"},
    )
    result = plan_scenario(s)
    assert units_of(result, "AAA") == 3
    flank = result.flank.iloc[0]
    assert (flank["drain"], flank["units_kept"], bool(flank["below_floor"])) == (2, 0, True)
    assert result.shortfalls.empty


def test_commitments_are_not_drained_without_need() -> None:
    """With enough free units (need 1, free 3 -> 1 deployable) the flank is untouched."""
    commitment = {"name": "eFP", "kind": "efp", "capability": "infantry", "units": 2, "floor": 0}
    s = scenario(
        [nation("AAA", {"infantry": 9}, commitments=[commitment])],
        [mission("land", {"infantry": 1})],
    )
    assert plan_scenario(s).flank.iloc[0]["drain"] == 0


def test_political_cap_limits_army_units_only() -> None:
    """AAA's army is 10,000 with a cap of 10 %: 1,000 may be tied up. A
    battalion of 300 at ratio 3 ties up 900, so one fits and two (1,800) do
    not: 1 sent, 1 unmet. Fighter squadrons (air domain) are crewed by the air
    force and do not count: both required squadrons go."""
    caps = [
        capability("infantry", personnel=300),
        capability("fighters", domain="air", personnel=300),
    ]
    s = scenario(
        [
            nation(
                "AAA", {"infantry": 30, "fighters": 30}, army_personnel=10_000, max_army_share=0.1
            )
        ],
        [mission("land", {"infantry": 2, "fighters": 2})],
        caps,
    )
    result = plan_scenario(s)
    assert units_of(result, "AAA", cap="infantry") == 1
    assert units_of(result, "AAA", cap="fighters") == 2
    assert result.nations.iloc[0]["army_share"] == pytest.approx(0.09)


def test_opposed_nations_send_nothing() -> None:
    s = scenario(
        [nation("AAA", {"infantry": 30}, stance="opposed")], [mission("land", {"infantry": 1})]
    )
    result = plan_scenario(s)
    assert result.allocations.empty
    assert result.shortfalls.iloc[0]["unmet"] == 1


# ---------------------------------------------------------------------------
# Coalition-wide constraints
# ---------------------------------------------------------------------------


def test_minimum_flags_on_the_ground() -> None:
    """Need 3 battalions; AAA alone could send all 3 (15 held). With
    min_nations_on_ground = 3 three different nations must each send one."""
    nations = [nation(iso, {"infantry": 15}) for iso in ("AAA", "BBB", "CCC")]
    s = scenario(
        nations, [mission("land", {"infantry": 3})], constraints={"min_nations_on_ground": 3}
    )
    result = plan_scenario(s)
    assert result.allocations.set_index("nation")["units"].to_dict() == {
        "AAA": 1,
        "BBB": 1,
        "CCC": 1,
    }


def test_min_flags_ignore_missions_off_the_ground() -> None:
    """Flags only count on missions with on_ground = true: air policing with
    one squadron each from two nations does not satisfy a minimum of two
    nations on the ground, so the land battalions must come from two nations."""
    caps = [capability("infantry"), capability("fighters", domain="air")]
    nations = [nation(iso, {"infantry": 15, "fighters": 15}) for iso in ("AAA", "BBB")]
    s = scenario(
        nations,
        [mission("land", {"infantry": 2}), mission("skies", {"fighters": 2}, on_ground=False)],
        caps,
        constraints={"min_nations_on_ground": 2},
    )
    result = plan_scenario(s)
    land = result.allocations[result.allocations["mission"] == "land"]
    assert set(land["nation"]) == {"AAA", "BBB"}


def test_lead_nation_must_contribute() -> None:
    """Either nation could fill the single battalion; the lead-nation rule
    names BBB, so BBB sends it."""
    s = scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 15})],
        [mission("command", {"infantry": 1})],
        constraints={"lead_nations": {"command": ["BBB"]}},
    )
    assert plan_scenario(s).allocations.set_index("nation")["units"].to_dict() == {"BBB": 1}


def _treaty_case(limit: float | None) -> forceplan.Scenario:
    caps = [capability("frigate", domain="sea", personnel=200, displacement_tonnes=4000)]
    constraints: dict[str, object] = {}
    if limit is not None:
        constraints["treaty_limits"] = [
            {
                "name": "Montreux",
                "measure": "displacement_tonnes",
                "maximum": limit,
                "capabilities": ["frigate"],
                "applies_to": "non_black_sea_states",
            }
        ]
    return scenario(
        [nation("AAA", {"frigate": 9}), nation("TUR", {"frigate": 3}, black_sea_state=True)],
        [mission("seas", {"frigate": 3}, region="Black Sea", on_ground=False)],
        caps,
        constraints=constraints,
    )


def test_treaty_limit_binds() -> None:
    """Need 3 frigates of 4,000 t. AAA (not a Black Sea state) could sustain
    9/3 = 3, but the 6,000 t cap lets it have only one in (two = 8,000 t);
    TUR (a Black Sea state, exempt) sustains 3/3 = 1. So AAA 1, TUR 1,
    1 unmet. Without the treaty the coalition covers all 3."""
    result = plan_scenario(_treaty_case(6000))
    assert units_of(result, "AAA") == 1
    assert units_of(result, "TUR") == 1
    assert result.shortfalls.iloc[0]["unmet"] == 1
    assert plan_scenario(_treaty_case(None)).shortfalls.empty


def test_burden_sharing_moves_units_towards_gdp_shares() -> None:
    """Four battalions at US$100m each, T = 400. AAA has GDP 3,000 and BBB
    1,000 (shares 0.75 / 0.25 of all nations). With burden sharing off the
    cost is 400 whatever the split. With a penalty on |cost - share x T|
    beyond a band of 0, the only zero-deviation split is AAA 300 (3 units),
    BBB 100 (1 unit); swapping the GDPs swaps the split."""

    def case(gdp_a: float, gdp_b: float) -> dict[str, int]:
        s = scenario(
            [
                nation("AAA", {"infantry": 30}, gdp=gdp_a),
                nation("BBB", {"infantry": 30}, gdp=gdp_b),
            ],
            [mission("land", {"infantry": 4})],
            burden="penalty",
            constraints={
                "burden_sharing": {"mode": "penalty", "basis": "all", "max_deviation": 0.0}
            },
        )
        result = plan_scenario(s)
        assert result.objective["burden_deviation_usd_m"] == pytest.approx(0.0, abs=1e-6)
        return result.allocations.set_index("nation")["units"].to_dict()

    assert case(3000, 1000) == {"AAA": 3, "BBB": 1}
    assert case(1000, 3000) == {"AAA": 1, "BBB": 3}


def test_burden_bound_caps_a_nations_share() -> None:
    """Bound mode, contributors basis, max deviation 0.25. AAA (GDP 1,000) and
    BBB (GDP 1,000) both contribute if both send; 4 units cost 400. Cost
    shares must lie within 0.5 +- 0.25, i.e. each nation pays 100-300, so 1-3
    units each; with min flags 2 both must send. AAA alone may not send all 4."""
    s = scenario(
        [nation("AAA", {"infantry": 30}), nation("BBB", {"infantry": 30})],
        [mission("land", {"infantry": 4})],
        constraints={
            "min_nations_on_ground": 2,
            "burden_sharing": {"mode": "bound", "basis": "contributors", "max_deviation": 0.25},
        },
    )
    split = plan_scenario(s).allocations.set_index("nation")["units"].to_dict()
    assert sum(split.values()) == 4
    assert all(1 <= units <= 3 for units in split.values())


# ---------------------------------------------------------------------------
# Backstop
# ---------------------------------------------------------------------------


def _backstop_case(enabled: bool | None) -> forceplan.PlanResult:
    caps = [capability("fighters", domain="air", personnel=250)]
    s = scenario(
        [nation("AAA", {"fighters": 6})],
        [mission("skies", {"fighters": 4}, on_ground=False)],
        caps,
        backstop={"units": {"fighters": 5}, "enabled": True},
    )
    return plan_scenario(s, backstop=enabled)


def test_backstop_fills_only_what_the_coalition_cannot() -> None:
    """Need 4 squadrons; AAA sustains 6/3 = 2. The backstop (5 available)
    fills the other 2, not more: backstop use is minimised right after
    unmet requirement, so the coalition's 2 are always used first."""
    result = _backstop_case(None)  # default: the scenario's backstop.enabled
    assert result.backstop_enabled
    assert units_of(result, "AAA") == 2
    short = result.shortfalls.iloc[0]
    assert (short["coalition_units"], short["backstop_units"], short["unmet"]) == (2, 2, 0)


def test_backstop_switched_off_leaves_the_gap_unmet() -> None:
    result = _backstop_case(False)
    assert not result.backstop_enabled
    short = result.shortfalls.iloc[0]
    assert (short["coalition_units"], short["backstop_units"], short["unmet"]) == (2, 0, 2)


# ---------------------------------------------------------------------------
# Infeasible models are explained in words
# ---------------------------------------------------------------------------


def test_infeasible_min_flags_explained() -> None:
    """Two flags are required on the ground but BBB's caveat keeps it off land
    missions: the explanation names the constraint and the caveat."""
    s = scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 15}, caveats=["air_only"])],
        [mission("land", {"infantry": 2})],
        caveats={"air_only": {"description": "Air only", "only_domains": ["air"]}},
        constraints={"min_nations_on_ground": 2, "goals": "hard"},
    )
    with pytest.raises(PlanInfeasible) as caught:
        plan_scenario(s)
    text = str(caught.value)
    assert "min_nations_on_ground" in text
    assert "only 1 can put a unit" in text
    assert "air_only" in text


def test_infeasible_lead_nation_explained() -> None:
    """The lead nation BBB has no infantry at all, so 'command' cannot include it."""
    s = scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 0})],
        [mission("command", {"infantry": 1})],
        constraints={"lead_nations": {"command": ["BBB"]}, "goals": "hard"},
    )
    with pytest.raises(PlanError, match=r"lead nations \(BBB.*BBB has no infantry units"):
        plan_scenario(s)


def test_infeasible_combination_names_the_conflicting_constraint() -> None:
    """Both nations hold battalions, but AAA's political cap (1 % of 10,000 =
    100 people) is below one battalion's 1,500 tied up: only BBB can be on
    the ground while two flags are required. The planner names the minimum
    flags and why AAA cannot be there: its army-share cap."""
    s = scenario(
        [
            nation("AAA", {"infantry": 15}, army_personnel=10_000, max_army_share=0.01),
            nation("BBB", {"infantry": 15}),
        ],
        [mission("land", {"infantry": 2})],
        constraints={"min_nations_on_ground": 2, "goals": "hard"},
    )
    with pytest.raises(PlanInfeasible) as caught:
        plan_scenario(s)
    reasons = " ".join(caught.value.reasons)
    assert "army-share cap (1% of 10,000 army personnel" in reasons
    assert "min_nations_on_ground" in reasons


# ---------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------


def test_result_contract_on_tiny() -> None:
    s = load_scenario(TINY)
    result = forceplan.plan_scenario(s)
    assert result.scenario_name == "tiny"
    assert result.scenario_hash == forceplan.scenario_hash(s)
    assert result.forceplan_version == forceplan.__version__
    assert result.status == "optimal"
    assert result.mip_gap <= 1e-6
    assert set(result.model_size) >= {"rows", "columns", "integers"}
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

    assert ALLOCATION_COLUMNS == [
        "phase",
        "mission",
        "capability",
        "nation",
        "units",
        "whole_units",
        "sub_units",
        "frames",
        "personnel",
        "annual_cost_usd_m",
    ]
    assert SHORTFALL_COLUMNS[-1] == "unmet_personnel"
    assert {"tour_personnel", "standing_army_share"} <= set(NATION_COLUMNS)
    assert {"pool_units", "mission_tied_up_units", "spare_units"} <= set(FLANK_COLUMNS)
    for frame, columns in [
        (result.allocations, ALLOCATION_COLUMNS),
        (result.shortfalls, SHORTFALL_COLUMNS),
        (result.nations, NATION_COLUMNS),
        (result.flank, FLANK_COLUMNS),
        (result.offers, OFFER_COLUMNS),
        (result.flags, FLAG_COLUMNS),
        (result.goals, GOAL_COLUMNS),
        (result.force, FORCE_COLUMNS),
    ]:
        assert list(frame.columns) == columns
    assert result.phases["months"].tolist() == [12, 12]
    # every requirement is met: sustain needs 2 + 1, drawdown ceil(0.5 x 2) + ceil(0.5 x 1)
    assert result.allocations.groupby("phase")["units"].sum().to_dict() == {
        "sustain": 3,
        "drawdown": 2,
    }
    assert (result.allocations["units"] > 0).all()
    data = json.loads(result.to_json())
    assert data["scenario"]["hash"] == result.scenario_hash
    assert set(result.to_frames()) == {
        "allocations",
        "shortfalls",
        "nations",
        "flank",
        "phases",
        "offers",
        "flags",
        "goals",
        "force",
    }


def test_plan_is_deterministic() -> None:
    s = load_scenario(TINY)
    first, second = plan_scenario(s), plan_scenario(s)
    assert first.allocations.equals(second.allocations)
    assert first.nations.equals(second.nations)


def test_time_limit_must_be_positive() -> None:
    with pytest.raises(ValueError):
        plan_scenario(load_scenario(TINY), time_limit_s=0)


def test_flagship_stages_match_cold_solves() -> None:
    """Regression: on the flagship's build-up phase a MIP start once made
    HiGHS report 5 unmet priority-3 units as optimal when 0 was reachable.
    Warm-started and cold lexicographic solves must agree on every tier."""
    from forceplan.plan.build import build_phase
    from forceplan.plan.solve import solve_phase
    from forceplan.scenario import bundled_scenarios

    s = load_scenario(bundled_scenarios()["reassurance-2025"])
    for phase in s.ordered_phases:
        warm = solve_phase(build_phase(s, phase, backstop_enabled=True), 1e12)
        cold = solve_phase(build_phase(s, phase, backstop_enabled=True), 1e12, warm_start=False)
        for name, value in warm.stage_values.items():
            assert abs(value - cold.stage_values[name]) <= 1e-6 * max(1.0, abs(value)), name
