"""``plan_scenario(scenario)``: build, solve, diagnose and tabulate the allocation."""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pandas as pd

from forceplan.plan import tables
from forceplan.plan.build import build_phase
from forceplan.plan.build.continuity import add_continuity
from forceplan.plan.diagnose import diagnose_infeasible
from forceplan.plan.model import (
    CONTINUITY_STAGE,
    PhaseModel,
    PlanInfeasible,
    Stage,
)
from forceplan.plan.result import PHASE_COLUMNS, PlanResult
from forceplan.plan.solve import (
    PHASE_STATUSES,
    PhaseSolution,
    StageRun,
    ensure_quiet_solver,
    solve_phase,
)
from forceplan.scenario import Scenario, scenario_hash
from forceplan.scenario.model import Phase


def _forceplan_version() -> str:
    from forceplan._version import __version__

    return __version__


def plan_scenario(
    scenario: Scenario,
    *,
    backstop: bool | None = None,
    flank_floor: str | None = None,
    time_limit_s: float = 60.0,
    goals: str | None = None,
) -> PlanResult:
    """Allocate the coalition's units to the scenario's missions, phase by phase.

    ``backstop``: use the scenario's backstop (None: its ``backstop.enabled``).
    ``flank_floor``: "hard" or "soft" floors on standing commitments (None:
    the scenario's ``constraints.flank_floor``).
    ``goals``: "soft" or "hard" political goals (lead nations, minimum flags on
    the ground; None: the scenario's ``constraints.goals``). Soft goals are met
    whenever some plan meets them (their tier comes first) and otherwise
    reported, each with why, in the ``goals`` table; hard goals make a plan
    that cannot meet them infeasible.
    ``time_limit_s``: wall-clock budget for the whole plan. Each HiGHS call
    gets only what is left of it, no solve starts after it, and a phase that
    time ran out on keeps the best plan of the tiers solved so far (status
    ``"time_limit"``) or, with none, is reported as not solved (status
    ``"not_solved"``: no plan, no table rows). The result's ``status`` and
    ``mip_gap`` are the worst phase's. ``plan`` returns within
    ``time_limit_s`` plus :data:`TIME_LIMIT_MARGIN_S` (docs/planner.md, "Time
    limit"): HiGHS checks its clock between rounds of its own work, so its last
    call can end that much late on a large model.

    Raises :class:`PlanError` (a :class:`PlanInfeasible` when constraints
    conflict) with an explanation in words.
    """
    if not (isinstance(time_limit_s, int | float) and math.isfinite(time_limit_s)) or (
        time_limit_s <= 0
    ):
        raise ValueError(f"time_limit_s must be a positive number of seconds (got {time_limit_s})")
    if flank_floor not in (None, "hard", "soft"):
        raise ValueError(f"flank_floor must be 'hard' or 'soft' (got {flank_floor!r})")
    if goals not in (None, "soft", "hard"):
        raise ValueError(f"goals must be 'soft' or 'hard' (got {goals!r})")
    floor_mode = flank_floor or scenario.constraints.flank_floor
    goal_mode = goals or scenario.constraints.goals
    started = time.perf_counter()
    deadline = started + time_limit_s
    backstop_enabled = scenario.backstop is not None and (
        scenario.backstop.enabled if backstop is None else backstop
    )

    solutions: list[PhaseSolution] = []
    allocations: list[Allocation] = []  # each solution's, computed once
    # The first phase of each set of twins is solved in full. Its stages
    # above continuity do not depend on the previous phase's plan, so they
    # are solved ahead, in worker threads, while earlier phases finish; its
    # continuity stage runs here, in phase order, on the same HiGHS instance
    # (the same calls in the same order as a solve in one go, so the same
    # plan). HiGHS releases the GIL while it solves. Each phase's job starts
    # as soon as its model is built.
    ensure_quiet_solver()
    phases = scenario.ordered_phases
    pool = ThreadPoolExecutor(max_workers=SOLVE_THREADS) if len(phases) > 1 else None
    models: list[tuple[Phase, PhaseModel]] = []
    signatures: list[Signature] = []
    ahead: dict[int, Future[StageRun] | None] = {}
    try:
        for i, phase in enumerate(phases):
            model = build_phase(
                scenario,
                phase,
                backstop_enabled=backstop_enabled,
                flank_floor=floor_mode,
                goals=goal_mode,
            )
            signature = _signature(model)
            if signature not in signatures:
                # the first phase has no continuity stage: it is solved in full
                ahead[i] = (
                    None if pool is None else pool.submit(_solve_ahead, model, deadline, i == 0)
                )
            models.append((phase, model))
            signatures.append(signature)
    except BaseException:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        raise
    try:
        # Phases with the same requirements (and offers) have the same model up to the
        # continuity tier, which depends on the previous phase's plan. A twin's
        # plan is reused when that tier is the same too (same previous plan: the
        # same model) or when the previous phase's plan *is* the twin's plan
        # (continuity 0, which nothing beats, on a plan optimal for every earlier
        # tier). Otherwise the phase is solved.
        # signature -> (previous phase's plan, own plan, solution) of each solved twin
        solved: dict[Signature, list[tuple[Allocation, Allocation, PhaseSolution]]] = {}
        previous: Allocation | None = None
        for i, (phase, model) in enumerate(models):
            signature = signatures[i]
            reused = _reuse_twin(solved.get(signature, []), previous, model)
            if reused is not None:
                solutions.append(reused)
                previous = _allocation(reused)
                allocations.append(previous)
                continue
            try:
                if i in ahead:
                    job = ahead[i]
                    run = _solve_ahead(model, deadline, i == 0) if job is None else job.result()
                    if previous is not None:
                        add_continuity(model, previous)
                        run.solve(model.stages[-1:], last=model.stages[-1])
                    solution = run.solution()
                else:
                    if previous is not None:
                        add_continuity(model, previous)
                    # a twin solved against another previous plan still gives
                    # the optima of every tier above continuity: only
                    # continuity is solved
                    known = next(
                        (t for _, _, t in solved.get(signature, []) if t.status == "optimal"),
                        None,
                    )
                    solution = solve_phase(model, deadline, known=known)
            except PlanInfeasible:
                raise PlanInfeasible(
                    diagnose_infeasible(
                        scenario, phase, model, backstop_enabled, deadline, floor_mode, goal_mode
                    )
                ) from None
            allocation = _allocation(solution)
            solved.setdefault(signature, []).append((previous or {}, allocation, solution))
            solutions.append(solution)
            allocations.append(allocation)
            # continuity is measured against the previous phase's plan; a phase
            # not solved has none, so the next phase has no continuity tier
            previous = allocation if solution.solved else None
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    solve_seconds = time.perf_counter() - started

    status = max((s.status for s in solutions), key=PHASE_STATUSES.index, default="optimal")
    # a note about a nation's caps reads the same in every phase: say it once
    notes = list(dict.fromkeys(note for s in solutions for note in s.model.notes))
    changes = _changes(solutions, allocations)
    allocation_table = tables.allocations(scenario, solutions)
    return PlanResult(
        scenario_name=scenario.name,
        scenario_title=scenario.title,
        scenario_hash=scenario_hash(scenario),
        forceplan_version=_forceplan_version(),
        backstop_enabled=backstop_enabled,
        backstop_provider=scenario.backstop.provider if scenario.backstop else None,
        status=status,
        mip_gap=max((_phase_gap(s) for s in solutions), default=0.0),
        solve_seconds=solve_seconds,
        model_size={
            "rows": sum(s.model.num_rows for s in solutions),
            "columns": sum(s.model.num_cols for s in solutions),
            "integers": sum(s.model.num_integers for s in solutions),
            "phases": len(solutions),
        },
        objective=tables.objective(solutions, changes),
        allocations=allocation_table,
        cost_basis=tables.cost_basis(scenario, allocation_table),
        shortfalls=tables.shortfalls(solutions),
        nations=tables.nations(scenario, solutions),
        flank=tables.flank(scenario, solutions),
        offers=tables.offers(scenario, solutions),
        flags=tables.flags(scenario, solutions),
        goals=tables.goals(scenario, solutions),
        goal_mode=goal_mode,
        force=tables.force(scenario, solutions),
        flank_floor=floor_mode,
        phases=pd.DataFrame(
            [
                (p.id, p.start_month, p.end_month, p.months, s.status, _phase_gap(s))
                for p, s in zip(scenario.ordered_phases, solutions, strict=True)
            ],
            columns=PHASE_COLUMNS,
        ),
        notes=tuple(notes),
        units_changed=changes,
    )


