"""Known answers for offers, sub-units, enabler ratios, fleet and army caps, weighted
shortfalls, the flank drain and tours, each worked out by hand in its docstring."""

from __future__ import annotations

from typing import Any

import pytest
from plan_builders import capability, mission, nation, scenario, units_of

from forceplan.plan import PlanInfeasible, plan_scenario

COMPANY = {"name": "company", "short": "coy", "per_unit": 4, "framework_min": 3}


def _row(frame: Any, **where: Any) -> dict[str, Any]:
    for key, value in where.items():
        frame = frame[frame[key] == value]
    assert len(frame) == 1, frame
    return dict(frame.iloc[0])


# ---------------------------------------------------------------------------
# Offers
# ---------------------------------------------------------------------------


def test_an_offer_is_honoured_and_its_ceiling_kept() -> None:
    """'land' needs 3 battalions of 500. AAA and BBB can each sustain 3 (9
    held, ratio 3) at the same cost, so without offers nothing prefers AAA.
    AAA offers 1,000 personnel (min = max): the offers tier gives it at least
    1,000 (2 battalions) and the ceiling at most 1,000, so AAA 2, BBB 1; the
    offers table shows 1,000 used, honoured."""
    offer = {"name": "land battalions", "min_personnel": 1000, "max_personnel": 1000}
    s = scenario(
        [nation("AAA", {"infantry": 9}, offers=[offer]), nation("BBB", {"infantry": 9})],
        [mission("land", {"infantry": 3})],
    )
    result = plan_scenario(s)
    assert (units_of(result, "AAA"), units_of(result, "BBB")) == (2, 1)
    row = _row(result.offers, nation="AAA")
    assert (row["used_personnel"], row["status"], row["explanation"]) == (1000, "honoured", "")
    assert "offer_shortfall_share_months" not in result.objective or (
        result.objective["offer_shortfall_share_months"] == 0
    )


def test_a_nation_with_offers_sends_only_on_their_lines_and_from_their_month() -> None:
    """AAA offers 'land' only, from month 7. Phase 1 (months 1-6) needs 1
    battalion on 'land' and 1 on 'skies'; phase 2 (7-12) the same. AAA is the
    only nation. Phase 1: its offer does not stand yet, so it sends nothing
    (2 unmet) and the offers table says 'not yet'. Phase 2: it sends the
    'land' battalion; 'skies' lies outside its offer and stays unmet."""
    offer = {"name": "land", "missions": ["land"], "min_personnel": 500, "from_month": 7}
    phases = [
        {"id": "p1", "name": "P1", "start_month": 1, "end_month": 6},
        {"id": "p2", "name": "P2", "start_month": 7, "end_month": 12},
    ]
    s = scenario(
        [nation("AAA", {"infantry": 9}, offers=[offer])],
        [mission("land", {"infantry": 1}), mission("skies", {"infantry": 1})],
        phases=phases,
    )
    result = plan_scenario(s)
    alloc = result.allocations
    assert alloc[alloc["phase"] == "p1"].empty
    assert alloc[alloc["phase"] == "p2"][["mission", "units"]].values.tolist() == [["land", 1]]
    p1 = _row(result.offers, phase="p1")
    assert (p1["status"], p1["stands"]) == ("not yet", False)
    assert "month 7" in p1["explanation"]
    assert _row(result.offers, phase="p2")["status"] == "honoured"


def test_an_unused_offer_is_explained_in_words() -> None:
    """BBB offers 'land' but holds 2 battalions: at ratio 3 it cannot keep one
    deployed, so it sends nothing and the offers table says why."""
    s = scenario(
        [
            nation("AAA", {"infantry": 9}),
            nation("BBB", {"infantry": 2}, offers=[{"name": "a battalion", "min_personnel": 500}]),
        ],
        [mission("land", {"infantry": 1})],
    )
    row = _row(plan_scenario(s).offers, nation="BBB")
    assert row["status"] == "unused"
    assert "cannot sustain a unit" in row["explanation"]
    assert "rotation ratio 3" in row["explanation"]


# ---------------------------------------------------------------------------
# Sub-units in multinational units
# ---------------------------------------------------------------------------


