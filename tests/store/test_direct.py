"""The direct recorder (sqlite3, no SQLAlchemy) writes exactly what Store writes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from store_helpers import tiny, tiny_plan, tiny_simulation

from forceplan.store import Store, StoreError, dataset_result, plan_result
from forceplan.store import schema as t
from forceplan.store.direct import (
    DATETIME_COLUMNS,
    INSERTS,
    JSON_COLUMNS,
    STATEMENTS,
    UPDATES,
    DirectRecorder,
    open_recorder,
)
from forceplan.store.headline import headline
from forceplan.store.migrate import upgrade

#: what differs between two recordings of the same run
VOLATILE = {"id", "uid", "started_at", "finished_at", "duration_s", "created_at", "path",
            "pid", "pid_started", "run_id", "result_id"}


def test_the_statements_are_what_sqlalchemy_compiles() -> None:
    dialect = sqlite.dialect()
    for table, columns in INSERTS.items():
        compiled = t.metadata.tables[table].insert().values({c: None for c in columns})
        assert STATEMENTS[f"insert {table}"] == str(compiled.compile(dialect=dialect))
    for kind, columns in UPDATES.items():
        update = (t.runs.update().where(t.runs.c.id == 1, t.runs.c.status == "running")
                  .values({c: None for c in columns}))
        assert STATEMENTS[f"update {kind}"] == str(update.compile(dialect=dialect))


def test_the_conversions_cover_every_json_and_datetime_column_written() -> None:
    for table, columns in INSERTS.items():
        for name in (*columns, *(UPDATES["finished"] if table == "runs" else ())):
            kind = type(t.metadata.tables[table].c[name].type)
            assert (name in JSON_COLUMNS.get(table, ())) == issubclass(kind, sa.JSON), name
            assert (name in DATETIME_COLUMNS.get(table, ())) == issubclass(kind, sa.DateTime)
    run_columns = {c.name for c in t.runs.columns} - {"id", "error"}
    assert run_columns == set(INSERTS["runs"]) | set(UPDATES["finished"])


def _record(recorder: Any) -> int:
    run_id = recorder.start_run("simulate", [("tiny", tiny()), ("again", tiny())],
                                {"draws": 400, "nan": float("nan")}, seed=3)
    parts = [plan_result(tiny_plan()), dataset_result(tiny_simulation())]
    files = recorder.write_files(run_id, parts, background=True)
    recorder.finish_run(run_id, parts, timings={"simulate_s": 1.5}, headline=headline(parts),
                        files=files)
    return int(run_id)


def _rows(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table as the database holds it, less what differs by run."""
    conn = sqlite3.connect(path)
    out = {}
    for table in INSERTS:
        cursor = conn.execute(f"SELECT * FROM {table} ORDER BY rowid")  # noqa: S608
        names = [d[0] for d in cursor.description]
        out[table] = [tuple(v for n, v in zip(names, row, strict=True) if n not in VOLATILE)
                      for row in cursor]
    conn.close()
    return out


def test_a_run_recorded_directly_is_stored_as_store_stores_it(tmp_path: Path) -> None:
    urls = [f"sqlite:///{tmp_path / name}" for name in ("store.sqlite", "direct.sqlite")]
    for url in urls:
        Store.open(url).close()  # created and migrated by Store, as on first use
    direct = DirectRecorder.open(urls[1])
    assert direct is not None
    tiny_simulation()  # its libraries imported before either run records its environment
    ids = [_record(Store.open(urls[0])), _record(direct)]
    by_store, by_direct = _rows(tmp_path / "store.sqlite"), _rows(tmp_path / "direct.sqlite")
    assert by_store == by_direct
    assert len(by_direct["result_tables"]) > 5 and by_direct["result_files"]
    # and it reads back through Store as a run recorded there does
    first, second = Store.open(urls[0]), Store.open(urls[1])
    a, b = first.get_run(ids[0]), second.get_run(ids[1])
    assert (a.status, a.options, a.timings, a.headline, a.scenarios) == (
        b.status, b.options, b.timings, b.headline, b.scenarios)
    assert b.started_at.tzinfo is not None and b.duration_s is not None and b.duration_s > 0
    ds_a, ds_b = first.load_results(ids[0])[1].dataset(), second.load_results(ids[1])[1].dataset()
    for name in ds_a.data_vars:
        np.testing.assert_array_equal(ds_a[name].values, ds_b[name].values)


def test_a_failed_run_is_recorded_as_store_records_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    Store.open(url).close()
    direct = DirectRecorder.open(url)
    assert direct is not None
    run_id = direct.start_run("plan", [("tiny", tiny())], {})
    direct.fail_run(run_id, "interrupted (Ctrl-C)")
    info = Store.open(url).get_run(run_id)
    assert (info.status, info.error) == ("failed", "interrupted (Ctrl-C)")
    assert info.duration_s is not None and info.duration_s >= 0
    with pytest.raises(StoreError, match="no longer running"):
        direct.finish_run(run_id, [plan_result(tiny_plan())])


def test_only_a_ready_sqlite_store_is_recorded_directly(tmp_path: Path) -> None:
    missing = f"sqlite:///{tmp_path / 'new.sqlite'}"
    assert DirectRecorder.open(missing) is None
    assert isinstance(open_recorder(missing), Store)  # Store creates it ...
    assert isinstance(open_recorder(missing), DirectRecorder)  # ... then it is ready
    old = f"sqlite:///{tmp_path / 'old.sqlite'}"
    upgrade(sa.create_engine(old), "0002")
    assert DirectRecorder.open(old) is None  # Store upgrades it first
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE runs (x)").connection.commit()
    assert DirectRecorder.open(f"sqlite:///{other}") is None
    with pytest.raises(StoreError, match="not a forceplan run store"):
        open_recorder(f"sqlite:///{other}")


def test_recording_a_cli_run_does_not_import_sqlalchemy(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    Store.open(url).close()
    scenario = str(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
    code = (
        "import sys\n"
        "from forceplan.cli import main\n"
        f"sys.argv = ['forceplan', 'plan', {scenario!r},"
        f" '--db', {url!r}]\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print(sorted(m for m in sys.modules if m.startswith('sqlalchemy'))[:3])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    (run,) = Store.open(url).list_runs()
    assert (run.kind, run.status) == ("plan", "finished")


def test_a_run_is_recorded_through_one_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # each connection that closes last checkpoints the WAL (fsyncs): one per run, not three
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    Store.open(url).close()
    opened: list[sqlite3.Connection] = []
    connect = sqlite3.connect

    def counting(*args: Any, **kwargs: Any) -> sqlite3.Connection:
        opened.append(connect(*args, **kwargs))
        return opened[-1]

    monkeypatch.setattr(sqlite3, "connect", counting)
    recorder = DirectRecorder.open(url)
    assert recorder is not None
    run_id = _record(recorder)
    assert len(opened) == 1
    with pytest.raises(sqlite3.ProgrammingError):  # closed once the run is finished
        opened[0].execute("SELECT 1")
    monkeypatch.undo()
    assert Store.open(url).get_run(run_id).status == "finished"