#: Unit-equivalents (whole units + sub-units / per_unit) per (nation, capability, mission).
Allocation = dict[tuple[str, str, str], float]
#: What makes two phases' models the same up to continuity: requirements and standing offers.
Signature = tuple[tuple[tuple[str, str, int], ...], tuple[tuple[str, int], ...]]


def _signature(model: PhaseModel) -> Signature:
    lines = tuple((r.mission.id, r.capability.id, r.required) for r in model.requirements)
    return lines, model.standing_offers


#: Worker threads that solve phases' stages above continuity ahead of time.
SOLVE_THREADS = 2
#: How late :func:`plan` may return past its time limit (docs/planner.md):
#: HiGHS checks its clock only between rounds of its own work (a round of
#: root-node cuts ran 1.8 s past the limit on the 80-nation bench case on a
#: loaded 2-core machine); building the result tables takes the rest.
TIME_LIMIT_MARGIN_S = 3.0


def _phase_gap(solution: PhaseSolution) -> float:
    """The phase's MIP gap; infinite (unknown) for a phase not solved."""
    return solution.mip_gap if solution.solved else math.inf


def _solve_ahead(model: PhaseModel, deadline: float, complete: bool) -> StageRun:
    """Solve ``model``'s stages so far (``complete``: they are all, no continuity follows)."""
    run = StageRun(model, deadline)
    stages = model.stages or [Stage("feasibility", {}, False)]
    run.solve(stages, last=stages[-1] if complete else None)
    return run


