"""`forceplan update new`, `diff` and `timeline` through Typer's CliRunner."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forceplan.cli import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
SOURCE = '[update]\noutlet = "The Example Post"\ntitle = "A report"\ndate = 2025-04-10\n'
runner = CliRunner()


def write(tmp_path: Path, name: str, changes: str, extends: str = str(TINY),
          source: str = SOURCE) -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{extends}"\n{source}[changes]\n{changes}\n')
    return path


def test_update_new_writes_a_template_that_changes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "u.toml"
    result = runner.invoke(
        app, ["update", "new", str(TINY), "--source", "Reuters, Beta joins, 2025-05-02",
              "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text()
    assert 'outlet = "Reuters"' in text and "date = 2025-05-02" in text
    assert '# "nations[BBB].stance"' in text
    again = runner.invoke(app, ["update", "new", str(TINY), "-s", "x", "-o", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    diff = runner.invoke(app, ["diff", str(TINY), str(out), "--draws", "50"])
    assert diff.exit_code == 0, diff.output
    assert "No figure differs" in diff.output


def test_diff_prints_figures_plan_and_waterfalls_and_writes_json(tmp_path: Path) -> None:
    update = write(
        tmp_path,
        "u.toml",
        '"nations[BBB].stance" = { value = "committed", gist = "Beta commits" }\n'
        '"phases[drawdown].multiplier" = 1\n',
    )
    out = tmp_path / "diff.json"
    result = runner.invoke(
        app, ["diff", str(TINY), str(update), "--draws", "100", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    for text in ("Figures changed", "nations[BBB].stance", "Beta commits",
                 "exact Shapley values over all 4 coalitions", "Force size", "before", "after"):
        assert text in result.output
    payload = json.loads(out.read_text())
    assert payload["attribution"]["method"] == "exact"
    cost = payload["outcomes"]["total_cost_usd_m"]
    assert sum(cost["parts"].values()) == pytest.approx(cost["change"], abs=1e-6)
    assert payload["changes"][0]["source"] == "The Example Post, 'A report', 2025-04-10"
    assert payload["settings"]["draws"] == 100


def test_diff_says_when_an_update_changes_nothing_the_model_reads(tmp_path: Path) -> None:
    words = write(
        tmp_path,
        "w.toml",
        '"missions[land].description" = { value = "Reworded", gist = "new wording only" }',
    )
    result = runner.invoke(app, ["diff", str(TINY), str(words), "--draws", "50"])
    assert result.exit_code == 0, result.output
    assert "This update changes nothing the model reads" in result.output
    assert "missions[land].description" in result.output
    assert "No change the model reads: every part is 0." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--draws", "0"], "draws must be"),
        (["--method", "banzhaf"], "unknown method"),
        (["--group", "nonsense"], "NAME=PATTERN"),
        (["--outcome", "happiness"], "unknown outcome"),
    ],
)
def test_diff_refuses_bad_options_and_writes_nothing(
    tmp_path: Path, args: list[str], message: str
) -> None:
    update = write(tmp_path, "u.toml", '"nations[BBB].stance" = "committed"')
    out = tmp_path / "diff.json"
    result = runner.invoke(app, ["diff", str(TINY), str(update), *args, "--json", str(out)])
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not out.exists()


def test_bad_updates_exit_2_with_a_located_message(tmp_path: Path) -> None:
    out = tmp_path / "diff.json"
    missing = write(tmp_path, "m.toml", "", extends="no-such-base.toml")
    result = runner.invoke(app, ["diff", str(TINY), str(missing), "--json", str(out)])
    assert result.exit_code == 2
    assert "extends: base scenario 'no-such-base.toml' not found" in result.output
    typo = write(tmp_path, "t.toml", '"nations[BBB].stanse" = "committed"')
    result = runner.invoke(app, ["diff", str(TINY), str(typo), "--json", str(out)])
    assert result.exit_code == 2
    assert "t.toml: changes.\"nations[BBB].stanse\"" in result.output
    assert "did you mean 'stance'?" in result.output
    assert not out.exists()


def test_a_change_without_source_warns_and_strict_refuses(tmp_path: Path) -> None:
    out = tmp_path / "diff.json"
    bare = write(tmp_path, "b.toml", '"nations[BBB].stance" = "committed"', source="")
    result = runner.invoke(app, ["diff", str(TINY), str(bare), "--draws", "50"])
    assert result.exit_code == 0
    assert "warning:" in result.output and "no source" in result.output
    strict = runner.invoke(
        app, ["diff", str(TINY), str(bare), "--strict", "--json", str(out)]
    )
    assert strict.exit_code == 2 and "--strict" in strict.output
    assert not out.exists()


def test_timeline_of_a_chain(tmp_path: Path) -> None:
    write(tmp_path, "01.toml", '"nations[BBB].stance" = "committed"')
    write(tmp_path, "02.toml", '"phases[drawdown].multiplier" = 1', extends="01.toml")
    out = tmp_path / "t.json"
    result = runner.invoke(
        app, ["timeline", str(tmp_path), "--draws", "80", "--json", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "How the headline outcomes moved" in result.output
    assert "Step 1:" in result.output and "Step 2:" in result.output
    payload = json.loads(out.read_text())
    assert len(payload["outcomes"]["force_size"]) == 3
    broken = runner.invoke(
        app, ["timeline", str(tmp_path / "02.toml"), str(tmp_path / "01.toml")]
    )
    assert broken.exit_code == 2 and "must extend the previous one" in broken.output


def test_update_command_module_imports_nothing_heavy() -> None:
    """`forceplan --help` must not pay for the update stage: its imports are in the commands."""
    module = Path(__file__).parents[2] / "src" / "forceplan" / "cli" / "update_cmd.py"
    body = ast.parse(module.read_text()).body
    top = [n for n in body if isinstance(n, ast.Import | ast.ImportFrom)]
    names = {a.name for n in top if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module or "" for n in top if isinstance(n, ast.ImportFrom)}
    heavy = {"pandas", "numpy", "xarray", "highspy", "forceplan.update", "forceplan.simulate",
             "forceplan.plan"}
    assert not {n for n in names if n.split(".")[0] in heavy or n in heavy}
