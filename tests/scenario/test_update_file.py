"""Update files: [update] source + [changes] by path, applied to the base and validated."""

from __future__ import annotations

from pathlib import Path

import pytest

from forceplan.scenario import ScenarioError, load_scenario
from forceplan.scenario.paths import PathError, parse_path
from forceplan.scenario.update_file import read_update
from forceplan.scenario.update_template import parse_source_text, update_template

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
HEAD = f"""extends = "{TINY}"
[update]
outlet = "The Example Post"
title = "Beta sends troops"
date = 2025-04-10
"""


def write(tmp_path: Path, body: str, name: str = "u.toml", head: str = HEAD) -> Path:
    path = tmp_path / name
    path.write_text(head + body)
    return path


def problems(path: Path) -> str:
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return "\n".join(str(p) for p in info.value.problems)


def test_a_changed_figure_cites_the_report_and_keeps_the_gist(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[changes]\n"nations[BBB].units.infantry_battalion" = '
        '{ value = 8, range = [6, 9], gist = "Beta doubles its offer" }\n'
        '"nations[BBB].stance" = "committed"\n',
    )
    s = load_scenario(path)
    fig = s.nation("BBB").units["infantry_battalion"]
    assert (fig.value, fig.range, fig.note) == (8.0, (6.0, 9.0), "Beta doubles its offer")
    assert fig.source == "The Example Post, 'Beta sends troops', 2025-04-10"
    assert s.nation("BBB").stance == "committed"
    # everything else is the base's
    base = load_scenario(TINY)
    assert s.nation("AAA") == base.nation("AAA") and s.missions == base.missions


def test_dotted_keys_drop_and_add(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "[changes]\n"
        "phases.drawdown.multiplier = 0.25\n"  # unquoted: nested tables, joined back
        '"nations[AAA].units.fighter_squadron" = { drop = true }\n'
        '[changes."nations[CCC]".value]\n'
        'name = "Gamma"\nstance = "willing"\ngdp_usd_bn = 500\ndefence_budget_usd_bn = 9\n'
        "active_personnel = 30000\narmy_personnel = 20000\nunits = { infantry_battalion = 2 }\n",
    )
    with pytest.raises(ScenarioError, match="phases has no entry|pick an entry"):
        load_scenario(path)
    fixed = path.read_text().replace("phases.drawdown.multiplier", '"phases[drawdown].multiplier"')
    path.write_text(fixed)
    s = load_scenario(path)
    assert {p.id: p.multiplier for p in s.phases}["drawdown"] == 0.25
    assert "fighter_squadron" not in s.nation("AAA").units
    gamma = s.nation("CCC")
    assert gamma.name == "Gamma" and gamma.gdp_usd_bn.value == 500
    # every figure of an added entry cites the report
    assert gamma.gdp_usd_bn.source and "Example Post" in gamma.gdp_usd_bn.source
    assert "Example Post" in (gamma.units["infantry_battalion"].source or "")


