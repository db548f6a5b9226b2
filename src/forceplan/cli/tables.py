"""Tables that read at any terminal width: no number or name is ever cut or split.

:func:`print_table` prints a Rich table after fitting it to the console:

* a cell breaks only at a space between words, never inside one: numbers
  (``7,000``, ``[18.0k-21.0k]``), identifiers (``lr_air_defence_battery``)
  and words bound with :data:`BIND` (a non-breaking space, printed as a
  space: ``GBR 6 pair (leads 2)``) stay whole. The cells are wrapped here,
  not by Rich, so Rich never folds a word (``…`` never appears);
* a wrapped line keeps its indent (``"  " + capability`` stays indented);
* in a right-aligned (numeric) column, if one cell must wrap, every cell of
  the column breaks at each space, so a median and its band sit alike in
  every row (``9,727`` over ``[6,167-9,727]``, never some on one line and
  some on two);
* a table too wide even so is wrapped by columns: the leading label columns
  are repeated and the others shared out over as many tables as needed
  ("(continued)"), so at 80 columns a five-year or five-scenario table becomes
  two or three narrower ones.

Numbers are formatted here too (:func:`fmt_value`, :func:`fmt_band`), so
counts print as integers and a band uses one scale throughout.
"""

from __future__ import annotations

import math
import re
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from forceplan.cli.common import console as default_console

#: binds two words of a cell: the line never breaks there (printed as a space)
BIND = "\u00a0"
_BORDER = 3
_DIGIT = re.compile(r"\d")  # a border and a space of padding either side of each cell


def bind(*words: str) -> str:
    """``words`` joined so that a table never breaks the line between them."""
    return BIND.join(words)


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------

#: units counted in whole things (a median of counts is shown as a whole count)
COUNT_UNITS = frozenset({"nations", "personnel", "units", "count"})


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_value(value: float | None, unit: str, scale: str | None = None) -> str:
    """One number in its unit: ``12.3%``, ``1.9bn``, ``735m``, ``18.3k``, ``9,727``, ``x1.2``.

    ``scale`` (``"k"``) forces the thousands scale, so that a band's numbers match.
    """
    if _missing(value):
        return "-"
    assert value is not None
    if unit in ("share", "probability"):
        return f"{100 * value:.1f}%"
    if unit == "pp":  # a difference of shares, in percentage points
        return f"{100 * value:.1f}pp"
    if unit == "ratio":
        return f"{value:.2f}"
    if unit == "percent":
        return f"{value:.2f}%"
    if unit == "factor":
        return f"x{value:.3g}"
    if unit == "US$ m":
        return f"{value / 1000:,.1f}bn" if abs(value) >= 1000 else f"{value:,.0f}m"
    if scale == "k" or abs(value) >= 10_000:
        return "0" if value == 0 else f"{value / 1000:,.1f}k"
    if unit in COUNT_UNITS or abs(value) >= 10 or value == 0:
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def _scale(values: list[float | None], unit: str) -> str | None:
    """``"k"`` when a band of counts reaches 10,000 (all its numbers then in thousands)."""
    if unit in ("share", "probability", "pp", "ratio", "percent", "factor", "US$ m"):
        return None
    finite = [abs(v) for v in values if not _missing(v)]  # type: ignore[arg-type]
    return "k" if finite and max(finite) >= 10_000 else None


def fmt_band(median: float | None, low: float | None, high: float | None, unit: str,
             signed: bool = False) -> str:
    """``median [low-high]`` on one scale (``18.3k [14.3k-18.3k]``, ``9 [2-16]``);
    ``signed``: a difference, its median with its sign (``+1.2k [0.3k-2.0k]``)."""
    if all(_missing(v) for v in (median, low, high)):
        return "-"
    scale = _scale([median, low, high], unit)
    middle = fmt_value(median, unit, scale)
    if signed and median is not None and median > 0:
        middle = "+" + middle
    return f"{middle} [{fmt_value(low, unit, scale)}-{fmt_value(high, unit, scale)}]"


# ---------------------------------------------------------------------------
# Measuring and wrapping cells
# ---------------------------------------------------------------------------


#: a number and its unit after a space stay on one line (``1.4 s``, ``+7.3 pp``)
_UNIT = re.compile(r"(?<=\d) (?=(?:s|ms|pp|MB|GB|kB|h|min)\b)")


def _text(cell: Any, console: Console) -> Text | None:
    """The cell as Rich would render it (markup and highlighting), or None (not text)."""
    if isinstance(cell, Text):
        text = cell.copy()
    elif isinstance(cell, str):
        text = console.render_str(cell)
    else:
        return None
    text.plain = _UNIT.sub(BIND, text.plain)  # one character for one: the styles stay put
    return text


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _least(text: str) -> int:
    """The narrowest width that keeps every word (with its line's indent) whole."""
    least = 1
    for line in text.split("\n"):
        indent = _indent(line)
        for word in line.split(" "):
            least = max(least, indent + len(word))
    return least


