"""`compare` with one scenario, one twice, or two sharing a name, says what it does."""

from __future__ import annotations

import json
from pathlib import Path

from cli_process import TINY
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.cli.simulate_cmd import compare_labels, compare_notes

runner = CliRunner()


def test_labels_are_names_then_file_names_then_numbered() -> None:
    assert compare_labels(["a.toml", "b.toml"], ["x", "y"]) == ["x", "y"]
    assert compare_labels(["dir/a.toml", "b.toml"], ["x", "x"]) == ["a", "b"]
    assert compare_labels(["a.toml", "a.toml", "b.toml"], ["x", "x", "y"]) == ["a", "a #2", "y"]
    assert compare_labels(["t", "t", "t"], ["t", "t", "t"]) == ["t", "t #2", "t #3"]


def test_notes_say_what_an_odd_comparison_does() -> None:
    assert compare_notes(["a", "b"], ["h1", "h2"]) == []
    (one,) = compare_notes(["a"], ["h1"])
    assert "one scenario (a)" in one and "no paired difference" in one
    (same,) = compare_notes(["a", "a #2"], ["h1", "h1"])
    assert "a #2 is the same scenario as a" in same and "exactly zero" in same


def test_same_scenario_twice_gets_two_columns_and_a_note(tmp_path: Path) -> None:
    out = tmp_path / "c.json"
    result = runner.invoke(
        app, ["compare", str(TINY), str(TINY), "-n", "30", "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert "tiny #2 is the same scenario as tiny" in result.output
    data = json.loads(out.read_text())
    assert data["scenarios"] == ["tiny", "tiny #2"]
    second = [r for r in data["rows"] if r["scenario"] == "tiny #2"]
    assert len(second) == len(data["rows"]) // 2
    assert all(r["diff_p50"] == 0 and r["diff_mean"] == 0 for r in second)


def test_one_scenario_says_so(tmp_path: Path) -> None:
    result = runner.invoke(app, ["compare", str(TINY), "-n", "30"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "one scenario (tiny)" in result.output


def test_two_files_with_one_name_are_told_apart(tmp_path: Path) -> None:
    other = tmp_path / "variant.toml"
    text = TINY.read_text()
    other.write_text(text.replace("infantry_battalion = 9", "infantry_battalion = 8"))
    out = tmp_path / "c.json"
    result = runner.invoke(
        app, ["compare", str(TINY), str(other), "-n", "30", "--json", str(out)],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert json.loads(out.read_text())["scenarios"] == ["tiny", "variant"]
    assert "same scenario" not in result.output
