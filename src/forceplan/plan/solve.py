"""Solving one phase's MIP with HiGHS (highspy): the lexicographic stages in turn.

Each stage minimises one tier of the objective and is then held at its
optimum while the next is minimised (docs/planner.md, section 5). Solver
settings and the MIP-start safeguards are in docs/planner.md, section 7.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np

from forceplan.plan.model import PhaseModel, PlanError, PlanInfeasible, Stage

#: HiGHS relative MIP gap per stage: small enough that "optimal" means optimal
#: to within a thousandth of a dollar per US$ million of cost.
MIP_REL_GAP = 1e-6
RANDOM_SEED = 0


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance (the first one per process prints a banner on fd 1)."""
    if not _BANNER_SHOWN[0]:
        _BANNER_SHOWN[0] = True
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no stdout at all
            return _configured(highspy.Highs())
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        return _configured(solver)
    return _configured(highspy.Highs())


_BANNER_SHOWN = [False]


def ensure_quiet_solver() -> None:
    """Build (and drop) the first HiGHS instance now, on this thread, with its banner hidden.

    Call before solving in other threads: hiding the banner redirects file
    descriptor 1 for the whole process while the first instance is built.
    """
    if not _BANNER_SHOWN[0]:
        _new_highs()


def _configured(solver: highspy.Highs) -> highspy.Highs:
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", RANDOM_SEED)
    solver.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    solver.setOptionValue("mip_abs_gap", 1e-7)
    return solver


#: Phase statuses, best first: every tier solved to optimality; a feasible plan
#: not proven optimal on every tier (time ran out); no plan at all (time ran
#: out before a feasible plan was found, or before the phase was started).
PHASE_STATUSES = ("optimal", "time_limit", "not_solved")


@dataclass
class PhaseSolution:
    model: PhaseModel
    values: np.ndarray
    status: str  # one of PHASE_STATUSES
    mip_gap: float
    stage_values: dict[str, float]

    @property
    def solved(self) -> bool:
        """Whether the phase has a plan (``values`` mean something)."""
        return self.status != "not_solved"


def _load(
    model: PhaseModel,
    solver: highspy.Highs | None = None,
    cols: tuple[int, int] | None = None,
    rows: tuple[int, int] | None = None,
) -> highspy.Highs:
    """Add columns ``cols`` and rows ``rows`` (index ranges; default all) to ``solver``."""
    solver = solver or _new_highs()
    first_col, end_col = cols or (0, model.num_cols)
    first_row, end_row = rows or (0, model.num_rows)
    n = end_col - first_col
    inf = highspy.kHighsInf
    lower = np.array(model.col_lower[first_col:end_col], dtype=np.float64)
    upper = np.array([min(u, inf) for u in model.col_upper[first_col:end_col]], dtype=np.float64)
    if n:
        solver.addVars(n, lower, upper)
    integer_cols = np.array(
        [i for i in range(first_col, end_col) if model.col_integer[i]], dtype=np.int32
    )
    if len(integer_cols):
        solver.changeColsIntegrality(
            len(integer_cols),
            integer_cols,
            np.full(len(integer_cols), highspy.HighsVarType.kInteger),
        )
    row_index = model.row_index[first_row:end_row]
    row_value = model.row_value[first_row:end_row]
    starts = np.zeros(len(row_index), dtype=np.int32)
    pos = 0
    for i, idx in enumerate(row_index):
        starts[i] = pos
        pos += len(idx)
    index = np.array([c for idx in row_index for c in idx], dtype=np.int32)
    value = np.array([v for vals in row_value for v in vals], dtype=np.float64)
    row_lower = np.array([max(lo, -inf) for lo in model.row_lower[first_row:end_row]])
    row_upper = np.array([min(up, inf) for up in model.row_upper[first_row:end_row]])
    if len(row_index):
        solver.addRows(len(row_index), row_lower, row_upper, len(index), starts, index, value)
    return solver


