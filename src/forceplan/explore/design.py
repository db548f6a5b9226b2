"""The design of a run: settings, the outer (plan) design, the inner sample, and its chunks.

Two levels (docs/explore.md, "The plan design"):

* **outer**: the plan-stage figures are sampled at P points (``--plans``,
  default 64, at most the number of experiments); each point is planned once
  per lever combination, so a run makes P x (lever combinations) plans;
* **inner**: the simulation-stage dimensions, plus one column that picks the
  plan point (``floor(u * P)``), are sampled for every experiment. With LHS
  each plan point gets the same number of experiments.

Experiments are numbered in design order (``experiment``); they are evaluated
grouped by plan point, and the position in that order is the experiment's
``draw``: the index of its random streams in the simulation (the political
climate and each nation's exit propensity), shared by every lever combination
(common random numbers, so policies compare draw by draw). In a Sobol
(Saltelli) design the experiments of one base point share a draw (see _noise).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from pydantic import ValidationError

from forceplan.explore.errors import ExploreError
from forceplan.explore.levers import LEVER_UNITS, LeverSet, scenario_for
from forceplan.explore.sampling import (
    SAMPLERS,
    design_size,
    outer_design,
    quantile,
    unit_design,
)
from forceplan.explore.space import Dimension, Space
from forceplan.scenario import Scenario, scenario_hash
from forceplan.simulate.compare import OUTCOME_LABELS

#: experiments per lever combination a run may have
MAX_EXPERIMENTS = 100_000_000
MAX_PLANS = 4096
DEFAULT_PLANS = 64
DEFAULT_CHUNK = 8192

#: outcome column -> (long name, unit): the simulation's per-draw outcomes, the
#: no-force comparison (the same draw with no force on the ground and no backstop)
#: and, from the plan, the political goals it misses (the same for every draw)
OUTCOMES: dict[str, tuple[str, str]] = {
    **{k: OUTCOME_LABELS[k] for k in OUTCOME_LABELS},
    "p_offensive_no_force": ("P(renewed offensive by end) with no force", "probability"),
    "p_offensive_vs_no_force": (
        "P(renewed offensive by end) minus the same draw with no force", "probability"
    ),
    "plan_goals_missed": (
        "Political goals the plan misses (lead nations, flags on the ground), phase by phase",
        "goals",
    ),
}


#: inputs the model draws itself for each experiment (not from the design), recorded so that
#: discovery and sensitivity can use them: column -> (long name, unit)
DRAWN_INPUTS: dict[str, tuple[str, str]] = {
    "political_climate": (
        "The draw's shared political factor (standard normal; the lower, the sooner every "
        "nation leaves: docs/model.md, coalition fraying)",
        "standard deviations",
    ),
}


@dataclass(frozen=True)
class Settings:
    """What a user chooses for a run (all recorded in the manifest)."""

    experiments: int = 10_000
    sampler: str = "lhs"
    seed: int = 0
    plans: int = DEFAULT_PLANS
    only: tuple[str, ...] = ()
    fix: tuple[str, ...] = ()
    chunk_size: int = DEFAULT_CHUNK
    months: int | None = None

    def check(self) -> None:
        def whole(x: object) -> bool:
            return isinstance(x, int | np.integer) and not isinstance(x, bool)

        if not whole(self.experiments) or self.experiments < 1:
            raise ExploreError(
                "--experiments",
                f"the sample must have at least 1 experiment (got {self.experiments!r})",
            )
        if self.experiments > MAX_EXPERIMENTS:
            raise ExploreError("--experiments", f"at most {MAX_EXPERIMENTS:,} experiments")
        if self.sampler not in SAMPLERS:
            raise ExploreError(
                "--sampler", f"unknown sampler {self.sampler!r} (choose {', '.join(SAMPLERS)})"
            )
        if not whole(self.seed) or self.seed < 0:
            raise ExploreError(
                "--seed", f"must be a whole number of at least 0 (got {self.seed!r})"
            )
        if not whole(self.plans) or not 1 <= self.plans <= MAX_PLANS:
            raise ExploreError("--plans", f"must be between 1 and {MAX_PLANS} (got {self.plans!r})")
        if not whole(self.chunk_size) or self.chunk_size < 1:
            raise ExploreError("--chunk-size", f"must be at least 1 (got {self.chunk_size!r})")
        if self.months is not None and not (whole(self.months) and 1 <= self.months <= 240):
            raise ExploreError("--months", f"must be between 1 and 240 (got {self.months!r})")

    def to_json(self) -> dict[str, Any]:
        return {
            "experiments": self.experiments,
            "sampler": self.sampler,
            "seed": self.seed,
            "plans": self.plans,
            "only": list(self.only),
            "fix": list(self.fix),
            "chunk_size": self.chunk_size,
            "months": self.months,
        }


@dataclass(frozen=True)
class Spec:
    """Everything a worker needs to plan and evaluate any chunk: shipped once per worker."""

    key: str
    seed: int
    months: int | None
    bases: dict[str, Scenario]  # variant option -> scenario ("" without a variant lever)
    combos: tuple[dict[str, Any], ...]
    sim_dims: tuple[Dimension, ...]
    plan_dims: tuple[Dimension, ...]
    held_params: dict[str, float]
    held_figures: dict[str, float]
    outer: np.ndarray  # (P, plan dims) figure values of each plan point
    applies: dict[str, frozenset[str]]  # variant -> plan-stage figure paths it keeps

    def variant(self, policy: int) -> str:
        return str(self.combos[policy].get("variant", ""))

    def backstop(self, policy: int) -> bool | None:
        value = self.combos[policy].get("backstop")
        return None if value is None else bool(value)

    def figure_values(self, policy: int, point: int) -> dict[str, float]:
        keep = self.applies[self.variant(policy)]
        values = {p: v for p, v in self.held_figures.items() if p in keep}
        for j, dim in enumerate(self.plan_dims):
            if dim.target in keep:
                values[dim.target] = float(self.outer[point, j])
        return values

    def scenario(self, policy: int, point: int) -> Scenario:
        """The scenario of plan point ``point`` under lever combination ``policy``."""
        return scenario_for(
            self.bases[self.variant(policy)],
            self.combos[policy],
            self.figure_values(policy, point),
        )

    def plan_key(self, scenario: Scenario, policy: int) -> str:
        """Content hash of what the planner sees: the scenario and the backstop switch."""
        text = f"{scenario_hash(scenario)}:backstop={self.backstop(policy)}"
        return hashlib.sha256(text.encode()).hexdigest()[:24]

    def sim_values(self, units: np.ndarray) -> dict[str, np.ndarray]:
        """Simulation parameter -> per-experiment values, from unit-design columns."""
        n = units.shape[0]
        values = {d.target: quantile(d.distribution, units[:, j])
                  for j, d in enumerate(self.sim_dims)}
        for name, value in self.held_params.items():
            values[name] = np.full(n, value)
        return values


@dataclass(frozen=True)
class Chunk:
    """Draws ``start .. stop - 1`` of plan point ``point`` under lever combination ``policy``."""

    policy: int
    point: int
    start: int
    stop: int

    @property
    def id(self) -> str:
        return f"part-{self.policy:04d}-{self.start:09d}"

    @property
    def file(self) -> str:
        return f"chunks/{self.id}.parquet"

    @property
    def rows(self) -> int:
        return self.stop - self.start


@dataclass
class Design:
    settings: Settings
    space: Space
    levers: LeverSet
    spec: Spec
    units: np.ndarray  # (n, sim dims [+ 1]) inner unit design in design order
    point_of: np.ndarray  # (n,) plan point of each experiment
    order: np.ndarray  # (n,) experiment at each position of the evaluation order
    noise: np.ndarray  # (n,) draw number (random streams of the model) of each experiment
    chunks: list[Chunk] = field(default_factory=list)
    sha256: str = ""

    @property
    def experiments(self) -> int:
        return int(self.units.shape[0])

    @property
    def points(self) -> int:
        return int(self.spec.outer.shape[0])

    def lever_columns(self) -> dict[str, str]:
        return {name: LEVER_UNITS[name] for name in self.levers.options}


def _applies(base: Scenario, variant: Scenario, dims: tuple[Dimension, ...],
             held: dict[str, float]) -> frozenset[str]:
    """Plan-stage paths a variant keeps as the explored scenario has them (same range)."""
    mine = {p: f.range for p, f in base.sources_list()}
    theirs = {p: f.range for p, f in variant.sources_list()}
    paths = [d.target for d in dims] + list(held)
    return frozenset(p for p in paths if p in theirs and theirs[p] == mine.get(p))


def build_design(scenario: Scenario, space: Space, levers: LeverSet, settings: Settings,
                 version: str) -> Design:
    """The full, deterministic design of a run (raises ExploreError on an invalid point)."""
    settings.check()
    sim_dims, plan_dims = space.stage("simulation"), space.stage("plan")
    n_points = min(settings.plans, settings.experiments) if plan_dims else 1
    inner_dims = len(sim_dims) + (1 if n_points > 1 else 0)
    try:
        n = design_size(settings.sampler, settings.experiments, inner_dims)
    except ValueError as exc:
        raise ExploreError("--experiments", str(exc)) from None
    units = unit_design(settings.sampler, settings.experiments, inner_dims, settings.seed, "inner")
    outer_units = outer_design(settings.sampler, n_points, len(plan_dims), settings.seed, "outer")
    outer = np.column_stack(
        [quantile(d.distribution, outer_units[:, j]) for j, d in enumerate(plan_dims)]
    ) if plan_dims else np.zeros((n_points, 0))
    if n_points > 1:
        point_of = np.minimum((units[:, -1] * n_points).astype(np.int64), n_points - 1)
    else:
        point_of = np.zeros(n, dtype=np.int64)
    order = np.argsort(point_of, kind="stable")
    noise = _noise(settings.sampler, order, inner_dims)
    bases = dict(levers.variants) if levers.variants else {"": scenario}
    held_figures = space.held_figures()
    applies = {name: _applies(scenario, s, plan_dims, held_figures) for name, s in bases.items()}
    identity = {
        "version": version,
        "scenario": scenario_hash(scenario),
        "variants": {k: scenario_hash(s) for k, s in bases.items()},
        "settings": settings.to_json(),
        "levers": levers.to_json(),
        "dimensions": [d.to_json() for d in space.dimensions],
        "held": [h.to_json() for h in space.held],
    }
    digest = hashlib.sha256(json.dumps(identity, sort_keys=True).encode())
    for array in (units, outer, point_of):
        digest.update(np.ascontiguousarray(array).tobytes())
    spec = Spec(
        key=digest.hexdigest(),
        seed=settings.seed,
        months=settings.months,
        bases=bases,
        combos=tuple(levers.combinations()),
        sim_dims=sim_dims,
        plan_dims=plan_dims,
        held_params=space.held_params(),
        held_figures=held_figures,
        outer=outer,
        applies=applies,
    )
    design = Design(settings, space, levers, spec, units, point_of, order, noise,
                    sha256=spec.key)
    _check_points(design)
    design.chunks = _chunks(point_of, len(spec.combos), n_points, settings.chunk_size)
    return design


def _noise(sampler: str, order: np.ndarray, inner_dims: int) -> np.ndarray:
    """The draw number of each experiment: its random streams in the model.

    In evaluation order for LHS and MC (draw d is the d-th experiment
    evaluated). In a Saltelli design the d + 2 experiments built from one base
    point share one draw, so that the model's own randomness (which nations
    leave) cancels in the differences Sobol's estimators take, and is left as
    unexplained variance instead of inflating every total index.
    """
    if sampler == "sobol" and inner_dims > 0:
        return np.arange(order.size, dtype=np.int64) // (inner_dims + 2)
    noise = np.empty(order.size, dtype=np.int64)
    noise[order] = np.arange(order.size)
    return noise


def _check_points(design: Design) -> None:
    """Every plan point must give a valid scenario under every variant (ranges can clash)."""
    spec = design.spec
    firsts: dict[str, int] = {}
    for policy, combo in enumerate(spec.combos):
        firsts.setdefault(str(combo.get("variant", "")), policy)
    for variant, policy in firsts.items():
        for point in range(design.points):
            try:
                spec.scenario(policy, point)
            except ValidationError as exc:
                first = exc.errors(include_url=False)[0]
                where = ".".join(str(p) for p in first["loc"])
                raise ExploreError(
                    f"plan point {point}" + (f" (variant {variant})" if variant else ""),
                    f"the sampled figures make an invalid scenario: {where}: "
                    f"{first['msg'].removeprefix('Value error, ')}; narrow the "
                    "clashing ranges or hold one with --fix",
                ) from None


def _chunks(point_of: np.ndarray, policies: int, points: int, size: int) -> list[Chunk]:
    counts = np.bincount(point_of, minlength=points)
    starts = np.concatenate([[0], np.cumsum(counts)])
    out: list[Chunk] = []
    for policy in range(policies):
        for point in range(points):
            lo, hi = int(starts[point]), int(starts[point + 1])
            if hi == lo:
                continue
            pieces = -(-(hi - lo) // size)
            edges = np.linspace(lo, hi, pieces + 1).round().astype(int)
            out.extend(Chunk(policy, point, int(a), int(b))
                       for a, b in zip(edges[:-1], edges[1:], strict=True))
    return out