def test_a_one_battalion_nation_contributes_a_company() -> None:
    """'land' needs 2 battalions (500 people, 4 companies of 125 each) and 2
    flags on the ground. AAA holds 6 battalions (ratio 3: 2 deployable); EST
    holds 1 battalion, too few to keep a whole one deployed, but its 4
    companies keep floor(4 / 3) = 1 company deployed (rule of three at
    company level). Without sub-units there is no second flag: the goal is
    missed (infeasible with hard goals).
    With them: AAA sends 1 battalion and frames a multinational one with its
    framework share of 3 companies, EST the fourth (the UK's Estonia
    battlegroup with one allied company is the model; AAA's availability
    3 x (1 + 3/4) = 5.25 <= 6). EST: 1 company, 0.25 unit-equivalents, 125
    people, 375 tied up."""
    nations = [nation("AAA", {"infantry": 6}), nation("EST", {"infantry": 1})]
    flags = {"min_nations_on_ground": 2}
    whole_only = scenario(nations, [mission("land", {"infantry": 2})], constraints=flags)
    goals = plan_scenario(whole_only).goals.set_index("goal")
    assert goals.loc["min_nations_on_ground", "achieved"] == 1
    with pytest.raises(PlanInfeasible):
        plan_scenario(whole_only, goals="hard")
    s = scenario(
        nations,
        [mission("land", {"infantry": 2})],
        [capability("infantry", sub_unit=COMPANY)],
        constraints=flags,
    )
    result = plan_scenario(s)
    est = _row(result.allocations, nation="EST")
    assert (est["whole_units"], est["sub_units"], est["frames"]) == (0, 1, 0)
    assert (est["units"], est["personnel"]) == (0.25, 125)
    aaa = _row(result.allocations, nation="AAA")
    assert (aaa["whole_units"], aaa["sub_units"], aaa["frames"]) == (1, 3, 1)
    assert result.shortfalls.empty
    flags_row = _row(result.flags, mission="land")
    assert (flags_row["flags"], flags_row["nations"]) == (2, "AAA, EST")
    assert _row(result.nations, nation="EST")["tied_up_personnel"] == 375


def test_a_multinational_unit_needs_its_framework_nation() -> None:
    """Three nations each hold 1 battalion (1 company deployable each) and
    nobody can provide the 3 companies a framework nation gives: no
    multinational battalion forms, so the requirement stays unmet rather
    than being filled by stray companies."""
    s = scenario(
        [nation(iso, {"infantry": 1}) for iso in ("AAA", "BBB", "CCC")],
        [mission("land", {"infantry": 1})],
        [capability("infantry", sub_unit=COMPANY)],
    )
    result = plan_scenario(s)
    assert result.allocations.empty
    assert _row(result.shortfalls, mission="land")["unmet"] == 1


STAFF = {"name": "staff cell", "short": "staff", "per_unit": 10, "framework_min": 6}


@pytest.mark.parametrize("ratio", [3.0, 5.0, 6.0])
def test_a_nation_leads_when_it_sustains_its_framework_share(ratio: float) -> None:
    """One HQ (10 staff cells of 40, framework share 6) is needed. AAA holds 3 HQs,
    BBB and CCC 1 each. At rotation ratio 3 AAA keeps a whole HQ deployed: the HQ
    is met. At 5 it keeps only 3 / 5 = 0.6 of one, 6 cells: exactly its framework share,
    so it leads a multinational HQ that BBB and CCC fill with 1 / 5 x 10 = 2 cells
    each (before, a framework nation had to sustain a whole unit: nobody could lead
    and the HQ went unmet from ratio 3 upward). At 6 AAA keeps 5 cells, fewer than
    the 6 a framework nation provides: nobody can lead, the HQ is unmet."""
    s = scenario(
        [nation("AAA", {"hq": 3}), nation("BBB", {"hq": 1}), nation("CCC", {"hq": 1})],
        [mission("command", {"hq": 1})],
        [capability("hq", personnel=400, ratio=ratio, sub_unit=STAFF)],
    )
    result = plan_scenario(s)
    if ratio == 3.0:  # a national HQ or one AAA leads with partners: both cost the same
        assert result.shortfalls.empty
        assert result.allocations["personnel"].sum() == 400
    elif ratio == 5.0:
        got = {r.nation: (r.sub_units, r.frames) for r in result.allocations.itertuples()}
        assert got == {"AAA": (6, 1), "BBB": (2, 0), "CCC": (2, 0)}
        assert result.allocations["personnel"].sum() == 400
        assert result.shortfalls.empty
    else:
        assert result.allocations.empty
        assert _row(result.shortfalls, mission="command")["unmet"] == 1


