"""`forceplan plan` through Typer's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from forceplan.cli import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
runner = CliRunner()

# two flags on the ground, but Beta is air-and-sea only
TWO_FLAGS = TINY.read_text().replace(
    'title = "Two-nation toy"',
    'title = "Two-nation toy"\n\n[constraints]\nmin_nations_on_ground = 2',
)
INFEASIBLE = TWO_FLAGS.replace(
    "min_nations_on_ground = 2", 'min_nations_on_ground = 2\ngoals = "hard"'
)


def test_plan_prints_tables_and_solver_status() -> None:
    result = runner.invoke(app, ["plan", str(TINY)])
    assert result.exit_code == 0, result.output
    for text in ("who sends what", "per nation", "No shortfalls", "optimal", "AAA 2"):
        assert text in result.output


def test_plan_json_holds_the_required_keys(tmp_path: Path) -> None:
    out = tmp_path / "out" / "plan.json"
    result = runner.invoke(app, ["plan", str(TINY), "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert set(data["scenario"]) >= {"name", "hash"}
    assert data["scenario"]["name"] == "tiny"
    assert data["forceplan_version"]
    assert set(data["solver"]) >= {"status", "mip_gap", "solve_seconds", "model_size"}
    assert data["solver"]["status"] == "optimal"
    alloc = data["allocations"][0]
    assert set(alloc) >= {"nation", "capability", "mission", "phase", "units", "personnel"}
    assert data["shortfalls"] == []
    nation = data["nations"][0]
    assert set(nation) >= {
        "nation",
        "phase",
        "deployed_personnel",
        "committed_personnel",
        "annual_cost_usd_m",
        "cost_share",
        "gdp_share",
    }
    assert "flank" in data
    # tiny: sustain needs 2 battalions + 1 squadron, all from Alpha
    sustain = [a for a in data["allocations"] if a["phase"] == "sustain"]
    assert sum(a["units"] for a in sustain) == 3


def test_plan_csv_writes_every_table(tmp_path: Path) -> None:
    result = runner.invoke(app, ["plan", str(TINY), "--csv", str(tmp_path / "tables")])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "tables").iterdir())
    assert names == [
        "allocations.csv",
        "flags.csv",
        "flank.csv",
        "force.csv",
        "goals.csv",
        "metadata.json",
        "nations.csv",
        "offers.csv",
        "phases.csv",
        "shortfalls.csv",
    ]
    alloc = pd.read_csv(tmp_path / "tables" / "allocations.csv")
    assert alloc["units"].sum() == 5  # 3 in sustain, 2 in drawdown
    meta = json.loads((tmp_path / "tables" / "metadata.json").read_text())
    assert meta["schema_version"] == 1 and meta["scenario"]["name"] == "tiny"
    columns = meta["tables"]["allocations.csv"]["columns"]
    assert list(columns) == list(alloc.columns)
    assert columns["personnel"]["unit"] == "people" and columns["nation"]["unit"] is None
    goals = meta["tables"]["goals.csv"]["columns"]
    assert goals["target"]["unit"] == goals["shortfall"]["unit"] == "nations"


def test_backstop_flag_switches_the_backstop(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        TINY.read_text().replace(
            "requirements = { fighter_squadron = 1 }", "requirements = { fighter_squadron = 3 }"
        )
        + "\n[backstop]\nenabled = false\nunits = { fighter_squadron = 4 }\n"
    )
    on, off = tmp_path / "on.json", tmp_path / "off.json"
    with_backstop = runner.invoke(app, ["plan", str(scenario), "--backstop", "--json", str(on)])
    assert with_backstop.exit_code == 0, with_backstop.output
    default = runner.invoke(app, ["plan", str(scenario), "--json", str(off)])
    assert default.exit_code == 0, default.output
    # sustain: 3 squadrons needed; Alpha and Beta sustain 3/3 = 1 each -> 1 short
    short_on = json.loads(on.read_text())["shortfalls"][0]
    short_off = json.loads(off.read_text())["shortfalls"][0]
    assert (short_on["backstop_units"], short_on["unmet"]) == (1, 0)
    assert set(short_on) >= {"capability", "mission", "phase", "units"}
    assert short_on["units"] == 1
    assert (short_off["backstop_units"], short_off["unmet"]) == (0, 1)


def test_no_backstop_overrides_an_enabled_backstop(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        TINY.read_text().replace(
            "requirements = { fighter_squadron = 1 }", "requirements = { fighter_squadron = 3 }"
        )
        + "\n[backstop]\nenabled = true\nunits = { fighter_squadron = 4 }\n"
    )
    on, off = tmp_path / "on.json", tmp_path / "off.json"
    assert runner.invoke(app, ["plan", str(scenario), "--json", str(on)]).exit_code == 0
    assert (
        runner.invoke(app, ["plan", str(scenario), "--no-backstop", "--json", str(off)]).exit_code
        == 0
    )
    assert json.loads(on.read_text())["backstop"]["enabled"] is True
    assert json.loads(off.read_text())["backstop"]["enabled"] is False
    assert json.loads(off.read_text())["shortfalls"][0]["unmet"] == 1


def test_a_goal_missed_is_printed_and_written(tmp_path: Path) -> None:
    """Soft goals (the default): a plan, and the flags goal missed, in words."""
    scenario = tmp_path / "two-flags.toml"
    scenario.write_text(TWO_FLAGS)
    out, csv_dir = tmp_path / "plan.json", tmp_path / "tables"
    result = runner.invoke(app, ["plan", str(scenario), "--json", str(out), "--csv", str(csv_dir)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "Political goals not met" in text
    assert "1 of the 2 flags wanted on the ground" in text
    data = json.loads(out.read_text())
    # sustain wants 2 flags and gets 1; drawdown's single battalion holds 1 flag
    assert [(g["phase"], g["achieved"], g["met"]) for g in data["goals"]] == [
        ("sustain", 1, False),
        ("drawdown", 1, True),
    ]
    goals = pd.read_csv(csv_dir / "goals.csv")
    assert goals["shortfall"].tolist() == [1, 0]


def test_infeasible_plan_exits_1_in_words_and_writes_nothing(tmp_path: Path) -> None:
    """Two flags on the ground as a hard goal, but Beta is air-and-sea only."""
    scenario = tmp_path / "infeasible.toml"
    scenario.write_text(INFEASIBLE)
    out = tmp_path / "plan.json"
    csv_dir = tmp_path / "tables"
    result = runner.invoke(app, ["plan", str(scenario), "--json", str(out), "--csv", str(csv_dir)])
    assert result.exit_code == 1
    assert "min_nations_on_ground" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not csv_dir.exists()
    assert list(tmp_path.iterdir()) == [scenario]


def test_bad_input_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.toml"
    scenario.write_text(TINY.read_text().replace("rotation_ratio = 3", "rotation_ratio = -3", 1))
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["plan", str(scenario), "--json", str(out)])
    assert result.exit_code == 2
    assert "rotation_ratio" in result.output
    assert not out.exists()


def test_csv_target_that_is_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "not_a_dir"
    target.write_text("keep me")
    result = runner.invoke(app, ["plan", str(TINY), "--csv", str(target)])
    assert result.exit_code == 2
    assert target.read_text() == "keep me"


SOFT_FLOOR = """
name = "flank"
title = "One nation, one commitment"

