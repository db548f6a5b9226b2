"""One plan and the runs of every variant that shares it: the unit of work of a diff.

The coalitions of a diff that differ only in what the simulation reads share
a plan (update/figures.py keys plans by what the planner reads). A
:class:`Group` is such a plan with its variants: the plan is solved (or read
from the disk cache) once, and each variant's per-draw outcomes are computed
without building a Dataset (:func:`forceplan.simulate.engine.outcome_draws`),
drawing the random streams they share once (:class:`Sampler`). Groups are
independent, so the evaluator runs them in worker processes, one per core
(module-level functions and plain data, so that they pickle).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from forceplan.plan import PlanError, PlanResult
from forceplan.plan.cache import cached_plan
from forceplan.scenario import Scenario
from forceplan.simulate.engine import Sampler, outcome_draws
from forceplan.update.outcomes import SIMULATION_OUTCOMES


@dataclass(frozen=True)
class Group:
    """Variants sharing one plan, with what to compute for them."""

    scenarios: tuple[Scenario, ...]  # one per distinct run
    keep: tuple[bool, ...]  # whether to return each one's per-draw outcomes
    plan: PlanResult | None  # known already (None: solve it)
    backstop: bool | None
    use_cache: bool  # the on-disk plan cache
    draws: int
    seed: int
    months: int | None


@dataclass
class GroupResult:
    plan: PlanResult | None
    from_disk: bool = False
    solved: bool = False
    error: str | None = None  # the planner's message; None if it planned
    incomplete: bool = False  # a phase left unsolved at the time limit
    means: list[np.ndarray] = field(default_factory=list)  # per variant, SIMULATION_OUTCOMES
    draws: list[dict[str, np.ndarray] | None] = field(default_factory=list)
    cpu_seconds: float = 0.0  # this process's CPU time for the group


#: streams kept between the groups a worker process runs (common random numbers)
_SAMPLER = Sampler()


def run_group(group: Group) -> GroupResult:
    """Plan (once) and simulate every variant of ``group``; planner errors are returned."""
    cpu = time.process_time()
    out = (GroupResult(group.plan) if group.plan is not None
           else plan_variant(group.scenarios[0], group.backstop, group.use_cache))
    if out.plan is not None and out.error is None:
        for scenario, keep in zip(group.scenarios, group.keep, strict=True):
            per_draw = outcome_draws(scenario, out.plan, group.draws, group.seed,
                                     months=group.months, sampler=_SAMPLER)
            out.means.append(np.array([finite_mean(per_draw[o]) for o in SIMULATION_OUTCOMES]))
            out.draws.append(per_draw if keep else None)
    out.cpu_seconds = time.process_time() - cpu
    return out


def plan_variant(scenario: Scenario, backstop: bool | None, use_cache: bool) -> GroupResult:
    """The plan of one variant (from the disk cache when ``use_cache`` and it is there)."""
    try:
        result, from_disk = cached_plan(scenario, backstop=backstop, use_cache=use_cache)
    except PlanError as exc:  # as text: a PlanInfeasible does not survive pickling intact
        return GroupResult(None, error=str(exc))
    if result.phases_not_solved:
        message = (f"phase(s) {', '.join(result.phases_not_solved)} not solved within the "
                   "planner's time limit")
        return GroupResult(result, from_disk, not from_disk, message, incomplete=True)
    return GroupResult(result, from_disk, not from_disk)


def finite_mean(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(finite.mean()) if finite.size else float("nan")
