"""Where tasks run: a local process pool by default, a Dask cluster, or any executor.

The runner needs only ``executor.submit(fn, *args)`` returning a
``concurrent.futures.Future``, so a Ray or MPI pool plugs in unchanged
(docs/explore.md shows both).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from forceplan._processes import process_pool
from forceplan.explore.errors import ExploreError

#: Seconds past --connect-timeout before a connection attempt that hangs is abandoned.
CONNECT_GRACE_S = 3.0
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc)://[^\s/:]+(:\d+)?$")


@dataclass
class Pool:
    """An executor, how many tasks it runs at once, and how to release it."""

    executor: Executor
    workers: int
    describe: str
    close: Callable[[], None]
    #: hands payloads to every worker at once (None: tasks fetch them when missing)
    broadcast: Callable[[dict[str, Any]], None] | None = None


#: Most local worker processes (each holds a copy of the model; more than this is a typo).
MAX_WORKERS = 1024


def check_workers(count: int) -> int:
    """``count`` if it is a number of local worker processes one may start; else ExploreError."""
    if not 1 <= count <= MAX_WORKERS:
        raise ExploreError("--workers", f"must be between 1 and {MAX_WORKERS:,} (got {count})")
    return count


def local_pool(workers: int | None = None) -> Pool:
    """A process pool on this machine (default: one worker per core).

    Workers start from a fork server that has already imported the model, so
    they start fast and never inherit the parent's threads.
    """
    count = check_workers(workers if workers is not None else (os.cpu_count() or 1))
    executor = process_pool(count, ["forceplan.explore.worker"])
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
        client = _connect(_quiet(Client), address, timeout_s)
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

    from forceplan.explore.worker import receive

    def broadcast(payloads: dict[str, Any]) -> None:
        # once to each worker process; a worker that joins later, or that this misses
        # (it left meanwhile), asks for what it lacks
        client.run(receive, payloads, on_error="ignore")

    workers = len(client.nthreads())
    return Pool(client.get_executor(pure=False), threads,
                f"Dask cluster {address} ({workers} workers, {threads} threads)", close,
                broadcast)


def _quiet(client_class: Any) -> Any:
    """distributed's Client whose finaliser does nothing: forceplan closes the clients it
    uses, and a half-made one (something not Dask answered) would wait 4 s at exit and
    print a traceback."""

    class QuietClient(client_class):
        def __del__(self) -> None:
            return None

    return QuietClient


def _connect(client_class: Any, address: str, timeout_s: float) -> Any:
    """``Client(address)`` within ``timeout_s`` (plus a little), whatever answers there.

    distributed's own timeout covers the TCP connection, not what follows: a
    server that accepts and then says nothing kept it waiting for ever. The
    attempt runs in a daemon thread that is abandoned when the time is up.
    """
    box: dict[str, Any] = {}

    def attempt() -> None:
        try:
            box["client"] = client_class(address, timeout=f"{timeout_s}s", set_as_default=False)
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=attempt, name="forceplan-dask-connect", daemon=True)
    thread.start()
    thread.join(timeout_s + CONNECT_GRACE_S)
    if thread.is_alive():
        raise TimeoutError(f"no answer within {timeout_s:g} s; something accepts connections "
                           "there but does not speak Dask's protocol")
    if "error" in box:
        raise box["error"]
    return box["client"]


def _first_line(exc: BaseException) -> str:
    text = str(exc)
    return text.splitlines()[0][:200] if text else "no answer"


def given_pool(executor: Executor, workers: int | None = None) -> Pool:
    """Wrap a caller's executor (not shut down by forceplan)."""
    count = workers or getattr(executor, "_max_workers", None) or 4
    return Pool(executor, int(count), type(executor).__name__, lambda: None)
