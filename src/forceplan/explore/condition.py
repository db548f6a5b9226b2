"""Conditions on result columns (``discover --where`` and ``--among``), never Python's eval.

A condition is parsed with :mod:`ast` and evaluated by walking the tree over
numpy columns; only these forms are accepted (docs/explore.md):

* column names, bare (``coverage_mean``) or in backticks for names with
  brackets or dots (```nations[GBR].gdp_usd_bn```);
* finite numbers, text in quotes, ``True``/``False``, and lists of those after
  ``in`` / ``not in``;
* comparisons ``< <= > >= == !=`` (chained: ``0.2 < x < 0.5``), ``in``,
  ``not in``;
* ``and``, ``or``, ``not`` and their element-wise spellings ``&``, ``|``, ``~``;
* arithmetic ``+ - * / // % **``, unary ``-``/``+`` and ``abs(...)``.

Anything else (attributes, subscripts, other calls, lambdas, comprehensions,
``@`` variables) is refused with a message naming the construct, so a
condition can never reach Python objects: the pandas ``eval`` this replaces
let ``x.__class__...`` run any code.
"""

from __future__ import annotations

import ast
import math
import operator
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from forceplan.explore.errors import ExploreError
from forceplan.scenario.domains import did_you_mean

#: Longest condition accepted, in characters.
MAX_LENGTH = 2_000
#: Deepest nesting of a condition's syntax tree.
MAX_DEPTH = 40

_BACKTICK = re.compile(r"`([^`]*)`")
_COMPARE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
}
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
_NAMES = {"True": True, "False": False}


class _Refused(Exception):
    """A construct or name the condition language does not allow (message in words)."""


