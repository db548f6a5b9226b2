"""CLI commands that read scenario files only."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from forceplan.cli import app

TINY = Path(__file__).resolve().parents[1] / "fixtures" / "tiny.toml"
runner = CliRunner()


def test_validate_ok() -> None:
    result = runner.invoke(app, ["validate", str(TINY)])
    assert result.exit_code == 0, result.output
    assert "2 nations, 2 capabilities, 2 missions, 2 phases over 24 months" in " ".join(
        result.output.split()
    )
    # tiny.toml: 31 figures; 1 cited (AAA's GDP); 7 default assumptions (two political
    # caps, the burden-sharing band, four stance exit hazards); 23 with neither.
    assert "31 figures: 1 cited, 7 marked as assumptions (derived or judged), 23 with neither" in (
        " ".join(result.output.split())
    )


def test_validate_bad_file_exits_2_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "{TINY}"\n[[nations]]\niso = "AAA"\ngdp_usd_bn = -1\n')
    result = runner.invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert "nations[0] (AAA).gdp_usd_bn: must be positive" in result.output
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)


def test_schema_is_json_schema(tmp_path: Path) -> None:
    result = runner.invoke(app, ["schema"])
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert {"nations", "capabilities", "missions", "phases"} <= set(schema["properties"])
    out = tmp_path / "schema.json"
    assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
    assert json.loads(out.read_text()) == schema


def test_sources_lists_cited_and_uncited() -> None:
    result = runner.invoke(app, ["sources", str(TINY)], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    assert "nations[AAA].gdp_usd_bn" in result.output and "test figure" in result.output
    missing = runner.invoke(app, ["sources", "--missing", str(TINY)], env={"COLUMNS": "200"})
    assert "nations[AAA].gdp_usd_bn" not in missing.output
    assert "nations[BBB].gdp_usd_bn" in missing.output


def test_outputs_get_ordinary_file_permissions(tmp_path: Path) -> None:
    """Atomic writes go through a private temporary file; the result must not stay 0600."""
    import os

    old = os.umask(0o022)
    try:
        out = tmp_path / "schema.json"
        assert runner.invoke(app, ["schema", "-o", str(out)]).exit_code == 0
        assert out.stat().st_mode & 0o777 == 0o644
    finally:
        os.umask(old)