[[capabilities]]
id = "infantry"
name = "Infantry"
domain = "land"
personnel_per_unit = 500
annual_cost_per_unit_usd_m = 100
tour_months = 6
rotation_ratio = 3

[[nations]]
name = "Nation AAA"
iso = "AAA"
gdp_usd_bn = 1000
defence_budget_usd_bn = 20
active_personnel = 200000
army_personnel = 100000
stance = "committed"
max_army_share = 0.5
units = { infantry = 6 }
commitments = [{ name = "eFP", capability = "infantry", units = 2, floor = 2 }]

[[missions]]
id = "land"
name = "Land"
objective = "peace on land"
region = "west"
priority = 1
requirements = { infantry = 1 }

[[phases]]
id = "only"
name = "Only phase"
start_month = 1
end_month = 24
"""


def test_flank_floor_is_chosen_on_the_command_line(tmp_path: Path) -> None:
    """AAA's 6 battalions all sustain its 2-battalion commitment (floor 2):
    with hard floors the one battalion 'land' needs stays unmet; with
    `--flank-floor soft` one is drawn from the commitment, pushed below its
    floor, and the table, the JSON and the tours line say so."""
    scenario = tmp_path / "flank.toml"
    scenario.write_text(SOFT_FLOOR)
    hard = runner.invoke(app, ["plan", str(scenario)])
    assert hard.exit_code == 0, hard.output
    assert "hard floors" in hard.output and "No commitment is pushed below" in hard.output
    out = tmp_path / "soft.json"
    soft = runner.invoke(app, ["plan", str(scenario), "--flank-floor", "soft", "--json", str(out)])
    assert soft.exit_code == 0, soft.output
    assert "soft floors" in soft.output and "Pushed below a floor: AAA" in soft.output
    data = json.loads(out.read_text())
    assert data["flank_floor"] == "soft"
    assert data["flank"][0]["drain"] == 1 and data["flank"][0]["below_floor"] is True
    # 500 deployed for 24 months on 6-month tours: 2,000 people serve a tour
    assert data["mission_totals"]["tour_personnel"] == 2000
    bad = runner.invoke(app, ["plan", str(scenario), "--flank-floor", "sideways"])
    assert bad.exit_code == 2
