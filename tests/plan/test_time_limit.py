"""The planner's time limit: honest per-phase status, worst-phase totals, a limit that holds.

A phase time runs out on before it has a plan is reported as not solved (no
rows in any table: no artefact "unmet" units, no gap of 0); the plan's status
and gap are the worst phase's; a twin is reused only when it was solved to
optimality; and ``plan`` returns within its limit plus the documented margin.
"""

from __future__ import annotations

import importlib
import json
import math
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from plan_builders import capability, mission, nation, scenario
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.plan import plan_scenario
from forceplan.plan.build import build_phase
from forceplan.plan.solve import PhaseSolution, solve_phase
from forceplan.scenario import Scenario

planner = importlib.import_module("forceplan.plan.planner")
runner = CliRunner()


def _three_phases() -> Scenario:
    """'land' needs 2, 4, then 3 infantry (no two phases alike, so no twin reuse)."""
    phases = [
        {
            "id": f"p{i + 1}",
            "name": f"Phase {i + 1}",
            "start_month": 1 + 6 * i,
            "end_month": 6 + 6 * i,
            "requirements": {"land": {"infantry": need}},
        }
        for i, need in enumerate((2, 4, 3))
    ]
    return scenario(
        [nation("AAA", {"infantry": 9}), nation("BBB", {"infantry": 9})],
        [mission("land", {"infantry": 4})],
        [capability("infantry", ratio=1)],
        phases=phases,
    )


