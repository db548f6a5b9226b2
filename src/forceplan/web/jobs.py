"""Runs started from the browser, computed outside the request in worker processes.

:meth:`Runner.submit` records the run in the store as ``running`` (so it has
an id at once, and a page reload finds it) and hands it to a process pool.
The worker opens the store itself, reproduces the run from what was stored
(:func:`forceplan.store.reproduce.rerun`: the same plan, simulation or
comparison the CLI runs, with the stored scenarios and options), and stores
its results and marks it finished in one transaction. Progress (the stage,
draws done) comes back over a queue into :attr:`Runner.progress`, which the
event stream reads. A worker that fails marks its run failed; one that dies
is noticed by the pool, and its run is marked failed here.
"""

from __future__ import annotations

import contextlib
import functools
import multiprocessing
import os
import queue
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.store import Store

#: the worker's progress queue (set in each worker process by _init_worker)
_QUEUE: Any = None


@dataclass
class Progress:
    """Where a run is: its stage, and for a simulation the draws done of all."""

    stage: str = "queued"
    done: int = 0
    total: int = 0
    updated: float = field(default_factory=time.time)

    def to_dict(self) -> dict[str, Any]:
        return {"stage": self.stage, "done": self.done, "total": self.total}


class Runner:
    """A pool of worker processes computing runs, and what each is doing."""

    def __init__(self, store: Store, workers: int = 1) -> None:
        self.store = store
        self.workers = max(1, workers)
        self.progress: dict[int, Progress] = {}
        self._lock = threading.Lock()
        self._context = multiprocessing.get_context("spawn")
        self._queue: Any = self._context.Queue()
        self._pool: ProcessPoolExecutor | None = None
        self._futures: dict[int, Future[str | None]] = {}
        self._closed = False
        self._reader = threading.Thread(target=self._read_progress, name="forceplan-progress",
                                        daemon=True)
        self._reader.start()

    def _executor(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    self.workers, mp_context=self._context, initializer=_init_worker,
                    initargs=(self._queue,),
                )
            return self._pool

    def submit(
        self,
        kind: str,
        scenarios: list[tuple[str, Scenario]],
        options: dict[str, Any],
        seed: int | None = None,
    ) -> int:
        """Record the run as running and queue it; its id."""
        run_id = self.store.start_run(kind, scenarios, options, seed=seed)
        self.progress[run_id] = Progress(total=int(options.get("draws") or 0)
                                         * max(1, len(scenarios) if kind == "compare" else 1))
        try:
            future = self._executor().submit(
                execute, self.store.url, str(self.store.files), run_id
            )
        except BrokenProcessPool:
            self._reset()
            future = self._executor().submit(
                execute, self.store.url, str(self.store.files), run_id
            )
        self._futures[run_id] = future
        future.add_done_callback(functools.partial(self._done, run_id))
        return run_id

    def _done(self, run_id: int, future: Future[str | None]) -> None:
        self._futures.pop(run_id, None)
        error: BaseException | None = None
        failed = False
        if future.cancelled():
            error = RuntimeError("cancelled: the server stopped before the run started")
        else:
            error = future.exception()
            failed = error is None and future.result() is not None
        if error is not None:
            if isinstance(error, BrokenProcessPool):
                self._reset()
                error = RuntimeError("the worker process computing it died")
            # if the store is gone too, readers will see the run abandoned
            with contextlib.suppress(Exception):
                self.store.fail_run(run_id, f"{type(error).__name__}: {error}")
        progress = self.progress.get(run_id)
        if progress is not None:
            progress.stage = "failed" if (error or failed) else "finished"
            progress.updated = time.time()

    def _reset(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def _read_progress(self) -> None:
        while not self._closed:
            try:
                run_id, stage, done, total = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            except (EOFError, OSError, ValueError):
                return
            entry = self.progress.setdefault(run_id, Progress())
            entry.stage, entry.updated = stage, time.time()
            if total:
                entry.done, entry.total = done, total

    def prewarm(self) -> None:
        """Start the workers now and let them import the stages (runs then start at once)."""
        for _ in range(self.workers):
            self._executor().submit(_import_stages)

    def active(self) -> list[int]:
        return sorted(self._futures)

    def close(self, wait: bool = True) -> None:
        """Stop the workers: running jobs are waited for (``wait``), or marked failed and their
        workers ended."""
        self._closed = True
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            if not wait:
                for run_id in self.active():
                    with contextlib.suppress(Exception):
                        self.store.fail_run(run_id, "the server stopped before it finished")
                # the pool's own processes (no public handle to them)
                workers = list(getattr(pool, "_processes", {}).values())
                pool.shutdown(wait=False, cancel_futures=True)
                for process in workers:
                    process.terminate()
                for process in workers:
                    process.join(timeout=5)
            else:
                pool.shutdown(wait=True, cancel_futures=True)
        self._queue.close()


def _init_worker(progress_queue: Any) -> None:
    global _QUEUE
    _QUEUE = progress_queue
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose server died (killed, no clean shutdown) ends too."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(1)


def _import_stages() -> None:
    """Import what a run needs (through the public API), so the first run starts at once."""
    import forceplan
    import forceplan.store.reproduce  # noqa: F401

    _ = forceplan.simulate_scenario, forceplan.compare


def _report(run_id: int, stage: str, done: int = 0, total: int = 0) -> None:
    if _QUEUE is not None:
        _QUEUE.put((run_id, stage, done, total))


def execute(url: str, files: str, run_id: int) -> str | None:
    """In a worker: compute a stored run from its stored inputs and store its results;
    the reason it failed (also recorded in the store), or None."""
    from forceplan.store import Store
    from forceplan.store.headline import headline
    from forceplan.store.reproduce import rerun

    store = Store.open(url, files)
    try:
        info = store.get_run(run_id)
        _report(run_id, "planning" if info.kind == "plan" else "planning and simulating")
        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.perf_counter()
            if now - last[0] >= 0.1 or done >= total:
                last[0] = now
                _report(run_id, "simulating", done, total)

        started = time.perf_counter()
        parts = rerun(store, info, progress)
        elapsed = round(time.perf_counter() - started, 6)
        _report(run_id, "storing")
        store.finish_run(run_id, parts, timings={"total_s": elapsed}, headline=headline(parts))
        _report(run_id, "finished")
    except Exception as exc:  # recorded with the run, and shown on its page
        reason = str(exc) if type(exc).__name__.endswith("Error") and str(exc) else (
            f"{type(exc).__name__}: {exc}")
        store.fail_run(run_id, reason)
        _report(run_id, "failed")
        return reason
    finally:
        store.close()
    return None
