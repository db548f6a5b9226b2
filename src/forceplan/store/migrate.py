"""Bring a store's schema up to date on first use (Alembic, shipped in the package).

Opening a store reads its ``alembic_version``; at the newest revision (the
usual case) nothing else happens and Alembic is not even imported. An empty
database, or one made by an older forceplan, is upgraded in one transaction.
A database written by a newer forceplan (an unknown revision) is refused
rather than touched.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from forceplan.store.db import write_transaction
from forceplan.store.errors import StoreError
from forceplan.store.revisions import HEAD, REVISIONS

__all__ = ["HEAD", "REVISIONS", "current_revision", "ensure_schema", "upgrade"]
MIGRATIONS = Path(__file__).with_name("migrations")


def current_revision(conn: sa.Connection) -> str | None:
    """The revision recorded in the database, or None if it has none (an empty store).

    Asked directly (one query; an inspector would cost several) inside a
    savepoint, so that a missing table does not spoil the caller's transaction.
    """
    try:
        with conn.begin_nested():
            row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    except sa.exc.DatabaseError:
        return None
    return None if row is None else str(row[0])


def ensure_schema(engine: sa.Engine, where: str) -> None:
    """Upgrade the store to :data:`HEAD` if needed; refuse a newer or foreign database."""
    with engine.connect() as conn:
        revision = current_revision(conn)
        if revision == HEAD:
            return
        _check_upgradable(conn, revision, where)
    upgrade(engine, HEAD)


def _check_upgradable(conn: sa.Connection, revision: str | None, where: str) -> None:
    if revision is not None and revision not in REVISIONS:
        raise StoreError(
            f"the run store at {where} was written by a newer forceplan (schema revision "
            f"{revision}; this forceplan knows up to {HEAD}): upgrade forceplan, or choose "
            "another store with --db"
        )
    if revision is None:
        tables = sorted(sa.inspect(conn).get_table_names())
        if tables:  # someone else's database: never add forceplan's tables to it
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(
                f"{where} holds tables ({shown}) but no forceplan schema revision: it is "
                "not a forceplan run store; choose another with --db (a new file, or an "
                "empty database)"
            )


def upgrade(engine: sa.Engine, target: str = HEAD) -> None:
    """Apply the migrations up to ``target`` in one transaction (used by tests for old stores)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with write_transaction(engine) as conn:
        _lock(conn)
        # a concurrent first use may have upgraded while this one waited for the lock
        if current_revision(conn) == target:
            return
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def _lock(conn: sa.Connection) -> None:
    """Serialise concurrent upgrades (SQLite: the write lock; PostgreSQL: an advisory lock)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SELECT pg_advisory_xact_lock(4236817)")
