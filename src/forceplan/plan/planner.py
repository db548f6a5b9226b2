"""``plan(scenario)``: build, solve, diagnose and tabulate the allocation."""

from __future__ import annotations

import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace

import pandas as pd

from forceplan.plan.model import (
    ARMY_DOMAINS,
    CONSTRAINT_GROUPS,
    CONTINUITY_STAGE,
    PHASE_STATUSES,
    PhaseModel,
    PhaseSolution,
    PlanInfeasible,
    Requirement,
    Stage,
    StageRun,
    add_continuity,
    build_phase,
    deployable,
    ensure_quiet_solver,
    is_feasible,
    solve_phase,
    tied_up_personnel,
    units_whole,
)
from forceplan.plan.result import (
    ALLOCATION_COLUMNS,
    FLANK_COLUMNS,
    NATION_COLUMNS,
    PHASE_COLUMNS,
    SHORTFALL_COLUMNS,
    PlanResult,
)
from forceplan.scenario import Scenario, scenario_hash
from forceplan.scenario.model import Nation, Phase


def _forceplan_version() -> str:
    from forceplan._version import __version__

    return __version__


def plan(
    scenario: Scenario, *, backstop: bool | None = None, time_limit_s: float = 60.0
) -> PlanResult:
    """Allocate the coalition's units to the scenario's missions, phase by phase.

    ``backstop``: use the scenario's backstop (None: its ``backstop.enabled``).
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
    signatures: list[tuple[tuple[str, str, int], ...]] = []
    ahead: dict[int, Future[StageRun] | None] = {}
    try:
        for i, phase in enumerate(phases):
            model = build_phase(scenario, phase, backstop_enabled=backstop_enabled)
            signature = tuple(
                (r.mission.id, r.capability.id, r.required) for r in model.requirements
            )
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
        # Phases with the same requirements have the same model up to the
        # continuity tier, which depends on the previous phase's plan. A twin's
        # plan is reused when that tier is the same too (same previous plan: the
        # same model) or when the previous phase's plan *is* the twin's plan
        # (continuity 0, which nothing beats, on a plan optimal for every earlier
        # tier). Otherwise the phase is solved.
        # signature -> (previous phase's plan, own plan, solution) of each solved twin
        solved: dict[
            tuple[tuple[str, str, int], ...], list[tuple[Allocation, Allocation, PhaseSolution]]
        ] = {}
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
                    diagnose_infeasible(scenario, phase, model, backstop_enabled, deadline)
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
    notes: list[str] = [note for s in solutions for note in s.model.notes]
    changes = _changes(solutions, allocations)
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
        objective=_objective(solutions, changes),
        allocations=_allocations(scenario, solutions),
        shortfalls=_shortfalls(solutions),
        nations=_nations(scenario, solutions),
        flank=_flank(scenario, solutions),
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


Allocation = dict[tuple[str, str, str], int]


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
    """The coalition's units per (nation, capability, mission), units > 0 only."""
    out: Allocation = {}
    if not solution.solved:
        return out
    for key, col in solution.model.x.items():
        units = _units(solution, col)
        if units > 0:
            out[key] = units
    return out


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
) -> dict[str, dict[str, int]]:
    """Per phase after the first: units changed, added and withdrawn from the previous plan."""
    out: dict[str, dict[str, int]] = {}
    previous: Allocation | None = None
    for sol, current in zip(solutions, allocations, strict=True):
        if not sol.solved:
            previous = None
            continue
        if previous is not None:
            keys = set(current) | set(previous)
            added = sum(max(0, current.get(k, 0) - previous.get(k, 0)) for k in keys)
            withdrawn = sum(max(0, previous.get(k, 0) - current.get(k, 0)) for k in keys)
            out[sol.model.phase.id] = {
                "changed": added + withdrawn,
                "added": added,
                "withdrawn": withdrawn,
            }
        previous = current
    return out


# ---------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------


def _solved(solutions: list[PhaseSolution]) -> list[PhaseSolution]:
    """The phases with a plan: a phase not solved has no rows in any table."""
    return [s for s in solutions if s.solved]


def _units(solution: PhaseSolution, col: int | None) -> int:
    return 0 if col is None else int(round(float(solution.values[col])))


def _objective(
    solutions: list[PhaseSolution], changes: dict[str, dict[str, int]]
) -> dict[str, float]:
    """Each tier summed over phases: unit tiers in unit-months, money tiers in US$ m.

    Continuity counts changes between phases, not a stock held over months:
    ``continuity_units`` is the plain sum of units changed, not weighted.
    """
    out: dict[str, float] = {}
    for sol in solutions:
        months = sol.model.phase.months
        for name, value in sol.stage_values.items():
            if name == CONTINUITY_STAGE:
                continue
            if name.endswith("_usd_m"):
                key, weight = name.replace("annual_", ""), months / 12
            else:
                key, weight = name.removesuffix("_units") + "_unit_months", months
            out[key] = out.get(key, 0.0) + value * weight
    if changes:
        out[CONTINUITY_STAGE] = float(sum(c["changed"] for c in changes.values()))
    order = sorted(out, key=_tier_rank)
    return {k: round(out[k], 6) for k in order}


