"""The run store's API on both backends: record, list, read back, fail, abandon, delete."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
import xarray as xr
from store_helpers import tiny, tiny_plan, tiny_simulation

from forceplan.simulate import compare
from forceplan.store import (
    Store,
    StoreError,
    dataset_result,
    frame_result,
    plan_result,
)
from forceplan.store import schema as t
from forceplan.store.headline import headline


@pytest.fixture
def store(store_url: str) -> Store:
    opened = Store.open(store_url)
    yield opened
    opened.close()


def record_plan(store: Store) -> int:
    run_id = store.start_run("plan", [("tiny", tiny())], {"backstop": None})
    parts = [plan_result(tiny_plan())]
    store.finish_run(run_id, parts, timings={"plan_s": 0.5}, headline=headline(parts))
    return run_id


def test_a_plan_comes_back_identical(store: Store) -> None:
    run_id = record_plan(store)
    (stored,) = store.load_results(run_id)
    again = stored.plan()
    for name, frame in tiny_plan().to_frames().items():
        pd.testing.assert_frame_equal(again.to_frames()[name], frame, check_exact=True)
    assert again.to_json() == tiny_plan().to_json()
    assert again.notes == tiny_plan().notes and isinstance(again.notes, tuple)


def test_the_run_row_holds_what_reproduces_it(store: Store) -> None:
    run_id = record_plan(store)
    info = store.get_run(run_id)
    assert (info.kind, info.status, info.label) == ("plan", "finished", "tiny")
    assert info.scenarios == [("tiny", tiny_plan().scenario_hash)]
    assert info.options == {"backstop": None}
    assert info.forceplan_version and info.environment["python"]
    assert info.timings == {"plan_s": 0.5}
    assert info.finished_at is not None and info.finished_at >= info.started_at
    # worked out by hand from tests/fixtures/tiny.toml: sustain 2 x 600 + 250 people;
    # cost 500 US$m a year for 12 months, then 100 + 300 for the 12-month drawdown
    assert info.headline["peak_deployed"] == 1450
    assert info.headline["cost_usd_m"] == 900
    assert info.headline["unmet_units"] == 0
    # the scenario is stored once, by content hash, and reads back to the same hash
    assert store.scenario(info.scenarios[0][1]) == tiny()


def test_a_simulation_keeps_its_dataset_in_a_checksummed_file(store: Store) -> None:
    ds = tiny_simulation()
    run_id = store.start_run("simulate", [("tiny", tiny())], {"draws": 400}, seed=3)
    store.finish_run(run_id, [plan_result(tiny_plan()), dataset_result(ds)])
    plan_part, data_part = store.load_results(run_id)
    (stored_file,) = data_part.files
    assert stored_file.path.is_file() and stored_file.bytes == stored_file.path.stat().st_size
    again = data_part.dataset()
    xr.testing.assert_identical(again, ds)
    summary = data_part.tables["summary"]
    p50 = summary[(summary.metric == "p_offensive") & (summary.year == 2)]["p50"].item()
    assert p50 == float(ds["summary_p_offensive"].sel(stat="p50", year=2))
    assert store.get_run(run_id).seed == 3


def test_a_comparison_keeps_its_frame_and_attrs(store: Store) -> None:
    frame = compare([tiny(), tiny()], 100, 1, labels=["a", "b"], plans=[tiny_plan()] * 2)
    run_id = store.start_run("compare", [("a", tiny()), ("b", tiny())], {"draws": 100}, seed=1)
    store.finish_run(run_id, [frame_result(frame)], headline=headline([frame_result(frame)]))
    again = store.load_results(run_id)[0].frame()
    pd.testing.assert_frame_equal(again, frame, check_exact=True)
    assert again.attrs == frame.attrs
    info = store.get_run(run_id)
    assert info.label == "a vs b" and info.headline == {"scenarios": 2}
    assert [h for _, h in info.scenarios] == [tiny_plan().scenario_hash] * 2


def test_runs_are_listed_newest_first(store: Store) -> None:
    ids = [record_plan(store) for _ in range(3)]
    other = store.start_run("simulate", [("tiny", tiny())], {})
    assert [r.id for r in store.list_runs()] == [other, *reversed(ids)]
    assert [r.id for r in store.list_runs(limit=2)] == [other, ids[2]]
    assert [r.id for r in store.list_runs(kind="plan", limit=None)] == list(reversed(ids))
    assert store.count_runs() == 4 and store.count_runs("plan") == 3
    assert store.resolve("latest") == other


def test_a_failed_run_has_no_results(store: Store) -> None:
    run_id = store.start_run("plan", [("tiny", tiny())], {})
    store.fail_run(run_id, "tiny: no plan")
    info = store.get_run(run_id)
    assert (info.status, info.error) == ("failed", "tiny: no plan")
    with pytest.raises(StoreError, match="failed, so it has no results"):
        store.load_results(run_id)
    with pytest.raises(StoreError, match="already failed"):
        store.finish_run(run_id, [])


def test_a_run_whose_process_died_is_abandoned_never_finished(store: Store) -> None:
    code = (
        "import sys; sys.path.insert(0, sys.argv[2]);"
        "from store_helpers import tiny; from forceplan.store import Store;"
        "s = Store.open(sys.argv[1]); print(s.start_run('plan', [('tiny', tiny())], {}))"
    )
    here = os.path.dirname(__file__)
    done = subprocess.run([sys.executable, "-c", code, store.url, here], capture_output=True,
                          text=True, check=True, env=os.environ.copy())
    run_id = int(done.stdout.split()[-1])
    info = store.get_run(run_id)
    assert (info.recorded_status, info.status) == ("running", "abandoned")
    with pytest.raises(StoreError, match="abandoned"):
        store.load_results(run_id)


def test_liveness_across_hosts_and_reused_process_ids(store: Store) -> None:
    alive = store.start_run("plan", [("tiny", tiny())], {})
    assert store.get_run(alive).status == "running"  # this very process
    with store.engine.begin() as conn:
        conn.execute(t.runs.update().where(t.runs.c.id == alive).values(pid_started=1))
    assert store.get_run(alive).status == "abandoned"  # our pid, but started at another time
    old = datetime.now(UTC) - timedelta(days=30)
    for started, expected in ((datetime.now(UTC), "running"), (old, "abandoned")):
        run_id = store.start_run("plan", [("tiny", tiny())], {})
        with store.engine.begin() as conn:
            conn.execute(t.runs.update().where(t.runs.c.id == run_id)
                         .values(host="elsewhere", started_at=started))
        assert store.get_run(run_id).status == expected


def test_unknown_runs_are_named_with_the_store(store: Store) -> None:
    with pytest.raises(StoreError, match=r"no run 999 in the run store at"):
        store.get_run(999)
    with pytest.raises(StoreError, match="not a run id"):
        store.get_run("banana")
    with pytest.raises(StoreError, match="holds no runs yet"):
        store.get_run("latest")


def test_a_changed_or_missing_file_is_reported(store: Store) -> None:
    run_id = store.start_run("simulate", [("tiny", tiny())], {})
    store.finish_run(run_id, [dataset_result(tiny_simulation())])
    (part,) = store.load_results(run_id)
    path = part.files[0].path
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(StoreError, match="is corrupt"):
        part.dataset()
    path.unlink()
    with pytest.raises(StoreError, match="is missing"):
        part.dataset()


def test_delete_removes_rows_and_files(store: Store) -> None:
    run_id = store.start_run("simulate", [("tiny", tiny())], {})
    store.finish_run(run_id, [plan_result(tiny_plan()), dataset_result(tiny_simulation())])
    folder = store.files / store.get_run(run_id).uid
    assert folder.is_dir()
    store.delete_run(run_id)
    assert not folder.exists()
    with pytest.raises(StoreError, match=f"no run {run_id}"):
        store.get_run(run_id)
    with store.engine.connect() as conn:
        for table in (t.run_results, t.result_tables, t.result_files, t.run_scenarios):
            assert conn.execute(sa.select(sa.func.count()).select_from(table)).scalar() == 0
        # the scenario stays: other runs may share it
        assert conn.execute(sa.select(sa.func.count()).select_from(t.scenarios)).scalar() == 1


def test_tables_keep_every_value_and_dtype_through_the_database(store: Store) -> None:
    frame = pd.DataFrame(
        {
            "name": ["a", "b", "c"],
            "count": np.array([1, -2, 2**53 + 1], dtype=np.int64),
            "share": [0.1 + 0.2, float("nan"), float("-inf")],
            "tiny": [5e-324, 1.7976931348623157e308, -0.0],
            "flag": [True, False, True],
            "mixed": ["x", None, 3],
        }
    ).set_index("name")
    empty = pd.DataFrame({"x": pd.Series([], dtype=float)})
    run_id = store.start_run("test", [], {})
    from forceplan.store import ResultPart

    store.finish_run(run_id, [ResultPart("frame", "t", {"gap": float("inf")},
                                         {"rows": frame, "empty": empty})])
    (part,) = store.load_results(run_id)
    pd.testing.assert_frame_equal(part.tables["rows"], frame, check_exact=True)
    pd.testing.assert_frame_equal(part.tables["empty"], empty)
    assert np.signbit(part.tables["rows"]["tiny"].iloc[2])
    assert part.frame().attrs == {"gap": float("inf")}


def test_a_dataset_written_in_the_background_is_stored_whole(store: Store) -> None:
    ds = tiny_simulation()
    run_id = store.start_run("simulate", [("tiny", tiny())], {})
    parts = [plan_result(tiny_plan()), dataset_result(ds)]
    pending = store.write_files(run_id, parts, background=True)
    assert pending[0] is None and pending[1] is not None
    store.finish_run(run_id, parts, files=pending)
    xr.testing.assert_identical(store.load_results(run_id)[1].dataset(), ds)


def test_a_failed_background_write_fails_the_finish_not_the_store(store: Store) -> None:
    run_id = store.start_run("simulate", [("tiny", tiny())], {})
    store.files.mkdir(parents=True, exist_ok=True)
    (store.files / store.get_run(run_id).uid).write_text("a file where the folder goes")
    parts = [dataset_result(tiny_simulation())]
    pending = store.write_files(run_id, parts, background=True)
    with pytest.raises(StoreError, match="cannot write"):
        store.finish_run(run_id, parts, files=pending)
    assert store.get_run(run_id).recorded_status == "running"  # nothing committed
    with store.engine.connect() as conn:
        count = sa.select(sa.func.count()).select_from(t.run_results)
        assert conn.execute(count).scalar() == 0


def test_one_store_serves_threads_reading_while_another_records(store: Store) -> None:
    """What a web app does with one Store: concurrent readers, a writer, no error."""
    import threading

    first = record_plan(store)
    errors: list[BaseException] = []
    stop = threading.Event()

    def read() -> None:
        try:
            while not stop.is_set():
                assert store.list_runs(limit=5)
                store.load_results(first)[0].plan()
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    readers = [threading.Thread(target=read) for _ in range(6)]
    for thread in readers:
        thread.start()
    try:
        written = [record_plan(store) for _ in range(5)]
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert errors == []
    assert [r.status for r in store.list_runs(limit=None) if r.id in written] == ["finished"] * 5


def test_prune_removes_failed_and_abandoned_runs_and_stray_files(store: Store) -> None:
    kept = record_plan(store)
    failed = store.start_run("plan", [("tiny", tiny())], {})
    store.fail_run(failed, "no")
    dead = store.start_run("plan", [("tiny", tiny())], {})
    with store.engine.begin() as conn:  # a process that no longer exists
        conn.execute(t.runs.update().where(t.runs.c.id == dead).values(pid=2**22 + 1))
    running = store.start_run("plan", [("tiny", tiny())], {})  # this process: alive
    stray = store.files / "0123456789abcdef"
    stray.mkdir(parents=True)
    (stray / "0-dataset.npz").write_bytes(b"left by a killed run")
    assert store.prune() == (2, 1)
    assert sorted(r.id for r in store.list_runs(limit=None)) == [kept, running]
    assert not stray.exists()


def test_the_largest_seed_is_kept_exactly(store: Store) -> None:
    run_id = store.start_run("simulate", [("tiny", tiny())], {"seed": 2**64 - 1}, seed=2**64 - 1)
    info = store.get_run(run_id)
    assert info.seed == 2**64 - 1 and info.options["seed"] == 2**64 - 1
