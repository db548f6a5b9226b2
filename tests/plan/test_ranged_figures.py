"""A planner fed figures inside their declared ranges returns a plan, never "infeasible".

``forceplan explore`` samples every plan-stage figure that carries a ``range``
(its outer plan design). Before soft goals, 43 of 64 flagship plan points were
infeasible. The figures and their ranges come from the explore stage's own
design code (``build_space``, ``build_design``), not from a list kept here.

Two checks, to keep the time reasonable:

* every figure at the low and at the high end of its range, one at a time:
  each phase model has a feasible point, the plan that sends nothing (every
  requirement unmet, every offer's minimum and every goal missed in full).
  That point is a certificate: it is checked row by row, without a solver;
* a sample of those corners and a few random joint points of the explore
  design are planned in full and must come back with a plan.
"""

from __future__ import annotations

import math
import random
from functools import cache

import numpy as np

from forceplan.explore.design import Settings, build_design
from forceplan.explore.levers import LeverSet, scenario_for
from forceplan.explore.space import build_space
from forceplan.plan import plan_scenario
from forceplan.plan.build import build_phase
from forceplan.plan.model import PhaseModel
from forceplan.scenario import Scenario, load_scenario

FLAGSHIP = "reassurance-2025"


@cache
def flagship() -> Scenario:
    return load_scenario(FLAGSHIP)


@cache
def corners() -> list[tuple[str, float]]:
    """(figure path, value) at both ends of every plan-stage figure's range."""
    dims = build_space(flagship()).stage("plan")
    assert len(dims) > 50, "the flagship should have many ranged plan-stage figures"
    out = []
    for dim in dims:
        low, high = dim.distribution.low, dim.distribution.high
        assert low is not None and high is not None
        out += [(dim.target, low), (dim.target, high)]
    return out


def nothing_sent(model: PhaseModel) -> np.ndarray:
    """The plan that sends nothing: every requirement unmet, every offer's minimum
    short in full, every political goal missed in full, nothing drawn from the flank."""
    point = np.zeros(model.num_cols)
    for req in model.requirements:
        point[model.unmet[(req.mission.id, req.capability.id)]] = req.required
    for col in (*model.offer_gap.values(), *model.lead_gap.values()):
        point[col] = model.col_upper[col]
    if model.flag_gap is not None:
        point[model.flag_gap] = model.col_upper[model.flag_gap]
    return point


def violated_rows(model: PhaseModel, point: np.ndarray) -> list[str]:
    bad = [
        model.col_names[c]
        for c in range(model.num_cols)
        if not model.col_lower[c] - 1e-9 <= point[c] <= model.col_upper[c] + 1e-9
    ]
    for name, index, value, lower, upper in zip(
        model.row_names,
        model.row_index,
        model.row_value,
        model.row_lower,
        model.row_upper,
        strict=True,
    ):
        activity = float(np.dot(point[index], value)) if index else 0.0
        if not lower - 1e-7 <= activity <= upper + 1e-7:
            bad.append(f"{name}: {activity:g} outside [{lower:g}, {upper:g}]")
    return bad


@cache
def corner_report() -> tuple[list[str], list[tuple[str, float]]]:
    """Build every phase model at every corner once: the corners whose plan that
    sends nothing breaks a row (should be none), and the corners where a political
    goal cannot hold on the nations' own limits (a lead nation with no unit it can
    send, or fewer nations able to be on the ground than the flags wanted)."""
    base = flagship()
    failures: list[str] = []
    goal_corners: list[tuple[str, float]] = []
    for path, value in corners():
        s = scenario_for(base, {}, {path: value})
        impossible = False
        for phase in s.ordered_phases:
            model = build_phase(s, phase, backstop_enabled=True)
            bad = violated_rows(model, nothing_sent(model))
            if bad:
                failures.append(f"{path} = {value:g}, phase {phase.id}: {bad[:3]}")
            impossible = impossible or _goal_out_of_reach(s, model)
        if impossible:
            goal_corners.append((path, value))
    return failures, goal_corners


def _goal_out_of_reach(s: Scenario, model: PhaseModel) -> bool:
    leading = {(iso, m) for iso, _, m in (*model.x, *model.frame)}
    for mission_id in model.lead_gap:
        leads = s.constraints.lead_nations[mission_id]
        if not any((iso, mission_id) in leading for iso in leads):
            return True
    on_ground = {
        iso for iso, _, m in (*model.x, *model.sub, *model.frame) if s.mission(m).on_ground
    }
    return len(on_ground) < model.flags_wanted


def test_every_corner_of_every_range_has_a_feasible_point_in_every_phase() -> None:
    failures, _ = corner_report()
    assert not failures, "\n".join(failures)


def test_corners_where_a_goal_is_out_of_reach_give_a_plan_that_reports_it() -> None:
    """At these corners the old hard goals made the plan infeasible (the army-share
    cap of Canada, Spain or Latvia at its low end, larger or slower-rotating
    battlegroups and headquarters): now a plan, with each goal missed explained."""
    _, goal_corners = corner_report()
    assert 3 <= len(goal_corners) <= 20, goal_corners
    base = flagship()
    for path, value in goal_corners:
        result = plan_scenario(scenario_for(base, {}, {path: value}), time_limit_s=30)
        label = f"{path} = {value:g}"
        assert result.status in ("optimal", "time_limit"), label
        assert not result.phases_not_solved, label
        missed = result.goals[~result.goals["met"]]
        assert len(missed) > 0, label
        assert (missed["explanation"].str.len() > 20).all(), label
        assert len(result.goals_missed()) == len(missed)


def test_the_certificate_fails_where_a_hard_goal_cannot_hold() -> None:
    """The check above can fail: with hard goals the plan that sends nothing breaks
    the lead-nation and minimum-flags rows."""
    s = flagship()
    model = build_phase(s, s.ordered_phases[0], backstop_enabled=True, goals="hard")
    bad = violated_rows(model, nothing_sent(model))
    assert any(b.startswith("lead_nation[") for b in bad)
    assert any(b.startswith("min_nations_on_ground") for b in bad)


def test_a_sample_of_corners_and_joint_points_give_a_plan() -> None:
    """Six corners chosen at random (seeded) and three joint points of the explore
    design over every plan-stage figure, planned in full."""
    base = flagship()
    rng = random.Random(7)
    points = [
        (f"{path} = {value:g}", scenario_for(base, {}, {path: value}))
        for path, value in rng.sample(corners(), 6)
    ]
    design = build_design(
        base, build_space(base), LeverSet(), Settings(experiments=3, plans=3, seed=7), "test"
    )
    points += [(f"joint point {p}", design.spec.scenario(0, p)) for p in range(design.points)]
    for label, s in points:
        result = plan_scenario(s, time_limit_s=30)
        assert result.status in ("optimal", "time_limit"), (label, result.status)
        assert not result.phases_not_solved, label
        missed = result.goals[~result.goals["met"]]
        assert (missed["explanation"].str.len() > 0).all(), label
        assert all(math.isfinite(v) for v in result.objective.values()), label
