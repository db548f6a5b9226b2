"""`forceplan validate` reports the input checks: exit 2, one located line per problem."""

from __future__ import annotations

from pathlib import Path

import pytest
from scenario_helpers import variant, write
from typer.testing import CliRunner

from forceplan.cli import app

runner = CliRunner()


def validate(path: Path) -> tuple[int, list[str]]:
    result = runner.invoke(app, ["validate", str(path)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    # problem lines are never wrapped; the heading may be, at 80 columns
    lines = [" ".join(line.split()) for line in result.output.splitlines()]
    return result.exit_code, lines


def heading(lines: list[str]) -> str:
    return " ".join(line for line in lines if not line.startswith("/"))


@pytest.mark.parametrize(
    ("params", "line"),
    [
        (
            'mean = 1.15\nsd = inf\ndistribution = "lognormal"',
            "cost_overrun.sd: Input should be a finite number",
        ),
        (
            'mean = nan\nsd = 0.1\ndistribution = "lognormal"',
            "cost_overrun.mean: Input should be a finite number",
        ),
        (
            'low = -inf\nhigh = 2\ndistribution = "uniform"',
            "cost_overrun.low: Input should be a finite number",
        ),
        (
            'low = 1\nhigh = 1e300\ndistribution = "uniform"',
            "cost_overrun.high: Input should be less than or equal to 1000000000000",
        ),
        (
            'low = -1\nhigh = 2\ndistribution = "uniform"',
            "cost_overrun: its draws span -1 to 2, outside the domain (0, 100] (a multiplier)",
        ),
    ],
)
def test_validate_refuses_bad_uncertainties(tmp_path: Path, params: str, line: str) -> None:
    path = variant(tmp_path, "[uncertainties.cost_overrun]\n" + params + "\n")
    code, lines = validate(path)
    assert code == 2
    assert f"{path}: uncertainties.{line}" in lines, lines


def test_validate_lists_every_problem(tmp_path: Path) -> None:
    path = variant(
        tmp_path,
        '[[capabilities]]\nid = "infantry_battalion"\n'
        "rotation_ratio = { value = 3, range = [-1, 1e30] }\n"
        '[[phases]]\nid = "sustain"\nmultiplier = nan\n',
    )
    code, lines = validate(path)
    assert code == 2
    assert heading(lines) == f"error: {path} is not a valid scenario (2 problems):"
    assert [line for line in lines if line.startswith("/")] == [
        f"{path}: capabilities[0] (infantry_battalion).rotation_ratio: range low: must be at "
        "least 1 (got -1)",
        f"{path}: phases[0] (sustain).multiplier: Input should be a finite number",
    ]


def test_validate_reports_file_limits(tmp_path: Path) -> None:
    path = write(tmp_path, "a = " + "[" * 500 + "]" * 500 + "\n")
    code, lines = validate(path)
    assert code == 2
    assert heading(lines) == f"error: {path} is not a valid scenario (1 problem):"
    assert f"{path}: nested more than 20 levels deep" in lines
