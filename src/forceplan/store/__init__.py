"""The run store: every plan, simulation and comparison kept with what reproduces it.

SQLAlchemy over SQLite (the user's data directory by default) or PostgreSQL
(``--db URL`` / ``FORCEPLAN_DB``), schema managed by Alembic migrations
shipped in this package and applied on first use. See :class:`Store`.

This package is a shell over the stages: it reads their result types and
no stage imports it.
"""

from typing import TYPE_CHECKING, Any

from forceplan.store.errors import StoreError
from forceplan.store.results import (
    ResultPart,
    StoredResult,
    dataset_result,
    frame_result,
    plan_result,
)
from forceplan.store.runinfo import RunInfo

if TYPE_CHECKING:
    from forceplan.store.store import Store


def __getattr__(name: str) -> Any:
    """``Store`` on first use: it imports SQLAlchemy, which a command that records
    through the direct recorder (direct.py) never needs."""
    if name == "Store":
        from forceplan.store.store import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
