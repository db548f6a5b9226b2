"""CSV tables: every row whole, every column known, every cell what its column holds.

Most cases take the flagship's nations table (24 rows, N columns), damage one
thing in it, and check the located message: file, row or header column, reason.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from scenario_helpers import FLAGSHIP, FLAGSHIP_CSV, TINY, only_problem, problems_of, write

from forceplan.scenario import Figure, load_scenario, scenario_hash

HEADER, *ROWS = list(csv.reader(FLAGSHIP_CSV.open(newline="", encoding="utf-8")))
GBR = next(i for i, r in enumerate(ROWS) if r[0] == "GBR")
GBR_ROW = GBR + 2  # the header is row 1
N = len(HEADER)  # columns (other streams add some)


def flagship_with(tmp_path: Path, header: list[str], rows: list[list[str]]) -> tuple[Path, Path]:
    """The flagship scenario reading a modified copy of its nations table."""
    table = tmp_path / "nations.csv"
    with table.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *rows])
    text = FLAGSHIP.read_text().replace('"nations-2025.csv"', '"nations.csv"')
    return write(tmp_path, text, "flagship.toml"), table


def gbr_with(**cells: str) -> list[list[str]]:
    rows = [list(r) for r in ROWS]
    for column, cell in cells.items():
        rows[GBR][HEADER.index(column.replace("__", "."))] = cell
    return rows


def test_the_unchanged_copy_loads_like_the_bundled_table(tmp_path: Path) -> None:
    path, _ = flagship_with(tmp_path, HEADER, ROWS)
    assert scenario_hash(load_scenario(path)) == scenario_hash(load_scenario(FLAGSHIP))


def test_row_cut_short(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[GBR] = rows[GBR][:20]
    _, table = flagship_with(tmp_path, HEADER, rows)
    msg = only_problem(tmp_path / "flagship.toml")
    assert msg == (
        f"{table}: row {GBR_ROW}: 20 cells where the header has {N}: cells for columns 21-{N} "
        "(max_army_share ... note) are missing"
    )


def test_row_one_cell_short_and_one_too_long(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[GBR] = rows[GBR][:-1]
    rows[GBR + 1] = [*rows[GBR + 1], ""]
    _, table = flagship_with(tmp_path, HEADER, rows)
    assert problems_of(tmp_path / "flagship.toml") == [
        f"{table}: row {GBR_ROW}: {N - 1} cells where the header has {N}: the cell for column "
        f"{N} (note) is missing",
        f"{table}: row {GBR_ROW + 1}: {N + 1} cells where the header has {N}: cell {N + 1} has "
        "no column (a stray comma?)",
    ]


def test_extra_trailing_cells(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[GBR] = [*rows[GBR], "x", ""]
    _, table = flagship_with(tmp_path, HEADER, rows)
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: row {GBR_ROW}: {N + 2} cells where the header has {N}: cells {N + 1}-{N + 2} "
        "have no column (a stray comma?)"
    )


def test_unknown_column_with_did_you_mean(tmp_path: Path) -> None:
    header = ["source_gdp_usd_bm" if h == "source_gdp_usd_bn" else h for h in HEADER]
    _, table = flagship_with(tmp_path, header, ROWS)
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: header, column 8: unknown column 'source_gdp_usd_bm' "
        "(did you mean 'source_gdp_usd_bn'?)"
    )


@pytest.mark.parametrize(
    ("rename", "reason"),
    [
        ("gdp_usd_bm", "unknown column 'gdp_usd_bm' (did you mean 'gdp_usd_bn'?)"),
        (
            "commitments",
            "commitments cannot come from a CSV column; state it in the TOML entry instead",
        ),
        ("units", "units is a table: give one column per key, e.g. units.<id>"),
        ("", "column has no name"),
        ("name", "column 'name' repeats column 2"),
    ],
)
def test_bad_header_cell(tmp_path: Path, rename: str, reason: str) -> None:
    header = list(HEADER)
    header[HEADER.index("nato")] = rename
    _, table = flagship_with(tmp_path, header, ROWS)
    msgs = problems_of(tmp_path / "flagship.toml")
    assert f"{table}: header, column 4: {reason}" in msgs, msgs


def test_decoration_without_its_column(tmp_path: Path) -> None:
    header = ["gdp_usd_bn_x" if h == "gdp_usd_bn" else h for h in HEADER]
    _, table = flagship_with(tmp_path, header, ROWS)
    msgs = problems_of(tmp_path / "flagship.toml")
    assert (
        f"{table}: header, column 8: 'source_gdp_usd_bn' has no column 'gdp_usd_bn' to attach to"
        in msgs
    )


def test_non_numeric_cell_in_a_column_with_an_assumption_column(tmp_path: Path) -> None:
    assert "defence_budget_usd_bn.assumption" in HEADER
    _, table = flagship_with(tmp_path, HEADER, gbr_with(defence_budget_usd_bn="lots"))
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: row {GBR_ROW}, column defence_budget_usd_bn: expected a number, got 'lots'"
    )


def test_bare_number_flagged_as_an_assumption(tmp_path: Path) -> None:
    """A number with its ``.assumption`` flag and no source or note is an assumption with
    nothing said about it: the same as ``{ value = 7, assumption = true }`` in TOML."""
    rows = gbr_with(
        units__frigate="7",
        source_units__frigate="",
        note_units__frigate="",
        units__frigate__assumption="true",
    )
    path, _ = flagship_with(tmp_path, HEADER, rows)
    assert load_scenario(path).nation("GBR").units["frigate"] == Figure(value=7, assumption=True)


def test_empty_number_with_a_citation_is_refused(tmp_path: Path) -> None:
    _, table = flagship_with(tmp_path, HEADER, gbr_with(gdp_usd_bn=""))
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: row {GBR_ROW}, column gdp_usd_bn: empty, but source_gdp_usd_bn given"
    )


@pytest.mark.parametrize(
    ("column", "cell", "reason"),
    [
        ("gdp_usd_bn", "3340,5", "expected a number, got '3340,5' (write 1.5, not 1,5)"),
        ("gdp_usd_bn", "nan", "expected a finite number, got 'nan'"),
        ("gdp_usd_bn", "-inf", "expected a finite number, got '-inf'"),
        ("low_active_personnel", "many", "expected a number, got 'many'"),
        ("nato", "maybe", "expected true or false, got 'maybe'"),
        ("max_army_share.assumption", "sure", "expected true or false, got 'sure'"),
    ],
)
def test_cell_not_what_its_column_holds(
    tmp_path: Path, column: str, cell: str, reason: str
) -> None:
    _, table = flagship_with(tmp_path, HEADER, gbr_with(**{column.replace(".", "__"): cell}))
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: row {GBR_ROW}, column {column}: {reason}"
    )


def test_thousands_separators_still_read(tmp_path: Path) -> None:
    path, _ = flagship_with(tmp_path, HEADER, gbr_with(gdp_usd_bn="3,340.0"))
    assert load_scenario(path).nation("GBR").gdp_usd_bn.value == 3340.0


def test_two_hundred_thousand_character_cell(tmp_path: Path) -> None:
    _, table = flagship_with(tmp_path, HEADER, gbr_with(note="x" * 200_000))
    assert only_problem(tmp_path / "flagship.toml") == (
        f"{table}: row {GBR_ROW}: unreadable CSV: a cell is longer than 131,072 characters, "
        "the limit"
    )


def test_utf8_bom_simply_works(tmp_path: Path) -> None:
    """Excel's "CSV UTF-8" starts with a byte-order mark; the iso column is still found."""
    table = tmp_path / "nations.csv"
    table.write_bytes(b"\xef\xbb\xbf" + FLAGSHIP_CSV.read_bytes())
    path = write(
        tmp_path,
        FLAGSHIP.read_text().replace('"nations-2025.csv"', '"nations.csv"'),
        "flagship.toml",
    )
    assert scenario_hash(load_scenario(path)) == scenario_hash(load_scenario(FLAGSHIP))


