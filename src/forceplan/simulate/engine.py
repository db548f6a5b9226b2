"""The month-by-month Monte Carlo model, vectorised across draws and streamed in chunks.

Per chunk of draws (see docs/model.md for every equation):

1. sample every uncertainty and unit cost from its named stream (common random numbers);
2. draw each nation's exit month (fraying.exit_months) under its cost pressure;
3. re-plan the gaps departures leave (fraying.replan);
4. rotate every national contingent (tables, evaluate) -> on the ground, tied up;
5. cost and who pays (costs), training, Ukrainian and Russian forces (regeneration);
6. the offensive hazard and its parts (deterrence);
7. fold per-draw yearly values into streaming distributions; keep the first
   ``keep_draws`` draws' full trajectories (assemble.py builds the Dataset).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from forceplan.scenario import Scenario, Uncertainty
from forceplan.simulate.costs import sample_unit_costs
from forceplan.simulate.deterrence import HazardFunction, default_offensive_hazard
from forceplan.simulate.evaluate import ChunkResult, evaluate
from forceplan.simulate.inputs import ModelInputs, PlanLike, compile_inputs
from forceplan.simulate.parameters import BLOCK, effective_uncertainties, sample_block, stream
from forceplan.simulate.quantiles import Distribution
from forceplan.simulate.tables import Tables, build_tables
from forceplan.simulate.threads import single_blas_thread

MAX_DRAWS = 10_000_000
DETERRENCE_NOTE = (
    "The deterrence model and its parameters are assumptions, not facts: the probability of "
    "a renewed offensive shows how the options compare under a stated, simple model, not a "
    "forecast."
)

ProgressCallback = Callable[[int, int], None]

#: per-draw scalar outcomes kept for every draw (used by compare)
OUTCOMES = (
    "total_cost_usd_m",
    "un_paid_usd_m",
    "peak_budget_share_pct",
    "p_offensive_end",
    "p_offensive_24m",
    "trained_added_end",
    "deterrence_ratio_end",
    "russia_force_end",
    "coverage_mean",
    "nations_left",
    "deployed_personnel_mean",
    "tied_up_personnel_mean",
)

__all__ = [
    "DETERRENCE_NOTE",
    "MAX_DRAWS",
    "MAX_SEED",
    "OUTCOMES",
    "ChunkResult",
    "ProgressCallback",
    "Run",
    "Sampler",
    "Tables",
    "build_tables",
    "evaluate",
    "outcome_draws",
    "sample_chunk",
    "sample_draws",
    "simulate_plan",
    "start_run",
    "validate_run",
]


def _version() -> str:
    from forceplan._version import __version__

    return __version__


def sample_chunk(
    inputs: ModelInputs,
    uncertainties: Mapping[str, Uncertainty],
    seed: int,
    block: int,
    size: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Parameters (draws,), political factor (draws,) and own exit factors (draws, N).

    The parameters include every sampled unit cost (``unit_cost_<capability>``).
    """
    raw = sample_block(uncertainties, seed, block)
    raw.update(sample_unit_costs(inputs, seed, block))
    params = {k: v[:size] for k, v in raw.items()}
    political = stream(seed, "political-factor", block).standard_normal(BLOCK)[:size]
    own = np.stack(
        [
            stream(seed, f"exit/{iso}", block).standard_normal(BLOCK)[:size]
            for iso in inputs.nations
        ],
        axis=1,
    )
    return params, political, own


