"""Results to database rows and back, without knowing their columns.

Tables are stored generically (column names with their dtypes, then rows),
so a column or table a later stage adds flows into the store and back out
without a change here. Numbers survive exactly: JSON writes a float64 with
the shortest repr that reads back to the same bits, and the non-finite
floats JSON lacks are written as the strings "NaN", "Infinity", "-Infinity"
in float columns.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _float_out(value: Any) -> Any:
    if value is None:
        return "NaN"
    value = float(value)
    if math.isfinite(value):
        return value
    if math.isnan(value):
        return "NaN"
    return "Infinity" if value > 0 else "-Infinity"


def _float_in(value: Any) -> float:
    if isinstance(value, str):
        return _NON_FINITE[value]
    return math.nan if value is None else float(value)


def to_json_value(value: Any) -> Any:
    """A JSON-ready copy of ``value``: numpy scalars to Python; tuples and non-finite floats
    tagged so that :func:`from_json_value` gives them back."""
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return {"__float__": _float_out(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [to_json_value(v) for v in value]}
    if isinstance(value, list):
        return [to_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json_value(v) for k, v in value.items()}
    return value


def from_json_value(value: Any) -> Any:
    """The inverse of :func:`to_json_value`."""
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return _float_in(value["__float__"])
        if set(value) == {"__tuple__"}:
            return tuple(from_json_value(v) for v in value["__tuple__"])
        return {k: from_json_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [from_json_value(v) for v in value]
    return value


def encode_frame(frame: pd.DataFrame) -> tuple[list[dict[str, Any]], list[list[Any]]]:
    """(columns, rows): each column's name and dtype, then the rows as lists.

    A non-default index is kept as leading columns with an ``"index"`` key (true, or
    null where the index had no name).
    """
    import pandas as pd

    index_names: list[str] = []
    unnamed: set[str] = set()
    default_index = (
        isinstance(frame.index, pd.RangeIndex)
        and frame.index.start == 0
        and frame.index.step == 1
        and frame.index.name is None
    )
    if not default_index:
        for i, n in enumerate(frame.index.names):
            index_names.append(str(n) if n is not None else f"level_{i}")
            if n is None:
                unnamed.add(index_names[-1])
        frame = frame.reset_index(names=index_names)
    columns: list[dict[str, Any]] = []
    values: list[list[Any]] = []
    for position, name in enumerate(frame.columns):
        series = frame.iloc[:, position]
        dtype = str(series.dtype)
        spec: dict[str, Any] = {"name": str(name), "dtype": dtype}
        if str(name) in index_names:
            spec["index"] = str(name) not in unnamed or None  # None: the index had no name
        columns.append(spec)
        values.append(_column_out(series, dtype))
    rows = [list(r) for r in zip(*values, strict=True)] if values else []
    return columns, rows


def _column_out(series: pd.Series, dtype: str) -> list[Any]:
    if dtype.startswith("float"):
        return [_float_out(v) for v in series.tolist()]
    if dtype.startswith(("int", "uint")) or dtype == "bool":
        return series.tolist()
    if dtype == "object":
        return [_object_out(v) for v in series.tolist()]
    # strings, categories, nullable ints, datetimes...: their text, read back with astype
    return [None if _is_missing(v) else str(v) for v in series.tolist()]


def _is_missing(value: Any) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _object_out(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is not None and _is_missing(value):
        return None
    return to_json_value(value)


def decode_frame(columns: list[dict[str, Any]], rows: list[list[Any]]) -> pd.DataFrame:
    """The inverse of :func:`encode_frame`: same columns, dtypes, values and index."""
    import numpy as np
    import pandas as pd

    by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
    data: dict[str, Any] = {}
    for spec, values in zip(columns, by_column, strict=True):
        dtype = spec["dtype"]
        if dtype.startswith("float"):
            data[spec["name"]] = np.array([_float_in(v) for v in values], dtype=dtype)
        elif dtype.startswith(("int", "uint")) or dtype == "bool":
            data[spec["name"]] = np.array(values, dtype=dtype)
        elif dtype == "object":
            data[spec["name"]] = pd.Series([from_json_value(v) for v in values], dtype=object)
        else:
            data[spec["name"]] = pd.Series(list(values), dtype=object).astype(dtype)
    frame = pd.DataFrame(data, columns=[c["name"] for c in columns])
    index = [c for c in columns if "index" in c]
    if index:
        frame = frame.set_index([c["name"] for c in index])
        frame.index.names = [c["name"] if c["index"] else None for c in index]
    return frame