# ---------------------------------------------------------------------------
# Coherent forces and caps
# ---------------------------------------------------------------------------


def test_an_enabler_ratio_binds() -> None:
    """6 infantry and 2 logistics battalions required; one logistics battalion
    per 3 manoeuvre units. AAA can sustain 9 infantry but only 1 logistics
    battalion (3 held, ratio 3). So logistics 1 >= infantry / 3 allows 3
    infantry: 3 infantry and 1 logistics unmet, though AAA could send more
    infantry. Without the ratio all 6 go."""
    caps = [capability("infantry"), capability("logistics", domain="enabler")]
    nations = [nation("AAA", {"infantry": 27, "logistics": 3})]
    missions = [mission("land", {"infantry": 6}), mission("support", {"logistics": 2})]
    ratio = {"name": "logistics", "enablers": ["logistics"], "per": ["infantry"], "ratio": 1 / 3}
    constraints = {"enabler_ratios": [ratio]}
    result = plan_scenario(scenario(nations, missions, caps, constraints=constraints))
    assert units_of(result, "AAA", "land") == 3
    assert units_of(result, "AAA", "support") == 1
    assert _row(result.shortfalls, mission="land")["unmet"] == 3
    assert units_of(plan_scenario(scenario(nations, missions, caps)), "AAA", "land") == 6


def test_a_fleet_cap_binds_with_commitments_counted() -> None:
    """AAA holds 7 fighter squadrons; 'skies' needs 2. At ratio 3 the
    holdings sustain 2 (6 tied up of 7). With at most half of the air force's
    fleets tied up: 3.5 squadrons, so 1 deployed (3 tied up). With an
    air-policing commitment of 1 squadron too (3 tied up of the 3.5), none."""
    caps = [capability("fighters", domain="air")]
    missions = [mission("skies", {"fighters": 2})]
    cap = {"max_fleet_share": {"air_force": 0.5}}
    fleet = [nation("AAA", {"fighters": 7})]
    assert units_of(plan_scenario(scenario(fleet, missions, caps)), "AAA") == 2
    capped = plan_scenario(scenario(fleet, missions, caps, constraints=cap))
    assert units_of(capped, "AAA") == 1
    policing = {"name": "air policing", "capability": "fighters", "units": 1, "floor": 1}
    committed = nation("AAA", {"fighters": 7}, commitments=[policing])
    assert plan_scenario(scenario([committed], missions, caps, constraints=cap)).allocations.empty


def test_standing_commitments_count_against_the_army_cap() -> None:
    """AAA: army 10,000, cap 30% = 3,000 personnel tied up; battalions of 500
    at ratio 3 tie up 1,500 each. Alone it sends 2. A standing battalion
    (1,500 tied up) leaves room for 1."""
    missions = [mission("land", {"infantry": 3})]
    free = nation("AAA", {"infantry": 30}, army_personnel=10_000, max_army_share=0.3)
    assert units_of(plan_scenario(scenario([free], missions)), "AAA") == 2
    standing = {"name": "eFP", "capability": "infantry", "units": 1, "floor": 1}
    held = nation(
        "AAA", {"infantry": 30}, army_personnel=10_000, max_army_share=0.3, commitments=[standing]
    )
    result = plan_scenario(scenario([held], missions))
    assert units_of(result, "AAA") == 1
    row = _row(result.nations, nation="AAA")
    assert (row["army_share"], row["standing_army_share"]) == (0.15, 0.15)


def test_service_attribution_decides_which_cap_counts() -> None:
    """A Patriot-type battery (domain air, 100 people, ratio 3): AAA's air
    force crews it, BBB's army does. Both have armies of 1,000 capped at 10%
    (100 tied up). BBB's battery would tie up 300 army personnel, so only
    AAA can send one."""
    caps = [capability("battery", domain="air", personnel=100)]
    small = {"army_personnel": 1000, "max_army_share": 0.1}
    nations = [
        nation("AAA", {"battery": 3}, **small),
        nation("BBB", {"battery": 3}, services={"battery": "army"}, **small),
    ]
    result = plan_scenario(scenario(nations, [mission("skies", {"battery": 2})], caps))
    assert (units_of(result, "AAA"), units_of(result, "BBB")) == (1, 0)


