"""Regression tests for what an expert reading of the flagship found (issue 7).

Each finding was reproduced on the code before the change (numbers in the
docstrings) and is checked here against the bundled scenarios.
"""

from __future__ import annotations

import pytest

from forceplan.plan import PlanResult, plan_scenario
from forceplan.plan import tables as plan_tables
from forceplan.plan.build import build_phase
from forceplan.plan.solve import PhaseSolution, solve_phase
from forceplan.scenario import Scenario, load_scenario

LAND = ("infantry_battalion", "armoured_battlegroup")


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return load_scenario("reassurance-2025")


@pytest.fixture(scope="module")
def result(flagship: Scenario) -> PlanResult:
    return plan_scenario(flagship)


def _sustain(frame, column="phase"):  # type: ignore[no-untyped-def]
    return frame[frame[column] == "sustain"]


def _solve_sustain(name: str) -> tuple[Scenario, PhaseSolution]:
    """One scenario's sustain phase solved on its own (its tiers above continuity)."""
    s = load_scenario(name)
    phase = next(p for p in s.ordered_phases if p.id == "sustain")
    backstop = s.backstop is not None and s.backstop.enabled
    return s, solve_phase(build_phase(s, phase, backstop_enabled=backstop), 1e12)


def test_many_flags_not_seven(result: PlanResult) -> None:
    """Before: the sustain plan sent troops from 7 nations (FIN, FRA, GBR, LTU,
    NLD, SWE, TUR); Belgium, Denmark and Estonia, all willing, sent nothing.
    Now at least 15 flags are on the ground (the Telegraph's 15 ready to send
    troops) and the three send at least a company or a detachment."""
    sustain = _sustain(result.allocations)
    assert sustain["nation"].nunique() >= 10
    assert {"BEL", "DNK", "EST"} <= set(sustain["nation"])
    assert int(_sustain(result.force)["flags_on_ground"].iloc[0]) >= 15
    flags = _sustain(result.flags)
    assert set(flags["mission"]) >= {"peace_on_land", "regenerate", "enablers"}
    assert (flags["flags"] == flags["nations"].str.split(", ").str.len()).all()


def test_every_willing_or_committed_offer_is_used_or_explained(
    flagship: Scenario, result: PlanResult
) -> None:
    """Each committed or willing nation with an offer sends something in the
    sustain phase, and every offer short of its minimum in any phase says
    why, in words."""
    keen = {n.iso for n in flagship.nations if n.stance in ("committed", "willing") and n.offers}
    assert keen == {"GBR", "FRA", "BEL", "DNK", "EST", "LTU", "TUR"}
    sustain = _sustain(result.offers)
    used = sustain.groupby("nation")["used_personnel"].sum()
    assert all(used[iso] > 0 for iso in keen)
    short = result.offers[result.offers["status"] != "honoured"]
    assert not short.empty  # the UK cannot sustain its 10,000-25,000 division
    assert (short["explanation"].str.len() > 20).all()
    uk = _sustain(short[short["nation"] == "GBR"])
    assert "army-share cap" in " ".join(uk["explanation"])


def test_air_and_sea_fleets_are_capped(flagship: Scenario, result: PlanResult) -> None:
    """Before: the sustain plan tied up 6 of the UK's 7 fighter squadrons and
    all 9 of France's minehunters. Now no nation ties up more than half of an
    air-force or navy fleet, standing commitments included (or what its
    commitments alone already tied up)."""
    sustain = _sustain(result.allocations)
    for nation in flagship.nations:
        for cap in flagship.capabilities:
            share = flagship.fleet_share(nation, flagship.service(nation, cap))
            owned = nation.units.get(cap.id)
            if share is None or owned is None:
                continue
            deployed = sustain[
                (sustain["nation"] == nation.iso) & (sustain["capability"] == cap.id)
            ]
            held = sum(c.units.value for c in nation.commitments if c.capability == cap.id)
            tied = cap.rotation_ratio.value * (float(deployed["units"].sum()) + held)
            assert tied <= max(share * owned.value, cap.rotation_ratio.value * held) + 1e-9
    uk_fighters = sustain[
        (sustain["nation"] == "GBR") & (sustain["capability"] == "fighter_squadron")
    ]
    assert 3 * float(uk_fighters["units"].sum()) <= 3.5
    fr_mcm = sustain[(sustain["nation"] == "FRA") & (sustain["capability"] == "mcm_vessel")]
    assert 3 * float(fr_mcm["units"].sum()) <= 4.5


