"""Excel workbooks re-read with openpyxl: sheets, headers with units, typed numbers equal to
the JSON's, frozen headers, widths, and text that never becomes a formula."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openpyxl
from typer.testing import CliRunner

from forceplan.cli import app

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
runner = CliRunner()


def invoke(*args: str) -> None:
    result = runner.invoke(app, [*args, "--no-store"])
    assert result.exit_code == 0, result.output


def sheet_records(book: Any, name: str) -> list[dict[str, Any]]:
    """Rows of a sheet as dicts keyed by the column name without its [unit]."""
    rows = list(book[name].iter_rows(values_only=True))
    keys = [str(h).split(" [")[0] for h in rows[0]]
    return [dict(zip(keys, r, strict=True)) for r in rows[1:]]


def xlsx_number(value: Any) -> Any:
    """A JSON value as an .xlsx cell holds it: floats to 16 significant digits."""
    return float(f"{value:.16g}") if isinstance(value, float) else value


def assert_rows_equal(sheet: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    assert len(sheet) == len(expected)
    for got, want in zip(sheet, expected, strict=True):
        for key, value in got.items():
            if key in want:
                assert value == xlsx_number(want[key]), (key, got, want)


def test_plan_workbook_matches_the_plan_json(tmp_path: Path) -> None:
    xlsx, js = tmp_path / "plan.xlsx", tmp_path / "plan.json"
    invoke("plan", "reassurance-2025", "--xlsx", str(xlsx), "--json", str(js))
    data = json.loads(js.read_text())
    assert data["schema_version"] == 1
    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames[:7] == [
        "run", "allocations", "nations", "shortfalls", "flank", "costs", "phases"]
    assert {"assumptions", "sources", "references"} <= set(book.sheetnames)
    for table in ("allocations", "nations", "shortfalls", "flank", "phases"):
        assert_rows_equal(sheet_records(book, table), data[table])
    nations = book["nations"]
    assert [c.value for c in nations[1]][:4] == [
        "phase", "nation", "deployed_personnel [people]", "tied_up_personnel [people]"]
    assert nations.freeze_panes == "A2"
    assert nations["C2"].data_type == "n" and nations["C2"].number_format == "#,##0"
    assert nations["G2"].number_format == "0.0%"  # budget_share
    assert nations.column_dimensions["C"].width >= len("deployed_personnel [people]")
    costs = sheet_records(book, "costs")
    # at national costs (France's cost factor 0.55, the UK's 1) the UK carries the largest
    # cost over the plan; every contributor appears once
    assert max(costs, key=lambda r: r["cost_usd_m"])["nation"] == "GBR"
    run = {r["item"]: r["value"] for r in sheet_records(book, "run")}
    assert run["kind"] == "plan" and data["scenario"]["hash"] in run["scenarios"]


def test_simulation_workbook_matches_the_simulation_json(tmp_path: Path) -> None:
    xlsx, js = tmp_path / "sim.xlsx", tmp_path / "sim.json"
    invoke("simulate", str(TINY), "--draws", "300", "--seed", "2", "--xlsx", str(xlsx),
           "--json", str(js))
    data = json.loads(js.read_text())
    assert data["schema_version"] == 1
    book = openpyxl.load_workbook(xlsx)
    assert {"summary", "outcomes", "drivers", "allocations"} <= set(book.sheetnames)
    summary = sheet_records(book, "summary")
    assert_rows_equal(summary, data["summary"])
    outcomes = {r["outcome"]: r for r in sheet_records(book, "outcomes")}
    for name, band in data["outcomes"].items():
        if band is None:
            assert outcomes[name]["p50"] is None
        else:
            assert {k: outcomes[name][k] for k in band} == {
                k: xlsx_number(v) for k, v in band.items()}
    drivers = {r["uncertainty"]: r for r in sheet_records(book, "drivers")}
    for name, row in data["drivers_spearman"].items():
        for outcome, rho in row.items():
            assert drivers[name][outcome] == xlsx_number(rho)


def test_compare_workbook_matches_the_compare_json(tmp_path: Path) -> None:
    xlsx, js = tmp_path / "cmp.xlsx", tmp_path / "cmp.json"
    invoke("compare", str(TINY), str(TINY), "--draws", "100", "--xlsx", str(xlsx),
           "--json", str(js))
    data = json.loads(js.read_text())
    assert data["schema_version"] == 1
    book = openpyxl.load_workbook(xlsx)
    assert_rows_equal(sheet_records(book, "comparison"), data["rows"])
    # two plans with the same label: their sheets get distinct names
    assert {"tiny allocations", "tiny #2 allocations"} <= set(book.sheetnames)


def test_text_is_never_a_formula(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.toml"
    hostile.write_text(TINY.read_text().replace(
        'source = "test figure"', "source = \"=HYPERLINK(\\\"http://evil\\\",\\\"x\\\")\""))
    xlsx = tmp_path / "h.xlsx"
    invoke("plan", str(hostile), "--xlsx", str(xlsx))
    book = openpyxl.load_workbook(xlsx)
    cells = [c for row in book["sources"].iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
