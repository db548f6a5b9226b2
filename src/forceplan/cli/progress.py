"""Signs of life: a progress bar for Monte Carlo runs and a spinner while plans solve.

Both show only on a terminal and vanish when done. The bar appears once a
run has taken :data:`SHOW_AFTER_S` and is not finished, so a quick run
prints nothing extra and anything longer than about two seconds shows its
progress (draws done, elapsed, remaining).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from forceplan.cli.common import console

#: a run still going after this many seconds shows a progress bar
SHOW_AFTER_S = 1.0


@contextmanager
def draw_progress(label: str) -> Iterator[Callable[[int, int], None]]:
    """A ``progress(done, total)`` callback that shows a bar once the run is slow."""
    start = time.perf_counter()
    shown: dict[str, Any] = {}

    def update(done: int, total: int) -> None:
        if not shown:
            if done >= total or time.perf_counter() - start < SHOW_AFTER_S:
                return
            bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                TextColumn("{task.completed:,}/{task.total:,} draws"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
            bar.start()
            shown["bar"], shown["task"] = bar, bar.add_task(escape(label), total=total)
        shown["bar"].update(shown["task"], completed=done, total=total)

    try:
        yield update
    finally:
        if shown:
            shown["bar"].stop()


@contextmanager
def planning(label: str) -> Iterator[None]:
    """A spinner while a plan is solved (HiGHS releases the GIL, so it keeps turning)."""
    with console.status(f"planning {escape(label)}...", spinner="dots"):
        yield
