"""The run store: every plan, simulation and comparison, with what it needs to be reproduced.

Usage (the CLI and the web app are thin shells over this)::

    store = Store.open()                       # FORCEPLAN_DB or the user's SQLite file
    run_id = store.start_run("plan", [("flagship", scenario)], {"backstop": None})
    ...                                        # the work
    store.finish_run(run_id, [plan_result(result)], timings={"plan_s": 1.2})
    store.list_runs(limit=20)                  # newest first, as RunInfo
    store.load_results(run_id)[0].plan()       # the PlanResult again

A run is inserted as ``running`` and set to ``finished`` (with all its
results) in one transaction at the end, or to ``failed``; a run whose process
died in between is shown as ``abandoned`` (see liveness.py), never finished.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from forceplan.store import rows
from forceplan.store import schema as t
from forceplan.store.config import check_files_folder, default_url, display_url, files_dir
from forceplan.store.db import database_error, make_engine, write_transaction
from forceplan.store.errors import StoreError
from forceplan.store.files import PendingFile
from forceplan.store.migrate import ensure_schema
from forceplan.store.results import ResultPart, StoredFile, StoredResult
from forceplan.store.runinfo import RunInfo, utc
from forceplan.store.serialize import (
    decode_frame,
    from_json_value,
)

if TYPE_CHECKING:
    from forceplan.scenario import Scenario

#: JSON columns a listing reads as text, to decode all rows in one json.loads
_JSON_COLUMNS = ("options", "timings", "headline")
_LIST_COLUMNS = (
    t.runs.c.id,
    t.runs.c.uid,
    t.runs.c.kind,
    t.runs.c.status,
    t.runs.c.label,
    t.runs.c.seed,
    t.runs.c.forceplan_version,
    t.runs.c.started_at,
    t.runs.c.finished_at,
    t.runs.c.duration_s,
    t.runs.c.host,
    t.runs.c.pid,
    t.runs.c.pid_started,
    t.runs.c.error,
    t.runs.c.rerun_of,
    *(sa.cast(t.runs.c[name], sa.Text).label(name) for name in _JSON_COLUMNS),
)


def _run_infos(rows: Sequence[Any], now: datetime | None = None) -> list[RunInfo]:
    """RunInfos of rows selected with _LIST_COLUMNS; their JSON decoded in one pass.

    One json.loads over all rows is a tenth of the time of one call per value,
    and only documents holding a tag ('"__') go through from_json_value.
    """
    texts = [[getattr(row, name) or "null" for name in _JSON_COLUMNS] for row in rows]
    decoded = json.loads("[" + ",".join("[" + ",".join(t) + "]" for t in texts) + "]")
    infos = []
    for row, raw, values in zip(rows, texts, decoded, strict=True):
        docs = {
            name: from_json_value(value) if '"__' in text else value
            for name, text, value in zip(_JSON_COLUMNS, raw, values, strict=True)
        }
        infos.append(RunInfo.from_row(row._mapping, now, json_columns=docs))
    return infos


class Store:
    """A run store at a database URL (see :mod:`forceplan.store.config` for the defaults)."""

    def __init__(self, engine: sa.Engine, url: str, files: Path) -> None:
        self.engine = engine
        self.url = url
        self.files = files

    @classmethod
    def open(cls, url: str | None = None, files: str | Path | None = None) -> Store:
        """Open (and on first use create or upgrade) the store; StoreError if it cannot."""
        url = url or default_url()
        _create_default_folder(url)
        folder = check_files_folder(Path(files) if files else files_dir(url))
        engine = make_engine(url)
        where = display_url(url)
        try:
            ensure_schema(engine, where)
        except sa.exc.SQLAlchemyError as exc:
            engine.dispose()
            raise database_error(exc, where) from None
        except StoreError:
            engine.dispose()
            raise
        return cls(engine, url, folder)

    @property
    def where(self) -> str:
        return display_url(self.url)

    def close(self) -> None:
        self.engine.dispose()

    # -- recording ---------------------------------------------------------

    def start_run(
        self,
        kind: str,
        scenarios: Sequence[tuple[str, Scenario]],
        options: dict[str, Any],
        *,
        seed: int | None = None,
        rerun_of: int | None = None,
    ) -> int:
        """Record a run as ``running`` (its scenarios stored by content hash); its id."""
        now = datetime.now(UTC)
        docs = rows.scenario_docs(scenarios)
        with self._write() as conn:
            hashes = {h for _l, _s, h, _c in docs}
            present = set(conn.execute(
                sa.select(t.scenarios.c.hash).where(t.scenarios.c.hash.in_(hashes))
            ).scalars().all())
            new = rows.scenario_rows(docs, present, now)
            if new:
                conn.execute(t.scenarios.insert(), new)
            row = rows.run_row(kind, docs, options, seed, rerun_of, now)
            run_id = conn.execute(t.runs.insert().values(**row)).inserted_primary_key[0]
            if docs:
                conn.execute(t.run_scenarios.insert(), rows.run_scenario_rows(run_id, docs))
        return int(run_id)

    def write_files(
        self, run_id: int, results: Sequence[ResultPart], background: bool = False
    ) -> list[PendingFile | None]:
        """Start writing the results' Datasets beside the database (one per result, or None).

        With ``background`` the writes run in a forked process (see files.py)
        while the caller goes on; pass the list to :meth:`finish_run`.
        """
        return rows.pending_files(self.files, self.get_run(run_id).uid, results, background)

    def finish_run(
        self,
        run_id: int,
        results: Sequence[ResultPart],
        *,
        timings: dict[str, float] | None = None,
        headline: dict[str, Any] | None = None,
        files: Sequence[PendingFile | None] | None = None,
    ) -> None:
        """Store the results and mark the run finished, all in one transaction.

        Dataset files are written (atomically, checksummed) before the
        transaction, here or already by :meth:`write_files`; if the process
        dies before the transaction commits, the run stays ``running`` and is
        shown as abandoned.
        """
        info = self.get_run(run_id)
        if info.recorded_status != "running":
            raise StoreError(f"run {run_id} is already {info.recorded_status}")
        pending = (list(files) if files is not None
                   else rows.pending_files(self.files, info.uid, results, background=False))
        written = rows.file_rows(self.files, pending)
        now = datetime.now(UTC)
        with self._write() as conn:
            for position, part in enumerate(results):
                self._insert_result(conn, run_id, position, part, written[position])
            done = conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id, t.runs.c.status == "running")
                .values(**rows.finished_values(info.started_at, now, timings, headline))
            )
            if done.rowcount != 1:
                raise StoreError(f"run {run_id} was no longer running")

    def _insert_result(
        self,
        conn: sa.Connection,
        run_id: int,
        position: int,
        part: ResultPart,
        files: list[dict[str, Any]],
    ) -> None:
        key = conn.execute(
            t.run_results.insert().values(**rows.result_row(run_id, position, part))
        ).inserted_primary_key
        assert key is not None
        result_id = key[0]
        tables = rows.table_rows(result_id, part)
        if tables:
            conn.execute(t.result_tables.insert(), tables)
        if files:
            conn.execute(t.result_files.insert(), [{"result_id": result_id, **f} for f in files])

    def fail_run(self, run_id: int, error: str) -> None:
        """Mark a running run failed, with the reason."""
        now = datetime.now(UTC)
        with self._write() as conn:
            started = conn.execute(
                sa.select(t.runs.c.started_at).where(t.runs.c.id == run_id)
            ).scalar_one_or_none()
            if started is None:
                return
            conn.execute(
                t.runs.update()
                .where(t.runs.c.id == run_id, t.runs.c.status == "running")
                .values(**rows.failed_values(utc(started), now, error))
            )

    # -- reading -----------------------------------------------------------

    def list_runs(
        self, limit: int | None = 20, offset: int = 0, kind: str | None = None
    ) -> list[RunInfo]:
        """Runs, newest first (``limit=None``: all of them)."""
        # a database integer holds at most MAX_ID: more than that many runs is all of them
        query = sa.select(*_LIST_COLUMNS).order_by(t.runs.c.id.desc()).offset(
            min(max(offset, 0), MAX_ID))
        if kind:
            query = query.where(t.runs.c.kind == kind)
        if limit is not None:
            query = query.limit(min(max(limit, 0), MAX_ID))
        now = datetime.now(UTC)
        with self._read() as conn:
            rows = conn.execute(query).all()
        return _run_infos(rows, now)

    def count_runs(self, kind: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(t.runs)
        if kind:
            query = query.where(t.runs.c.kind == kind)
        with self._read() as conn:
            return int(conn.execute(query).scalar_one())

    def resolve(self, ref: str | int) -> int:
        """The id of a run given as an id or ``latest``; StoreError if there is none."""
        if isinstance(ref, str) and ref.strip().lower() in ("latest", "last"):
            with self._read() as conn:
                newest = conn.execute(sa.select(sa.func.max(t.runs.c.id))).scalar_one()
            if newest is None:
                raise StoreError(f"the run store at {self.where} holds no runs yet")
            return int(newest)
        try:
            run_id = int(ref)
        except (TypeError, ValueError):
            run_id = 0
        if not 1 <= run_id <= MAX_ID:  # a database integer holds at most 2**63 - 1
            raise StoreError(
                f"{ref!r} is not a run id (a number from `forceplan runs`, or 'latest')"
            )
        return run_id

    def get_run(self, ref: str | int) -> RunInfo:
        """One run (with its scenarios); StoreError naming the store if it is unknown."""
        run_id = self.resolve(ref)
        with self._read() as conn:
            row = conn.execute(
                sa.select(*_LIST_COLUMNS, t.runs.c.environment).where(t.runs.c.id == run_id)
            ).first()
            if row is None:
                raise StoreError(f"no run {run_id} in the run store at {self.where}")
            links = conn.execute(
                sa.select(t.run_scenarios.c.label, t.run_scenarios.c.scenario_hash)
                .where(t.run_scenarios.c.run_id == run_id)
                .order_by(t.run_scenarios.c.position)
            ).all()
        (info,) = _run_infos([row])
        return dataclasses.replace(
            info,
            scenarios=[(str(a), str(b)) for a, b in links],
            environment=dict(row.environment or {}),
        )

    def scenario(self, content_hash: str) -> Scenario:
        """A stored scenario, validated again by this forceplan."""
        from pydantic import ValidationError

        from forceplan.scenario import Scenario, scenario_hash

        with self._read() as conn:
            content = conn.execute(
                sa.select(t.scenarios.c.content).where(t.scenarios.c.hash == content_hash)
            ).scalar_one_or_none()
        if content is None:
            raise StoreError(f"scenario {content_hash[:12]} is not in the run store")
        try:
            scenario = Scenario.model_validate(json.loads(content))
        except ValidationError as exc:
            raise StoreError(
                f"stored scenario {content_hash[:12]} is not valid for this forceplan: "
                f"{exc.errors()[0]['msg']}"
            ) from None
        if scenario_hash(scenario) != content_hash:
            raise StoreError(
                f"stored scenario {content_hash[:12]} reads differently in this forceplan "
                "(its scenario format changed), so the run cannot be reproduced exactly"
            )
        return scenario

    def load_results(self, ref: str | int) -> list[StoredResult]:
        """The results of a finished run, in the order they were stored."""
        info = self.get_run(ref)
        if info.status != "finished":
            raise StoreError(
                f"run {info.id} is {info.status}, so it has no results"
                + (f" ({info.error})" if info.error else "")
            )
        with self._read() as conn:
            parts = conn.execute(
                sa.select(t.run_results)
                .where(t.run_results.c.run_id == info.id)
                .order_by(t.run_results.c.position)
            ).all()
            ids = [p.id for p in parts]
            tables = conn.execute(
                sa.select(t.result_tables)
                .where(t.result_tables.c.result_id.in_(ids))
                .order_by(t.result_tables.c.id)
            ).all()
            files = conn.execute(
                sa.select(t.result_files).where(t.result_files.c.result_id.in_(ids))
            ).all()
        out = []
        for part in parts:
            out.append(
                StoredResult(
                    kind=part.kind,
                    label=part.label,
                    meta=dict(part.meta),
                    tables={
                        tb.name: decode_frame(tb.columns, tb.rows)
                        for tb in tables
                        if tb.result_id == part.id
                    },
                    files=[
                        StoredFile(f.role, self.files / f.path, f.format, f.sha256, f.bytes)
                        for f in files
                        if f.result_id == part.id
                    ],
                )
            )
        return out

    # -- housekeeping ------------------------------------------------------

    def delete_run(self, ref: str | int) -> None:
        """Remove a run, its results and its files (not a run that is still running)."""
        import shutil

        info = self.get_run(ref)
        if info.status == "running":
            raise StoreError(f"run {info.id} is still running")
        with self._write() as conn:
            conn.execute(t.runs.delete().where(t.runs.c.id == info.id))
        shutil.rmtree(self.files / info.uid, ignore_errors=True)

    def prune(self) -> tuple[int, int]:
        """Remove failed and abandoned runs, and file folders no run refers to.

        Returns (runs removed, folders removed). Finished and running runs stay.
        """
        import shutil

        gone = [r.id for r in self.list_runs(limit=None) if r.status in ("failed", "abandoned")]
        for run_id in gone:
            self.delete_run(run_id)
        with self._read() as conn:
            known = set(conn.execute(sa.select(t.runs.c.uid)).scalars())
        folders = 0
        if self.files.is_dir():
            for folder in self.files.iterdir():
                if folder.is_dir() and folder.name not in known:
                    shutil.rmtree(folder, ignore_errors=True)
                    folders += 1
        return len(gone), folders

    # -- plumbing ----------------------------------------------------------

    def _write(self) -> Any:
        return _Guard(self, write=True)

    def _read(self) -> Any:
        return _Guard(self, write=False)


class _Guard:
    """A connection (a write transaction for writes); database errors become StoreErrors."""

    def __init__(self, store: Store, write: bool) -> None:
        self.store = store
        self.write = write
        self._cm: Any = None

    def __enter__(self) -> sa.Connection:
        try:
            self._cm = (
                write_transaction(self.store.engine) if self.write else self.store.engine.connect()
            )
            return self._cm.__enter__()
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc, self.store.where) from None

    def __exit__(self, *exc_info: Any) -> None:
        try:
            self._cm.__exit__(*exc_info)
        except sa.exc.SQLAlchemyError as exc:
            raise database_error(exc, self.store.where) from None
        if exc_info[1] is not None and isinstance(exc_info[1], sa.exc.SQLAlchemyError):
            raise database_error(exc_info[1], self.store.where) from None


#: The largest id a run or token can have (a signed 64-bit database integer).
MAX_ID = 2**63 - 1


def _create_default_folder(url: str) -> None:
    """The default store's folder is made on first use; a folder the user named is not."""
    from forceplan.store.config import data_dir, sqlite_path

    path = sqlite_path(url)
    if path is not None and path.parent == data_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"cannot create the run store's folder {path.parent}: "
                f"{exc.strerror or exc}; choose a store with --db or FORCEPLAN_DB"
            ) from None


