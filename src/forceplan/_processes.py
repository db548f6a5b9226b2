"""Worker process pools of this machine (a leaf module: it imports nothing of ours).

Workers start from a fork server that has imported the modules they need
once, so they start fast and never inherit the parent's threads; each
watches the process that owns the pool and exits when it is gone (killed,
crashed), instead of waiting for work forever.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor


def watch_parent(pid: int, every_s: float = 1.0) -> None:
    """Exit this worker when process ``pid`` (the run) is gone, even if it was killed.

    A pool's workers otherwise wait for work forever once the process that
    owned the pool dies without shutting it down (SIGKILL, a crash).
    """

    def watch() -> None:
        while True:
            time.sleep(every_s)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:
                pass  # alive, owned by another user (a reused pid would also land here)

    threading.Thread(target=watch, name="forceplan-parent-watch", daemon=True).start()


def process_pool(workers: int, preload: Sequence[str]) -> ProcessPoolExecutor:
    """``workers`` processes forked from a server that has imported ``preload``."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(preload))
    return ProcessPoolExecutor(max_workers=workers, mp_context=context,
                               initializer=watch_parent, initargs=(os.getpid(),))
