"""Random mutations of valid scenarios: the loader returns a scenario or a located error.

Never another exception, and a scenario that loads holds no number outside its
domain's outer bound (finite, at most 10^12 in size).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import tempfile
import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scenario_helpers import FLAGSHIP_CSV, TINY

from forceplan.scenario import Scenario, ScenarioError, load_scenario

BASE = tomllib.loads(TINY.read_text())
SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)

numbers = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 0.5, 1e300, -1e-300, 2**63 - 1]),
)
scalars = st.one_of(
    numbers,
    st.booleans(),
    st.text(max_size=12),
    st.sampled_from(["AAA", "land", "fighter_squadron", "uniform", "share", "../tiny.toml"]),
    st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2100, 1, 1)),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(
            st.sampled_from(["value", "range", "iso", "id", "x", "drop"]), inner, max_size=3
        ),
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    if isinstance(node, dict):
        for k, v in node.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _paths(v, (*prefix, i))
    return out


def _mutate(doc: Any, data: st.DataObject) -> Any:
    paths = _paths(doc)[1:]
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(paths))
        parent = doc
        for part in path[:-1]:
            parent = parent[part]
        key = path[-1]
        action = data.draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if action == "replace":
            parent[key] = data.draw(values)
        elif action == "delete":
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.sampled_from(["extends", "drop", "tables", "zz", "domain"]))] = (
                data.draw(values)
            )
        elif action == "duplicate" and isinstance(parent, list):
            parent.append(parent[key])
        paths = _paths(doc)[1:]
        if not paths:
            break
    return doc


def _check(path: Path) -> None:
    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file and problem.message, problem
        return
    assert isinstance(scenario, Scenario)
    for where, fig in scenario.sources_list():
        assert math.isfinite(fig.value) and abs(fig.value) <= 1e12, where


def _deep_copy(doc: Any) -> Any:
    return tomllib.loads(tomli_w.dumps(doc))


@SETTINGS
@given(data=st.data())
def test_mutated_scenario_loads_or_gives_located_problems(data: st.DataObject) -> None:
    doc = _mutate(_deep_copy(BASE), data)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(tomli_w.dumps(doc))
        _check(path)


@SETTINGS
@given(data=st.data())
def test_mutated_variant_loads_or_gives_located_problems(data: st.DataObject) -> None:
    override = {
        "nations": [{"iso": "BBB", "stance": "undecided", "units": {"infantry_battalion": 2}}],
        "phases": [{"id": "drawdown", "multiplier": 0.25}],
        "uncertainties": {"cost_overrun": {"distribution": "uniform", "low": 1.0, "high": 1.4}},
        "simulation": {"forced_exits": {"AAA": 12}, "cost_pressure_weight": 0.1},
    }
    doc = _mutate(override, data)
    doc["extends"] = str(TINY)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "v.toml"
        path.write_text(tomli_w.dumps(doc))
        _check(path)


CSV_ROWS = list(csv.reader(FLAGSHIP_CSV.open(newline="", encoding="utf-8")))[:4]
CSV_SCENARIO = (
    TINY.read_text().split("[[nations]]")[0]
    + '[tables]\nnations = "n.csv"\n'
    + "[[missions]]"
    + TINY.read_text().split("[[missions]]", 1)[1].replace("= 2 }", "= 0 }")
)


@SETTINGS
@given(data=st.data())
def test_mutated_csv_table_loads_or_gives_located_problems(data: st.DataObject) -> None:
    rows = [list(r) for r in CSV_ROWS]
    for _ in range(data.draw(st.integers(1, 4))):
        r = data.draw(st.integers(0, len(rows) - 1))
        action = data.draw(st.sampled_from(["cell", "cut", "extend", "rename"]))
        if action == "cell" and rows[r]:
            c = data.draw(st.integers(0, len(rows[r]) - 1))
            rows[r][c] = data.draw(
                st.one_of(st.text(max_size=8), numbers.map(str), st.sampled_from(["", ";", "true"]))
            )
        elif action == "cut":
            rows[r] = rows[r][: data.draw(st.integers(0, len(rows[r])))]
        elif action == "extend":
            rows[r] = rows[r] + data.draw(st.lists(st.text(max_size=3), min_size=1, max_size=3))
        elif action == "rename" and rows[0]:
            c = data.draw(st.integers(0, len(rows[0]) - 1))
            rows[0][c] = data.draw(st.text(max_size=20))
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "n.csv").write_text(
            buffer.getvalue(), encoding="utf-8", errors="surrogatepass"
        )
        path = Path(tmp) / "s.toml"
        path.write_text(CSV_SCENARIO)
        _check(path)


@SETTINGS
@given(text=st.text(max_size=300))
def test_arbitrary_text_as_toml(text: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.toml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        _check(path)