def _natural(text: str) -> int:
    return max((len(line) for line in text.split("\n")), default=1)


def _breaks(line: str, width: int, every: bool) -> list[tuple[int, int]]:
    """(start, end) of each piece of ``line`` wrapped at spaces to ``width``."""
    indent = _indent(line)
    every = every and bool(_DIGIT.search(line))
    if len(line) <= width and not every:
        return [(0, len(line))]
    pieces: list[tuple[int, int]] = []
    words = [(m.start(), m.end()) for m in re.finditer(r"[^ ]+", line)]
    start = end = -1
    for w_start, w_end in words:
        if start < 0:
            start, end = w_start, w_end
        elif not every and indent + (w_end - start) <= width:
            end = w_end
        else:
            pieces.append((start, end))
            start, end = w_start, w_end
    if start >= 0:
        pieces.append((start, end))
    return pieces or [(0, 0)]


def _wrap(text: Text, width: int, every: bool) -> Text:
    """``text`` wrapped to ``width`` at spaces (each piece keeps its line's indent)."""
    plain = text.plain
    lines: list[Text] = []
    offset = 0
    for line in plain.split("\n"):
        indent = _indent(line)
        for k, (start, end) in enumerate(_breaks(line, width, every)):
            piece = text[offset + start: offset + end]
            if k and indent:
                piece = Text(" " * indent) + piece
            elif not k and start:
                piece = text[offset: offset + end]
            lines.append(piece)
        offset += len(line) + 1
    wrapped = Text("\n").join(lines)
    wrapped.plain = wrapped.plain.replace(BIND, " ")
    return wrapped


# ---------------------------------------------------------------------------
# Fitting a table
# ---------------------------------------------------------------------------


class _Column:
    """What fitting needs to know of one column."""

    def __init__(self, table: Table, index: int, console: Console) -> None:
        column = table.columns[index]
        self.column = column
        self.cells = [_text(c, console) for c in column._cells]
        header = column.header if isinstance(column.header, str) else ""
        texts = [t.plain for t in self.cells if t is not None]
        self.least = max([_least(header), *(_least(t) for t in texts)], default=1)
        self.natural = max([self.least, _natural(header), *(_natural(t) for t in texts)])
        self.numeric = column.justify == "right"


def _key_count(table: Table) -> int:
    """Leading left-justified columns: the row labels, repeated in every part."""
    keys = 0
    for column in table.columns:
        if column.justify not in ("left", "default"):
            break
        keys += 1
    return max(1, min(keys, len(table.columns) - 1))


def _room(columns: list[_Column], width: int) -> int:
    return width - 1 - _BORDER * len(columns)


def fits(table: Table, width: int, console: Console | None = None) -> bool:
    """Whether ``table`` fits ``width`` columns in one piece with every word whole."""
    console = console or default_console
    columns = [_Column(table, k, console) for k in range(len(table.columns))]
    return sum(c.least for c in columns) <= _room(columns, width)


def _allocate(columns: list[_Column], width: int) -> list[int]:
    """Each column starts at its natural width; the widest still above its least gives
    a cell at a time until the table fits (so prose columns end up alike)."""
    widths = [c.natural for c in columns]
    room = _room(columns, width)
    while sum(widths) > room:
        slack = [(w, w - c.least, k) for k, (w, c) in enumerate(zip(widths, columns, strict=True))
                 if w > c.least]
        if not slack:
            break
        widths[max(slack)[2]] -= 1
    # still too wide: a long name folds (Rich folds what is wider than its column),
    # never a number
    while sum(widths) > room:
        text = [(w, k) for k, (w, c) in enumerate(zip(widths, columns, strict=True))
                if not c.numeric and w > 4]
        if not text:
            break
        widths[max(text)[1]] -= 1
    return widths


def _groups(columns: list[_Column], keys: int, width: int) -> list[list[int]]:
    """Column indexes of each part: the keys, then as many others as fit at least width."""
    room = width - 1 - sum(c.least + _BORDER for c in columns[:keys])
    groups: list[list[int]] = [[]]
    used = 0
    for index in range(keys, len(columns)):
        need = columns[index].least + _BORDER
        if groups[-1] and used + need > room:
            groups.append([])
            used = 0
        groups[-1].append(index)
        used += need
    return [list(range(keys)) + group for group in groups]


