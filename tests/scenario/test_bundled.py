"""The bundled scenarios load, and the flagship's key figures hold."""

from __future__ import annotations

import math

import pytest

from forceplan.scenario import Scenario, bundled_scenarios
from forceplan.scenario.loader import load_scenario

EXPECTED = {
    "reassurance-2025",
    "reassurance-2025-no-backstop",
    "iiss-small",
    "iiss-medium",
    "iiss-large",
    "un-100k",
    "no-force",
}


def sustain_personnel(s: Scenario, phase_id: str = "sustain") -> float:
    phase = next(p for p in s.phases if p.id == phase_id)
    return sum(
        s.requirement(phase, m.id, c.id) * c.personnel_per_unit.value
        for m in s.missions
        for c in s.capabilities
    )


@pytest.fixture(scope="module")
def flagship() -> Scenario:
    return load_scenario("reassurance-2025")


def test_every_expected_scenario_is_bundled() -> None:
    assert set(bundled_scenarios()) >= EXPECTED


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bundled_scenario_loads(name: str) -> None:
    s = load_scenario(name)
    assert s.total_months == 60
    assert s.nations and s.capabilities and s.missions
    # Every requirement of every phase can in principle be served by some unit type.
    for _phase, mission, cap, need in s.requirements():
        assert need > 0
        assert mission.id in {m.id for m in s.missions}
        assert cap.id in {c.id for c in s.capabilities}


def test_flagship_horizon_and_phases(flagship: Scenario) -> None:
    assert flagship.total_months == 60  # up to five years
    ids = [p.id for p in flagship.ordered_phases]
    assert ids[0] == "build_up" and ids[1] == "sustain"
    withdrawal = [p for p in flagship.ordered_phases if p.id.startswith("withdrawal")]
    assert len(withdrawal) >= 2, "withdrawal should come in steps"
    multipliers = [p.multiplier for p in withdrawal]
    assert multipliers == sorted(multipliers, reverse=True)
    assert all(0 < m < 1 for m in multipliers)


def test_flagship_uk_figures(flagship: Scenario) -> None:
    uk = flagship.nation("GBR")
    assert uk.stance == "committed"
    assert math.isclose(uk.gdp_usd_bn.value, 3340.0, rel_tol=0.01)
    assert uk.gdp_usd_bn.source and "World Bank" in uk.gdp_usd_bn.source
    assert uk.defence_budget_usd_bn.value == pytest.approx(81.8)
    assert uk.army_personnel.value == pytest.approx(72510)
    # The UK division of 10,000-25,000 (The Times, 2025-02-01) is the UK's offer
    # of personnel deployed on the land lines, not a cap; the army-share cap is
    # a marked assumption.
    division = next(o for o in uk.offers if "division" in o.name)
    assert (division.minimum, division.max_personnel.value) == (10_000, 25_000)  # type: ignore[union-attr]
    assert "times_2025_02_01" in (division.source or "")
    assert uk.max_army_share.assumption and uk.max_army_share.note
    assert any(o.missions == ("safe_skies",) for o in uk.offers)  # RAF jets
    # Eastern flank: the UK battlegroup in Estonia is held with a floor.
    efp = [c for c in uk.commitments if "Estonia" in c.name]
    assert efp and all(c.floor.value >= 1 for c in efp)


def test_flagship_talks_and_troop_nations(flagship: Scenario) -> None:
    talks = flagship.sources["nations_in_talks"]
    assert "37" in talks and "30" in talks
    assert "15" in flagship.sources["troop_ready_nations"]
    assert "30,000" in flagship.sources["force_size_floated"]


def test_flagship_nations_and_stances(flagship: Scenario) -> None:
    assert len(flagship.nations) == 24
    stances = {n.iso: n.stance for n in flagship.nations}
    assert stances["GBR"] == stances["FRA"] == "committed"
    for iso in ("DEU", "POL", "ITA", "ROU", "JPN", "CZE"):
        assert stances[iso] == "opposed", iso
    # Opposed nations can send nothing to a mission on the ground in Ukraine.
    for n in flagship.nations:
        if n.stance != "opposed":
            continue
        for m in flagship.missions:
            if not m.on_ground:
                continue
            for c in flagship.capabilities:
                assert not (n.units.get(c.id) and flagship.allowed(n, m, c)), (n.iso, m.id, c.id)
    # Non-combat roles away from the front for every coalition nation.
    front = flagship.mission("line_monitoring")
    inf = flagship.capability("infantry_battalion")
    for n in flagship.nations:
        if n.stance in ("committed", "willing"):
            assert not flagship.allowed(n, front, inf), n.iso
    assert flagship.nation("TUR").black_sea_state
    assert not flagship.nation("GBR").black_sea_state


