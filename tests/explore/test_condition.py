"""discover's condition language: known answers on five rows, and every way out refused."""

from __future__ import annotations

import numpy as np
import pytest

from forceplan.explore.condition import MAX_DEPTH, MAX_LENGTH, evaluate
from forceplan.explore.errors import ExploreError

COLUMNS = {
    "coverage_mean": np.array([0.5, 0.8, 0.9, 1.0, 0.95]),
    "cost": np.array([100.0, 200.0, 300.0, 400.0, 500.0]),
    "plan_status": np.array(["optimal", "optimal", "infeasible", "optimal", "time_limit"]),
    "backstop": np.array([True, False, True, False, True]),
    "nations[GBR].gdp_usd_bn": np.array([3000.0, 3100.0, 3200.0, 3300.0, 3400.0]),
}


def rows(condition: str) -> list[int]:
    return np.flatnonzero(evaluate(condition, COLUMNS, 5, "--where")).tolist()


@pytest.mark.parametrize(("condition", "expected"), [
    ("coverage_mean < 0.9", [0, 1]),
    ("0.8 <= coverage_mean < 1", [1, 2, 4]),  # chained
    ("coverage_mean < 0.9 or cost >= 500", [0, 1, 4]),
    ("not (coverage_mean < 0.9) and backstop", [2, 4]),
    ("(coverage_mean < 0.9) | ~backstop", [0, 1, 3]),
    ("plan_status != 'optimal'", [2, 4]),
    ("plan_status in ['infeasible', 'time_limit']", [2, 4]),
    ("plan_status not in ['optimal']", [2, 4]),
    ("cost / 100 % 2 == 1", [0, 2, 4]),  # 1, 3, 5
    ("abs(cost - 300) <= 100", [1, 2, 3]),
    ("-cost ** 0.5 > -15", [0, 1]),  # sqrt(100)=10, sqrt(200)=14.1
    ("`nations[GBR].gdp_usd_bn` > 3250", [3, 4]),
    ("backstop == True", [0, 2, 4]),
])
def test_conditions_select_the_rows_worked_out_by_hand(condition: str, expected: list[int]) -> None:
    assert rows(condition) == expected


@pytest.mark.parametrize(("condition", "message"), [
    ("cost.__class__.__mro__", "--where"),  # attribute access: the pandas eval escape
    ("__import__('os').system('true')", "--where"),
    ("(lambda: 1)() == 1", "--where"),
    ("[c for c in cost] == 1", "--where"),
    ("cost[0] > 1", "--where"),
    ("@cost > 1", "--where"),
    ("costs > 1", "no column 'costs' (did you mean 'cost'?)"),
    ("cost + 1", "is not a condition"),
    ("cost > 1e999", "--where"),  # inf is not a finite number
    ("cost <", "is not a condition: invalid syntax"),
    ("   ", "is empty"),
])
def test_anything_else_is_refused_in_words(condition: str, message: str) -> None:
    with pytest.raises(ExploreError) as caught:
        evaluate(condition, COLUMNS, 5, "--where")
    assert str(caught.value).startswith("--where") and message in str(caught.value)


def test_length_and_depth_are_bounded() -> None:
    with pytest.raises(ExploreError, match="characters long"):
        evaluate("cost > 1 and " * (MAX_LENGTH // 10) + "cost > 1", COLUMNS, 5, "--where")
    assert rows("not " * 10 + "cost > 100") == [1, 2, 3, 4]  # an even number of nots
    with pytest.raises(ExploreError, match="nested more than"):  # each `not` is a level
        evaluate("not " * (MAX_DEPTH + 5) + "cost > 1", COLUMNS, 5, "--where")
