"""Opening the database: engine settings per backend, and clear errors when it fails.

SQLite runs in WAL mode (readers never wait for a writer) with a busy
timeout; transactions are begun explicitly so that a write takes the write
lock at its start (``BEGIN IMMEDIATE``) instead of failing half-way on an
upgrade from a read lock. PostgreSQL gets a connection timeout, so a server
that does not answer is reported within seconds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from forceplan.store.config import display_url, sqlite_path
from forceplan.store.errors import StoreError
from forceplan.store.sqlite_wal import BUSY_TIMEOUT_MS, enter_wal

CONNECT_TIMEOUT_S = 5
_WRITE = "forceplan_write"


def make_engine(url: str) -> sa.Engine:
    """An engine for ``url``, checked to answer; StoreError with the reason if not."""
    shown = display_url(url)
    try:
        parsed = sa.engine.make_url(url)
    except Exception:
        raise StoreError(
            f"{shown!r} is not a database URL (expected e.g. sqlite:///path/runs.sqlite "
            "or postgresql://user@host/dbname)"
        ) from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        engine = _sqlite_engine(url)
    elif backend == "postgresql":
        engine = _postgres_engine(parsed)
    else:
        raise StoreError(f"{shown}: unsupported database {backend!r} (use sqlite or postgresql)")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except sa.exc.SQLAlchemyError as exc:
        engine.dispose()
        raise StoreError(f"cannot open the run store at {shown}: {_reason(exc)}") from None
    return engine


def _sqlite_engine(url: str) -> sa.Engine:
    path = sqlite_path(url)
    if sa.engine.make_url(url).database in (None, "", ":memory:"):  # sqlite://, :memory:
        raise StoreError(f"{url}: an in-memory database forgets every run when the command "
                         "ends; give a file, e.g. sqlite:///path/runs.sqlite")
    if path is not None:
        _check_sqlite_file(url, path)
    engine = sa.create_engine(url)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # transactions are begun below, explicitly
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if path is not None:
            enter_wal(cursor)
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _check_sqlite_file(url: str, path: Path) -> None:
    """An SQLite file that cannot be, said in words (SQLite says 'unable to open database file')."""
    where = f"cannot open the run store at {url}"
    if not path.parent.is_dir():
        raise StoreError(f"{where}: folder {path.parent} does not exist")
    if path.is_dir():
        raise StoreError(f"{where}: {path} is a directory, not a database file")
    if path.exists() and not path.is_file():
        raise StoreError(f"{where}: {path} is not a regular file")
    if path.exists() and not os.access(path, os.R_OK):
        raise StoreError(f"{where}: permission denied: cannot read {path}")
    if not path.exists() and not os.access(path.parent, os.W_OK | os.X_OK):
        raise StoreError(f"{where}: permission denied: cannot create {path.name} in folder "
                         f"{path.parent}")


def _postgres_engine(parsed: sa.URL) -> sa.Engine:
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    try:
        return sa.create_engine(
            parsed,
            connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
            pool_pre_ping=True,
        )
    except ImportError as exc:
        raise StoreError(
            f"a PostgreSQL store needs the {exc.name or 'psycopg'} driver: "
            "pip install 'forceplan[postgres]'"
        ) from None


def _reason(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None) or exc
    text = " ".join(str(orig).split())
    return text or type(orig).__name__


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One transaction that takes the write lock at its start; committed on success."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{_WRITE: True})
        with conn.begin():
            yield conn


def database_error(exc: sa.exc.SQLAlchemyError, where: str) -> StoreError:
    """A StoreError naming the store and the database's own reason."""
    return StoreError(f"run store at {where}: {_reason(exc)}")
