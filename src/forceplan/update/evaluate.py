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
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np

from forceplan.plan import PlanError, PlanResult
from forceplan.plan.cache import cached_plan
from forceplan.scenario import Scenario
from forceplan.simulate import simulate_plan
from forceplan.update.figures import plan_key, run_key
from forceplan.update.outcomes import OUTCOME_KEYS, SIMULATION_OUTCOMES, plan_outcomes


def free_core() -> bool:
    """Whether the machine has a core to spare (1-minute load below the cores less one).

    Solving plans ahead in a thread pays only then: on a saturated machine the
    extra thread competes with everything else (bench/bench_update.py measures
    both).
    """
    cores = os.cpu_count() or 1
    try:
        load = os.getloadavg()[0]
    except OSError:  # not available on this platform
        return cores > 1
    return cores > 1 and load < cores - 1


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


class Evaluator:
    """Plans and simulates scenarios under one set of run settings, through a cache."""

    def __init__(
        self,
        settings: RunSettings,
        cache: Cache | None = None,
        *,
        plan_cache: bool = True,
        plan_ahead: bool | None = None,
    ) -> None:
        self.settings = settings
        self.cache = cache if cache is not None else Cache()
        self.plan_cache = plan_cache  # also look in the on-disk plan cache
        # id -> (scenario kept alive, plan key, run key): hashing a scenario is not free
        self._keys: dict[int, tuple[Scenario, str, str]] = {}
        # plans solved ahead in one background thread while earlier variants simulate
        if plan_ahead is None:
            plan_ahead = free_core()
        self._pool = ThreadPoolExecutor(max_workers=1) if plan_ahead else None
        self._pending: dict[tuple[str, bool | None], Future[tuple[PlanResult, bool]]] = {}

    def close(self) -> None:
        """Stop solving ahead (plans not started are dropped)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None
        self._pending.clear()

    def __enter__(self) -> Evaluator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def plan_ahead(self, scenarios: Sequence[Scenario]) -> None:
        """Start solving, in order, the plans of these scenarios not known yet.

        HiGHS releases the GIL, so on a machine with a free core the plans of
        the next variants are solved while this thread simulates earlier ones.
        """
        if self._pool is None:
            return
        for scenario in scenarios:
            key = (self.keys(scenario)[0], self.settings.backstop)
            if key not in self.cache.plans and key not in self._pending:
                self._pending[key] = self._pool.submit(self._solve, scenario)

    def keys(self, scenario: Scenario) -> tuple[str, str]:
        """(plan key, run key) of a scenario, computed once per scenario object."""
        found = self._keys.get(id(scenario))
        if found is None or found[0] is not scenario:
            found = (scenario, plan_key(scenario), run_key(scenario))
            self._keys[id(scenario)] = found
        return found[1], found[2]

    def plan(self, scenario: Scenario) -> PlanResult:
        key = (self.keys(scenario)[0], self.settings.backstop)
        found = self.cache.plans.get(key)
        if found is not None:
            self.cache.plan_hits += 1
            return found
        pending = self._pending.pop(key, None)
        result, from_disk = pending.result() if pending is not None else self._solve(scenario)
        if result.phases_not_solved:
            raise IncompletePlan(
                f"phase(s) {', '.join(result.phases_not_solved)} not solved within the "
                "planner's time limit"
            )
        self.cache.plans[key] = result
        if from_disk:
            self.cache.plan_hits += 1
        else:
            self.cache.plan_solves += 1
        return result

    def _solve(self, scenario: Scenario) -> tuple[PlanResult, bool]:
        return cached_plan(scenario, backstop=self.settings.backstop, use_cache=self.plan_cache)

    def outcomes(self, scenario: Scenario, keep_draws: bool = False) -> np.ndarray:
        """Every headline outcome (in OUTCOME_KEYS order) of one scenario."""
        result = self.plan(scenario)
        plan_id, run_id = self.keys(scenario)
        key = (run_id, plan_id, self.settings)
        means = self.cache.runs.get(key)
        if means is None or (keep_draws and key not in self.cache.draws):
            per_draw = self._simulate(scenario, result)
            means = np.array([_finite_mean(per_draw[o]) for o in SIMULATION_OUTCOMES])
            self.cache.runs[key] = means
            if keep_draws:
                self.cache.draws[key] = per_draw
            self.cache.simulations += 1
        else:
            self.cache.run_hits += 1
        by_key = dict(zip(SIMULATION_OUTCOMES, means, strict=True)) | plan_outcomes(result)
        return np.array([by_key[o] for o in OUTCOME_KEYS], dtype=float)

    def per_draw(self, scenario: Scenario) -> dict[str, np.ndarray]:
        """Per-draw simulation outcomes (kept only for scenarios evaluated with keep_draws)."""
        self.outcomes(scenario, keep_draws=True)
        plan_id, run_id = self.keys(scenario)
        return self.cache.draws[(run_id, plan_id, self.settings)]

    def _simulate(self, scenario: Scenario, result: PlanResult) -> dict[str, np.ndarray]:
        s = self.settings
        ds = simulate_plan(scenario, result, s.draws, s.seed, months=s.months, keep_draws=0)
        return {o: np.asarray(ds[f"outcome_{o}"].values, dtype=float) for o in SIMULATION_OUTCOMES}


def _finite_mean(x: np.ndarray) -> float:
    finite = x[np.isfinite(x)]
    return float(finite.mean()) if finite.size else float("nan")
