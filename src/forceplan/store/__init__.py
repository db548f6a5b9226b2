"""The run store: every plan, simulation and comparison kept with what reproduces it.

SQLAlchemy over SQLite (the user's data directory by default) or PostgreSQL
(``--db URL`` / ``FORCEPLAN_DB``), schema managed by Alembic migrations
shipped in this package and applied on first use. See :class:`Store`.

This package is a shell over the stages: it reads their result types and
no stage imports it.
"""

from forceplan.store.errors import StoreError
from forceplan.store.results import (
    ResultPart,
    StoredResult,
    dataset_result,
    frame_result,
    plan_result,
)
from forceplan.store.runinfo import RunInfo
from forceplan.store.store import Store

__all__ = [
    "ResultPart",
    "RunInfo",
    "Store",
    "StoreError",
    "StoredResult",
    "dataset_result",
    "frame_result",
    "plan_result",
]