def _allocation(solution: PhaseSolution) -> Allocation:
    """The coalition's unit-equivalents per (nation, capability, mission), > 0 only."""
    if not solution.solved:
        return {}
    return {key: sent.units for key, sent in tables.sent(solution).items() if sent.units > 0}


def _reuse_twin(
    twins: list[tuple[Allocation, Allocation, PhaseSolution]],
    previous: Allocation | None,
    model: PhaseModel,
) -> PhaseSolution | None:
    """A solved twin phase whose plan is optimal here too, with its tier values; else None.

    ``twins``: (previous phase's plan, own plan, solution) of each solved twin.
    Only a twin solved to optimality is reused: a time-limited twin's plan is
    not known to be optimal here, and a twin not solved has no plan.
    """
    if previous is None:
        return None
    for twin_previous, twin_allocation, twin in twins:
        if twin.status != "optimal":
            continue
        if twin_allocation == previous:
            values = {k: v for k, v in twin.stage_values.items() if k != CONTINUITY_STAGE}
            if twin.stage_values:
                values[CONTINUITY_STAGE] = 0.0
            return replace(twin, model=model, stage_values=values)
        if twin_previous == previous:
            return replace(twin, model=model)
    return None


def _changes(
    solutions: list[PhaseSolution], allocations: list[Allocation]
) -> dict[str, dict[str, float]]:
    """Per phase after the first: unit-equivalents changed, added and withdrawn from the
    previous plan."""
    out: dict[str, dict[str, float]] = {}
    previous: Allocation | None = None
    for sol, current in zip(solutions, allocations, strict=True):
        if not sol.solved:
            previous = None
            continue
        if previous is not None:
            keys = set(current) | set(previous)
            added = sum(max(0.0, current.get(k, 0.0) - previous.get(k, 0.0)) for k in keys)
            withdrawn = sum(max(0.0, previous.get(k, 0.0) - current.get(k, 0.0)) for k in keys)
            out[sol.model.phase.id] = {
                "changed": round(added + withdrawn, 6),
                "added": round(added, 6),
                "withdrawn": round(withdrawn, 6),
            }
        previous = current
    return out
