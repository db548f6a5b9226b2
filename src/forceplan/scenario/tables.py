"""CSV tables of nations or capabilities: every column known, every row whole, every cell typed.

A column ``x`` sets field ``x`` of the entry (the model says whether it is a
number, text, a true/false flag or a ``;``-separated list); ``source_x``,
``note_x``, ``low_x``, ``high_x`` and ``x.assumption`` attach a citation, a
note, a range and the assumption flag to the number in ``x``; dotted columns
(``units.frigate``) fill one key of a table of numbers. Anything else is
refused with the file, the row and the column, never dropped:

* an unknown column (with the closest known name), a repeated one, a
  decoration (``source_x``) without its column ``x``;
* a row with fewer or more cells than the header;
* a cell that is not what its column holds (text in a number column, a
  decimal comma, NaN or infinity), or a decoration beside an empty number;
* a cell longer than the csv module's limit, NUL bytes, and the file-level
  limits of :mod:`forceplan.scenario.files` (size, regular file, UTF-8).

Blank lines and rows whose cells are all empty are skipped; a leading UTF-8
byte-order mark (Excel's "CSV UTF-8") is ignored.
"""

from __future__ import annotations

import csv
import io
import math
import re
import types
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from forceplan.scenario.domains import did_you_mean
from forceplan.scenario.errors import Problem, ScenarioError
from forceplan.scenario.figure import Figure
from forceplan.scenario.files import read_text

Kind = Literal["figure", "bool", "int", "float", "list", "text", "figures", "nested"]
Role = Literal["value", "source", "note", "low", "high", "assumption"]
DECORATIONS: dict[str, Role] = {
    "source_": "source",
    "note_": "note",
    "low_": "low",
    "high_": "high",
}
ASSUMPTION_SUFFIX = ".assumption"
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?([eE][+-]?\d+)?")


class CellError(ValueError):
    """A bad cell in a decoration column (reported at that column, not at the number's)."""

    def __init__(self, column: str, message: str) -> None:
        self.column = column
        super().__init__(message)


@dataclass(frozen=True)
class Column:
    """One header cell: which field it feeds and in what role."""

    index: int
    name: str
    role: Role
    target: str  # the value column a decoration belongs to (itself for a value column)
    kind: Kind


# ---------------------------------------------------------------------------
# What each field of a model holds
# ---------------------------------------------------------------------------


def _unwrap(tp: Any) -> Any:
    """Strip ``Annotated`` and ``| None`` from a type."""
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
        elif origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) != 1:
                return tp
            tp = args[0]
        else:
            return tp


def _kind(tp: Any) -> Kind:
    tp = _unwrap(tp)
    origin = get_origin(tp)
    simple: dict[Any, Kind] = {
        Figure: "figure",
        bool: "bool",
        int: "int",
        float: "float",
        str: "text",
    }
    if tp in simple:
        return simple[tp]
    if origin is Literal:
        return "text"
    if origin is tuple:
        inner = _unwrap(get_args(tp)[0])
        return "list" if inner is str or get_origin(inner) is Literal else "nested"
    if origin is dict and _unwrap(get_args(tp)[1]) is Figure:
        return "figures"
    return "nested"


def field_kinds(model: type[BaseModel]) -> dict[str, Kind]:
    """Field name -> what a CSV column of that name holds."""
    return {name: _kind(info.annotation) for name, info in model.model_fields.items()}


# ---------------------------------------------------------------------------
# The header
# ---------------------------------------------------------------------------


def _figure_target(name: str, kinds: dict[str, Kind]) -> bool:
    head, dot, key = name.partition(".")
    if not dot:
        return kinds.get(name) == "figure"
    return kinds.get(head) == "figures" and bool(key) and "." not in key


