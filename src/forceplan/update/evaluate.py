"""The outcomes of many variants of one scenario, with plans and runs cached by content.

Every variant is simulated with the same seed and draws, so the random
streams (keyed by parameter name and nation code) are common to all of them:
differences between variants are paired draw by draw, not Monte Carlo noise.
A plan is cached under a hash of what the planner reads (the scenario without
its text, sources and simulation-only sections), so variants that differ only
in simulation settings share one plan (a plan not in memory is looked up in
the on-disk plan cache, :mod:`forceplan.plan.cache`, before it is solved);
a run is cached under a hash of what the model reads, so variants whose
differences the model ignores share one run. One cache can serve several
diffs (the steps of a timeline share their ends).

The work comes in groups (update/runs.py): one plan and the runs of every
variant that shares it. :meth:`Evaluator.prefetch` hands the groups of the
variants a diff will ask for to worker processes, one per core, and
:meth:`Evaluator.outcomes` takes each result as it is asked for (in the order
the diff asks, so results, errors and the cache's counts are those of a run
in turn). With one core, or ``workers=1``, groups run in this process; by
default the workers are used only when the machine has a core to spare
(:func:`default_workers`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from forceplan.plan import PlanError, PlanResult
from forceplan.scenario import Scenario
from forceplan.update.figures import plan_key, run_key
from forceplan.update.outcomes import OUTCOME_KEYS, SIMULATION_OUTCOMES, plan_outcomes
from forceplan.update.runs import Group, GroupResult, plan_variant, run_group


def default_workers() -> int:
    """Worker processes for a diff: one per core when a core is free (1-minute load
    average below the cores less one), else 1 (all in this process).

    On a saturated machine the workers only compete with everything else and
    with each other, and their start-up is not repaid (bench/bench_update.py
    measures both ways).
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return cores
    return cores if cores > 1 and load < cores - 1 else 1


class IncompletePlan(PlanError):
    """A plan with a phase left unsolved at the time limit: it cannot be simulated."""


@dataclass(frozen=True)
class RunSettings:
    draws: int = 10_000
    seed: int = 0
    months: int | None = None
    backstop: bool | None = None


@dataclass
class Cache:
    """Plans and runs by content hash, with hit counts (for the bench and the report)."""

    plans: dict[tuple[str, bool | None], PlanResult] = field(default_factory=dict)
    runs: dict[tuple[str, str, RunSettings], np.ndarray] = field(default_factory=dict)
    draws: dict[tuple[str, str, RunSettings], dict[str, np.ndarray]] = field(default_factory=dict)
    plan_solves: int = 0
    plan_hits: int = 0
    simulations: int = 0
    run_hits: int = 0


ProgressCallback = Callable[[int, int], None]
RunKey = tuple[str, str, RunSettings]


@dataclass
class _Pending:
    """A group handed to a worker (``future``), or to run here when asked (None)."""

    group: Group
    runs: list[RunKey]  # the run key of each of the group's variants
    future: Future[GroupResult] | None = None