def evaluate(condition: str, columns: Mapping[str, Any], rows: int, option: str) -> np.ndarray:
    """The boolean array of ``condition`` over ``columns`` (each an array of ``rows`` values).

    Raises :class:`ExploreError` (naming ``option``) for anything but a
    condition in the language above that is true or false on every row.
    """
    text = condition.strip()
    if not text:
        raise ExploreError(option, "is empty; give a condition such as 'coverage_mean < 0.9'")
    if len(text) > MAX_LENGTH:
        raise ExploreError(option, f"is {len(text):,} characters long; at most {MAX_LENGTH:,}")
    quoted: dict[str, str] = {}

    def placeholder(match: re.Match[str]) -> str:
        name = f"_fp_quoted_{len(quoted)}"
        quoted[name] = match.group(1)
        return name

    source = _BACKTICK.sub(placeholder, text)
    if "`" in source:
        raise ExploreError(option, f"{condition!r}: a backtick is not closed")
    try:
        tree = ast.parse(source, mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        detail = getattr(exc, "msg", None) or str(exc) or type(exc).__name__
        raise ExploreError(option, f"{condition!r} is not a condition: {detail}") from None
    walker = _Walker(columns, quoted, rows)
    try:
        with np.errstate(all="ignore"):
            result = walker.value(tree.body, 0)
    except _Refused as exc:
        raise ExploreError(option, f"{condition!r}: {exc}") from None
    except (TypeError, ValueError, OverflowError, ZeroDivisionError) as exc:
        raise ExploreError(option, f"cannot evaluate {condition!r}: {exc}") from None
    array = np.asarray(result)
    if array.shape != (rows,) or array.dtype != bool:
        raise ExploreError(
            option,
            f"{condition!r} is not a condition (true or false for each experiment), "
            "e.g. 'coverage_mean < 0.9'",
        )
    return array


class _Walker:
    """Evaluates an allowed syntax tree over the columns (see the module docstring)."""

    def __init__(self, columns: Mapping[str, Any], quoted: dict[str, str], rows: int) -> None:
        self.columns = columns
        self.quoted = quoted
        self.rows = rows

    def value(self, node: ast.AST, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise _Refused(f"nested more than {MAX_DEPTH} levels deep")
        handler = getattr(self, f"_{type(node).__name__}", None)
        if handler is None:
            raise _Refused(f"{_describe(node)} is not allowed in a condition")
        return handler(node, depth + 1)

    def _Name(self, node: ast.Name, depth: int) -> Any:
        return self.column(self.quoted.get(node.id, node.id))

    def column(self, name: str) -> Any:
        if name in self.columns:
            return np.asarray(self.columns[name])
        if name in _NAMES:
            return _NAMES[name]
        hint = did_you_mean(name, self.columns)
        raise _Refused(f"no column {name!r}{hint}; columns: {', '.join(self.columns)}")

    def _Constant(self, node: ast.Constant, depth: int) -> Any:
        value = node.value
        if isinstance(value, bool | str):
            return value
        if isinstance(value, int | float) and math.isfinite(value):
            return value
        raise _Refused(f"{value!r} is not a finite number, text or True/False")

    def _BoolOp(self, node: ast.BoolOp, depth: int) -> Any:
        parts = [self.boolean(v, depth) for v in node.values]
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        out = parts[0]
        for part in parts[1:]:
            out = combine(out, part)
        return out

    def boolean(self, node: ast.AST, depth: int) -> Any:
        result = np.asarray(self.value(node, depth))
        if result.dtype != bool:
            raise _Refused(f"{_text(node)!r} is not true or false (compare it with a value)")
        return result

    def _UnaryOp(self, node: ast.UnaryOp, depth: int) -> Any:
        if isinstance(node.op, ast.Not | ast.Invert):
            return np.logical_not(self.boolean(node.operand, depth))
        operand = self.value(node.operand, depth)
        return -operand if isinstance(node.op, ast.USub) else +operand

    def _BinOp(self, node: ast.BinOp, depth: int) -> Any:
        if isinstance(node.op, ast.BitAnd | ast.BitOr):
            left, right = self.boolean(node.left, depth), self.boolean(node.right, depth)
            return np.logical_and(left, right) if isinstance(node.op, ast.BitAnd) else (
                np.logical_or(left, right))
        function = _ARITHMETIC.get(type(node.op))
        if function is None:
            raise _Refused(f"the operator in {_text(node)!r} is not allowed")
        left, right = self.value(node.left, depth), self.value(node.right, depth)
        return function(np.asarray(left, dtype=float), np.asarray(right, dtype=float))

    def _Compare(self, node: ast.Compare, depth: int) -> Any:
        out: Any = None
        left = self.value(node.left, depth)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            if isinstance(op, ast.In | ast.NotIn):
                options = self.constants(comparator, depth)
                step = np.isin(np.asarray(left), options)
                step = np.logical_not(step) if isinstance(op, ast.NotIn) else step
                right: Any = None
            else:
                function = _COMPARE.get(type(op))
                if function is None:
                    raise _Refused(f"'{_op_text(op)}' is not allowed (use ==, !=, <, in, ...)")
                right = self.value(comparator, depth)
                step = np.asarray(function(np.asarray(left), right))
            out = step if out is None else np.logical_and(out, step)
            left = right
        return out

    def constants(self, node: ast.AST, depth: int) -> list[Any]:
        if not isinstance(node, ast.List | ast.Tuple | ast.Set):
            raise _Refused("'in' needs a list of values, e.g. plan_status in ['optimal']")
        return [self._Constant(e, depth) if isinstance(e, ast.Constant) else _refuse_item(e)
                for e in node.elts]

    def _Call(self, node: ast.Call, depth: int) -> Any:
        if isinstance(node.func, ast.Name) and node.func.id == "abs" and len(node.args) == 1 \
                and not node.keywords:
            return np.abs(np.asarray(self.value(node.args[0], depth), dtype=float))
        raise _Refused(f"calls are not allowed ({_text(node.func)!r}); only abs(x)")


def _refuse_item(node: ast.AST) -> Any:
    raise _Refused(f"the list after 'in' may hold only values, not {_text(node)!r}")


def _op_text(op: ast.cmpop) -> str:
    return {ast.Is: "is", ast.IsNot: "is not"}.get(type(op), type(op).__name__)


def _describe(node: ast.AST) -> str:
    kinds = {
        ast.Attribute: "attribute access (a.b)",
        ast.Subscript: "indexing (a[b])",
        ast.Lambda: "a lambda",
        ast.IfExp: "'x if c else y'",
        ast.Dict: "a dictionary",
        ast.ListComp: "a comprehension",
        ast.GeneratorExp: "a generator",
        ast.NamedExpr: "':='",
        ast.JoinedStr: "an f-string",
        ast.Starred: "'*'",
    }
    return kinds.get(type(node)) or repr(_text(node))


def _text(node: ast.AST) -> str:
    """The source of ``node`` for a message (its kind where it is too deep to print)."""
    try:
        return ast.unparse(node)
    except (ValueError, AttributeError, RecursionError):
        return type(node).__name__
