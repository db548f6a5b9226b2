"""Recording a CLI run in an SQLite store through the standard library: the fast path.

A one-off ``forceplan plan`` takes about a second of CPU; importing SQLAlchemy
alone takes 0.16 s of it (more than the 5% the store may add), and compiling
each statement once more. So a command that records into an existing SQLite
store at the newest schema revision (the default store, after its first
use) writes through :mod:`sqlite3` with the statements SQLAlchemy compiles
for these tables (:data:`STATEMENTS`), the same rows (rows.py) and the same
conversions (:data:`JSON_COLUMNS`, :data:`DATETIME_COLUMNS`: what SQLAlchemy's
SQLite types do). tests/store/test_direct.py checks the statements against
SQLAlchemy's compiler and a run recorded this way against one recorded
through :class:`~forceplan.store.Store`, byte for byte in the database.

The transactions are the store's: a run is inserted ``running`` in one
(``BEGIN IMMEDIATE``: the write lock from the start, a 30 s busy timeout,
WAL), and its results with the ``finished`` status in one; see store.py.
Anything else (PostgreSQL, a store to create or upgrade, a file that is not
a store, any surprise while opening) goes through :class:`Store`.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forceplan.store import rows
from forceplan.store.config import files_dir, sqlite_path
from forceplan.store.errors import StoreError
from forceplan.store.files import PendingFile
from forceplan.store.results import ResultPart
from forceplan.store.revisions import HEAD
from forceplan.store.runinfo import utc
from forceplan.store.sqlite_wal import BUSY_TIMEOUT_MS, enter_wal

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.store.store import Store

#: columns stored as JSON text (SQLAlchemy's JSON type: json.dumps)
JSON_COLUMNS = {
    "runs": ("options", "timings", "headline", "environment"),
    "run_results": ("meta",),
    "result_tables": ("columns", "rows"),
}
#: columns stored as SQLite DATETIME text (SQLAlchemy's storage format, no zone: all UTC)
DATETIME_COLUMNS = {"scenarios": ("created_at",), "runs": ("started_at", "finished_at")}
#: table -> the columns each insert sets, in table order (as SQLAlchemy orders them)
INSERTS = {
    "scenarios": ("hash", "name", "title", "content", "created_at"),
    "runs": ("uid", "kind", "status", "label", "options", "seed", "forceplan_version",
             "started_at", "host", "pid", "pid_started", "rerun_of", "environment"),
    "run_scenarios": ("run_id", "position", "scenario_hash", "label"),
    "run_results": ("run_id", "position", "kind", "label", "meta"),
    "result_tables": ("result_id", "name", "columns", "rows", "n_rows"),
    "result_files": ("result_id", "role", "path", "format", "sha256", "bytes"),
}
#: the status updates: what they set, in table order
UPDATES = {
    "finished": ("status", "finished_at", "duration_s", "timings", "headline"),
    "failed": ("status", "finished_at", "duration_s", "error"),
}


def _insert(table: str) -> str:
    columns = INSERTS[table]
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"


def _update(kind: str) -> str:
    sets = ", ".join(f"{c}=?" for c in UPDATES[kind])
    return f"UPDATE runs SET {sets} WHERE runs.id = ? AND runs.status = ?"


#: every write, as SQLAlchemy's SQLite compiler writes it (tests/store/test_direct.py)
STATEMENTS = {
    **{f"insert {table}": _insert(table) for table in INSERTS},
    **{f"update {kind}": _update(kind) for kind in UPDATES},
}
_PRESENT = "SELECT scenarios.hash FROM scenarios WHERE scenarios.hash IN ({})"
_STARTED = "SELECT runs.started_at FROM runs WHERE runs.id = ?"


def _stored(table: str, column: str, value: Any) -> Any:
    """A value as SQLAlchemy's SQLite types bind it."""
    if value is None:
        return "null" if column in JSON_COLUMNS.get(table, ()) else None
    if column in JSON_COLUMNS.get(table, ()):
        return json.dumps(value)
    if column in DATETIME_COLUMNS.get(table, ()):
        v = value
        return (f"{v.year:04d}-{v.month:02d}-{v.day:02d} "
                f"{v.hour:02d}:{v.minute:02d}:{v.second:02d}.{v.microsecond:06d}")
    if column == "duration_s":
        return float(value)
    return value