def test_standing_commitments_count_against_the_army_cap(result: PlanResult) -> None:
    """Before: the UK's Estonia battlegroup and standby brigade were not
    counted against its army-share cap. Now they are: 9,900 army personnel
    (13.7 % of 72,510) before the mission sends anyone."""
    uk = _sustain(result.nations)
    uk = uk[uk["nation"] == "GBR"].iloc[0]
    assert uk["standing_army_share"] == pytest.approx(9_900 / 72_510)
    assert uk["army_share"] + uk["standing_army_share"] <= 0.35 + 1e-9


def test_floors_are_not_all_holdings(flagship: Scenario) -> None:
    """Before: every land commitment's floor equalled its holdings, so no
    drain could ever show. Now some floors sit below holdings."""
    below = [c for n in flagship.nations for c in n.commitments if c.floor.value < c.units.value]
    assert any(c.capability == "infantry_battalion" for c in below)  # UK standby brigade


def test_the_flank_drain_shows_under_flank_stress() -> None:
    """Flank stress (eastern battlegroups scaled up to brigades, soft floors):
    the plan draws units from standing commitments and reports them per
    commitment, with the pool behind each one."""
    stress = plan_scenario(load_scenario("flank-stress"))
    assert stress.flank_floor == "soft"
    drained = stress.flank[stress.flank["drain"] > 0]
    assert not drained.empty
    assert (drained["drain_personnel"] > 0).all()
    pool = stress.flank
    assert (pool["pool_units"] >= 0).all()
    assert (pool["flank_tied_up_units"] > 0).any() and (pool["mission_tied_up_units"] > 0).any()


def test_iiss_large_sends_a_force_that_can_be_supported() -> None:
    """Before: under scarcity (iiss-large) the planner filled 34 of 36 infantry
    battalions but 2 of 16 armoured battlegroups and 0 of 16 logistics
    battalions. Now shortfalls weigh personnel and the enabler ratios bind:
    every four manoeuvre units sent come with a logistics battalion, every
    six with a Role 2 unit, every fifteen with a headquarters."""
    s, solution = _solve_sustain("iiss-large")
    sent = plan_tables.sent(solution)
    units = {cap: 0.0 for cap in (*LAND, "logistics_battalion", "medical_unit", "headquarters")}
    for (_, cap, _), what in sent.items():
        if cap in units:
            units[cap] += what.whole + what.frames
    land = units["infantry_battalion"] + units["armoured_battlegroup"]
    assert land > 0
    assert units["logistics_battalion"] >= land * 0.25 - 1e-9
    assert units["medical_unit"] >= land * 0.167 - 1e-9
    assert units["headquarters"] >= land * 0.067 - 1e-9
    assert units["logistics_battalion"] >= 4 and units["armoured_battlegroup"] >= 4


def test_the_times_256000_can_be_read_from_the_plan() -> None:
    """The Times: '64,000 deployed means 256,000 over two years'. The
    times-64k variant requires exactly 64,000 for the 24-month sustain
    phase; the force table gives 64,000 x 24 / 6 = 256,000 people who would
    serve a tour if every post were filled, beside what the coalition can
    actually deploy."""
    s, solution = _solve_sustain("times-64k")
    force = plan_tables.force(s, [solution]).iloc[0]
    assert (force["months"], force["required_personnel"]) == (24, 64_000)
    assert force["required_tour_personnel"] == 256_000
    assert force["tour_personnel"] == force["deployed_personnel"] * 4
    assert force["deployed_personnel"] < 64_000  # allies said there was no chance


@pytest.mark.parametrize(
    ("name", "uk_offer"), [("uk-10k", 10_000), ("uk-25k", 25_000), ("times-64k", 10_000)]
)
def test_uk_variants_offer_the_times_figures(name: str, uk_offer: int) -> None:
    uk = load_scenario(name).nation("GBR")
    assert [(o.minimum, o.max_personnel.value) for o in uk.offers] == [  # type: ignore[union-attr]
        (uk_offer, uk_offer)
    ]


def test_first_floated_force_is_30000() -> None:
    s = load_scenario("first-floated-30k")
    sustain = next(p for p in s.ordered_phases if p.id == "sustain")
    people = sum(
        need * cap.personnel_per_unit.value
        for p, _, cap, need in s.requirements()
        if p.id == sustain.id
    )
    assert people == 30_000