def _slow_build_after_first(monkeypatch: pytest.MonkeyPatch, pause: float) -> None:
    """Building the second phase's model takes ``pause`` seconds (time runs out there).

    The first phase's solve starts as soon as its model is built, so it
    finishes well inside the limit; the later phases start after it.
    """
    real = planner.build_phase
    calls = {"n": 0}

    def build(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 2:
            time.sleep(pause)
        return real(*args, **kwargs)

    monkeypatch.setattr(planner, "build_phase", build)


def test_no_phase_started_means_no_plan_at_all() -> None:
    """A limit that is over before the first solve: every phase not solved, every table empty."""
    result = plan_scenario(_three_phases(), time_limit_s=1e-9)
    assert result.status == "not_solved"
    assert math.isinf(result.mip_gap)
    assert list(result.phases["status"]) == ["not_solved"] * 3
    assert result.phases_not_solved == ["p1", "p2", "p3"]
    for frame in (result.allocations, result.shortfalls, result.nations, result.flank):
        assert frame.empty
    assert result.units_changed == {}
    data = json.loads(result.to_json())
    assert data["solver"]["status"] == "not_solved"
    assert data["solver"]["mip_gap"] is None
    assert data["solver"]["phases_not_solved"] == ["p1", "p2", "p3"]
    assert [p["status"] for p in data["phases"]] == ["not_solved"] * 3


def test_phases_after_the_deadline_are_not_solved_and_the_first_is_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """p1 is solved at once (2 infantry: the cheaper plan is 2 units in all); time
    runs out while p2's model is built, so p2 and p3 are not solved. Before the fix
    they came back as empty plans with 4 + 3 = 7 "unmet" units and gap 0."""
    _slow_build_after_first(monkeypatch, pause=2.5)
    result = plan_scenario(_three_phases(), time_limit_s=2.0)
    assert list(result.phases["status"]) == ["optimal", "not_solved", "not_solved"]
    assert result.status == "not_solved"  # the worst phase's
    assert math.isinf(result.mip_gap)
    assert set(result.allocations["phase"]) == {"p1"}
    assert int(result.allocations["units"].sum()) == 2
    assert result.shortfalls.empty  # no artefact shortfalls for p2, p3
    assert set(result.nations["phase"]) == {"p1"}
    assert result.units_changed == {}  # nothing to compare p2 and p3 with


def test_plan_cli_flags_an_incomplete_plan_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _slow_build_after_first(monkeypatch, pause=2.5)
    source = tmp_path / "three.toml"
    source.write_text(_toml(_three_phases()))
    out, tables = tmp_path / "plan.json", tmp_path / "tables"
    result = runner.invoke(
        app,
        ["plan", str(source), "--time-limit", "2", "--json", str(out), "--csv", str(tables)],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 3, result.output
    assert "NOT SOLVED" in result.output
    assert "p2, p3 not solved within the time limit" in result.output
    data = json.loads(out.read_text())
    assert data["solver"]["status"] == "not_solved"
    assert data["solver"]["phases_not_solved"] == ["p2", "p3"]
    phases_csv = (tables / "phases.csv").read_text().splitlines()
    assert phases_csv[0] == "phase,start_month,end_month,months,status,mip_gap"
    assert phases_csv[2].startswith("p2,7,12,6,not_solved,inf")


def test_simulate_refuses_an_incomplete_plan(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """simulate plans with the default limit; here the limit is over at once."""
    cache = importlib.import_module("forceplan.plan.cache")
    real = cache.plan_scenario
    def over_at_once(s: Scenario, backstop: bool | None, time_limit_s: float) -> Any:
        return real(s, backstop=backstop, time_limit_s=1e-9)

    monkeypatch.setattr(cache, "plan_scenario", over_at_once)
    source = tmp_path / "three.toml"
    source.write_text(_toml(_three_phases()))
    result = runner.invoke(app, ["simulate", str(source), "-n", "10", "--no-cache"])
    assert result.exit_code == 3, result.output
    assert "cannot simulate it" in result.output


def test_reuse_takes_only_an_optimal_twin() -> None:
    """A twin cut short by the time limit is not known to be optimal in another
    phase: it is solved again rather than copied with its status."""
    s = _three_phases()
    model = build_phase(s, s.ordered_phases[0], backstop_enabled=False)
    solved = solve_phase(model, time.perf_counter() + 60)
    assert solved.status == "optimal"
    allocation = planner._allocation(solved)
    other = build_phase(s, s.ordered_phases[0], backstop_enabled=False)
    reused = planner._reuse_twin([({}, allocation, solved)], allocation, other)
    assert reused is not None and reused.status == "optimal"
    for status in ("time_limit", "not_solved"):
        twin: PhaseSolution = replace(solved, status=status)
        assert planner._reuse_twin([({}, allocation, twin)], allocation, other) is None
        assert planner._reuse_twin([(allocation, allocation, twin)], allocation, other) is None


def test_the_limit_holds_for_the_whole_plan() -> None:
    """A 40-nation, 8-phase case that takes seconds to solve, with half a second."""
    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    try:
        from bench_plan import synthetic_scenario
    finally:
        sys.path.pop(0)
    s = synthetic_scenario(seed=2025)
    started = time.perf_counter()
    result = plan_scenario(s, time_limit_s=0.5)
    elapsed = time.perf_counter() - started
    assert elapsed < 0.5 + planner.TIME_LIMIT_MARGIN_S
    order = ("optimal", "time_limit", "not_solved")
    worst = max(result.phases["status"], key=order.index)
    assert result.status == worst
    solved = set(result.phases.loc[result.phases["status"] != "not_solved", "phase"])
    for frame in (result.allocations, result.shortfalls, result.nations):
        assert set(frame["phase"]) <= solved


def test_a_time_limit_must_be_a_positive_finite_number() -> None:
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(ValueError, match="time_limit_s must be a positive number"):
            plan_scenario(_three_phases(), time_limit_s=bad)
    result = runner.invoke(app, ["plan", "tiny", "--time-limit", "nan"])
    assert result.exit_code == 2


def test_diagnosis_blames_nothing_it_had_no_time_to_check() -> None:
    """Both nations could put a battalion on the ground, but a treaty lets only
    one unit onto the mission while two flags are required: no single nation
    is to blame, so the diagnosis drops constraint groups in turn. With the
    deadline already past, it says it could not check them instead of naming
    one at random."""
    limit = {"name": "one unit", "measure": "units", "maximum": 1}
    s = scenario(
        [nation("AAA", {"infantry": 15}), nation("BBB", {"infantry": 15})],
        [mission("land", {"infantry": 2})],
        constraints={"min_nations_on_ground": 2, "treaty_limits": [limit]},
    )
    phase = s.ordered_phases[0]
    model = build_phase(s, phase, backstop_enabled=False)
    reasons = planner.diagnose_infeasible(s, phase, model, False, time.perf_counter() - 1)
    text = " ".join(reasons)
    assert "time limit ran out before checking" in text
    assert "cannot be met together" not in text
    with_time = " ".join(planner.diagnose_infeasible(s, phase, model, False, None))
    assert "treaty limits" in with_time


def _toml(s: Scenario) -> str:
    """A scenario as TOML (via JSON-compatible dict; TOML is a superset for these values)."""
    data = s.model_dump(mode="json", exclude_none=True)
    return _to_toml(data)


def _to_toml(data: dict[str, Any]) -> str:
    import json as _json

    # Inline-table TOML: every value written as a JSON literal is valid TOML
    # for strings, numbers, booleans, arrays and inline tables.
    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{_json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        return _json.dumps(v)

    return "\n".join(f"{_json.dumps(k)} = {value(v)}" for k, v in data.items()) + "\n"