def test_flagship_missions_and_constraints(flagship: Scenario) -> None:
    objectives = {m.objective for m in flagship.missions}
    wanted = {"safe skies", "safe seas", "peace on land", "stronger Ukrainian armed forces"}
    assert wanted <= objectives
    assert set(flagship.constraints.lead_nations["command"]) == {"GBR", "FRA"}
    assert flagship.constraints.flags_wanted >= 3
    (montreux,) = flagship.constraints.treaty_limits
    assert montreux.measure == "displacement_tonnes"
    assert montreux.maximum.value == 30_000
    assert montreux.applies_to == "non_black_sea_states"
    assert "1936" in (flagship.sources[montreux.source or ""])
    frigate = flagship.capability("frigate")
    assert frigate.displacement_tonnes is not None
    assert flagship.backstop is not None and flagship.backstop.enabled
    assert {"isr_aircraft", "lr_air_defence_battery"} <= set(flagship.backstop.units)
    # The backstop never puts troops on the ground.
    for m_id in flagship.backstop.missions:
        assert not flagship.mission(m_id).on_ground or m_id == "enablers"
    for cap_id in flagship.backstop.units:
        assert flagship.capability(cap_id).domain == "air"


def test_flagship_capabilities(flagship: Scenario) -> None:
    ids = {c.id for c in flagship.capabilities}
    assert {
        "infantry_battalion",
        "armoured_battlegroup",
        "fighter_squadron",
        "frigate",
        "mcm_vessel",
        "lr_air_defence_battery",
        "isr_aircraft",
        "airlift",
        "training_team",
        "logistics_battalion",
        "medical_unit",
        "headquarters",
    } <= ids
    for c in flagship.capabilities:
        assert c.rotation_ratio.value == 3 and c.rotation_ratio.assumption
        assert c.tour_months.value == 6
        assert c.annual_cost_per_unit_usd_m.value > 0


def test_sustain_phase_size(flagship: Scenario) -> None:
    assert 20_000 <= sustain_personnel(flagship) <= 30_000


@pytest.mark.parametrize(
    ("name", "low", "high"),
    [
        ("iiss-small", 8_000, 12_000),
        ("iiss-medium", 22_000, 28_000),
        ("iiss-large", 60_000, 100_000),
        ("un-100k", 90_000, 110_000),
        ("no-force", 0, 0),
    ],
)
def test_variant_sizes(name: str, low: float, high: float) -> None:
    s = load_scenario(name)
    assert low <= sustain_personnel(s) <= high
    if name == "no-force":
        assert list(s.requirements()) == []


def test_no_backstop_variant() -> None:
    s = load_scenario("reassurance-2025-no-backstop")
    assert s.backstop is not None and not s.backstop.enabled


def test_un_variant() -> None:
    s = load_scenario("un-100k")
    isos = {n.iso for n in s.nations}
    assert {"IND", "BGD", "CHN"} <= isos
    assert not any(n.nato for n in s.nations)
    for iso in ("IND", "BGD", "CHN"):
        n = s.nation(iso)
        for fig in (n.gdp_usd_bn, n.defence_budget_usd_bn, n.active_personnel):
            assert fig.source, iso
    # UN economics (issue 7, finding 7): capability costs are the contributors' own
    # (national) costs, as in the flagship; the UN pays its reimbursement rate from its
    # assessed budget; the named contributors may replace a leaver.
    flagship = load_scenario("reassurance-2025")
    for cap in s.capabilities:
        assert cap.annual_cost_per_unit_usd_m == flagship.capability(
            cap.id
        ).annual_cost_per_unit_usd_m
    assert s.costs.funding == "un_assessed"
    assert s.costs.un_reimbursement_usd_per_person_month.value == 1428
    assert "undecided" in s.simulation.refill_stances
    for iso in ("IND", "BGD", "CHN"):
        assert 0 < s.nation(iso).cost_factor.value < 0.5, iso
    assert s.backstop is None or not s.backstop.enabled


def test_every_flagship_fact_has_a_source(flagship: Scenario) -> None:
    # The [simulation] section is maintained separately; its defaults are assumptions.
    missing = [
        path
        for path, fig in flagship.sources_list()
        if not fig.assumption and not fig.source and not path.startswith("simulation")
    ]
    assert missing == []
    # Every assumption says why.
    unexplained = [
        path
        for path, fig in flagship.sources_list()
        if fig.assumption
        and not fig.note
        and not path.startswith(("simulation", "constraints.burden_sharing"))
    ]
    assert unexplained == []


@pytest.mark.parametrize("name", sorted(bundled_scenarios()))
def test_every_bundled_number_is_cited_or_a_marked_assumption(name: str) -> None:
    """`forceplan sources` reports 0 bare numbers for every bundled scenario. Found on
    main: the flagship's min_nations_on_ground (15) was a bare setting, and the prior's
    cost_pressure_weight a bare figure."""
    from forceplan.scenario import model_numbers

    s = load_scenario(bundled_scenarios()[name])
    bare = [n.path for n in model_numbers(s) if n.status == "bare"]
    assert bare == []
    if name == "reassurance-2025":
        fig = s.constraints.min_nations_on_ground
        assert (fig.value, fig.source) == (15, "troop_ready_nations")
