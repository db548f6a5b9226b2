"""Shared fixtures.

* Every test keeps its cached plans in a throwaway folder, never in the user's cache.
* Every test records its runs in a throwaway store, never in the user's own.
* ``store_url``: one suite, two backends: an SQLite file, and a database on
  a real PostgreSQL server started for the session (tests/pgserver.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from pgserver import SKIP_ENV, PostgresServer


@pytest.fixture(autouse=True, scope="session")
def _throwaway_plan_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("plan-cache")
    patch = pytest.MonkeyPatch()
    patch.setenv("FORCEPLAN_CACHE_DIR", str(folder))
    patch.delenv("FORCEPLAN_NO_CACHE", raising=False)
    yield folder
    patch.undo()


@pytest.fixture(autouse=True, scope="session")
def _throwaway_run_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("run-store")
    patch = pytest.MonkeyPatch()
    patch.setenv("FORCEPLAN_DB", f"sqlite:///{folder / 'runs.sqlite'}")
    patch.delenv("FORCEPLAN_STORE_FILES", raising=False)
    yield folder
    patch.undo()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A PostgreSQL server for the whole session (started on first use)."""
    if os.environ.get(SKIP_ENV):
        pytest.skip(f"{SKIP_ENV} is set")
    server = PostgresServer()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> str:
    """An empty store's URL on each backend.

    SQLite keeps its files beside the database; a PostgreSQL store's files go
    under tmp_path (FORCEPLAN_STORE_FILES), never to the user's data folder.
    """
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'runs.sqlite'}"
    monkeypatch.setenv("FORCEPLAN_STORE_FILES", str(tmp_path / "store-files"))
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.new_database()
