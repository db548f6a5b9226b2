"""Scenario loading: valid files, variants, CSV tables, and every bad-input class.

Each bad-input test writes a small file and checks the error names the file,
the field path and the reason.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forceplan.scenario import Figure, ScenarioError, load_scenario, scenario_hash

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = FIXTURES / "tiny.toml"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def variant(tmp_path: Path, body: str) -> Path:
    """A variant of the tiny scenario that overrides only ``body``."""
    return write(tmp_path, f'extends = "{TINY}"\n' + textwrap.dedent(body))


# -- valid input ---------------------------------------------------------------


def test_tiny_loads_with_figures_and_requirements() -> None:
    s = load_scenario(TINY)
    assert [n.iso for n in s.nations] == ["AAA", "BBB"]
    assert s.nation("AAA").gdp_usd_bn == Figure(value=3000, source="test figure")
    assert s.total_months == 24
    # Drawdown halves the base requirement: 2 battalions -> 1, 1 squadron -> ceil(0.5) = 1.
    reqs = {(p.id, m.id, c.id): n for p, m, c, n in s.requirements()}
    assert reqs == {
        ("sustain", "land", "infantry_battalion"): 2,
        ("sustain", "skies", "fighter_squadron"): 1,
        ("drawdown", "land", "infantry_battalion"): 1,
        ("drawdown", "skies", "fighter_squadron"): 1,
    }


def test_caveat_rules() -> None:
    s = load_scenario(TINY)
    beta, alpha = s.nation("BBB"), s.nation("AAA")
    inf, air = s.capability("infantry_battalion"), s.capability("fighter_squadron")
    land, skies = s.mission("land"), s.mission("skies")
    assert not s.allowed(beta, land, inf)  # air_only forbids land units
    assert s.allowed(beta, skies, air)
    assert s.allowed(alpha, land, inf)


def test_hash_ignores_formatting_but_not_content(tmp_path: Path) -> None:
    text = TINY.read_text()
    reformatted = write(tmp_path, "# a comment\n\n" + text, "a.toml")
    changed = write(tmp_path, text.replace("gdp_usd_bn = 1000", "gdp_usd_bn = 1001"), "b.toml")
    base = scenario_hash(load_scenario(TINY))
    assert scenario_hash(load_scenario(reformatted)) == base
    assert scenario_hash(load_scenario(changed)) != base


def test_variant_overrides_only_what_it_states(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        name = "tiny_variant"
        [[nations]]
        iso = "BBB"
        stance = "undecided"
        [[nations]]
        iso = "AAA"
        drop = true
        [[phases]]
        id = "drawdown"
        multiplier = 0.0
        """,
    )
    s = load_scenario(path)
    assert s.name == "tiny_variant"
    assert [n.iso for n in s.nations] == ["BBB"]
    assert s.nation("BBB").stance == "undecided"
    assert s.nation("BBB").gdp_usd_bn.value == 1000  # inherited
    assert [n for _, m, _, n in s.requirements() if m.id == "land"] == [2]


def test_csv_table_with_sources_and_ranges(tmp_path: Path) -> None:
    (tmp_path / "nations.csv").write_text(
        "iso,name,gdp_usd_bn,source_gdp_usd_bn,low_gdp_usd_bn,high_gdp_usd_bn,"
        "defence_budget_usd_bn,active_personnel,army_personnel,stance,caveats,"
        "units.infantry_battalion,units.fighter_squadron\n"
        'CCC,Gamma,"2,000",World Bank 2023,1900,2100,40,90000,45000,willing,air_only,4,2\n'
    )
    base = TINY.read_text()
    head = base.split("[[nations]]")[0]
    missions = "[[missions]]" + base.split("[[missions]]", 1)[1]
    path = write(
        tmp_path,
        head
        + '[tables]\nnations = "nations.csv"\n\n'
        + '[[nations]]\niso = "CCC"\nnote = "from TOML"\n\n'
        + missions,
    )
    s = load_scenario(path)
    gamma = s.nation("CCC")
    assert gamma.gdp_usd_bn == Figure(value=2000, source="World Bank 2023", range=(1900, 2100))
    assert gamma.caveats == ("air_only",)
    assert gamma.units["infantry_battalion"].value == 4
    assert gamma.note == "from TOML"


# -- bad input: one class per test -------------------------------------------


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "x"\ntitle = \n')
    (msg,) = problems_of(path)
    assert str(path) in msg and "TOML syntax error" in msg and "line 2" in msg


def test_unknown_field_is_named(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[nations]]\niso = "AAA"\ngdp_usd = 5\n')
    (msg,) = problems_of(path)
    assert msg.startswith(str(path))
    assert "nations[0] (AAA).gdp_usd" in msg and "unknown field" in msg


def test_missing_field(tmp_path: Path) -> None:
    text = TINY.read_text().replace('title = "Two-nation toy"\n', "")
    (msg,) = problems_of(write(tmp_path, text))
    assert "title: required field is missing" in msg


def test_wrong_type(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[nations]]\niso = "BBB"\ngdp_usd_bn = "lots"\n')
    msgs = problems_of(path)
    assert any("nations[1] (BBB).gdp_usd_bn" in m for m in msgs)


