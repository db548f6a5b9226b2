"""The same sweep on a real Dask cluster (a scheduler and two workers on 127.0.0.1)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from explore_helpers import RANGED, rows
from test_explore_resume import cli

DASK = str(Path(sys.executable).with_name("dask"))
ARGS = ["-n", "2000", "--plans", "3", "--seed", "21", "--chunk-size", "400"]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(DASK).exists():
        pytest.fail(f"{DASK} not found: install forceplan[explore] (dask distributed)")
    where = tmp_path_factory.mktemp("dask")
    sched_file = where / "scheduler.json"
    env = {**os.environ, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    procs = [subprocess.Popen(
        [DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(sched_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)]
    try:
        deadline = time.monotonic() + 60
        address = ""
        while not address and time.monotonic() < deadline:  # written in more than one step
            time.sleep(0.1)
            with contextlib.suppress(OSError, ValueError, KeyError):
                address = json.loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        for i in range(2):
            procs.append(subprocess.Popen(
                [DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--name", f"w{i}", "--local-directory", str(where / f"w{i}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env))
        from distributed import Client

        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_a_sweep_on_the_cluster_equals_the_local_run(cluster: str, tmp_path: Path) -> None:
    local = cli("explore", str(RANGED), "--out", str(tmp_path / "local"), *ARGS)
    assert local.returncode == 0, local.stderr
    remote = cli("explore", str(RANGED), "--out", str(tmp_path / "dask"), "--cluster", cluster,
                 *ARGS)
    assert remote.returncode == 0, remote.stderr
    assert "Dask cluster" in remote.stdout and "2 workers" in " ".join(remote.stdout.split())
    assert rows(tmp_path / "dask").equals(rows(tmp_path / "local"))
    shutil.rmtree(tmp_path / "dask" / "chunks")
    resumed = cli("explore", str(RANGED), "--out", str(tmp_path / "dask"), "--cluster", cluster,
                  "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert rows(tmp_path / "dask").equals(rows(tmp_path / "local"))


def test_an_unreachable_cluster_is_a_clear_error(tmp_path: Path) -> None:
    started = time.monotonic()
    done = cli("explore", str(RANGED), "--out", str(tmp_path / "x"), "--cluster",
               "tcp://127.0.0.1:9", "--connect-timeout", "2", "-n", "10")
    assert done.returncode == 2
    assert "cannot reach a Dask scheduler at tcp://127.0.0.1:9" in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr
    assert time.monotonic() - started < 60
    assert not (tmp_path / "x").exists()


def test_a_malformed_cluster_address_is_refused(tmp_path: Path) -> None:
    done = cli("explore", str(RANGED), "--out", str(tmp_path / "x"), "--cluster", "localhost")
    assert done.returncode == 2 and "is not a scheduler address" in done.stderr
