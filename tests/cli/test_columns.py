"""Terminal output reads at 80 columns: no number is cut, no line overflows.

Each command's output is rendered at 80 columns and at 250; the numbers in
the two must be the same (a number cut short or broken across lines would
differ), and so must every word that holds a digit or an underscore (an
identifier split across lines, ``lr_air_defence_batter`` over ``y``, would
differ); the narrow one must not hold an ellipsis (Rich's mark of cut text)
and no line may be wider than 80 cells unless it is one word (a long URL).
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from rich.cells import cell_len
from typer.testing import CliRunner

from forceplan.cli import app, common

TINY = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
# a sign only where no word or digit precedes it (2022-12-06 is three numbers, not signed)
NUMBER = re.compile(
    r"(?:(?<![\w.])[-+−])?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:e[-+]\d+)?%?"
)


def numbers(text: str) -> Counter[str]:
    return Counter(NUMBER.findall(text))


@contextmanager
def width(columns: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("COLUMNS", str(columns))
    for console in (common.console, common.err_console):
        monkeypatch.setattr(console, "_width", columns)
    yield


def output(args: list[str], columns: int, monkeypatch: pytest.MonkeyPatch) -> str:
    with width(columns, monkeypatch):
        result = CliRunner().invoke(app, args)
    assert result.exit_code in (0, 1), result.output
    return result.output


WORD = re.compile(r"[^\s│┃┏┓┗┛┡┩━─┳┻╇┼├┤┬┴╭╮╰╯┌┐└┘]+")


def names_and_numbers(text: str) -> set[str]:
    """The words that hold a digit or an underscore: numbers, bands, identifiers."""
    words = (w.strip("()[]{},;:'\"") for w in WORD.findall(text))
    return {w for w in words if any(c.isdigit() or c == "_" for c in w)}


def assert_reads_at_80(render: Callable[[int], str]) -> None:
    wide, narrow = render(250), render(80)
    assert "…" not in narrow, [line for line in narrow.splitlines() if "…" in line][:5]
    # no line overflows, but for one word too long for any line (a URL)
    too_wide = [line for line in narrow.splitlines()
                if cell_len(line) > 80 and len(WORD.findall(line)) > 1]
    assert not too_wide, too_wide[:3]
    lost = numbers(wide) - numbers(narrow)
    assert not lost, f"numbers cut or broken at 80 columns: {sorted(lost)[:10]}"
    split = names_and_numbers(wide) - names_and_numbers(narrow)
    assert not split, f"names or numbers split at 80 columns: {sorted(split)[:10]}"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('columns') / 'runs.sqlite'}"
    runner = CliRunner()
    for args in (["plan", TINY], ["simulate", TINY, "--draws", "300"],
                 ["compare", TINY, TINY, "--draws", "100"]):
        assert runner.invoke(app, [*args, "--db", url]).exit_code == 0
    return url


COMMANDS = {
    "plan": ["plan", "reassurance-2025", "--no-store"],
    "simulate": ["simulate", "reassurance-2025", "--draws", "500", "--no-store"],
    "compare": ["compare", "reassurance-2025", "reassurance-2025-no-backstop", "iiss-small",
                "iiss-large", "no-force", "--draws", "200", "--no-store"],
    "validate": ["validate", "reassurance-2025"],
    "sources": ["sources", "reassurance-2025"],
    "scenarios": ["scenarios"],
}


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_commands_read_at_80_columns(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert_reads_at_80(lambda columns: output(COMMANDS[name], columns, monkeypatch))


def test_plan_keeps_each_nations_units_on_one_line_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = output(COMMANDS["plan"], 80, monkeypatch)
    # the flagship's sustain phase: sub-units and lead frames, each entry on one line
    for entry in ("FRA 1 +9 coy (leads 3)", "TUR 12 pair (leads 4)", "GBR 2 +2 coy (leads 1)"):
        assert entry in text, entry
    assert "  lr_air_defence_battery" in text
    assert not re.search(r"\d\.0 \[", text)  # counts print as integers


@pytest.fixture(scope="module")
def explored(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = str(tmp_path_factory.mktemp("explore") / "sweep")
    result = CliRunner().invoke(app, ["explore", TINY, "-o", out, "-n", "16", "--plans", "2",
                                      "--workers", "1"])
    assert result.exit_code == 0, result.output
    return out


UPDATES = Path(__file__).parents[2] / "src" / "forceplan" / "data" / "scenarios" / "updates-2025"


@pytest.mark.parametrize("args", [
    ["discover", "{explored}", "--where", "p_offensive_end > 0.2"],
    ["sensitivity", "{explored}", "--outcome", "p_offensive_end"],
    ["diff", "reassurance-2025-prior", str(UPDATES / "02-telegraph-2025-04-10.toml"),
     "--draws", "50", "-g", "all=*"],
    ["timeline", "updates-2025", "--draws", "30", "-g", "all=*"],
])
def test_analysis_commands_read_at_80_columns(
    args: list[str], explored: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [a.replace("{explored}", explored) for a in args]
    assert_reads_at_80(lambda columns: output(args, columns, monkeypatch))


def test_explore_reads_at_80_columns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def run(columns: int) -> str:  # the same folder each time, so the paths printed match
        shutil.rmtree(tmp_path / "sweep", ignore_errors=True)
        text = output(["explore", TINY, "-o", str(tmp_path / "sweep"), "-n", "8",
                       "--plans", "1", "--workers", "1"], columns, monkeypatch)
        text = re.sub(r"in [\d.]+ s \([\d,.]+ experiments/s\)", "", text)  # timings vary
        return "\n".join(line for line in text.splitlines()  # and so do progress bars
                          if not re.search(r"\d:\d\d:\d\d|-:--:--", line))
    assert_reads_at_80(run)


@pytest.mark.parametrize("args", [["runs"], ["show", "1"], ["show", "2"], ["show", "3"],
                                  ["rerun", "1", "--no-store"]])
def test_store_commands_read_at_80_columns(
    args: list[str], store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert_reads_at_80(lambda columns: output([*args, "--db", store_url], columns, monkeypatch))


HELP = ["", "plan", "simulate", "compare", "runs", "show", "rerun", "report", "validate",
        "sources", "schema", "scenarios", "explore", "discover", "sensitivity", "update",
        "update new", "diff", "timeline"]


@pytest.mark.parametrize("command", HELP)
def test_help_reads_at_80_columns_with_real_metavars(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    args = [*command.split(), "--help"]
    text = output(args, 80, monkeypatch)
    assert "…" not in text
    assert "<bool>" not in text and "<str>" not in text and "<int>" not in text
    assert not re.search(r"\{[a-z_]+\}", text), "a parameter's Python name as its metavar"


def test_help_keeps_bracketed_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # Rich read "[default: 10,000]" and "[levers]" in option help as markup and dropped them
    text = output(["explore", "--help"], 250, monkeypatch)
    assert "[default: 10,000]" in text and "a [levers] table" in text