def test_blank_lines_and_empty_rows_are_skipped(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows.insert(3, [""] * len(HEADER))
    path, table = flagship_with(tmp_path, HEADER, rows)
    table.write_text(table.read_text() + "\n\n")
    assert scenario_hash(load_scenario(path)) == scenario_hash(load_scenario(FLAGSHIP))


def test_duplicate_and_missing_keys_in_rows(tmp_path: Path) -> None:
    rows = [list(r) for r in ROWS]
    rows[GBR + 1][0] = "GBR"
    rows[GBR + 2][0] = ""
    _, table = flagship_with(tmp_path, HEADER, rows)
    assert problems_of(tmp_path / "flagship.toml") == [
        f"{table}: row {GBR_ROW + 1}, column iso: 'GBR' repeats row {GBR_ROW}; "
        "state each entry once",
        f"{table}: row {GBR_ROW + 2}, column iso: empty",
    ]


def test_empty_table_and_missing_key_column(tmp_path: Path) -> None:
    head = TINY.read_text().split("[[nations]]")[0]
    missions = "[[missions]]" + TINY.read_text().split("[[missions]]", 1)[1]
    path = write(tmp_path, head + '[tables]\nnations = "n.csv"\n' + missions)
    (tmp_path / "n.csv").write_text("")
    assert only_problem(path) == f"{tmp_path / 'n.csv'}: empty CSV table (no header row)"
    (tmp_path / "n.csv").write_text("name,gdp_usd_bn\nGamma,3\n")
    assert only_problem(path) == f"{tmp_path / 'n.csv'}: header: needs a 'iso' column"


def test_csv_origin_still_named_after_typed_reading(tmp_path: Path) -> None:
    """A schema error in a CSV row still points at the CSV file and its row."""
    path, table = flagship_with(tmp_path, HEADER, gbr_with(stance="keen"))
    msgs = problems_of(path)
    assert any(m.startswith(f"{table} (row {GBR_ROW}) via {path}: ") for m in msgs), msgs
    assert any("stance" in m for m in msgs)
