"""A run killed (SIGKILL) at any point is never shown as finished, and the store stays whole.

The child processes below record a run whose results are large enough that
writing them takes a while; the parent kills them while the Dataset file is
being written, right after it was renamed into place (the results
transaction comes next), and while the CLI is still computing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from forceplan.store import Store, StoreError
from forceplan.store import schema as t

HERE = Path(__file__).parent
TINY = str(HERE.parent / "fixtures" / "tiny.toml")

CHILD = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, sys.argv[2])
    import numpy as np, pandas as pd, xarray as xr
    from store_helpers import tiny
    from forceplan.store import ResultPart, Store
    from forceplan.store.direct import DirectRecorder

    store = DirectRecorder.open(sys.argv[1]) if sys.argv[3] == "direct" else Store.open(sys.argv[1])
    assert store is not None
    run_id = store.start_run("simulate", [("tiny", tiny())], {"draws": 1})
    values = np.random.default_rng(0).random((3000, 3000))  # 72 MB, slow to compress
    big = xr.Dataset({"x": (("a", "b"), values)})
    table = pd.DataFrame({"v": np.arange(200_000, dtype=float)})
    print(run_id, Store.open(sys.argv[1]).get_run(run_id).uid, flush=True)
    store.finish_run(run_id, [ResultPart("dataset", "big", {}, {"rows": table}, big)])
    print("finished", flush=True)
    """
)


def _kill_when(
    url: str, ready: Callable[[Path], bool], timeout: float = 60, how: str = "store"
) -> tuple[int, bool]:
    """Start the child (recording through Store, or ``how="direct"`` the direct recorder),
    SIGKILL it as soon as ``ready(run_folder)``; (run id, killed in time)."""
    if how == "direct":
        Store.open(url).close()  # the direct recorder writes only to a ready store
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, url, str(HERE), how], stdout=subprocess.PIPE, text=True,
        env=os.environ.copy(),
    )
    assert child.stdout is not None
    run_id, uid = child.stdout.readline().split()
    folder = Store.open(url).files / uid
    deadline = time.monotonic() + timeout
    while not ready(folder) and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    in_time = child.poll() is None
    child.send_signal(signal.SIGKILL)
    child.wait()
    child.stdout.close()
    return int(run_id), in_time


def _assert_consistent(url: str, run_id: int) -> str:
    store = Store.open(url)
    if store.engine.dialect.name == "sqlite":
        with store.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    info = store.get_run(run_id)
    with store.engine.connect() as conn:
        results = conn.execute(
            sa.select(sa.func.count()).select_from(t.run_results)
            .where(t.run_results.c.run_id == run_id)
        ).scalar()
    if info.status == "finished":  # the kill came after the commit: everything is there
        (part,) = store.load_results(run_id)
        part.files[0].verify()
        assert len(part.tables["rows"]) == 200_000
    else:
        assert info.status == "abandoned"
        assert results == 0  # no result half-stored
        with pytest.raises(StoreError, match="abandoned"):
            store.load_results(run_id)
    assert [r.status for r in store.list_runs() if r.id == run_id] == [info.status]
    store.close()
    return info.status


def _writing_file(folder: Path) -> bool:
    return folder.is_dir() and any(p.name.endswith(".tmp") for p in folder.iterdir())


def _file_in_place(folder: Path) -> bool:
    return (folder / "0-dataset.npz").exists()


def test_killed_while_writing_the_dataset_file(store_url: str) -> None:
    run_id, in_time = _kill_when(store_url, _writing_file)
    assert in_time, "the file write finished before the kill; make the child's data larger"
    assert _assert_consistent(store_url, run_id) == "abandoned"


def test_a_direct_recording_killed_mid_way_is_abandoned(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    run_id, in_time = _kill_when(url, _writing_file, how="direct")
    assert in_time, "the file write finished before the kill; make the child's data larger"
    assert _assert_consistent(url, run_id) == "abandoned"
    run_id, in_time = _kill_when(url, _file_in_place, how="direct")
    assert _assert_consistent(url, run_id) == "abandoned" or not in_time


def test_killed_after_the_file_before_the_results_commit(store_url: str) -> None:
    run_id, in_time = _kill_when(store_url, _file_in_place)
    status = _assert_consistent(store_url, run_id)
    assert status == "abandoned" or not in_time


def test_a_cli_run_killed_while_computing_is_abandoned(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'runs.sqlite'}"
    Store.open(url).close()
    child = subprocess.Popen(
        [sys.executable, "-c", "from forceplan.cli import main; main()", "simulate", TINY,
         "--draws", "5000000", "--db", url],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    store = Store.open(url)
    deadline = time.monotonic() + 60
    while not store.list_runs() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert child.poll() is None, "the simulation ended before it could be killed"
    assert [r.status for r in store.list_runs()] == ["running"]
    child.send_signal(signal.SIGKILL)
    child.wait()
    (run,) = store.list_runs()
    assert (run.recorded_status, run.status) == ("running", "abandoned")