def test_an_update_can_extend_an_update_and_a_variant_can_extend_it(tmp_path: Path) -> None:
    first = write(tmp_path, '[changes]\n"nations[BBB].stance" = "committed"\n', "u1.toml")
    second = write(
        tmp_path,
        '[changes]\n"phases[sustain].multiplier" = 2\n',
        "u2.toml",
        head=HEAD.replace(f'"{TINY}"', f'"{first.name}"'),
    )
    s = load_scenario(second)
    assert s.nation("BBB").stance == "committed"
    assert {p.id: p.multiplier for p in s.phases}["sustain"] == 2
    variant = tmp_path / "v.toml"
    variant.write_text('extends = "u2.toml"\ntitle = "A variant of an update"\n')
    assert load_scenario(variant).title == "A variant of an update"
    assert read_update(second).base_file.resolve() == first.resolve()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('"nations[BBX].stance" = "willing"', "no entry [BBX] (did you mean 'BBB'?)"),
        ('"nations[BBB].stanse" = "willing"', "no field 'stanse' (did you mean 'stance'?)"),
        ('"nations[BBB].units.infantry_battalion.value" = 3', "changed as a whole"),
        ('"phases[sustain].multiplier" = { value = 2, range = [1, 3] }', "figures only"),
        ('"nations[BBB].gdp_usd_bn" = "big"', "must be a number"),
        ('"nations[BBB].stance" = { value = "x", drop = true }', "exactly one"),
        ('"nations[BBB].stance" = { value = "willing", gits = "x" }', "did you mean 'gist'?"),
        ('"nations[BBB].stance" = { drop = true }', "required; it cannot be dropped"),
        ('"nations[ZZZ]" = { drop = true }', "nothing to drop at nations[ZZZ]"),
        ('"nations[BBB].stance" = "pacifist"', "after applying the changes"),
        ('"nations[BBB].units.infantry_batallion" = 2', "did you mean 'infantry_battalion'?"),
        ('"nations[BBB" = 2', "unclosed"),
    ],
)
def test_bad_changes_are_located_with_the_nearest_name(
    tmp_path: Path, body: str, expected: str
) -> None:
    path = write(tmp_path, f"[changes]\n{body}\n")
    text = problems(path)
    assert expected in text
    assert str(path) in text
    assert "changes." in text or "after applying the changes" in text


def test_missing_base_and_stray_keys_are_located(tmp_path: Path) -> None:
    path = write(tmp_path, "[changes]\n", head='extends = "nope.toml"\n[update]\noutlet = "x"\n')
    assert f"{path}: extends: base scenario 'nope.toml' not found" in problems(path)
    path = write(tmp_path, '[changes]\n[[nations]]\niso = "AAA"\n', head=HEAD)
    assert "nations: not allowed at the top of an update" in problems(path)
    path = write(tmp_path, "[changes]\n", head='[update]\noutlet = "x"\n')
    assert "extends: an update must name the scenario it changes" in problems(path)
    path = write(tmp_path, "[changes]\n", head=HEAD.replace("2025-04-10", '"10 April"'))
    assert "expected a date" in problems(path)


def test_missing_sources_are_warnings(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        '[changes]\n"nations[BBB].stance" = "committed"\n'
        '"nations[AAA].stance" = { value = "willing", source = "A ministry statement, 2025" }\n',
        head=f'extends = "{TINY}"\n',
    )
    spec = read_update(path)
    text = "\n".join(str(w) for w in spec.warnings)
    assert "no [update] table" in text
    assert 'changes."nations[BBB].stance": no source' in text
    assert "nations[AAA]" not in text  # it has its own source
    load_scenario(path)  # warnings do not stop loading


def test_paths_parse_and_refuse_nonsense() -> None:
    steps = parse_path("constraints.treaty_limits[Montreux: Art. 18].maximum")
    names = [s.name for s in steps]
    assert names == ["constraints", "treaty_limits", "Montreux: Art. 18", "maximum"]
    assert steps[2].item
    for bad in ["", "a..b", "[x]", "a[x]b", "a]"]:
        with pytest.raises(PathError):
            parse_path(bad)


def test_source_text_and_template_round_trip(tmp_path: Path) -> None:
    src = parse_source_text("The Telegraph, UK weighs five-year deployment, 2025-04-10")
    assert (src.outlet, src.title, src.date) == (
        "The Telegraph",
        "UK weighs five-year deployment",
        "2025-04-10",
    )
    assert parse_source_text("Reuters").missing() == ["title", "date"]
    base = load_scenario(TINY)
    text = update_template(base, str(TINY), src)
    assert '# "nations[BBB].stance" = { value = "willing", gist = "" }' in text
    assert '# "nations[AAA].units.infantry_battalion" = { value = 9, gist = "" }' in text
    assert '# "phases[drawdown].multiplier" = { value = 0.5, gist = "" }' in text
    path = tmp_path / "t.toml"
    path.write_text(text)
    assert load_scenario(path) == base  # every change is commented out
    # uncommenting a line makes it a change
    path.write_text(text.replace('# "nations[BBB].stance" = { value = "willing"',
                                 '"nations[BBB].stance" = { value = "committed"'))
    assert load_scenario(path).nation("BBB").stance == "committed"
