"""Where tasks run: a local process pool by default, a Dask cluster, or any executor.

The runner needs only ``executor.submit(fn, *args)`` returning a
``concurrent.futures.Future``, so a Ray or MPI pool plugs in unchanged
(docs/explore.md shows both).
"""

from __future__ import annotations

import multiprocessing
import os
import re
from collections.abc import Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass

from forceplan.explore.errors import ExploreError

_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d+)?$")


@dataclass
class Pool:
    """An executor, how many tasks it runs at once, and how to release it."""

    executor: Executor
    workers: int
    describe: str
    close: Callable[[], None]


def local_pool(workers: int | None = None) -> Pool:
    """A process pool on this machine (default: one worker per core).

    Workers start from a fork server that has already imported the model, so
    they start fast and never inherit the parent's threads.
    """
    count = workers if workers is not None else (os.cpu_count() or 1)
    if count < 1:
        raise ExploreError("--workers", f"must be at least 1 (got {count})")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["forceplan.explore.worker"])
    from forceplan.explore.worker import watch_parent

    executor = ProcessPoolExecutor(max_workers=count, mp_context=context,
                                   initializer=watch_parent, initargs=(os.getpid(),))
    return Pool(executor, count, f"{count} local worker process{'es' if count > 1 else ''}",
                lambda: executor.shutdown(wait=True, cancel_futures=True))


def dask_pool(address: str, timeout_s: float = 10.0) -> Pool:
    """An executor on a running Dask distributed scheduler (``tcp://HOST:PORT``)."""
    if not _ADDRESS.match(address):
        raise ExploreError(
            "--cluster", f"{address!r} is not a scheduler address such as tcp://10.0.0.5:8786"
        )
    try:
        from distributed import Client
    except ImportError:
        raise ExploreError(
            "--cluster", "needs dask distributed: pip install 'forceplan[explore]'"
        ) from None
    try:
        client = Client(address, timeout=f"{timeout_s}s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise ExploreError(
            "--cluster", f"cannot reach a Dask scheduler at {address} within {timeout_s:g} s "
            f"({exc.__class__.__name__}: {_first_line(exc)})"
        ) from None
    except Exception as exc:  # noqa: BLE001 - something answered, but not Dask's protocol
        raise ExploreError(
            "--cluster", f"{address} answered, but not as a Dask scheduler "
            f"({exc.__class__.__name__}: {_first_line(exc)})"
        ) from None
    try:  # workers started a moment ago may still be connecting
        client.wait_for_workers(1, timeout=timeout_s)
    except (OSError, TimeoutError):
        client.close()
        raise ExploreError(
            "--cluster", f"the Dask scheduler at {address} has no workers (waited "
            f"{timeout_s:g} s)"
        ) from None
    threads = sum(client.nthreads().values())

    def close() -> None:
        client.close()

    workers = len(client.nthreads())
    return Pool(client.get_executor(pure=False), threads,
                f"Dask cluster {address} ({workers} workers, {threads} threads)", close)


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0][:200] if text else "no answer"


def given_pool(executor: Executor, workers: int | None = None) -> Pool:
    """Wrap a caller's executor (not shut down by forceplan)."""
    count = workers or getattr(executor, "_max_workers", None) or 4
    return Pool(executor, int(count), type(executor).__name__, lambda: None)
