"""Runs outside the request: a worker that dies, and a server that stops, leave no run
'running' for ever."""

from __future__ import annotations

import os
import signal
import time

from conftest import FLAGSHIP, Web

from forceplan.web.jobs import Runner


def _wait_until_simulating(web: Web, run_id: int) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        progress = web.client.get(f"/api/runs/{run_id}").json()["progress"]
        if progress and progress["stage"] == "simulating":
            return
        time.sleep(0.1)
    raise AssertionError("the run never started simulating")


def test_a_worker_killed_mid_run_fails_its_run_and_the_next_run_works(sqlite_web: Web) -> None:
    run_id = sqlite_web.start(kind="simulate", scenarios=[FLAGSHIP], draws=200_000)
    _wait_until_simulating(sqlite_web, run_id)
    runner: Runner = sqlite_web.client.app.state.services.runner  # type: ignore[attr-defined]
    pool = runner._pool
    assert pool is not None
    for pid in list(pool._processes):  # type: ignore[attr-defined]
        os.kill(pid, signal.SIGKILL)
    run = sqlite_web.wait(run_id)
    assert run["status"] == "failed" and "died" in run["error"]
    assert sqlite_web.client.get(f"/api/runs/{run_id}/results").status_code == 409
    again = sqlite_web.start(kind="plan", scenarios=["iiss-small"])
    assert sqlite_web.wait(again)["status"] == "finished"


def test_stopping_the_server_fails_the_runs_it_was_computing(sqlite_web: Web) -> None:
    run_id = sqlite_web.start(kind="simulate", scenarios=[FLAGSHIP], draws=200_000)
    _wait_until_simulating(sqlite_web, run_id)
    runner: Runner = sqlite_web.client.app.state.services.runner  # type: ignore[attr-defined]
    workers = list(runner._pool._processes.values())  # type: ignore[union-attr]
    runner.close(wait=False)
    info = sqlite_web.store.get_run(run_id)
    assert info.status == "failed" and "server stopped" in (info.error or "")
    assert all(not w.is_alive() for w in workers)