def _tier_rank(key: str) -> tuple[int, str]:
    prefixes = ["unmet", "backstop", "below_floor", "flank_drain", "burden", "cost", "continuity"]
    for i, prefix in enumerate(prefixes):
        if key.startswith(prefix):
            return i, key
    return len(prefixes), key


def _allocations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    mission_order = {m.id: i for i, m in enumerate(scenario.missions)}
    cap_order = {c.id: i for i, c in enumerate(scenario.capabilities)}
    nation_order = {n.iso: i for i, n in enumerate(scenario.nations)}
    for sol in _solved(solutions):
        for (iso, cap_id, mission_id), col in sol.model.x.items():
            units = _units(sol, col)
            if units <= 0:
                continue
            cap = scenario.capability(cap_id)
            rows.append(
                (
                    sol.model.phase.id,
                    mission_id,
                    cap_id,
                    iso,
                    units,
                    units * cap.personnel_per_unit.value,
                    units * cap.annual_cost_per_unit_usd_m.value,
                    (mission_order[mission_id], cap_order[cap_id], nation_order[iso]),
                )
            )
    phase_order = {p.id: i for i, p in enumerate(scenario.ordered_phases)}
    rows.sort(key=lambda r: (phase_order[r[0]], *r[-1]))
    frame = pd.DataFrame([r[:-1] for r in rows], columns=ALLOCATION_COLUMNS)
    return frame.astype({"units": "int64", "personnel": "float64", "annual_cost_usd_m": "float64"})


def _shortfalls(solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    for sol in _solved(solutions):
        model = sol.model
        for req in model.requirements:
            mission_id, cap_id = req.mission.id, req.capability.id
            coalition = sum(
                _units(sol, col)
                for (_, c, m), col in model.x.items()
                if c == cap_id and m == mission_id
            )
            if coalition >= req.required:
                continue
            backstop = _units(sol, model.backstop.get((cap_id, mission_id)))
            unmet = req.required - coalition - backstop
            rows.append(
                (model.phase.id, mission_id, cap_id, req.required, coalition, backstop, unmet)
            )
    frame = pd.DataFrame(rows, columns=SHORTFALL_COLUMNS)
    return frame.astype({c: "int64" for c in SHORTFALL_COLUMNS[3:]})


def _nations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    basis = scenario.constraints.burden_sharing.basis
    all_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations)
    rows = []
    for sol in _solved(solutions):
        deployed: dict[str, float] = {}
        tied: dict[str, float] = {}
        army_tied: dict[str, float] = {}
        cost: dict[str, float] = {}
        for (iso, cap_id, _), col in sol.model.x.items():
            units = _units(sol, col)
            if units <= 0:
                continue
            cap = scenario.capability(cap_id)
            people = units * cap.personnel_per_unit.value
            tied_people = tied_up_personnel(people, cap.rotation_ratio.value)
            deployed[iso] = deployed.get(iso, 0.0) + people
            tied[iso] = tied.get(iso, 0.0) + tied_people
            if cap.domain in ARMY_DOMAINS:
                army_tied[iso] = army_tied.get(iso, 0.0) + tied_people
            cost[iso] = cost.get(iso, 0.0) + units * cap.annual_cost_per_unit_usd_m.value
        total_cost = sum(cost.values())
        contributors_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations if n.iso in deployed)
        for nation in scenario.nations:
            iso = nation.iso
            gdp = nation.gdp_usd_bn.value
            if basis == "all":
                gdp_share = gdp / all_gdp
            else:
                gdp_share = gdp / contributors_gdp if iso in deployed else 0.0
            nation_cost = cost.get(iso, 0.0)
            rows.append(
                (
                    sol.model.phase.id,
                    iso,
                    deployed.get(iso, 0.0),
                    tied.get(iso, 0.0),
                    army_tied.get(iso, 0.0) / nation.army_personnel.value,
                    nation_cost,
                    nation_cost / (nation.defence_budget_usd_bn.value * 1000.0),
                    nation_cost / total_cost if total_cost > 0 else 0.0,
                    gdp_share,
                )
            )
    return pd.DataFrame(rows, columns=NATION_COLUMNS)