def _set_objective(solver: highspy.Highs, num_cols: int, coefficients: dict[int, float]) -> None:
    costs = np.zeros(num_cols, dtype=np.float64)
    for col, coef in coefficients.items():
        costs[col] = coef
    solver.changeColsCost(num_cols, np.arange(num_cols, dtype=np.int32), costs)


def solve_phase(
    model: PhaseModel,
    deadline: float,
    warm_start: bool = True,
    known: PhaseSolution | None = None,
) -> PhaseSolution:
    """Minimise each stage in turn, holding earlier stages at their optimum.

    With ``warm_start`` each stage starts from the previous stage's plan (it
    stays feasible: the earlier tiers are held at the values it has).

    ``known``: an optimal solution of a twin phase, whose model is this one
    up to the continuity tier. Its tier values are this model's optima for
    every stage it has (the same model, solved the same way), so those stages
    are not solved again: they are held at the twin's values exactly as a
    solve would hold them, and the twin's plan (feasible under every hold) is
    the start of the first stage it lacks.

    Raises :class:`PlanInfeasible` (without reasons) if the phase has no
    feasible plan; the caller diagnoses it.
    """
    run = StageRun(model, deadline, warm_start, known)
    stages = model.stages or [Stage("feasibility", {}, False)]
    run.solve(stages, last=stages[-1])
    return run.solution()