def _part(table: Table, indexes: list[int], number: int) -> Table:
    title = table.title
    if number and title is not None:
        title = f"{title.plain if isinstance(title, Text) else title} (continued)"
    part = Table(title=title, title_justify=table.title_justify, show_lines=table.show_lines,
                 box=table.box, show_header=table.show_header)
    for index in indexes:
        column = table.columns[index]
        part.add_column(column.header, justify=column.justify, style=column.style)
    for row in range(table.row_count):
        part.add_row(*(table.columns[i]._cells[row] for i in indexes))
    return part


def _stack_keys(table: Table, keys: int, console: Console) -> Table:
    """``table`` with its first ``keys`` columns in one, each level indented by two."""
    header = " / ".join(c.header if isinstance(c.header, str) else "" for c in
                        table.columns[:keys])
    stacked = Table(title=table.title, title_justify=table.title_justify,
                    show_lines=table.show_lines, box=table.box, show_header=table.show_header)
    stacked.add_column(header, style=table.columns[0].style)
    for column in table.columns[keys:]:
        stacked.add_column(column.header, justify=column.justify, style=column.style)
    for row in range(table.row_count):
        lines: list[Text] = []
        for level, column in enumerate(table.columns[:keys]):
            text = _text(column._cells[row], console)
            for line in (text.split("\n") if text is not None and text.plain else []):
                lines.append(Text(" " * 2 * level) + line)
        label = Text("\n").join(lines)
        stacked.add_row(label, *(c._cells[row] for c in table.columns[keys:]))
    return stacked


def _finish(table: Table, width: int, console: Console) -> Table:
    """A copy of ``table`` with fixed column widths and its cells wrapped to them."""
    columns = [_Column(table, k, console) for k in range(len(table.columns))]
    widths = _allocate(columns, width)
    # one numeric cell too wide for its column: every number of every numeric column
    # goes on a line of its own, so all rows read alike
    numeric_stack = any(c.numeric and t is not None and _natural(t.plain) > w
                        for c, w in zip(columns, widths, strict=True) for t in c.cells)
    done = Table(title=table.title, title_justify=table.title_justify,
                 show_lines=table.show_lines, box=table.box, show_header=table.show_header)
    wrapped: list[list[Any]] = []
    for column, chosen in zip(columns, widths, strict=True):
        # a word wider than the whole table (a long URL) is folded by Rich: nothing else is
        done.add_column(column.column.header, justify=column.column.justify,
                        style=column.column.style, width=chosen, overflow="fold")
        every = numeric_stack and column.numeric
        wrapped.append([c if t is None else _wrap(t, chosen, every)
                        for c, t in zip(column.column._cells, column.cells, strict=True)])
    for row in range(table.row_count):
        done.add_row(*(cells[row] for cells in wrapped))
    return done


def fit(table: Table, width: int, console: Console | None = None) -> list[Table]:
    """``table`` fitted to ``width`` columns, split by columns if it must be."""
    console = console or default_console
    parts = [table]
    if not fits(table, width, console) and len(table.columns) >= 3:
        columns = [_Column(table, k, console) for k in range(len(table.columns))]
        keys = _key_count(table)
        widest = max(c.least + _BORDER for c in columns[keys:])
        if keys > 1 and width - 1 - sum(c.least + _BORDER for c in columns[:keys]) < widest:
            # label columns so wide that no other column fits beside them: stacked
            # into one, each under the one before (as mission over capability)
            table = _stack_keys(table, keys, console)
            if fits(table, width, console):
                return [_finish(table, width, console)]
            columns = [_Column(table, k, console) for k in range(len(table.columns))]
            keys = 1
        groups = _groups(columns, keys, width)
        parts = [_part(table, group, k) for k, group in enumerate(groups)]
    return [_finish(part, width, console) for part in parts]


def print_table(table: Table, console: Console | None = None) -> None:
    """Print ``table`` fitted to the console's width (see the module docstring)."""
    console = console or default_console
    for part in fit(table, console.width, console):
        console.print(part)


def print_wrapped(markup: str, console: Console | None = None, hang: int = 0,
                  highlight: bool = False) -> None:
    """Print a paragraph (Rich markup) wrapped at spaces to the console's width.

    Continuation lines keep the first line's indent plus ``hang``; a word is never
    split, so a word wider than the console (a long URL) stands whole on its own line.
    """
    console = console or default_console
    text = console.render_str(markup, highlight=highlight)
    indent = _indent(text.plain)
    width = max(console.width - hang, indent + 1)
    lines = _wrap(text, width, every=False).split("\n")
    for k, line in enumerate(lines):
        console.print(Text(" " * hang) + line if k and hang else line, soft_wrap=True)