def _flank(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    for sol in _solved(solutions):
        for nation in scenario.nations:
            for k, com in enumerate(nation.commitments):
                drain = _units(sol, sol.model.drain.get((nation.iso, k)))
                held = com.units.value
                kept = held - drain
                rows.append(
                    (
                        sol.model.phase.id,
                        nation.iso,
                        com.name,
                        com.capability,
                        held,
                        kept,
                        drain,
                        com.floor.value,
                        kept < com.floor.value - 1e-9,
                    )
                )
    frame = pd.DataFrame(rows, columns=FLANK_COLUMNS)
    return frame.astype({"drain": "int64", "below_floor": "bool"})


# ---------------------------------------------------------------------------
# Explaining infeasibility
# ---------------------------------------------------------------------------


def _why_not(scenario: Scenario, nation: Nation, reqs: list[Requirement]) -> str:
    """Why ``nation`` has no unit it may send to any of ``reqs``, in words."""
    if not deployable(nation):
        return f"{nation.iso} is {nation.stance}"
    barred = [r for r in reqs if not scenario.allowed(nation, r.mission, r.capability)]
    if len(barred) == len(reqs):
        return f"{nation.iso}'s caveats ({', '.join(nation.caveats)}) bar it"
    allowed = [r for r in reqs if r not in barred]

    def held(cap_id: str) -> float:
        fig = nation.units.get(cap_id)
        return fig.value if fig is not None else 0.0

    lacking = [r.capability.id for r in allowed if held(r.capability.id) <= 0]
    if len(lacking) == len(allowed):
        return f"{nation.iso} has no {' or '.join(sorted(set(lacking)))} units"
    detail = ", ".join(
        f"{held(cap.id):g} {cap.id} at rotation ratio {cap.rotation_ratio.value:g}"
        for cap in {r.capability.id: r.capability for r in allowed}.values()
    )
    return (
        f"{nation.iso} holds too few units to keep one deployed after rotation and its "
        f"standing commitments ({detail})"
    )


def diagnose_infeasible(
    scenario: Scenario,
    phase: Phase,
    model: PhaseModel,
    backstop_enabled: bool,
    deadline: float | None = None,
) -> list[str]:
    """Explain, in words, which requirement or constraint makes ``phase`` infeasible.

    ``deadline`` (a ``time.perf_counter()`` value): the checks that solve a
    relaxed model stop there; a check time ran out on blames nothing.
    """
    reasons: list[str] = []
    where = f"phase '{phase.id}' (months {phase.start_month}-{phase.end_month})"
    constraints = scenario.constraints
    reqs = model.requirements

    needed_missions = {r.mission.id for r in reqs}
    for mission_id, leads in constraints.lead_nations.items():
        if mission_id not in needed_missions:
            continue
        if not any(m == mission_id and iso in leads for (iso, _, m), _c in model.x.items()):
            mission_reqs = [r for r in reqs if r.mission.id == mission_id]
            why = "; ".join(_why_not(scenario, scenario.nation(iso), mission_reqs) for iso in leads)
            reasons.append(
                f"{where}: mission '{mission_id}' must include one of its lead nations "
                f"({', '.join(leads)}; constraints.lead_nations) but none can send it a unit: {why}"
            )

    on_ground_reqs = [r for r in reqs if r.mission.on_ground]
    wanted = min(constraints.min_nations_on_ground, sum(r.required for r in on_ground_reqs))
    if wanted > 0:
        able = sorted({iso for (iso, _, m), _c in model.x.items() if scenario.mission(m).on_ground})
        if len(able) < wanted:
            unable = [n for n in scenario.nations if n.iso not in able]
            why = "; ".join(_why_not(scenario, n, on_ground_reqs) for n in unable)
            reasons.append(
                f"{where}: at least {wanted} nations must be on the ground "
                f"(constraints.min_nations_on_ground) but only {len(able)} can put a unit on an "
                f"on-ground mission ({', '.join(able) or 'none'}); the others cannot: {why}"
            )
    if reasons:
        return reasons

    present = _present_groups(scenario, model)
    culprits = []
    unchecked = []
    for group in present:
        left = 10.0 if deadline is None else deadline - time.perf_counter()
        feasible = None
        if left > 0:
            relaxed = build_phase(
                scenario, phase, backstop_enabled=backstop_enabled, disabled=frozenset({group})
            )
            feasible = is_feasible(relaxed, time_limit=min(left, 10.0))
        if feasible:
            culprits.append(group)
        elif feasible is None:
            unchecked.append(CONSTRAINT_GROUPS[group])
    if unchecked:
        reasons.append(
            f"{where}: no feasible plan; the time limit ran out before checking whether "
            f"{', '.join(unchecked)} is to blame"
        )
    if culprits:
        for group in culprits:
            reasons.append(
                f"{where}: {CONSTRAINT_GROUPS[group]} cannot be met together with the other "
                f"constraints; without it this phase has a plan"
            )
    elif not unchecked:
        reasons.append(
            f"{where}: no single constraint is to blame; together "
            f"{', '.join(CONSTRAINT_GROUPS[g] for g in present)} leave no feasible plan"
        )
    return reasons


def _present_groups(scenario: Scenario, model: PhaseModel) -> list[str]:
    names = set(model.row_names)
    present = []
    if "min_nations_on_ground" in names:
        present.append("min_flags")
    if any(n.startswith("lead_nation[") for n in names):
        present.append("lead_nations")
    if any(n.startswith("burden_") for n in names):
        present.append("burden_bound")
    if any(n.startswith("treaty[") for n in names):
        present.append("treaty_limits")
    if any(n.startswith("political_cap[") for n in names):
        present.append("political_caps")
    if scenario.constraints.flank_floor == "hard" and any(
        units_whole(c.units.value) > 0 for n in scenario.nations for c in n.commitments
    ):
        present.append("flank_floors")
    return present
