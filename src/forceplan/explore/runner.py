"""Run an exploration: plan the outer design, evaluate the chunks, stream them to disk.

The parent process builds the design, hands tasks to the executor, and writes
each finished plan and chunk atomically, recording it (with its SHA-256) in the
journal. ``resume`` checks that the directory holds this very design, verifies
every recorded file, sets corrupt ones aside (``*.corrupt``) and runs only what
is missing; since the design and every chunk's draws are fixed by the settings,
the finished directory is the same, row for row, as an uninterrupted run's.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import json
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Executor, Future, wait
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from forceplan.explore.design import (
    DRAWN_INPUTS,
    OUTCOMES,
    Chunk,
    Design,
    Settings,
    build_design,
)
from forceplan.explore.errors import ExploreError, ExploreInterrupted
from forceplan.explore.executors import Pool, check_workers, given_pool, local_pool
from forceplan.explore.levers import lever_set
from forceplan.explore.results import (
    FORMAT,
    JOURNAL,
    LOCK,
    MANIFEST,
    Journal,
    Results,
    exclusive,
    file_sha256,
    finished,
    open_results,
    read_manifest,
    write_chunk,
    write_json,
    write_plan,
)
from forceplan.explore.space import build_space
from forceplan.explore.worker import (
    ChunkDone,
    ChunkJob,
    Missing,
    PlanDone,
    PlanJob,
    run_chunk,
    run_plan,
)
from forceplan.scenario import Scenario, scenario_hash


def _version() -> str:
    try:
        return importlib.metadata.version("forceplan")
    except importlib.metadata.PackageNotFoundError:
        return "0.0.0+unknown"


class Progress(Protocol):
    """What a front end (the CLI's progress bar) is told as a run goes."""

    def start(self, design: Design, rows_done: int, plans_needed: int, plans_done: int) -> None:
        """The work is known: rows already done, plans to make."""

    def plan_done(self, seconds: float) -> None:
        """A plan finished."""

    def rows_done(self, rows: int) -> None:
        """A chunk of ``rows`` experiments finished."""


class _Silent:
    def start(self, design: Design, rows_done: int, plans_needed: int, plans_done: int) -> None:
        pass

    def plan_done(self, seconds: float) -> None:
        pass

    def rows_done(self, rows: int) -> None:
        pass


@dataclass
class RunReport:
    """What a run did, besides its results."""

    results: Results
    design: Design
    repaired: list[str] = field(default_factory=list)  # corrupt files set aside and redone
    pool: str = ""
    rows_run: int = 0
    plans_run: int = 0


def prepare(
    scenario: Scenario,
    settings: Settings,
    levers: str | Path | None = None,
) -> Design:
    """The design of a run, without running it (checks every name and setting)."""
    settings.check()
    lever_sets = lever_set(scenario, levers)
    space = build_space(scenario, settings.only, settings.fix, lever_sets.lever_paths())
    return build_design(scenario, space, lever_sets, settings, _version())


def manifest_for(design: Design, scenario: Scenario, scenario_ref: str) -> dict[str, Any]:
    spec = design.spec
    libraries: dict[str, str | None] = {}
    for lib in ("numpy", "scipy", "SALib", "pyarrow", "highspy"):
        try:
            libraries[lib] = importlib.metadata.version(lib)
        except importlib.metadata.PackageNotFoundError:
            libraries[lib] = None
    return {
        "format": FORMAT,
        "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "forceplan_version": _version(),
        "scenario": {"name": scenario.name, "hash": scenario_hash(scenario), "ref": scenario_ref},
        "variants": {k: scenario_hash(s) for k, s in spec.bases.items() if k},
        "settings": design.settings.to_json(),
        "experiments": design.experiments,
        "rows": design.experiments * len(spec.combos),
        "design_sha256": design.sha256,
        "levers": {**design.levers.to_json(), "combinations": list(spec.combos)},
        "dimensions": [d.to_json() for d in design.space.dimensions],
        "held": [h.to_json() for h in design.space.held],
        "drawn_inputs": [{"name": k, "long_name": v[0], "unit": v[1]}
                         for k, v in DRAWN_INPUTS.items()],
        "plan_design": {
            "points": design.points,
            "plans": design.points * len(spec.combos),
            "sampler": design.settings.sampler,
            "plan_stage_dimensions": len(spec.plan_dims),
            "note": "Plan-stage figures (read by the planner) are sampled at `points` outer "
            "design points, each planned once per lever combination; every experiment is "
            "paired with one point (the last inner-design column picks it) and varies the "
            "simulation-stage dimensions itself. See docs/explore.md.",
        },
        "outcomes": [{"name": k, "long_name": v[0], "unit": v[1]} for k, v in OUTCOMES.items()],
        "libraries": libraries,
        "chunks": [
            {"id": c.id, "file": c.file, "policy": c.policy, "plan_point": c.point,
             "draws": [c.start, c.stop]}
            for c in design.chunks
        ],
        "complete": False,
    }


_IDENTITY = (
    ("forceplan_version", "forceplan version"),
    ("scenario.hash", "scenario hash"),
    ("variants", "variant scenario hashes"),
    ("levers.options", "levers"),
    ("settings.sampler", "--sampler"),
    ("settings.seed", "--seed"),
    ("settings.experiments", "--experiments"),
    ("settings.plans", "--plans"),
    ("settings.only", "--only"),
    ("settings.fix", "--fix"),
    ("settings.chunk_size", "--chunk-size"),
    ("settings.months", "--months"),
    ("design_sha256", "design (the sampler gave other points: library versions differ?)"),
)


def _get(data: dict[str, Any], dotted: str) -> Any:
    node: Any = data
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def check_same_run(directory: Path, theirs: dict[str, Any], mine: dict[str, Any]) -> None:
    """Refuse to mix results: name what differs between DIR's run and this one."""
    for key, label in _IDENTITY:
        a, b = _get(theirs, key), _get(mine, key)
        if a != b:
            if key == "scenario.hash":
                a = f"{a} ({theirs['scenario']['name']}, {theirs['scenario'].get('ref')})"
                b = f"{b} ({mine['scenario']['name']}, {mine['scenario'].get('ref')})"
            raise ExploreError(
                str(directory),
                f"holds the results of another run: its {label} is {a}, this run's is {b}; "
                "refusing to mix them (use another --out, or the same settings)",
            )


def _open_directory(directory: Path, manifest: dict[str, Any], resume: bool) -> dict[str, Any]:
    """Create DIR for a new run, or check it holds this run; return the manifest to use."""
    existing = directory / MANIFEST
    if existing.exists():
        theirs = read_manifest(directory)
        if not resume:
            raise ExploreError(
                str(directory),
                "already holds explore results; add --resume to finish them, or choose "
                "another --out (nothing was overwritten)",
            )
        check_same_run(directory, theirs, manifest)
        for folder in ("chunks", "plans"):  # files a killed run was still writing
            for tmp in (directory / folder).glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        return theirs
    if directory.exists() and any(p.name != LOCK for p in directory.iterdir()):
        raise ExploreError(str(directory), "is not empty and holds no explore results; "
                           "choose an empty or new directory")
    directory.mkdir(parents=True, exist_ok=True)
    write_json(directory / MANIFEST, manifest)
    return manifest


def _verify(directory: Path, done: dict[str, dict[str, Any]], report: RunReport) -> None:
    """Drop finished items whose file is missing or fails its checksum (set corrupt ones aside)."""
    for item, entry in list(done.items()):
        path = directory / str(entry["file"])
        if not path.exists():
            del done[item]
            continue
        if file_sha256(path) != entry["sha256"]:
            aside = path.with_name(path.name + ".corrupt")
            path.replace(aside)
            report.repaired.append(str(entry["file"]))
            del done[item]


@dataclass
class _Task:
    kind: str  # "plan" or "chunk"
    job: PlanJob | ChunkJob
    payloads: dict[str, Any] = field(default_factory=dict)


class _Run:
    """The scheduling loop of one run (parent side)."""

    def __init__(self, design: Design, directory: Path, pool: Pool,
                 done: dict[str, dict[str, Any]], progress: Progress, report: RunReport) -> None:
        self.design, self.dir, self.pool, self.done = design, directory, pool, done
        self.progress, self.report = progress, report
        self.journal = Journal(directory)
        self.version = _version()
        self.spec = design.spec
        self.shipped: dict[str, int] = {}
        self.plans: dict[str, dict[str, Any]] = {}  # key -> payload, for shipping
        self.waiting: dict[str, list[Chunk]] = {}  # plan key -> chunks waiting for it
        self.ready: deque[Chunk] = deque()
        self.keys: dict[tuple[int, int], str] = {}
        self.limit = max(2 * pool.workers, 2)

    # -- work lists ---------------------------------------------------------
    def todo(self) -> list[Chunk]:
        return [c for c in self.design.chunks if f"chunk:{c.id}" not in self.done]

    def plan_key(self, chunk: Chunk) -> str:
        slot = (chunk.policy, chunk.point)
        if slot not in self.keys:
            scenario = self.spec.scenario(chunk.policy, chunk.point)
            self.keys[slot] = self.spec.plan_key(scenario, chunk.policy)
        return self.keys[slot]

    def payload(self, key: str) -> Any:
        kind, _, name = key.partition(":")
        if kind == "spec":
            return self.spec
        if name not in self.plans:
            entry = self.done[key]
            self.plans[name] = json.loads((self.dir / entry["file"]).read_text())
        return self.plans[name]

    def broadcast(self, payloads: dict[str, Any]) -> None:
        """Hand payloads to every worker now, when the executor can (Dask)."""
        if self.pool.broadcast is not None:
            self.pool.broadcast(payloads)
            for key in payloads:
                self.shipped[key] = max(self.shipped.get(key, 0), self.pool.workers)

    def submit(self, executor: Executor, task: _Task,
               in_flight: dict[Future[Any], _Task]) -> None:
        spec_key = f"spec:{self.spec.key}"
        if self.shipped.get(spec_key, 0) < self.pool.workers:
            task.payloads.setdefault(spec_key, self.spec)
        for key in task.payloads:
            self.shipped[key] = self.shipped.get(key, 0) + 1
        fn: Callable[..., Any] = run_plan if task.kind == "plan" else run_chunk
        in_flight[executor.submit(fn, task.job, task.payloads or None)] = task

    def chunk_task(self, chunk: Chunk) -> _Task:
        rows = self.design.order[chunk.start:chunk.stop]
        n_sim = len(self.spec.sim_dims)
        job = ChunkJob(self.version, self.spec.key, self.plan_key(chunk), chunk, rows,
                       self.design.noise[rows], self.design.units[rows, :n_sim])
        return _Task("chunk", job)

    # -- the loop -----------------------------------------------------------
    def run(self) -> None:
        todo = self.todo()
        plan_queue: deque[tuple[str, Chunk]] = deque()
        needed: set[str] = set()
        for chunk in todo:
            key = self.plan_key(chunk)
            if f"plan:{key}" in self.done:
                self.ready.append(chunk)
                continue
            if key not in self.waiting:
                plan_queue.append((key, chunk))
            self.waiting.setdefault(key, []).append(chunk)
            needed.add(key)
        rows_done = sum(c.rows for c in self.design.chunks) - sum(c.rows for c in todo)
        self.progress.start(self.design, rows_done, len(needed), 0)
        if self.pool.broadcast is not None:  # the spec, and the plans a resumed run has
            ready = dict.fromkeys(f"plan:{self.plan_key(c)}" for c in self.ready)
            self.broadcast({f"spec:{self.spec.key}": self.spec,
                            **{key: self.payload(key) for key in ready}})
        in_flight: dict[Future[Any], _Task] = {}
        executor = self.pool.executor
        while self.ready or plan_queue or in_flight:
            while len(in_flight) < self.limit and (self.ready or plan_queue):
                if self.ready:
                    self.submit(executor, self.chunk_task(self.ready.popleft()), in_flight)
                else:
                    key, chunk = plan_queue.popleft()
                    job = PlanJob(self.version, self.spec.key, chunk.policy, chunk.point, key)
                    self.submit(executor, _Task("plan", job), in_flight)
            finished_now, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for future in finished_now:
                task = in_flight.pop(future)
                self.collect(executor, task, future.result(), in_flight)

    def collect(self, executor: Executor, task: _Task, result: Any,
                in_flight: dict[Future[Any], _Task]) -> None:
        if isinstance(result, Missing):
            payloads = {key: self.payload(key) for key in result.keys}
            self.submit(executor, _Task(task.kind, task.job, payloads), in_flight)
        elif isinstance(result, PlanDone):
            sha = write_plan(self.dir, result.plan_key, result.plan)
            item = f"plan:{result.plan_key}"
            entry: dict[str, Any] = {"item": item, "file": f"plans/{result.plan_key}.json",
                                     "sha256": sha, "status": result.status,
                                     "cached": result.cached, **_times(result)}
            self.journal.append(entry)
            self.done[item] = entry
            self.plans[result.plan_key] = result.plan
            if result.plan_key in self.waiting:  # chunks will need it, on any worker
                self.broadcast({item: result.plan})
            self.report.plans_run += 1
            self.ready.extend(self.waiting.pop(result.plan_key, []))
            self.progress.plan_done(result.seconds)
        elif isinstance(result, ChunkDone):
            chunk = task.job.chunk  # type: ignore[union-attr]
            if result.table.num_rows != chunk.rows:
                raise RuntimeError(f"chunk {chunk.id}: {result.table.num_rows} rows, "
                                   f"expected {chunk.rows}")
            sha = write_chunk(self.dir, chunk.file, result.table)
            item = f"chunk:{chunk.id}"
            entry = {"item": item, "file": chunk.file, "sha256": sha, "rows": chunk.rows,
                     **_times(result)}
            self.journal.append(entry)
            self.done[item] = entry
            self.report.rows_run += chunk.rows
            self.progress.rows_done(chunk.rows)


def _times(done: PlanDone | ChunkDone) -> dict[str, float]:
    """A task's wall and CPU seconds on its worker, for the journal (the plan/simulation split)."""
    return {"seconds": round(done.seconds, 4), "cpu_seconds": round(done.cpu_seconds, 4)}


def explore(
    scenario: Scenario,
    out: str | Path,
    settings: Settings | None = None,
    *,
    levers: str | Path | None = None,
    executor: Executor | None = None,
    workers: int | None = None,
    pool: Pool | None = None,
    resume: bool = False,
    progress: Progress | None = None,
    scenario_ref: str = "",
) -> RunReport:
    """Run (or finish, with ``resume``) an exploration into directory ``out``.

    ``executor``: any ``concurrent.futures`` executor (default: a local process
    pool with ``workers`` processes, one per core). Returns a :class:`RunReport`
    whose ``results`` opens the directory lazily. Raises :class:`ExploreError`
    for bad input (nothing is run or overwritten) and :class:`ExploreInterrupted`
    if a worker fails or the run is interrupted (finished chunks are kept).
    """
    settings = settings or Settings()
    if workers is not None:
        check_workers(workers)  # before anything is written
    design = prepare(scenario, settings, levers)
    directory = Path(out)
    with ExitStack() as held:
        try:
            held.enter_context(exclusive(directory))
        except ExploreError:  # another run writes there: the caller's pool goes unused
            if pool is not None:
                pool.close()
            raise
        return _explore(design, scenario, directory, scenario_ref, resume, pool, executor,
                        workers, progress)


def _explore(design: Design, scenario: Scenario, directory: Path, scenario_ref: str,
             resume: bool, pool: Pool | None, executor: Executor | None, workers: int | None,
             progress: Progress | None) -> RunReport:
    manifest = _open_directory(directory, manifest_for(design, scenario, scenario_ref), resume)
    report = RunReport(open_results(directory), design)
    done = finished(directory, manifest)
    _verify(directory, done, report)
    if pool is None:
        pool = given_pool(executor, workers) if executor is not None else local_pool(workers)
    report.pool = pool.describe
    runner = _Run(design, directory, pool, done, progress or _Silent(), report)
    try:
        if runner.todo():
            runner.run()
    except BrokenProcessPool as exc:
        raise ExploreInterrupted(
            f"a worker process died ({exc}); finished chunks are kept: rerun with --resume"
        ) from None
    except (KeyboardInterrupt, ExploreError):
        raise
    except Exception as exc:
        raise ExploreInterrupted(
            f"a task failed: {exc.__class__.__name__}: {exc}; finished chunks are kept"
        ) from exc
    finally:
        pool.close()
    _finish(directory, manifest, done)
    report.results = open_results(directory)
    return report


def _finish(directory: Path, manifest: dict[str, Any], done: dict[str, dict[str, Any]]) -> None:
    """Fold the journal into the manifest (atomically), then drop the journal."""
    manifest = dict(manifest)
    manifest["finished"] = dict(sorted(done.items()))
    manifest["complete"] = True
    manifest["completed"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    write_json(directory / MANIFEST, manifest)
    (directory / JOURNAL).unlink(missing_ok=True)
