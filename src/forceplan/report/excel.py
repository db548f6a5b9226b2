"""Excel workbooks of results: one sheet per table, typed cells, units in the headers.

Written with openpyxl (also what reads them back in the tests, so one
library instead of two). A number cell holds the value to 16 significant
digits, as every .xlsx writer stores it (the JSON output keeps all 17);
the display format only rounds what is shown. Booleans are booleans, and text is always text,
never a formula, whatever it starts with. Each sheet has a bold header row
naming the unit of every column, frozen so it stays in view, an autofilter,
and column widths fitted to the content.
"""

from __future__ import annotations

import io
import math
import numbers
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from forceplan.report.model import ReportRun
from forceplan.report.tables import run_tables, unit_of, with_units

if TYPE_CHECKING:
    import pandas as pd

#: display format by unit (the cell keeps its full value)
FORMATS = {
    "people": "#,##0",
    "units": "#,##0",
    "US$ m": "#,##0.0",
    "US$ m a year": "#,##0.0",
    "share 0-1": "0.0%",
    "probability": "0.0%",
    "month": "0",
    "months": "0",
    "year": "0",
}
GENERAL_NUMBER = "#,##0.####"
MAX_WIDTH = 60
MAX_TEXT = 32_767  # Excel's limit for one cell
#: sheets first in the workbook, in this order; the rest follow as they come
FIRST = ("run", "allocations", "nations", "shortfalls", "flank", "costs", "phases")


def sheet_name(name: str, taken: set[str]) -> str:
    """A valid, unique Excel sheet name (31 characters, none of []:*?/\\)."""
    base = re.sub(r"[\[\]:*?/\\]", "-", name).strip("'")[:31] or "sheet"
    candidate, n = base, 2
    while candidate.lower() in taken:
        suffix = f" ({n})"
        candidate, n = base[: 31 - len(suffix)] + suffix, n + 1
    taken.add(candidate.lower())
    return candidate


def workbook_bytes(runs: Sequence[ReportRun]) -> bytes:
    """An .xlsx workbook of every table of ``runs`` (sheets prefixed by run when several)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    for run in runs:
        tables = run_tables(run)
        order = [n for n in FIRST if n in tables] + [n for n in tables if n not in FIRST]
        prefix = f"r{run.record.get('id')} " if len(runs) > 1 else ""
        for name in order:
            _write_sheet(book.create_sheet(sheet_name(prefix + name, taken)), tables[name])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _write_sheet(sheet: Any, frame: pd.DataFrame) -> None:
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    headers = list(with_units(frame).columns)
    formats = [FORMATS.get(unit_of(str(c)), GENERAL_NUMBER) for c in frame.columns]
    widths = [min(max(len(h), 6), MAX_WIDTH) for h in headers]
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="EEF1F4")
    rule, wrap = Border(bottom=Side(style="thin")), Alignment(wrap_text=True, vertical="top")
    for col, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=col)
        _text(cell, header)
        cell.font, cell.fill, cell.border, cell.alignment = bold, fill, rule, wrap
    for row, values in enumerate(frame.itertuples(index=False), start=2):
        for col, value in enumerate(values, start=1):
            shown = _write_cell(sheet.cell(row=row, column=col), value, formats[col - 1])
            widths[col - 1] = min(max(widths[col - 1], shown), MAX_WIDTH)
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width + 2
    sheet.freeze_panes = "A2"
    if len(frame.columns):
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{max(len(frame), 1) + 1}"


def _text(cell: Any, value: str) -> None:
    """Text as text: never read as a formula; characters XML cannot hold removed."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)[:MAX_TEXT]
    cell.data_type = "s"


def _write_cell(cell: Any, value: Any, number_format: str) -> int:
    """Write one typed cell; the width its text needs."""
    import numpy as np

    if value is None or (isinstance(value, float) and math.isnan(value)):
        return 1
    if isinstance(value, bool | np.bool_):
        cell.value = bool(value)
        return 5
    if isinstance(value, numbers.Integral):
        cell.value = int(value)
        cell.number_format = number_format
        return len(f"{int(value):,}")
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isinf(number):
            _text(cell, "inf" if number > 0 else "-inf")
            return 4
        cell.value = number
        cell.number_format = number_format
        return len(f"{number:,.2f}")
    text = str(value)
    _text(cell, text)
    return len(text)