@pytest.mark.parametrize(
    ("override", "where", "reason"),
    [
        ('[[nations]]\niso = "AAA"\ngdp_usd_bn = -5\n', "nations[0] (AAA).gdp_usd_bn", "negative"),
        (
            '[[nations]]\niso = "AAA"\nunits = { infantry_battalion = 1e9 }\n',
            "nations[0] (AAA).units.infantry_battalion",
            "implausibly large",
        ),
        (
            '[[capabilities]]\nid = "infantry_battalion"\nrotation_ratio = 0.5\n',
            "capabilities[0] (infantry_battalion).rotation_ratio",
            "at least 1",
        ),
        (
            '[[nations]]\niso = "AAA"\nmax_army_share = 1.5\n',
            "nations[0] (AAA).max_army_share",
            "share between 0 and 1",
        ),
        (
            '[[nations]]\niso = "AAA"\narmy_personnel = 200000\n',
            "nations[0] (AAA)",
            "exceeds active_personnel",
        ),
        (
            '[[nations]]\niso = "AAA"\ngdp_usd_bn = { value = 10, range = [20, 30] }\n',
            "nations[0] (AAA).gdp_usd_bn",
            "outside its range",
        ),
    ],
)
def test_negative_or_absurd_numbers(tmp_path: Path, override: str, where: str, reason: str) -> None:
    msgs = problems_of(variant(tmp_path, override))
    assert any(where in m and reason in m for m in msgs), msgs


def test_requirement_nobody_declares(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        [[capabilities]]
        id = "frigate"
        name = "Frigate"
        domain = "sea"
        personnel_per_unit = 190
        annual_cost_per_unit_usd_m = 80
        tour_months = 6
        rotation_ratio = 3
        [[missions]]
        id = "seas"
        name = "Safe seas"
        objective = "safe seas"
        region = "Black Sea"
        priority = 2
        requirements = { frigate = 2 }
        """,
    )
    (msg,) = problems_of(path)
    assert "missions[2] (seas).requirements.frigate" in msg and "no nation or backstop" in msg


def test_caveat_naming_unknown_mission(tmp_path: Path) -> None:
    path = variant(tmp_path, '[caveats.x]\ndescription = "x"\nonly_missions = ["mars"]\n')
    (msg,) = problems_of(path)
    assert "caveats.x.only_missions: unknown mission 'mars'" in msg


def test_nation_naming_unknown_caveat(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[nations]]\niso = "AAA"\ncaveats = ["no_such"]\n')
    (msg,) = problems_of(path)
    assert "nations[0] (AAA).caveats: unknown caveat 'no_such'" in msg


def test_overlapping_phases(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[phases]]\nid = "drawdown"\nstart_month = 10\n')
    (msg,) = problems_of(path)
    assert "phases[1] (drawdown): overlaps phase 'sustain'" in msg


def test_gap_between_phases(tmp_path: Path) -> None:
    path = variant(tmp_path, '[[phases]]\nid = "drawdown"\nstart_month = 15\n')
    (msg,) = problems_of(path)
    assert "gap of months 13-14" in msg


def test_duplicate_nations(tmp_path: Path) -> None:
    text = TINY.read_text().replace('iso = "BBB"', 'iso = "AAA"')
    path = write(tmp_path, text)
    (msg,) = problems_of(path)
    assert msg == (
        f"{path}: nations[1] (AAA): duplicate iso 'AAA' (also nations[0]); state each entry once"
    )


def test_several_problems_reported_together(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        """
        colour = "red"
        [[nations]]
        iso = "AAA"
        gdp_usd_bn = -1
        """,
    )
    msgs = problems_of(path)
    assert len(msgs) == 2
    assert any("colour" in m for m in msgs) and any("gdp_usd_bn" in m for m in msgs)


def test_missing_file_and_bad_extends(tmp_path: Path) -> None:
    (msg,) = problems_of(tmp_path / "nope.toml")
    assert "no such file" in msg
    path = write(tmp_path, 'extends = "missing-base.toml"\n')
    (msg,) = problems_of(path)
    assert "extends" in msg and "not found" in msg


def test_circular_extends(tmp_path: Path) -> None:
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    b = write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    (msg,) = problems_of(b)
    assert "circular extends" in msg


def test_csv_problem_points_at_row(tmp_path: Path) -> None:
    (tmp_path / "nations.csv").write_text(
        "iso,name,gdp_usd_bn,defence_budget_usd_bn,active_personnel,army_personnel,stance\n"
        "CCC,Gamma,-3,40,90000,45000,willing\n"
    )
    head = TINY.read_text().split("[[nations]]")[0]
    missions = "[[missions]]" + TINY.read_text().split("[[missions]]", 1)[1]
    missions = missions.replace("infantry_battalion = 2", "infantry_battalion = 0")
    path = write(tmp_path, head + '[tables]\nnations = "nations.csv"\n' + missions)
    msgs = problems_of(path)
    assert any("nations.csv (row 2)" in m and "gdp_usd_bn" in m for m in msgs), msgs


def test_error_in_variant_override_names_the_variant_not_the_csv(tmp_path: Path) -> None:
    """GBR comes from the flagship's CSV; a variant that breaks one of its fields must be
    named as the culprit, while a field still read from the CSV points at its row."""
    path = write(
        tmp_path,
        'extends = "reassurance-2025"\n[[nations]]\niso = "GBR"\nstance = "keen"\n',
    )
    (msg,) = problems_of(path)
    assert msg.startswith(f"{path}: nations[0] (GBR).stance")
    csv_row = write(
        tmp_path,
        'extends = "reassurance-2025"\n[[nations]]\niso = "GBR"\nstance = "willing"\n'
        "army_personnel = 1000000\n",
        "v2.toml",
    )
    (msg,) = problems_of(csv_row)  # army > active: a nation-level check, no single field
    assert "nations-2025.csv (row 2)" in msg and "exceeds active_personnel" in msg
