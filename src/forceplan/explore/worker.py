"""What runs on a worker process: plan one plan point, evaluate one chunk of experiments.

Tasks carry keys, not payloads: the run's :class:`~forceplan.explore.design.Spec`
(scenarios, dimensions, outer design) and each plan are kept in this process's
cache the first time they arrive. A task that finds a key missing returns
:class:`Missing` and the runner sends it again with the payload, so each worker
receives the scenario and each plan once, whatever executor carries the tasks
(a local process pool, Dask, Ray or MPI).
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

from forceplan.explore.design import DRAWN_INPUTS, OUTCOMES, Chunk, Spec
from forceplan.scenario import Scenario
from forceplan.simulate.deterrence import default_offensive_hazard
from forceplan.simulate.engine import BLOCK, Tables, build_tables, evaluate, sample_draws
from forceplan.simulate.engine import OUTCOMES as SIM_OUTCOMES
from forceplan.simulate.inputs import ModelInputs, SimplePlan, compile_inputs
from forceplan.simulate.parameters import effective_uncertainties
from forceplan.simulate.threads import single_blas_thread

#: compiled plans kept per worker (each a few MB of tables)
COMPILED_CACHE = 8


class Missing(NamedTuple):
    """The task needs these payloads (``spec:<key>``, ``plan:<key>``) sent along."""

    keys: tuple[str, ...]


@dataclass(frozen=True)
class PlanJob:
    version: str
    spec_key: str
    policy: int
    point: int
    plan_key: str


@dataclass(frozen=True)
class PlanDone:
    plan_key: str
    status: str  # optimal, time_limit, infeasible
    message: str
    plan: dict[str, Any]
    seconds: float  # wall clock on the worker
    cpu_seconds: float = 0.0  # this worker's CPU time for the task
    cached: bool = False  # taken from the on-disk plan cache, not solved


@dataclass(frozen=True)
class ChunkJob:
    version: str
    spec_key: str
    plan_key: str
    chunk: Chunk
    experiments: np.ndarray  # (rows,) experiment id of each row
    draws: np.ndarray  # (rows,) draw number (the model's random streams) of each row
    units: np.ndarray  # (rows, simulation dims) unit-design values


@dataclass(frozen=True)
class ChunkDone:
    chunk_id: str
    table: pa.Table
    seconds: float  # wall clock on the worker
    cpu_seconds: float = 0.0  # this worker's CPU time (compiling the plan's model included)


@dataclass
class _Compiled:
    scenario: Scenario
    status: str
    inputs: ModelInputs | None
    tables: Tables | None
    no_force: tuple[ModelInputs, Tables]
    uncertainties: dict[str, Any]
    goals_missed: float = math.nan  # (phase, goal) pairs the plan misses; nan: no plan


_SPECS: dict[str, Spec] = {}
_PLANS: OrderedDict[str, dict[str, Any]] = OrderedDict()
_COMPILED: OrderedDict[str, _Compiled] = OrderedDict()
#: guards the caches when an executor runs tasks in threads of one process
_LOCK = threading.Lock()


def _version() -> str:
    from forceplan.simulate.engine import _version as v

    return v()


def receive(payloads: Mapping[str, Any] | None) -> None:
    """Keep payloads (``spec:<key>``, ``plan:<key>``) in this process's caches.

    Tasks call it with what they carry; an executor that can reach every worker
    (Dask's ``client.run``) calls it once per worker with the run's
    specification and each plan as it is made, so tasks never wait for them.
    """
    for key, value in (payloads or {}).items():
        kind, _, name = key.partition(":")
        if kind == "spec":
            with _LOCK:
                if name not in _SPECS:
                    _SPECS.clear()  # one run at a time per worker
                    _SPECS[name] = value
        elif kind == "plan":
            _remember_plan(name, value)


def _remember_plan(key: str, plan: dict[str, Any]) -> None:
    with _LOCK:
        _PLANS[key] = plan
        _PLANS.move_to_end(key)
        while len(_PLANS) > 256:
            _PLANS.popitem(last=False)


def _check_version(wanted: str) -> None:
    mine = _version()
    if mine != wanted:
        raise RuntimeError(
            f"this worker runs forceplan {mine}, the run was started with {wanted}: "
            "install the same version on every worker"
        )


def run_plan(job: PlanJob, payloads: Mapping[str, Any] | None = None) -> PlanDone | Missing:
    """Plan one plan point under one lever combination (PlanError -> status 'infeasible')."""
    from forceplan.explore.plancache import plan_payload

    _check_version(job.version)
    receive(payloads)
    spec = _SPECS.get(job.spec_key)
    if spec is None:
        return Missing((f"spec:{job.spec_key}",))
    started, cpu = time.perf_counter(), time.process_time()
    scenario = spec.scenario(job.policy, job.point)
    key = spec.plan_key(scenario, job.policy)
    if key != job.plan_key:
        raise RuntimeError(f"plan point {job.point}: content hash {key} != {job.plan_key}")
    payload, cached = plan_payload(scenario, spec.backstop(job.policy))
    status = str(payload.get("status") or payload["solver"]["status"])
    done = PlanDone(key, status, str(payload.get("message", "")), payload,
                    time.perf_counter() - started, time.process_time() - cpu, cached)
    _remember_plan(key, payload)
    return done


def plan_frames(payload: Mapping[str, Any]) -> SimplePlan:
    """The frames the simulation reads, from a stored plan (``PlanResult.to_dict``)."""
    return SimplePlan(
        allocations=pd.DataFrame(payload["allocations"]),
        shortfalls=pd.DataFrame(payload["shortfalls"]),
        phases=pd.DataFrame(payload["phases"]),
        backstop_enabled=bool(payload["backstop"]["enabled"]),
        status=str(payload["solver"]["status"]),
    )


_EMPTY = {"allocations": [], "shortfalls": [], "phases": [],
          "backstop": {"enabled": False}, "solver": {"status": "no force"}}


def _compile(spec: Spec, job: ChunkJob, payload: dict[str, Any]) -> _Compiled:
    scenario = spec.scenario(job.chunk.policy, job.chunk.point)
    months = spec.months
    # no force: nothing deployed, so nothing to re-plan when a nation leaves
    quiet = scenario.model_copy(
        update={"simulation": scenario.simulation.model_copy(update={"refill": False})}
    )
    nf_inputs = compile_inputs(quiet, plan_frames(_EMPTY), months)
    no_force = (nf_inputs, build_tables(nf_inputs))
    status = str(payload.get("status") or payload.get("solver", {}).get("status"))
    uncertainties = effective_uncertainties(scenario)
    if status == "infeasible":
        return _Compiled(scenario, status, None, None, no_force, uncertainties)
    inputs = compile_inputs(scenario, plan_frames(payload), months)
    missed = float(sum(1 for goal in payload.get("goals", []) if not goal["met"]))
    return _Compiled(
        scenario, status, inputs, build_tables(inputs), no_force, uncertainties, missed
    )


def run_chunk(job: ChunkJob, payloads: Mapping[str, Any] | None = None) -> ChunkDone | Missing:
    """Evaluate the chunk's experiments, vectorised in blocks; one row per experiment."""
    _check_version(job.version)
    receive(payloads)
    spec = _SPECS.get(job.spec_key)
    # the compiled model depends on the plan's content and the months simulated
    slot = f"{job.plan_key}:{spec.months if spec is not None else ''}"
    compiled = _COMPILED.get(slot)
    payload = _PLANS.get(job.plan_key)
    missing = [] if spec is not None else [f"spec:{job.spec_key}"]
    if compiled is None and payload is None:
        missing.append(f"plan:{job.plan_key}")
    if missing:
        return Missing(tuple(missing))
    assert spec is not None
    started, cpu = time.perf_counter(), time.process_time()
    if compiled is None:
        assert payload is not None
        compiled = _compile(spec, job, payload)
    with _LOCK:
        _COMPILED[slot] = compiled
        _COMPILED.move_to_end(slot)
        while len(_COMPILED) > COMPILED_CACHE:
            _COMPILED.popitem(last=False)
    values = spec.sim_values(job.units)
    with single_blas_thread():  # small products: extra BLAS threads only wait (threads.py)
        outcomes, drawn = _outcomes(spec, compiled, job, values)
    table = chunk_table(spec, job, compiled, {**values, **drawn}, outcomes)
    return ChunkDone(job.chunk.id, table, time.perf_counter() - started,
                     time.process_time() - cpu)


def _outcomes(
    spec: Spec, compiled: _Compiled, job: ChunkJob, values: Mapping[str, np.ndarray]
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Outcomes, and the inputs the model drew itself (DRAWN_INPUTS), per experiment."""
    chunk = job.chunk
    out = {name: np.full(chunk.rows, np.nan) for name in OUTCOMES}
    drawn = {name: np.full(chunk.rows, np.nan) for name in DRAWN_INPUTS}
    nf_inputs, nf_tables = compiled.no_force
    nf_unc = compiled.uncertainties
    for rows in _batches(job.draws):
        overrides = {k: v[rows] for k, v in values.items()}
        params, political, own = sample_draws(nf_inputs, nf_unc, spec.seed, job.draws[rows],
                                              overrides)
        drawn["political_climate"][rows] = political
        base = evaluate(nf_inputs, nf_tables, params, political, own, default_offensive_hazard)
        out["p_offensive_no_force"][rows] = base.outcomes["p_offensive_end"]
        if compiled.inputs is None or compiled.tables is None:
            continue
        res = evaluate(compiled.inputs, compiled.tables, params, political, own,
                       default_offensive_hazard)
        for name in SIM_OUTCOMES:
            out[name][rows] = res.outcomes[name]
    out["p_offensive_vs_no_force"] = out["p_offensive_end"] - out["p_offensive_no_force"]
    out["plan_goals_missed"][:] = compiled.goals_missed
    return out, drawn


def _batches(draws: np.ndarray) -> list[slice]:
    """Row slices of at most BLOCK rows whose draws lie in one block of the random streams.

    The streams are sampled a block (BLOCK draws) at a time, so a batch that
    straddles two blocks samples both: aligned, each block is sampled once.
    (Each draw's outcomes do not depend on its batch: the model is per draw.)
    """
    block = np.asarray(draws) // BLOCK
    cuts = np.flatnonzero(np.diff(block)) + 1
    edges = np.concatenate([[0], cuts, [block.size]])
    out: list[slice] = []
    for lo, hi in zip(edges[:-1], edges[1:], strict=True):
        out.extend(slice(int(a), int(min(a + BLOCK, hi))) for a in range(lo, hi, BLOCK))
    return out


def chunk_table(
    spec: Spec,
    job: ChunkJob,
    compiled: _Compiled,
    values: Mapping[str, np.ndarray],
    outcomes: Mapping[str, np.ndarray],
) -> pa.Table:
    """One row per experiment: indices, levers, plan, every input, every outcome."""
    from forceplan.explore.results import schema

    chunk = job.chunk
    n = chunk.rows
    combo = spec.combos[chunk.policy]
    columns: dict[str, Any] = {
        "experiment": job.experiments.astype(np.int64),
        "draw": job.draws.astype(np.int64),
        "policy": np.full(n, chunk.policy, dtype=np.int32),
    }
    for name, value in combo.items():
        columns[name] = [value] * n
    columns["plan_point"] = np.full(n, chunk.point, dtype=np.int32)
    columns["plan"] = [job.plan_key] * n
    columns["plan_status"] = [compiled.status] * n
    for dim in spec.sim_dims:
        columns[dim.name] = values[dim.target]
    for name in DRAWN_INPUTS:
        columns[name] = values[name]
    figures = dict(compiled.scenario.sources_list())
    for dim in spec.plan_dims:
        fig = figures.get(dim.target)
        columns[dim.name] = np.full(n, np.nan if fig is None else fig.value)
    for name in OUTCOMES:
        columns[name] = outcomes[name]
    return pa.table(columns, schema=schema(spec))