def _classify(index: int, name: str, kinds: dict[str, Kind]) -> Column | str:
    """The column, or why it is refused."""
    kind = kinds.get(name)
    if kind == "figures":
        return f"{name} is a table: give one column per key, e.g. {name}.<id>"
    if kind == "nested":
        return f"{name} cannot come from a CSV column; state it in the TOML entry instead"
    if kind is not None:
        return Column(index, name, "value", name, kind)
    if _figure_target(name, kinds):
        return Column(index, name, "value", name, "figure")
    if name.endswith(ASSUMPTION_SUFFIX):
        target = name.removesuffix(ASSUMPTION_SUFFIX)
        if _figure_target(target, kinds):
            return Column(index, name, "assumption", target, "bool")
    for prefix, role in DECORATIONS.items():
        target = name.removeprefix(prefix)
        if name.startswith(prefix) and _figure_target(target, kinds):
            return Column(index, name, role, target, "figure")
    return ""


def _known_names(kinds: dict[str, Kind], header: list[str]) -> list[str]:
    figures = [n for n, k in kinds.items() if k == "figure"]
    figures += [h for h in header if _figure_target(h, kinds) and "." in h]
    names = [n for n, k in kinds.items() if k not in ("figures", "nested")]
    names += [f"{p}{f}" for p in DECORATIONS for f in figures]
    names += [f"{f}{ASSUMPTION_SUFFIX}" for f in figures]
    return names


def parse_header(
    header: list[str], kinds: dict[str, Kind], key: str, file: str
) -> tuple[list[Column], list[Problem]]:
    columns: list[Column] = []
    problems: list[Problem] = []
    first_seen: dict[str, int] = {}
    names = [h.strip() for h in header]
    for i, name in enumerate(names):
        where = f"header, column {i + 1}"
        if name == "":
            problems.append(Problem(file, where, "column has no name"))
            continue
        if name in first_seen:
            problems.append(
                Problem(file, where, f"column {name!r} repeats column {first_seen[name] + 1}")
            )
            continue
        first_seen[name] = i
        col = _classify(i, name, kinds)
        if isinstance(col, Column):
            columns.append(col)
            continue
        reason = col or f"unknown column {name!r}{did_you_mean(name, _known_names(kinds, names))}"
        problems.append(Problem(file, where, reason))
    values = {c.name for c in columns if c.role == "value"}
    for c in columns:
        if c.role != "value" and c.target not in values:
            problems.append(
                Problem(
                    file,
                    f"header, column {c.index + 1}",
                    f"{c.name!r} has no column {c.target!r} to attach to",
                )
            )
    if key not in first_seen:
        problems.append(Problem(file, "header", f"needs a {key!r} column"))
    return columns, problems


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def parse_number(cell: str) -> float:
    """A finite number; ``2,000`` (thousands) is read, ``1,5`` (decimal comma) is refused."""
    text = cell
    if "," in text:
        if not _THOUSANDS.fullmatch(text):
            raise ValueError(f"expected a number, got {cell!r} (write 1.5, not 1,5)")
        text = text.replace(",", "")
    try:
        x = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {cell!r}") from None
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {cell!r}")
    return x


def parse_cell(kind: Kind, cell: str) -> Any:
    if kind in ("figure", "float"):
        return parse_number(cell)
    if kind == "int":
        try:
            return int(cell)
        except ValueError:
            raise ValueError(f"expected a whole number, got {cell!r}") from None
    if kind == "bool":
        low = cell.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, got {cell!r}")
    if kind == "list":
        return [part.strip() for part in cell.split(";") if part.strip()]
    return cell


def _figure(col: Column, row: dict[str, str], decorations: list[Column]) -> Any:
    """The value of a number column with its decorations (a bare float if it has none)."""
    value = parse_number(row[col.name])
    fig: dict[str, Any] = {"value": value}
    low = high = None
    for d in decorations:
        cell = row[d.name]
        if cell == "":
            continue
        try:
            if d.role in ("source", "note"):
                fig[d.role] = cell
            elif d.role == "assumption":
                if parse_cell("bool", cell):
                    fig["assumption"] = True
            elif d.role == "low":
                low = parse_number(cell)
            else:
                high = parse_number(cell)
        except ValueError as exc:
            raise CellError(d.name, str(exc)) from None
    if low is not None or high is not None:
        fig["range"] = [value if low is None else low, value if high is None else high]
    return fig if len(fig) > 1 else value


