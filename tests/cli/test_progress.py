"""Signs of life on a terminal: a spinner while planning, a bar for slow Monte Carlo runs."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

from forceplan.cli import app, progress

TINY = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")


def terminal_output(monkeypatch: pytest.MonkeyPatch, show_after: float, *args: str) -> str:
    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(progress, "console", terminal)
    monkeypatch.setattr(progress, "SHOW_AFTER_S", show_after)
    result = CliRunner().invoke(app, [*args, "--no-store"])
    assert result.exit_code == 0, result.output
    return screen.getvalue()


@pytest.mark.parametrize("command", [["simulate", TINY], ["compare", TINY, TINY]])
def test_a_slow_run_shows_a_bar_and_its_plans_a_spinner(
    command: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = terminal_output(monkeypatch, 0.0, *command, "--draws", "4096")
    assert "planning tiny" in screen
    total = 4096 * (len(command) - 1)  # compare simulates each scenario
    assert "simulating" in screen and f"/{total:,} draws" in screen


def test_a_quick_run_shows_no_bar(monkeypatch: pytest.MonkeyPatch) -> None:
    screen = terminal_output(monkeypatch, 60.0, "simulate", TINY, "--draws", "4096")
    assert "draws" not in screen


def test_the_plan_command_shows_a_spinner(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "planning tiny" in terminal_output(monkeypatch, 0.0, "plan", TINY)
