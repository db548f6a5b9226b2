"""The generic figure diff, applying subsets of it, and the content keys of the caches."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from forceplan.scenario import Scenario, load_scenario
from forceplan.update.figures import (
    SubsetInvalid,
    apply_changes,
    diff_scenarios,
    plan_key,
    run_key,
)

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"


def tiny() -> Scenario:
    return load_scenario(TINY)


def edited(base: Scenario, edit: dict) -> Scenario:  # type: ignore[type-arg]
    data = base.model_dump(mode="json")
    for key, fn in edit.items():
        fn(data) if callable(fn) else data.__setitem__(key, fn)
    return Scenario.model_validate(data)


def test_a_scenario_against_itself_has_no_change() -> None:
    s = tiny()
    assert diff_scenarios(s, s) == []
    flagship = load_scenario("reassurance-2025")
    assert diff_scenarios(flagship, load_scenario("reassurance-2025")) == []


def test_changes_additions_drops_and_what_the_model_reads() -> None:
    base = tiny()

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        beta = data["nations"][1]
        beta["stance"] = "committed"
        beta["units"]["infantry_battalion"] = {"value": 7.0, "source": "report"}
        del beta["units"]["fighter_squadron"]
        data["nations"][0]["gdp_usd_bn"]["source"] = "a newer citation"  # same value
        data["title"] = "Renamed"
        gamma = dict(beta, iso="CCC", name="Gamma", units={})
        data["nations"].append(gamma)

    new = edited(base, {"x": edit})
    changes = {c.path: c for c in diff_scenarios(base, new)}
    assert set(changes) == {
        "title",
        "nations[AAA].gdp_usd_bn",
        "nations[BBB].stance",
        "nations[BBB].units.infantry_battalion",
        "nations[BBB].units.fighter_squadron",
        "nations[CCC]",
    }
    assert changes["nations[BBB].units.fighter_squadron"].kind == "dropped"
    assert changes["nations[CCC]"].kind == "added"
    assert changes["nations[BBB].units.infantry_battalion"].is_figure
    # text and sources are not read by the model; values are
    assert not changes["title"].reads
    assert not changes["nations[AAA].gdp_usd_bn"].reads
    assert changes["nations[BBB].stance"].reads and changes["nations[CCC]"].reads
    # applying every change reproduces the new scenario exactly, order included
    assert apply_changes(base, list(changes.values())) == new
    assert apply_changes(base, []) == base


def test_a_subset_that_is_invalid_alone_is_reported() -> None:
    base = tiny()

    def edit(data: dict) -> None:  # type: ignore[type-arg]
        data["capabilities"].append(
            dict(data["capabilities"][0], id="frigate", name="Frigate", domain="sea")
        )
        data["nations"][0]["units"]["frigate"] = {"value": 2.0}

    new = edited(base, {"x": edit})
    changes = diff_scenarios(base, new)
    units = [c for c in changes if c.path == "nations[AAA].units.frigate"]
    with pytest.raises(SubsetInvalid) as info:
        apply_changes(base, units, ["AAA frigates"])
    message = str(info.value)
    assert "applying only AAA frigates" in message and "unknown capability 'frigate'" in message
    assert "--group" in message


def test_plan_key_ignores_what_only_the_simulation_reads() -> None:
    flagship = load_scenario("reassurance-2025")
    data = flagship.model_dump(mode="json")
    data["uncertainties"]["cost_overrun"]["mean"] = 1.4
    data["simulation"]["cost_pressure_weight"] = 0.5
    data["backstop"]["credibility"]["value"] = 0.7
    sim_only = Scenario.model_validate(data)
    assert plan_key(sim_only) == plan_key(flagship)
    assert run_key(sim_only) != run_key(flagship)
    data["description"] = "Only the words differ"
    data["nations"][0]["gdp_usd_bn"]["source"] = "another citation"
    assert run_key(Scenario.model_validate(data)) == run_key(sim_only)
    data["phases"][1]["multiplier"] = 0.9
    assert plan_key(Scenario.model_validate(data)) != plan_key(flagship)


def test_the_planner_reads_none_of_the_simulation_only_fields() -> None:
    """What makes sharing plans across simulation-only changes safe."""
    plan_dir = Path(__file__).parents[2] / "src" / "forceplan" / "plan"
    read = set()
    for module in plan_dir.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.Attribute):
                read.add(node.attr)
    assert not read & {"uncertainties", "simulation", "credibility"}
