"""Tables that read at any terminal width: numbers never cut, never broken across lines.

:func:`print_table` prints a Rich table after fitting it to the console:

* every column folds text that does not fit (no ``…``: nothing is cut);
* a column is never narrower than its longest number-bearing word (``7,000``,
  ``19.3k``, ``[18.0k-21.0k]``), nor than its header's longest word, so numbers
  and headers stay whole; a long identifier may fold;
* a table too wide even so is wrapped by columns: the leading label columns
  are repeated and the others shared out over as many tables as needed
  ("(continued)"), so at 80 columns a five-year or five-scenario table becomes
  two or three narrower ones.
"""

from __future__ import annotations

import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from forceplan.cli.common import console as default_console

#: an identifier (no digit) may fold, when the table does not fit otherwise, once
#: it is longer than this, or down to MIN_FOLD when that spares splitting the table
FOLD_TEXT_FROM = 24
MIN_FOLD = 9
_DIGIT = re.compile(r"\d")


def _plain(cell: Any) -> str | None:
    if isinstance(cell, Text):
        return cell.plain
    if isinstance(cell, str):
        try:
            return Text.from_markup(cell).plain
        except Exception:  # not markup after all
            return cell
    return None


def _widths(header: Any, cells: list[Any], cap: int) -> tuple[int, int, bool]:
    """(the column's least width: its longest number-bearing or header word, and other
    words up to ``cap``; its width budget; whether it holds text longer than ``cap``)."""
    least, budget, folds = 1, 1, False
    for k, text in enumerate([_plain(header), *(_plain(c) for c in cells)]):
        for word in (text or "").split():
            digits = bool(_DIGIT.search(word))
            width = len(word) if digits or k == 0 else min(len(word), cap)
            folds = folds or (not digits and k > 0 and len(word) > cap)
            least = max(least, width)
            budget = max(budget, width)
    return least, budget, folds


def _key_count(table: Table) -> int:
    """Leading left-justified columns: the row labels, repeated in every part."""
    keys = 0
    for column in table.columns:
        if column.justify not in ("left", "default"):
            break
        keys += 1
    return max(1, min(keys, len(table.columns) - 1))


def _natural(header: Any, cells: list[Any]) -> int:
    """The widest line of the column's header and cells (its width with room to spare)."""
    lines = [line for text in [_plain(header), *(_plain(c) for c in cells)]
             for line in (text or "").splitlines()]
    return max((len(line) for line in lines), default=1)


def _allocate(table: Table, width: int) -> None:
    """Fixed widths for the columns of ``table`` that fit ``width``: each starts at its
    natural width and the widest one above its least width gives a cell at a time."""
    columns = table.columns
    room = width - 1 - 3 * len(columns)
    least = [column.min_width or 1 for column in columns]
    widths = [max(_natural(c.header, list(c._cells)), least[k]) for k, c in enumerate(columns)]
    for k, column in enumerate(columns):
        if column.max_width is not None:
            widths[k] = min(widths[k], max(column.max_width, least[k]))
    while sum(widths) > room:
        slack = [(w - m, k) for k, (w, m) in enumerate(zip(widths, least, strict=True)) if w > m]
        if not slack:
            break
        widths[max(slack)[1]] -= 1
    for column, chosen in zip(columns, widths, strict=True):
        column.width = chosen


def _limit(table: Table, width: int) -> tuple[list[int], bool]:
    """Set each column's least (and, for long identifiers, most) width, folding
    identifiers as little as lets the table fit; (each column's budget, fits)."""
    overhead = 3  # a border and a space of padding either side
    longest = max((_widths(c.header, list(c._cells), 10**6)[1] for c in table.columns),
                  default=1)
    for cap in (longest, *range(FOLD_TEXT_FROM, MIN_FOLD - 1, -1)):
        measured = [_widths(c.header, list(c._cells), cap) for c in table.columns]
        budgets = [budget for _, budget, _ in measured]
        if sum(b + overhead for b in budgets) + 1 <= width:
            break
    for column, (least, budget, folds) in zip(table.columns, measured, strict=True):
        column.overflow = "fold"
        column.min_width = least  # numbers and headers are never folded, words seldom
        column.max_width = budget if folds else None  # a long identifier folds at the cap
    return budgets, sum(b + overhead for b in budgets) + 1 <= width


def fit(table: Table, width: int) -> list[Table]:
    """``table`` fitted to ``width`` columns, split by columns if it must be."""
    budgets, fits = _limit(table, width)
    parts = [table]
    if not fits and len(table.columns) >= 3:
        keys = _key_count(table)
        room = width - 1 - sum(b + 3 for b in budgets[:keys])
        groups: list[list[int]] = [[]]
        used = 0
        for index in range(keys, len(table.columns)):
            need = budgets[index] + 3
            if groups[-1] and used + need > room:
                groups.append([])
                used = 0
            groups[-1].append(index)
            used += need
        parts = [_part(table, list(range(keys)) + group, k) for k, group in enumerate(groups)]
        for part in parts:
            _limit(part, width)
    for part in parts:
        _allocate(part, width)
    return parts


def _part(table: Table, indexes: list[int], number: int) -> Table:
    title = table.title
    if number and title is not None:
        title = f"{_plain(title) if not isinstance(title, str) else title} (continued)"
    part = Table(title=title, title_justify=table.title_justify, show_lines=table.show_lines,
                 box=table.box, show_header=table.show_header)
    for index in indexes:
        column = table.columns[index]
        part.add_column(column.header, justify=column.justify, overflow="fold",
                        min_width=column.min_width, max_width=column.max_width,
                        style=column.style)
    for row in range(table.row_count):
        part.add_row(*(table.columns[i]._cells[row] for i in indexes))
    return part


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` fitted to the console's width (see the module docstring)."""
    console = console or default_console
    for part in fit(table, console.width):
        console.print(part)