class Evaluator:
    """Plans and simulates scenarios under one set of run settings, through a cache."""

    def __init__(
        self,
        settings: RunSettings,
        cache: Cache | None = None,
        *,
        plan_cache: bool = True,
        workers: int | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else Cache()
        self.plan_cache = plan_cache  # also look in the on-disk plan cache
        #: worker processes for prefetched groups (default: default_workers(); 1: none)
        self.workers = max(1, workers if workers is not None else default_workers())
        # id -> (scenario kept alive, plan key, run key): hashing a scenario is not free
        self._keys: dict[int, tuple[Scenario, str, str]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._pending: dict[tuple[str, bool | None], _Pending] = {}  # by plan
        self._staged: dict[RunKey, tuple[np.ndarray, dict[str, np.ndarray] | None]] = {}

    def close(self, wait: bool = True) -> None:
        """Stop the workers (groups not started are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(wait=kind is None)

    def keys(self, scenario: Scenario) -> tuple[str, str]:
        """(plan key, run key) of a scenario, computed once per scenario object."""
        found = self._keys.get(id(scenario))
        if found is None or found[0] is not scenario:
            found = (scenario, plan_key(scenario), run_key(scenario))
            self._keys[id(scenario)] = found
        return found[1], found[2]

    def _run_key(self, scenario: Scenario) -> RunKey:
        plan_id, run_id = self.keys(scenario)
        return run_id, plan_id, self.settings

    def _group(self, scenarios: Sequence[Scenario], keep: Sequence[bool],
               plan: PlanResult | None) -> Group:
        s = self.settings
        return Group(tuple(scenarios), tuple(keep), plan, s.backstop, self.plan_cache,
                     s.draws, s.seed, s.months)

    def prefetch(self, scenarios: Sequence[Scenario], keep: Sequence[bool] | None = None) -> None:
        """Start the plans and runs of these scenarios (not known yet) in worker processes.

        ``keep``: whether each one's per-draw outcomes will be asked for
        (``outcomes(keep_draws=True)``). Variants sharing a plan form one group.
        """
        keep = list(keep) if keep is not None else [False] * len(scenarios)
        groups: dict[tuple[str, bool | None], tuple[list[Scenario], list[bool], list[RunKey]]]
        groups = {}
        for scenario, kept in zip(scenarios, keep, strict=True):
            key = self._run_key(scenario)
            plan = (key[1], self.settings.backstop)
            known = key in self.cache.runs and (not kept or key in self.cache.draws)
            if known or key in self._staged or plan in self._pending:
                continue  # done, or its plan already on its way (then run here when asked)
            variants, flags, runs = groups.setdefault(plan, ([], [], []))
            if key not in runs:
                variants.append(scenario)
                flags.append(kept)
                runs.append(key)
        for plan, (variants, flags, runs) in groups.items():
            group = self._group(variants, flags, self.cache.plans.get(plan))
            self._pending[plan] = _Pending(group, runs)
        start = [p for p in self._pending.values() if p.future is None]
        if self.workers > 1 and (len(start) > 1 or self._pool is not None):
            if self._pool is None:
                from forceplan._processes import process_pool

                self._pool = process_pool(self.workers, ["forceplan.update.runs"])
            for pending in start:
                pending.future = self._pool.submit(run_group, pending.group)

    def _take(self, plan: tuple[str, bool | None], scenario: Scenario) -> GroupResult:
        """The plan's group result (from a worker, or run here); with none pending, the
        plan of ``scenario`` alone."""
        pending = self._pending.pop(plan, None)
        if pending is None:
            return plan_variant(scenario, self.settings.backstop, self.plan_cache)
        result = pending.future.result() if pending.future else run_group(pending.group)
        for key, means, draws in zip(pending.runs, result.means, result.draws, strict=False):
            self._staged[key] = (means, draws)
        return result

    def plan(self, scenario: Scenario) -> PlanResult:
        key = (self.keys(scenario)[0], self.settings.backstop)
        found = self.cache.plans.get(key)
        if found is not None:
            self.cache.plan_hits += 1
            return found
        result = self._take(key, scenario)
        if result.plan is None or result.error is not None:
            raise (IncompletePlan if result.incomplete else PlanError)(result.error)
        self.cache.plans[key] = result.plan
        if result.from_disk:
            self.cache.plan_hits += 1
        else:
            self.cache.plan_solves += 1
        return result.plan

    def outcomes(self, scenario: Scenario, keep_draws: bool = False) -> np.ndarray:
        """Every headline outcome (in OUTCOME_KEYS order) of one scenario."""
        result = self.plan(scenario)
        key = self._run_key(scenario)
        staged = self._staged.pop(key, None)
        means = self.cache.runs.get(key)
        if means is None or (keep_draws and key not in self.cache.draws):
            if staged is None or (keep_draws and staged[1] is None):
                done = run_group(self._group((scenario,), (keep_draws,), result))
                staged = done.means[0], done.draws[0]
            means, per_draw = staged
            self.cache.runs[key] = means
            if keep_draws and per_draw is not None:
                self.cache.draws[key] = per_draw
            self.cache.simulations += 1
        else:
            self.cache.run_hits += 1
        by_key = dict(zip(SIMULATION_OUTCOMES, means, strict=True)) | plan_outcomes(result)
        return np.array([by_key[o] for o in OUTCOME_KEYS], dtype=float)

    def per_draw(self, scenario: Scenario) -> dict[str, np.ndarray]:
        """Per-draw simulation outcomes (kept only for scenarios evaluated with keep_draws)."""
        self.outcomes(scenario, keep_draws=True)
        return self.cache.draws[self._run_key(scenario)]