class StageRun:
    """The stages of one phase, solved in order on one HiGHS instance.

    :func:`solve_phase` solves them all at once. The planner solves the stages
    above continuity first (they do not depend on the previous phase, so it
    can do that for a later phase while the current one finishes) and the
    continuity stage, added by :func:`add_continuity` in between, with a
    second :meth:`solve` on the same instance: the same calls in the same
    order as one :func:`solve_phase`, so the same result.
    """

    def __init__(
        self,
        model: PhaseModel,
        deadline: float,
        warm_start: bool = True,
        known: PhaseSolution | None = None,
    ) -> None:
        self.model = model
        self.deadline = deadline
        self.warm_start = warm_start
        self.known = known
        self.values = np.zeros(0)
        self.status = "optimal"
        self.worst_gap = 0.0
        self.stage_values: dict[str, float] = {}
        self.stopped = False
        self.warm: np.ndarray | None = None
        # political goals: "untried", then "trial" while the next stage is solved
        # with every goal met (their shortfall columns fixed at 0), then "done"
        self.goal_state = "untried"
        self.goal_trial: tuple[list[Stage], list[Stage]] = ([], [])
        self.solver: highspy.Highs | None = None
        self.n = 0

    def solution(self) -> PhaseSolution:
        return PhaseSolution(
            self.model, self.values, self.status, self.worst_gap, self.stage_values
        )

    def solve(self, stages: list[Stage], last: Stage | None) -> None:
        """Minimise ``stages`` in turn.

        ``last`` is the phase's final stage, which is not held afterwards;
        None while stages are still to come.
        """
        model = self.model
        if model.num_cols == 0:  # nothing required in this phase
            self.stopped = True
            return
        if self.stopped or not stages:
            return
        if self.solver is None:
            core_cols = model.core_cols or model.num_cols
            core_rows = model.core_rows or model.num_rows
            self.solver = _load(model, cols=(0, core_cols), rows=(0, core_rows))
            self.n = core_cols
            self.values = np.zeros(core_cols)
        solver = self.solver
        known = self.known
        for index, stage in enumerate(stages):
            # Each stage starts from the previous plan (for the burden and
            # continuity stages, completed with their columns). HiGHS 1.16
            # sometimes mis-evaluates such a start after presolve; that is
            # detected below and the stage solved again without it.
            warm = self.warm
            start_from_warm = warm is not None
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0:
                self._out_of_time()
                return
            needed = max(stage.coefficients, default=-1)
            pending = [b for b in model.blocks if b.cols[0] >= self.n]
            while pending and needed >= self.n:
                # a deferred block (burden penalty, continuity) joins now, and the
                # previous plan, completed with it, is the starting solution
                block = pending.pop(0)
                _load(model, solver, cols=block.cols, rows=block.rows)
                self.n = block.cols[1]
                if warm is not None and len(warm) == block.cols[0]:
                    warm = self.warm = block.complete(warm)
            n = self.n
            if known is not None and stage is not last and stage.name in known.stage_values:
                achieved = known.stage_values[stage.name]
                self.stage_values[stage.name] = achieved
                if warm is None:
                    warm = self.warm = known.values[:n].copy()
                self.values = warm
                _hold(solver, stage, achieved)
                continue
            if stage.goal and self.goal_state == "trial":
                continue  # held at 0 by the trial (below)
            if stage.goal and self.goal_state == "untried" and self._try_goals(stages[index:]):
                continue
            if (
                warm is not None
                and len(warm) == n
                and stage is not last
                and _zero_sum_of_nonnegatives(model, stage, warm)
            ):
                # the plan in hand already scores 0 on a tier that cannot go below
                # 0: it is optimal for this tier, no solve needed
                cols = np.array(list(stage.coefficients), dtype=np.int32)
                solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
                self.values = warm
                self.stage_values[stage.name] = 0.0
                continue
            solver.setOptionValue("time_limit", max(remaining, 0.01))
            _set_objective(solver, n, stage.coefficients)
            if start_from_warm and warm is not None and len(warm) == n:
                start = highspy.HighsSolution()
                start.col_value = list(warm)
                start.value_valid = True
                solver.setSolution(start)
            solver.run()
            model_status = solver.getModelStatus()
            info = solver.getInfo()
            if model_status == highspy.HighsModelStatus.kInfeasible:
                if self.goal_state == "trial":
                    # the goals cannot all be met: solve their tiers, then go on
                    self._end_goal_trial()
                    self.solve(self.goal_trial[1], last)
                    return
                raise PlanInfeasible([])
            if model_status == highspy.HighsModelStatus.kUnbounded:
                raise PlanError(
                    f"phase {model.phase.id}: the model is unbounded in stage {stage.name}"
                )
            has_solution = info.primal_solution_status == 2
            if model_status == highspy.HighsModelStatus.kOptimal:
                pass
            elif (
                model_status
                in (
                    highspy.HighsModelStatus.kTimeLimit,
                    highspy.HighsModelStatus.kInterrupt,
                )
                and has_solution
            ):
                self.status = "time_limit"
            elif model_status == highspy.HighsModelStatus.kTimeLimit:
                # no plan for this stage: keep the previous stage's plan, which is
                # feasible, or, with none, report the phase as not solved
                self._out_of_time()
                return
            else:
                raise PlanError(
                    f"phase {model.phase.id}: the solver stopped with status "
                    f"'{solver.modelStatusToString(model_status)}' in stage {stage.name}"
                )
            values = np.array(solver.getSolution().col_value, dtype=np.float64)
            achieved = float(sum(values[c] * v for c, v in stage.coefficients.items()))
            reported = float(info.objective_function_value)
            if start_from_warm and abs(achieved - reported) > 1e-6 * max(1.0, abs(achieved)):
                # HiGHS 1.16 can mis-evaluate a MIP start after presolve and return
                # it as "optimal" with the wrong objective: solve again from scratch,
                # within what is left of the time limit.
                remaining = self.deadline - time.perf_counter()
                if remaining <= 0:
                    self._out_of_time()
                    return
                solver.setOptionValue("time_limit", remaining)
                solver.clearSolver()
                solver.run()
                model_status = solver.getModelStatus()
                info = solver.getInfo()
                if model_status != highspy.HighsModelStatus.kOptimal:
                    self.status = "time_limit"
                values = np.array(solver.getSolution().col_value, dtype=np.float64)
                achieved = float(sum(values[c] * v for c, v in stage.coefficients.items()))
            self.values = values
            if self.goal_state == "trial":
                self.goal_state = "done"  # a plan meets every goal: their tiers are 0
            gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else 0.0
            self.worst_gap = max(self.worst_gap, gap)
            self.stage_values[stage.name] = achieved + stage.offset
            if self.status != "optimal":
                self.stopped = True
                return
            if stage is not last and stage.coefficients:
                _hold(solver, stage, achieved)
                self.warm = values if self.warm_start else None

    def _try_goals(self, rest: list[Stage]) -> bool:
        """Start a trial of the political goals' tiers (``rest`` begins with them).

        Most plans can meet every goal, and then each goal tier's optimum is 0.
        Rather than solve those tiers, their shortfall columns are fixed at 0
        and the next tier is solved: if that has a plan, the goal tiers are
        optimal at 0 and held there (exactly as a solve would hold them); if it
        is infeasible, the trial ends and the goal tiers are solved in turn.
        So meeting every goal costs no solve. Returns False (no trial) when no
        other tier follows.
        """
        goals: list[Stage] = []
        for stage in rest:
            if not stage.goal:
                break
            goals.append(stage)
        if len(goals) == len(rest) or self.solver is None:
            return False
        cols = np.array([c for g in goals for c in g.coefficients], dtype=np.int32)
        self.solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
        for goal in goals:
            self.stage_values[goal.name] = 0.0
        self.goal_state = "trial"
        self.goal_trial = (goals, rest)
        return True

    def _end_goal_trial(self) -> None:
        """The goals could not all be met: free their columns and forget the trial's zeros."""
        goals = self.goal_trial[0]
        assert self.solver is not None
        cols = np.array([c for g in goals for c in g.coefficients], dtype=np.int32)
        upper = np.array([self.model.col_upper[c] for c in cols], dtype=np.float64)
        self.solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), upper)
        self.solver.clearSolver()
        for goal in goals:
            self.stage_values.pop(goal.name, None)
        self.goal_state = "done"

    def _out_of_time(self) -> None:
        """Stop: the plan of the stages solved so far stands, or none if none was."""
        if self.goal_state == "trial":  # the trial's zeros are no plan
            for goal in self.goal_trial[0]:
                self.stage_values.pop(goal.name, None)
        self.stopped = True
        self.worst_gap = math.inf
        self.status = "time_limit" if self.stage_values else "not_solved"