def sample_draws(
    inputs: ModelInputs,
    uncertainties: Mapping[str, Uncertainty],
    seed: int,
    draws: np.ndarray,
    overrides: Mapping[str, np.ndarray] | None = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """What :func:`sample_chunk` gives the draws numbered ``draws``, in a run of any size.

    ``draws`` (any whole numbers >= 0, repeats allowed) picks each draw's values
    from its block of the named streams, so draw ``i`` is the same here as in
    ``simulate_plan``. ``overrides`` (name -> one value per draw) replaces the
    sampled values of those parameters (or adds parameters); the random political
    and exit factors stay those of each draw. ``forceplan explore`` feeds its own
    designs into the model through it.
    """
    draws = np.asarray(draws, dtype=np.int64)
    if draws.ndim != 1 or draws.size == 0 or (draws < 0).any():
        raise ValueError("draws must be a non-empty list of draw numbers >= 0")
    blocks, where = np.unique(draws // BLOCK, return_inverse=True)
    offset = draws % BLOCK
    samples = [sample_chunk(inputs, uncertainties, seed, int(b), BLOCK) for b in blocks]
    params = {k: np.stack([p[k] for p, _, _ in samples])[where, offset] for k in samples[0][0]}
    for name, values in (overrides or {}).items():
        values = np.asarray(values, dtype=float)
        if values.shape != draws.shape:
            raise ValueError(f"override {name!r} has shape {values.shape}, expected {draws.shape}")
        params[name] = values
    political = np.stack([p for _, p, _ in samples])[where, offset]
    own = np.stack([o for _, _, o in samples])[where, offset]
    return params, political, own


#: The largest seed: the netCDF output records it as an unsigned 64-bit integer.
MAX_SEED = 2**64 - 1


def validate_run(draws: int, seed: int, months: int | None) -> None:
    """Raise ValueError with a clear message for out-of-range run settings."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a whole number of at least 1 (got {draws!r})")
    if draws > MAX_DRAWS:
        raise ValueError(f"draws must be at most {MAX_DRAWS:,} (got {draws:,})")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0 (got {seed!r})")
    if seed > MAX_SEED:  # netCDF stores the seed as an unsigned 64-bit integer
        raise ValueError(f"seed must be at most 2**64 - 1 = {MAX_SEED} (got {seed})")
    whole = isinstance(months, int | np.integer) and not isinstance(months, bool)
    if months is not None and (not whole or not 1 <= months <= 240):
        raise ValueError(f"months must be between 1 and 240 (got {months!r})")


@dataclass
class Run:
    """One simulation in progress: step it block by block, then build its Dataset.

    ``compare`` steps several runs in lockstep (same block, paired draws).
    """

    scenario: Scenario
    plan: PlanLike
    inputs: ModelInputs
    tables: Tables
    uncertainties: dict[str, Uncertainty]
    hazard: HazardFunction
    seed: int
    draws: int
    keep_total: int
    exact_limit: int
    done: int = 0
    dists: dict[str, Distribution] = field(default_factory=dict)
    outcome_parts: dict[str, list[np.ndarray]] = field(default_factory=dict)
    traj_parts: dict[str, list[np.ndarray]] = field(default_factory=dict)
    hazard_part_names: tuple[str, ...] = ()

    @property
    def blocks(self) -> int:
        return -(-self.draws // BLOCK)

    def step(self, want_parts: bool = False) -> ChunkResult:
        """Run the next block of draws and fold it into the summaries."""
        block = self.done // BLOCK
        size = min(BLOCK, self.draws - self.done)
        keep = max(min(self.keep_total - self.done, size), 0)
        params, political, own = sample_chunk(
            self.inputs, self.uncertainties, self.seed, block, size
        )
        res = evaluate(
            self.inputs, self.tables, params, political, own, self.hazard, keep, want_parts
        )
        for name, values in res.yearly.items():
            if name not in self.dists:
                self.dists[name] = Distribution(values.shape[1:], self.exact_limit, self.draws)
            self.dists[name].add(values)
        for name, values in res.outcomes.items():
            self.outcome_parts.setdefault(name, []).append(values)
        for name, values in res.trajectories.items():
            self.traj_parts.setdefault(name, []).append(values)
        self.hazard_part_names = res.hazard_part_names
        self.done += size
        return res

    def dataset(self) -> xr.Dataset:
        from forceplan.simulate.assemble import assemble

        return assemble(self)


def start_run(
    scenario: Scenario,
    plan: PlanLike,
    draws: int,
    seed: int,
    *,
    months: int | None = None,
    hazard: HazardFunction | None = None,
    keep_draws: int | None = None,
    exact_limit: int = 100_000,
) -> Run:
    """Compile a scenario and its plan into a :class:`Run` ready to step."""
    validate_run(draws, seed, months)
    inputs = compile_inputs(scenario, plan, months)
    return Run(
        scenario=scenario,
        plan=plan,
        inputs=inputs,
        tables=build_tables(inputs),
        uncertainties=effective_uncertainties(scenario),
        hazard=hazard or default_offensive_hazard,
        seed=seed,
        draws=draws,
        keep_total=min(draws, 1000 if keep_draws is None else max(int(keep_draws), 0)),
        exact_limit=exact_limit,
    )


def outcome_draws(
    scenario: Scenario,
    plan: PlanLike,
    draws: int,
    seed: int,
    *,
    months: int | None = None,
    sampler: Sampler | None = None,
) -> dict[str, np.ndarray]:
    """Every draw's :data:`OUTCOMES` of a run, without building its Dataset.

    The same numbers as ``simulate_plan(...)[f"outcome_{name}"]`` with the
    default hazard (the same blocks, the same streams), for callers that need
    only the per-draw outcomes of many variants (``forceplan diff``), skipping
    the yearly distributions and the Dataset. ``sampler`` (a :class:`Sampler`)
    shares the sampled streams between variants (common random numbers).
    """
    run = start_run(scenario, plan, draws, seed, months=months, keep_draws=0)
    sample = sampler.sample if sampler is not None else sample_chunk
    parts: dict[str, list[np.ndarray]] = {name: [] for name in OUTCOMES}
    with single_blas_thread():
        for block in range(run.blocks):
            size = min(BLOCK, draws - block * BLOCK)
            params, political, own = sample(run.inputs, run.uncertainties, seed, block, size)
            res = evaluate(run.inputs, run.tables, params, political, own, run.hazard)
            for name in OUTCOMES:
                parts[name].append(res.outcomes[name])
    return {name: np.concatenate(values) for name, values in parts.items()}


def _normals(seed: int, name: str, block: int) -> np.ndarray:
    return stream(seed, name, block).standard_normal(BLOCK)


class Sampler:
    """:func:`sample_chunk` with each named stream's block kept for the next variant.

    Variants of one scenario (the coalitions of a diff) mostly share their
    uncertainties, unit-cost ranges and nations, so their streams are the same
    arrays (common random numbers): each is sampled once. Entries are keyed by
    everything their values depend on; past ``max_entries`` the older half goes.
    """

    def __init__(self, max_entries: int = 20_000) -> None:
        self.max_entries = max_entries
        self._kept: dict[tuple[Any, ...], Any] = {}

    def _get(self, key: tuple[Any, ...], make: Callable[[], Any]) -> Any:
        if key not in self._kept:
            if len(self._kept) >= self.max_entries:
                for old in list(self._kept)[: len(self._kept) // 2]:
                    del self._kept[old]
            self._kept[key] = make()
        return self._kept[key]

    def sample(
        self,
        inputs: ModelInputs,
        uncertainties: Mapping[str, Uncertainty],
        seed: int,
        block: int,
        size: int,
    ) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
        """What ``sample_chunk(inputs, uncertainties, seed, block, size)`` gives."""
        raw: dict[str, np.ndarray] = {}
        for name, unc in uncertainties.items():
            key: tuple[Any, ...] = ("uncertainty", name, unc.model_dump_json(), seed, block)
            raw[name] = self._get(key, partial(sample_block, {name: unc}, seed, block))[name]
        costs = tuple(zip(inputs.capabilities, inputs.unit_cost_sampled, inputs.unit_cost_low,
                          inputs.annual_cost, inputs.unit_cost_high, strict=True))
        key = ("unit-cost", costs, float(inputs.unit_cost_correlation), seed, block)
        raw.update(self._get(key, partial(sample_unit_costs, inputs, seed, block)))
        political = self._get(("normal", "political-factor", seed, block),
                              partial(_normals, seed, "political-factor", block))
        own = [self._get(("normal", f"exit/{iso}", seed, block),
                         partial(_normals, seed, f"exit/{iso}", block)) for iso in inputs.nations]
        params = {k: v[:size] for k, v in raw.items()}
        return params, political[:size], np.stack([o[:size] for o in own], axis=1)


def simulate_plan(
    scenario: Scenario,
    plan: PlanLike,
    draws: int = 1000,
    seed: int = 0,
    *,
    months: int | None = None,
    hazard: HazardFunction | None = None,
    keep_draws: int | None = None,
    exact_limit: int = 100_000,
    progress: ProgressCallback | None = None,
) -> xr.Dataset:
    """Run the Monte Carlo model on a given plan.

    See :func:`forceplan.simulate.simulate_scenario`.
    """
    run = start_run(
        scenario, plan, draws, seed, months=months, hazard=hazard, keep_draws=keep_draws,
        exact_limit=exact_limit,
    )
    with single_blas_thread():  # small matrix products: extra BLAS threads only wait
        for _ in range(run.blocks):
            run.step()
            if progress is not None:
                progress(run.done, draws)
    return run.dataset()
