"""What an exploration varies: dimensions from uncertainties and ranged figures, --only, --fix."""

from __future__ import annotations

import pytest
from explore_helpers import ranged

from forceplan.explore.errors import ExploreError
from forceplan.explore.levers import LEVER_PATHS
from forceplan.explore.space import build_space
from forceplan.scenario import Scenario
from forceplan.simulate import effective_uncertainties

RANGED_FIGURES = {
    "capabilities[infantry_battalion].personnel_per_unit",
    "capabilities[infantry_battalion].rotation_ratio",
}
UNIT_COST = "capabilities[fighter_squadron].annual_cost_per_unit_usd_m"


def test_every_ranged_figure_and_uncertainty_is_a_dimension() -> None:
    """The ranged unit cost is a simulation-stage dimension (the parameter
    unit_cost_fighter_squadron), sampled once: not also a plan-stage figure, as it was
    on main after issue 7 (explore set the figure per plan point and the simulation
    drew the unit cost again around it)."""
    s = ranged()
    space = build_space(s)
    plan = {d.name for d in space.stage("plan")}
    sim = {d.name for d in space.stage("simulation")}
    assert plan == RANGED_FIGURES
    varying = {k for k, u in effective_uncertainties(s).items() if u.distribution != "fixed"}
    assert sim == varying | {UNIT_COST}
    cost = next(d for d in space.dimensions if d.name == UNIT_COST)
    assert (cost.stage, cost.target) == ("simulation", "unit_cost_fighter_squadron")
    dist = cost.distribution
    assert (dist.distribution, dist.low, dist.mode, dist.high) == (
        "triangular", 200.0, 300.0, 400.0)  # the simulation's own triangular(low, value, high)
    assert cost.unit == "US$ m per unit-year" and dist.source == "test range"


def test_the_flagship_manifest_lists_each_dimension_once() -> None:
    """Every dimension's name and the parameter or figure it sets appear once; each
    ranged unit cost is one simulation-stage dimension."""
    from forceplan.scenario import bundled_scenarios, load_scenario

    space = build_space(load_scenario(bundled_scenarios()["reassurance-2025"]))
    names = [d.name for d in space.dimensions]
    targets = [d.target for d in space.dimensions]
    assert len(names) == len(set(names)) and len(targets) == len(set(targets))
    costs = [d for d in space.dimensions if d.name.endswith("annual_cost_per_unit_usd_m")]
    assert len(costs) == 12
    assert all(d.stage == "simulation" and d.target.startswith("unit_cost_") for d in costs)
    assert not any(t.startswith("unit_cost_") for t in targets if t not in
                   {d.target for d in costs})
    # the design draws each unit cost itself, so the model's copula correlation is moot
    held = {h.name: h.reason for h in space.held}
    assert "costs.unit_cost_correlation" not in names
    assert "unit costs" in held["costs.unit_cost_correlation"]


def with_backstop(declare_uncertainty: bool) -> Scenario:
    dump = ranged().model_dump(mode="json")
    dump["backstop"] = {"units": {"fighter_squadron": 1},
                        "credibility": {"value": 0.5, "range": [0.2, 0.8]}}
    if declare_uncertainty:
        dump["uncertainties"]["backstop_credibility"] = {
            "distribution": "uniform", "low": 0.1, "high": 0.9}
    return Scenario.model_validate(dump)


def test_backstop_credibility_figure_varies_draw_by_draw() -> None:
    space = build_space(with_backstop(declare_uncertainty=False))
    dim = next(d for d in space.dimensions if d.name == "backstop.credibility")
    assert dim.stage == "simulation" and dim.target == "backstop_credibility"
    assert "backstop_credibility" not in {d.name for d in space.dimensions}


def test_a_declared_uncertainty_supersedes_the_figure() -> None:
    space = build_space(with_backstop(declare_uncertainty=True))
    names = {d.name for d in space.dimensions}
    assert "backstop_credibility" in names and "backstop.credibility" not in names
    held = {h.name: h.reason for h in space.held}
    assert "superseded" in held["backstop.credibility"]


def test_only_keeps_matches_and_holds_the_rest_at_their_centre() -> None:
    space = build_space(ranged(), only=["cost_overrun", "capabilities[*].rotation_ratio"])
    assert [d.name for d in space.dimensions] == [
        "cost_overrun", "capabilities[infantry_battalion].rotation_ratio"]
    held = {h.name: h.value for h in space.held}
    assert held["capabilities[infantry_battalion].personnel_per_unit"] == 600.0
    assert held["trainee_retention"] == pytest.approx((0.7 + 0.95) / 2)


def test_fix_sets_a_value_and_rejects_one_outside_the_range() -> None:
    space = build_space(ranged(), fix=["capabilities[infantry_battalion].rotation_ratio=4"])
    assert space.held_figures() == {"capabilities[infantry_battalion].rotation_ratio": 4.0}
    with pytest.raises(ExploreError, match=r"lies outside its range \[3, 5\]"):
        build_space(ranged(), fix=["capabilities[infantry_battalion].rotation_ratio=6"])


@pytest.mark.parametrize("option", ["only", "fix"])
def test_unknown_names_are_located_with_a_suggestion(option: str) -> None:
    with pytest.raises(ExploreError) as err:
        build_space(ranged(), **{option: ["cost_overun"]})
    assert err.value.location == f"--{option}"
    assert "did you mean cost_overrun" in str(err.value)


def test_a_lever_takes_the_figures_it_sets_out_of_the_sample() -> None:
    space = build_space(ranged(), lever_paths=LEVER_PATHS["rotation_policy"])
    assert "capabilities[infantry_battalion].rotation_ratio" not in {
        d.name for d in space.dimensions}
    assert any(h.reason == "set by lever rotation_policy" for h in space.held)
