"""What a running dashboard is allowed to do, and where it keeps things."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def default_scenario_dir() -> Path:
    """Where scenarios uploaded or edited in the browser are kept (the user's data folder)."""
    from forceplan.store.config import data_dir

    return data_dir() / "scenarios"


@dataclass(frozen=True)
class WebSettings:
    """Settings of one app.

    ``db_url``: the run store (None: ``FORCEPLAN_DB`` or the user's SQLite
    file). ``open_reads``: pages and GET requests need no token (writes
    always do). ``scenario_dir``: the folder of scenarios made in the
    browser; uploads may ``extends`` only these and the bundled ones.
    ``max_body_bytes``: the largest request accepted (413 above);
    ``max_scenario_bytes``: the largest scenario file. ``workers``: runs
    computed at once, each in its own process. ``max_draws``: the most
    Monte Carlo draws one run may ask for from the web. ``prewarm``: at
    start, load the chart runtime and start a worker in the background, so
    the first page and the first run do not wait for them.
    """

    db_url: str | None = None
    open_reads: bool = True
    scenario_dir: Path = field(default_factory=default_scenario_dir)
    max_body_bytes: int = 1_000_000
    max_scenario_bytes: int = 256_000
    workers: int = 1
    max_draws: int = 200_000
    prewarm: bool = False