# ---------------------------------------------------------------------------
# The table
# ---------------------------------------------------------------------------


def _records(text: str, file: str) -> tuple[list[list[str]], list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    records: list[list[str]] = []
    try:
        for cells in reader:
            records.append(cells)
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is longer than {csv.field_size_limit():,} characters, the limit"
        return records, [Problem(file, f"row {len(records) + 1}", f"unreadable CSV: {reason}")]
    return records, []


def _row_length_problem(cells: list[str], header: list[str], file: str, rowno: int) -> Problem:
    n, m = len(cells), len(header)
    if n < m:
        missing = header[n:]
        names = missing[0] if len(missing) == 1 else f"{missing[0]} ... {missing[-1]}"
        detail = f"cells for columns {n + 1}-{m} ({names}) are missing"
        if n + 1 == m:
            detail = f"the cell for column {m} ({names}) is missing"
    else:
        detail = f"cells {m + 1}-{n} have no column (a stray comma?)"
        if n == m + 1:
            detail = f"cell {n} has no column (a stray comma?)"
    return Problem(file, f"row {rowno}", f"{n} cells where the header has {m}: {detail}")


def read_table(
    path: Path, key: str, model: type[BaseModel]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The entries of a CSV table and the row each key came from; ScenarioError if bad."""
    file = str(path)
    records, problems = _records(read_text(path, "CSV table"), file)
    if not records:
        raise ScenarioError(problems or [Problem(file, "", "empty CSV table (no header row)")])
    header = [h.strip() for h in records[0]]
    columns, header_problems = parse_header(records[0], field_kinds(model), key, file)
    if header_problems:
        raise ScenarioError(header_problems + problems)
    decorations: dict[str, list[Column]] = {}
    for c in columns:
        if c.role != "value":
            decorations.setdefault(c.target, []).append(c)
    entries: list[dict[str, Any]] = []
    rows: dict[str, int] = {}
    for rowno, cells in enumerate(records[1:], start=2):
        if all(cell.strip() == "" for cell in cells):
            continue
        if len(cells) != len(header):
            problems.append(_row_length_problem(cells, header, file, rowno))
            continue
        entry = _entry(columns, decorations, cells, file, rowno, problems)
        ident = entry.get(key)
        if not ident:
            problems.append(Problem(file, f"row {rowno}, column {key}", "empty"))
        elif ident in rows:
            problems.append(
                Problem(
                    file,
                    f"row {rowno}, column {key}",
                    f"{ident!r} repeats row {rows[ident]}; state each entry once",
                )
            )
        else:
            rows[ident] = rowno
            entries.append(entry)
    if problems:
        raise ScenarioError(problems)
    return entries, rows


def _entry(
    columns: list[Column],
    decorations: dict[str, list[Column]],
    cells: list[str],
    file: str,
    rowno: int,
    problems: list[Problem],
) -> dict[str, Any]:
    row = {c.name: cells[c.index].strip() for c in columns}
    entry: dict[str, Any] = {}
    for col in columns:
        if col.role != "value":
            continue
        where = f"row {rowno}, column {col.name}"
        extras = decorations.get(col.name, [])
        if row[col.name] == "":
            given = [d.name for d in extras if row[d.name] != ""]
            if given:
                problems.append(Problem(file, where, f"empty, but {', '.join(given)} given"))
            continue
        try:
            value = (
                _figure(col, row, extras)
                if col.kind == "figure"
                else parse_cell(col.kind, row[col.name])
            )
        except CellError as exc:
            problems.append(Problem(file, f"row {rowno}, column {exc.column}", str(exc)))
            continue
        except ValueError as exc:
            problems.append(Problem(file, where, str(exc)))
            continue
        head, dot, leaf = col.name.partition(".")
        if dot:
            entry.setdefault(head, {})[leaf] = value
        else:
            entry[col.name] = value
    return entry