def _params(table: str, columns: Sequence[str], row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(_stored(table, c, row.get(c)) for c in columns)


class DirectRecorder:
    """Records runs in one SQLite store (the recording half of :class:`Store`'s API)."""

    def __init__(self, url: str, path: Path) -> None:
        self.url = url
        self.path = path
        self.files = files_dir(url)
        self._uids: dict[int, str] = {}
        self._started: dict[int, datetime] = {}
        self._conn: sqlite3.Connection | None = None

    @classmethod
    def open(cls, url: str) -> DirectRecorder | None:
        """The recorder for an existing SQLite store at :data:`HEAD`; None otherwise."""
        path = sqlite_path(url)
        if path is None or "?" in url or not path.is_file():
            return None
        recorder = cls(url, path)
        try:
            with recorder._connect() as conn:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        except (sqlite3.Error, StoreError):
            recorder.close()
            return None
        if row is None or row[0] != HEAD:
            recorder.close()
            return None
        return recorder

    @property
    def where(self) -> str:
        return self.url  # an SQLite URL holds no password

    def close(self) -> None:
        """Close the connection (the recorder opens another if used again)."""
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _connection(self) -> sqlite3.Connection:
        """This recorder's one connection, set up as db.py sets SQLAlchemy's.

        One connection for the whole run, not one per transaction: SQLite
        checkpoints the WAL into the database (two fsyncs) whenever the last
        connection to it closes, and on a busy disk each checkpoint costs more
        wall time than the recording's CPU. It is opened in the thread that
        starts the run and used by the one that finishes it, never by both at
        once (the CLI joins the first before the second writes).
        """
        if self._conn is None:
            try:
                conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_MS / 1000,
                                       isolation_level=None, check_same_thread=False)
                conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
                conn.execute("PRAGMA foreign_keys = ON")
                enter_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
            except sqlite3.Error as exc:
                raise StoreError(f"run store at {self.where}: {exc}") from None
            self._conn = conn
        return self._conn

    @contextlib.contextmanager
    def _connect(self, write: bool = False) -> Iterator[sqlite3.Connection]:
        """The connection; a write transaction (``BEGIN IMMEDIATE``) if ``write``."""
        conn = self._connection()
        try:
            if write:
                conn.execute("BEGIN IMMEDIATE")
            yield conn
            if write:
                conn.execute("COMMIT")
        except BaseException as exc:
            if write and conn.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise StoreError(f"run store at {self.where}: {exc}") from None
            raise

    def start_run(
        self,
        kind: str,
        scenarios: Sequence[tuple[str, Scenario]],
        options: dict[str, Any],
        *,
        seed: int | None = None,
        rerun_of: int | None = None,
    ) -> int:
        """As :meth:`Store.start_run`."""
        now = datetime.now(UTC)
        docs = rows.scenario_docs(scenarios)
        with self._connect(write=True) as conn:
            hashes = sorted({h for _l, _s, h, _c in docs})
            query = _PRESENT.format(", ".join("?" * len(hashes)))
            present = {r[0] for r in conn.execute(query, hashes)} if hashes else set()
            self._insert_many(conn, "scenarios", rows.scenario_rows(docs, present, now))
            row = rows.run_row(kind, docs, options, seed, rerun_of, now)
            run_id = int(self._insert(conn, "runs", row))
            self._insert_many(conn, "run_scenarios", rows.run_scenario_rows(run_id, docs))
        self._uids[run_id] = row["uid"]
        self._started[run_id] = now
        return run_id

    def write_files(
        self, run_id: int, results: Sequence[ResultPart], background: bool = False
    ) -> list[PendingFile | None]:
        """As :meth:`Store.write_files` (for a run this recorder started)."""
        return rows.pending_files(self.files, self._uids[run_id], results, background)

    def finish_run(
        self,
        run_id: int,
        results: Sequence[ResultPart],
        *,
        timings: dict[str, float] | None = None,
        headline: dict[str, Any] | None = None,
        files: Sequence[PendingFile | None] | None = None,
    ) -> None:
        """As :meth:`Store.finish_run`: results and ``finished`` in one transaction."""
        pending = (list(files) if files is not None else
                   rows.pending_files(self.files, self._uids[run_id], results, False))
        written = rows.file_rows(self.files, pending)
        now = datetime.now(UTC)
        try:
            self._finish(run_id, results, written, now, timings, headline)
        finally:
            self.close()  # the run's last write: the one checkpoint, here

    def _finish(
        self,
        run_id: int,
        results: Sequence[ResultPart],
        written: list[list[dict[str, Any]]],
        now: datetime,
        timings: dict[str, float] | None,
        headline: dict[str, Any] | None,
    ) -> None:
        with self._connect(write=True) as conn:
            for position, part in enumerate(results):
                result_id = self._insert(conn, "run_results",
                                         rows.result_row(run_id, position, part))
                self._insert_many(conn, "result_tables", rows.table_rows(result_id, part))
                self._insert_many(conn, "result_files",
                                  [{"result_id": result_id, **f} for f in written[position]])
            values = rows.finished_values(self._started[run_id], now, timings, headline)
            if self._set(conn, "finished", run_id, values) != 1:
                raise StoreError(f"run {run_id} was no longer running")

    def fail_run(self, run_id: int, error: str) -> None:
        """As :meth:`Store.fail_run`."""
        now = datetime.now(UTC)
        try:
            with self._connect(write=True) as conn:
                found = conn.execute(_STARTED, (run_id,)).fetchone()
                if found is None:
                    return
                started = utc(datetime.fromisoformat(found[0]))
                self._set(conn, "failed", run_id, rows.failed_values(started, now, error))
        finally:
            self.close()

    def _insert(self, conn: sqlite3.Connection, table: str, row: dict[str, Any]) -> int:
        cursor = conn.execute(STATEMENTS[f"insert {table}"], _params(table, INSERTS[table], row))
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _insert_many(self, conn: sqlite3.Connection, table: str,
                     many: Sequence[dict[str, Any]]) -> None:
        if many:
            conn.executemany(STATEMENTS[f"insert {table}"],
                             [_params(table, INSERTS[table], row) for row in many])

    def _set(self, conn: sqlite3.Connection, kind: str, run_id: int,
             values: dict[str, Any]) -> int:
        params = (*_params("runs", UPDATES[kind], values), run_id, "running")
        return conn.execute(STATEMENTS[f"update {kind}"], params).rowcount


def open_recorder(url: str | None = None) -> DirectRecorder | Store:
    """What records a CLI run: a :class:`DirectRecorder` when the store allows, else a
    :class:`~forceplan.store.Store` (which creates or upgrades the store first)."""
    from forceplan.store.config import check_files_folder, default_url

    url = url or default_url()
    direct = DirectRecorder.open(url)
    if direct is not None:
        try:
            check_files_folder(direct.files)  # a file in the way: said now, not after the work
        except StoreError:
            direct.close()
            raise
        return direct
    from forceplan.store.store import Store

    return Store.open(url)
