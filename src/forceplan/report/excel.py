"""Excel workbooks of results: one sheet per table, typed cells, units in the headers.

Written with XlsxWriter. Numbers are written as numbers (full precision;
the display format only rounds what is shown), booleans as booleans, text
as text (never as a formula or a link, whatever it starts with). Each
sheet has a bold header row naming the unit of every column, frozen so it
stays in view, an autofilter, and column widths fitted to the content.
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
    import xlsxwriter

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {
        "in_memory": True,
        "strings_to_formulas": False,
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "nan_inf_to_errors": False,
    })
    styles = _Styles(book)
    taken: set[str] = set()
    for run in runs:
        tables = run_tables(run)
        order = [n for n in FIRST if n in tables] + [n for n in tables if n not in FIRST]
        prefix = f"r{run.record.get('id')} " if len(runs) > 1 else ""
        for name in order:
            _write_sheet(book, styles, sheet_name(prefix + name, taken), tables[name])
    book.close()
    return buffer.getvalue()


class _Styles:
    def __init__(self, book: Any) -> None:
        self.book = book
        self.header = book.add_format({"bold": True, "bg_color": "#EEF1F4", "bottom": 1,
                                       "text_wrap": True, "valign": "top"})
        self._numbers: dict[str, Any] = {}

    def number(self, unit: str) -> Any:
        fmt = FORMATS.get(unit, GENERAL_NUMBER)
        if fmt not in self._numbers:
            self._numbers[fmt] = self.book.add_format({"num_format": fmt})
        return self._numbers[fmt]


def _write_sheet(book: Any, styles: _Styles, name: str, frame: pd.DataFrame) -> None:
    sheet = book.add_worksheet(name)
    headers = list(with_units(frame).columns)
    units = [unit_of(str(c)) for c in frame.columns]
    widths = [min(max(len(h), 6), MAX_WIDTH) for h in headers]
    for col, header in enumerate(headers):
        sheet.write_string(0, col, header, styles.header)
    for row, values in enumerate(frame.itertuples(index=False), start=1):
        for col, value in enumerate(values):
            shown = _write_cell(sheet, row, col, value, styles.number(units[col]))
            widths[col] = min(max(widths[col], shown), MAX_WIDTH)
    for col, width in enumerate(widths):
        sheet.set_column(col, col, width + 2)
    sheet.freeze_panes(1, 0)
    if len(frame.columns):
        sheet.autofilter(0, 0, max(len(frame), 1), len(frame.columns) - 1)


def _write_cell(sheet: Any, row: int, col: int, value: Any, number_format: Any) -> int:
    """Write one typed cell; the width its text needs."""
    import numpy as np

    if value is None or (isinstance(value, float) and math.isnan(value)):
        sheet.write_blank(row, col, None)
        return 1
    if isinstance(value, bool | np.bool_):
        sheet.write_boolean(row, col, bool(value))
        return 5
    if isinstance(value, numbers.Real):
        number = float(value)
        if math.isinf(number):
            sheet.write_string(row, col, "inf" if number > 0 else "-inf")
            return 4
        sheet.write_number(row, col, number, number_format)
        return len(f"{number:,.2f}")
    text = str(value)
    sheet.write_string(row, col, text)
    return len(text)