def test_an_unmet_battlegroup_weighs_more_than_an_unmet_minehunter() -> None:
    """One battlegroup (1,200 people, US$285m) and one minehunter (45 people,
    US$12m) are required at the same priority, and a treaty lets AAA send
    only one unit of either. Counted in units the two shortfalls tie and cost
    picks the minehunter; counted in personnel the unmet minehunter (45)
    weighs far less than an unmet battlegroup (1,200): the battlegroup goes."""
    caps = [
        capability("battlegroup", personnel=1200, cost=285),
        capability("minehunter", domain="sea", personnel=45, cost=12),
    ]
    limit = {"name": "one unit", "measure": "units", "maximum": 1}
    s = scenario(
        [nation("AAA", {"battlegroup": 3, "minehunter": 3})],
        [mission("land", {"battlegroup": 1}), mission("sea", {"minehunter": 1})],
        caps,
        constraints={"treaty_limits": [limit]},
    )
    result = plan_scenario(s)
    assert units_of(result, "AAA", cap="battlegroup") == 1
    assert units_of(result, "AAA", cap="minehunter") == 0
    assert _row(result.shortfalls, capability="minehunter")["unmet_personnel"] == 45


# ---------------------------------------------------------------------------
# The eastern-flank drain
# ---------------------------------------------------------------------------


def test_a_soft_flank_floor_gives_way_and_the_drain_is_reported() -> None:
    """AAA holds 6 battalions, 2 of them on a standing commitment with floor 2:
    at ratio 3 the commitment ties up all 6. 'land' needs 1. Hard floor: the
    battalion stays unmet, nothing drawn. Soft floor (chosen per run, as
    `--flank-floor soft` does): the plan draws 1 battalion from the
    commitment (kept 1, below its floor of 2; 500 people drawn) and sends it:
    the mission ties up 3 of the 6 in the pool, the commitment 3, none spare."""
    com = {"name": "eFP", "capability": "infantry", "units": 2, "floor": 2}
    s = scenario(
        [nation("AAA", {"infantry": 6}, commitments=[com])], [mission("land", {"infantry": 1})]
    )
    hard = plan_scenario(s)
    assert hard.allocations.empty and hard.flank["drain"].sum() == 0
    soft = plan_scenario(s, flank_floor="soft")
    assert soft.flank_floor == "soft"
    assert units_of(soft, "AAA") == 1
    row = _row(soft.flank, nation="AAA")
    assert (row["drain"], row["units_kept"], row["below_floor"]) == (1, 1, True)
    assert (row["drain_personnel"], row["pool_units"]) == (500, 6)
    assert (row["flank_tied_up_units"], row["mission_tied_up_units"], row["spare_units"]) == (
        3,
        3,
        0,
    )


# ---------------------------------------------------------------------------
# People who serve a tour
# ---------------------------------------------------------------------------


def test_the_times_arithmetic_64000_deployed_is_256000_over_two_years() -> None:
    """64 units of 1,000 held for 24 months on 6-month tours: 64,000 deployed,
    192,000 tied up at ratio 3, and 64,000 x 24 / 6 = 256,000 people serve a
    tour (The Times, Apr 2025: '64,000 deployed means 256,000 over two
    years')."""
    caps = [capability("brigade_slice", personnel=1000)]
    phases = [{"id": "two_years", "name": "Two years", "start_month": 1, "end_month": 24}]
    s = scenario(
        [
            nation(
                "AAA", {"brigade_slice": 192}, army_personnel=1_000_000, active_personnel=2_000_000
            )
        ],
        [mission("land", {"brigade_slice": 64})],
        caps,
        phases=phases,
    )
    result = plan_scenario(s)
    force = _row(result.force, phase="two_years")
    assert (force["deployed_personnel"], force["tied_up_personnel"]) == (64_000, 192_000)
    assert (force["tour_personnel"], force["required_tour_personnel"]) == (256_000, 256_000)
    assert _row(result.nations, nation="AAA")["tour_personnel"] == 256_000
    assert result.mission_totals()["tour_personnel"] == 256_000
