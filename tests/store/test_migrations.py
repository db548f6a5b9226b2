"""Alembic migrations: an empty store and one made by the previous revision both reach head."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.config import Config
from alembic.script import ScriptDirectory

from forceplan.store import Store, StoreError
from forceplan.store import schema as t
from forceplan.store.db import make_engine
from forceplan.store.migrate import HEAD, MIGRATIONS, REVISIONS, current_revision, upgrade


def test_the_known_revisions_are_the_shipped_migrations_in_order() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    shipped = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    assert tuple(shipped) == REVISIONS
    assert script.get_current_head() == HEAD


def _columns(engine: sa.Engine) -> dict[str, set[str]]:
    inspector = sa.inspect(engine)
    return {
        name: {c["name"] for c in inspector.get_columns(name)}
        for name in inspector.get_table_names()
        if name != "alembic_version"
    }


def test_an_empty_database_is_upgraded_to_the_schema_on_first_use(store_url: str) -> None:
    store = Store.open(store_url)
    expected = {name: {c.name for c in table.columns} for name, table in t.metadata.tables.items()}
    assert _columns(store.engine) == expected
    indexes = {i["name"] for i in sa.inspect(store.engine).get_indexes("runs")}
    assert "ix_runs_started_at" in indexes
    with store.engine.connect() as conn:
        assert current_revision(conn) == HEAD
    store.close()


def test_a_store_made_by_the_previous_revision_is_upgraded_with_its_runs(
    store_url: str,
) -> None:
    engine = make_engine(store_url)
    upgrade(engine, "0001")  # the revision the rows below are written for
    with engine.begin() as conn:
        assert current_revision(conn) == "0001"
        assert "rerun_of" not in {c["name"] for c in sa.inspect(conn).get_columns("runs")}
        # a run as revision 0001 wrote it
        conn.execute(
            sa.text(
                "INSERT INTO scenarios (hash, name, title, content, created_at) "
                "VALUES (:h, 'old', 'Old', '{}', :now)"
            ),
            {"h": "a" * 64, "now": datetime.now(UTC)},
        )
        conn.execute(
            sa.text(
                "INSERT INTO runs (uid, kind, status, label, options, seed, forceplan_version,"
                " started_at, finished_at, duration_s, timings, host, pid, headline) VALUES"
                " ('u1', 'plan', 'finished', 'old', :opts, NULL, '0.0.9', :now, :now, 1.5,"
                " :timings, 'elsewhere', 1, :head)"
            ),
            {"opts": json.dumps({"backstop": True}), "now": datetime.now(UTC),
             "timings": json.dumps({"plan_s": 1.0}), "head": json.dumps({"cost_usd_m": 7.0})},
        )
        conn.execute(sa.text("INSERT INTO run_scenarios VALUES (1, 0, :h, 'old')"),
                     {"h": "a" * 64})
    engine.dispose()

    store = Store.open(store_url)
    (run,) = store.list_runs()
    assert (run.kind, run.status, run.forceplan_version) == ("plan", "finished", "0.0.9")
    assert run.options == {"backstop": True} and run.headline == {"cost_usd_m": 7.0}
    assert run.rerun_of is None
    assert store.get_run(run.id).scenarios == [("old", "a" * 64)]
    # and the upgraded store records new runs with the new columns
    new = store.start_run("plan", [], {}, rerun_of=run.id)
    assert store.get_run(new).rerun_of == run.id
    store.close()


def test_a_store_written_by_a_newer_forceplan_is_refused_untouched(store_url: str) -> None:
    Store.open(store_url).close()
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(StoreError, match=r"newer forceplan \(schema revision 9999"):
        Store.open(store_url)
    engine = make_engine(store_url)
    with engine.connect() as conn:
        assert current_revision(conn) == "9999"
    engine.dispose()


def test_a_database_that_is_not_a_store_is_refused(store_url: str) -> None:
    engine = make_engine(store_url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE runs (x INTEGER)"))
    engine.dispose()
    with pytest.raises(StoreError, match="not a forceplan run store"):
        Store.open(store_url)


def test_concurrent_first_use_upgrades_once(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            Store.open(url).close()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Store.open(url).count_runs() == 0


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://forceplan@127.0.0.1:1/none", "cannot open the run store at postgresql"),
        ("sqlite:////no/such/folder/runs.sqlite", "folder /no/such/folder does not exist"),
        ("mysql://x@y/z", "unsupported database 'mysql'"),
        ("not a url", "is not a database URL"),
    ],
)
def test_a_store_that_cannot_be_opened_says_why(url: str, message: str) -> None:
    with pytest.raises(StoreError, match=message):
        Store.open(url)


def test_passwords_are_not_printed() -> None:
    with pytest.raises(StoreError) as caught:
        Store.open("postgresql://me:s3cret@127.0.0.1:1/none")
    assert "s3cret" not in str(caught.value)