def _hold(solver: highspy.Highs, stage: Stage, achieved: float) -> None:
    """Hold ``stage`` at its optimum ``achieved`` while the next ones are minimised."""
    if not stage.coefficients:
        return
    cols = np.array(list(stage.coefficients), dtype=np.int32)
    coefs = np.array(list(stage.coefficients.values()), dtype=np.float64)
    if achieved <= 1e-9 and all(c > 0 for c in coefs):
        # a sum of non-negative columns at zero: fix them all at zero
        solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
    elif stage.integral:
        # the tier is a whole number on every plan: hold it at that number
        solver.addRow(-highspy.kHighsInf, float(round(achieved)), len(cols), cols, coefs)
    else:
        tolerance = max(1e-4, 1e-6 * abs(achieved))
        solver.addRow(-highspy.kHighsInf, achieved + tolerance, len(cols), cols, coefs)


def _zero_sum_of_nonnegatives(model: PhaseModel, stage: Stage, values: np.ndarray) -> bool:
    """Whether ``stage`` is a positive sum of columns bounded below by 0, all at 0 in ``values``."""
    return bool(stage.coefficients) and all(
        coef > 0 and model.col_lower[col] >= 0 and abs(values[col]) <= 1e-9
        for col, coef in stage.coefficients.items()
    )


def is_feasible(model: PhaseModel, time_limit: float = 10.0) -> bool | None:
    """Whether ``model`` has a feasible plan; None when ``time_limit`` ran out first."""
    solver = _load(model)
    solver.setOptionValue("time_limit", max(time_limit, 0.01))
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    if status == highspy.HighsModelStatus.kOptimal or solver.getInfo().primal_solution_status == 2:
        return True
    return None
