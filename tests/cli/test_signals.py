"""Interrupted and killed runs: one line, the right exit code, never a half-replaced output.

Each run is a real `forceplan` process. ``FORCEPLAN_TEST_PAUSE_BETWEEN_WRITES``
makes it pause after each temporary output file is written (and say so on
stderr), so the signal lands between two files of one output set: the
outputs must then be all old (or, after a completed run, all new), and
temporary files must be gone (Ctrl-C, SIGTERM) or cleaned by the next run
(SIGKILL).
"""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from cli_process import TINY, run, scenario_toml, start

CSV_NAMES = ["allocations.csv", "flank.csv", "nations.csv", "phases.csv", "shortfalls.csv"]


def _pause_after(nth: int) -> dict[str, str]:
    """Environment: pause (a minute) after the ``nth`` temporary file is written."""
    return {"FORCEPLAN_TEST_PAUSE_BETWEEN_WRITES": f"60@{nth}", "FORCEPLAN_NO_CACHE": "1"}


def _wait_for_pause(proc: subprocess.Popen) -> None:
    """Block until the process says it has paused (read from its stderr)."""
    assert proc.stderr is not None
    while True:
        line = proc.stderr.readline()
        assert line, f"process ended before pausing (exit {proc.wait()})"
        if "forceplan-test: paused between writes" in line:
            return


def _old_outputs(tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "plan.json"
    out.write_text("old json\n")
    tables = tmp_path / "tables"
    tables.mkdir()
    for name in CSV_NAMES:
        (tables / name).write_text(f"old {name}\n")
    return out, tables


def _assert_all_old(out: Path, tables: Path) -> None:
    assert out.read_text() == "old json\n"
    assert sorted(p.name for p in tables.iterdir()) == CSV_NAMES
    for name in CSV_NAMES:
        assert (tables / name).read_text() == f"old {name}\n"


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if ".forceplan-" in p.name]


@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
@pytest.mark.parametrize("pauses", [1, 3])
def test_signal_between_files_keeps_every_old_output(
    tmp_path: Path, sig: signal.Signals, code: int, word: str, pauses: int
) -> None:
    out, tables = _old_outputs(tmp_path)
    env = _pause_after(pauses)
    proc = start("plan", str(TINY), "--json", str(out), "--csv", str(tables), env=env)
    _wait_for_pause(proc)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code
    assert err.strip().splitlines() == [f"forceplan: {word}; unfinished outputs were discarded"]
    _assert_all_old(out, tables)
    assert _temporaries(tmp_path) == []


def test_sigkill_leaves_old_outputs_and_the_next_run_cleans_up(tmp_path: Path) -> None:
    out, tables = _old_outputs(tmp_path)
    env = _pause_after(2)
    proc = start("plan", str(TINY), "--json", str(out), "--csv", str(tables), env=env)
    _wait_for_pause(proc)
    proc.kill()
    proc.wait(timeout=60)
    _assert_all_old(out, tables)
    left = _temporaries(tmp_path)
    assert left, "a killed run leaves its temporaries (nothing can remove them)"
    assert all(".forceplan-tmp" in p.name for p in left)
    done = run("plan", str(TINY), "--json", str(out), "--csv", str(tables))
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("{")
    assert (tables / "allocations.csv").read_text().startswith("phase,")
    assert _temporaries(tmp_path) == []


def test_simulate_json_and_netcdf_are_replaced_together(tmp_path: Path) -> None:
    """Before the fix the JSON was renamed into place before the netCDF was written."""
    out, nc = tmp_path / "s.json", tmp_path / "s.nc"
    out.write_text("old json\n")
    nc.write_bytes(b"old netcdf\n")
    args = ["simulate", str(TINY), "-n", "20", "--json", str(out), "--netcdf", str(nc)]
    proc = start(*args, env=_pause_after(1))
    _wait_for_pause(proc)  # the JSON is written, the netCDF not yet
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=60)
    assert proc.returncode == 130
    assert out.read_text() == "old json\n" and nc.read_bytes() == b"old netcdf\n"
    assert _temporaries(tmp_path) == []
    done = run(*args)
    assert done.returncode == 0, done.stderr
    assert out.read_text().startswith("{") and nc.read_bytes()[:4] == b"\x89HDF"


def test_killed_csv_run_into_a_shared_folder_keeps_other_files(tmp_path: Path) -> None:
    """A folder holding other files is filled file by file; a kill leaves the old CSVs."""
    out, tables = _old_outputs(tmp_path)
    (tables / "mine.txt").write_text("mine\n")
    proc = start("plan", str(TINY), "--csv", str(tables), env=_pause_after(2))
    _wait_for_pause(proc)
    proc.kill()
    proc.wait(timeout=60)
    assert (tables / "mine.txt").read_text() == "mine\n"
    for name in CSV_NAMES:
        assert (tables / name).read_text() == f"old {name}\n"
    done = run("plan", str(TINY), "--csv", str(tables))
    assert done.returncode == 0, done.stderr
    assert (tables / "mine.txt").read_text() == "mine\n"
    assert _temporaries(tmp_path) == []


@pytest.mark.parametrize("delay", [0.2, 0.5, 1.0])
def test_ctrl_c_during_start_up_is_one_line_and_exit_130(delay: float) -> None:
    proc = start("plan", str(TINY), env={"FORCEPLAN_NO_CACHE": "1"})
    time.sleep(delay)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err
    if proc.returncode == 0:  # it had already finished
        return
    assert proc.returncode == 130
    assert err.strip().splitlines() == ["forceplan: interrupted; unfinished outputs were discarded"]


def test_a_closed_pipe_is_not_a_traceback() -> None:
    proc = start("sources", str(TINY))
    assert proc.stdout is not None
    proc.stdout.readline()
    proc.stdout.close()
    _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err


def test_ctrl_c_while_the_solver_works_exits_at_once(tmp_path: Path) -> None:
    """An 80-nation, 12-phase plan takes many seconds; Ctrl-C during it exits
    at once (not when HiGHS next looks at its clock), in one line."""
    import sys

    sys.path.insert(0, str(Path(__file__).parents[2] / "bench"))
    try:
        from bench_plan import synthetic_scenario
    finally:
        sys.path.pop(0)
    source = tmp_path / "big.toml"
    data = synthetic_scenario(2025, 80, 30, 8, 12).model_dump(mode="json", exclude_none=True)
    source.write_text(scenario_toml(data))
    proc = start("plan", str(source), "--no-cache", "--time-limit", "600")
    assert proc.stderr is not None
    time.sleep(4.0)
    assert proc.poll() is None, proc.communicate()
    sent = time.perf_counter()
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert time.perf_counter() - sent < 10
    assert proc.returncode == 130, err
    assert err.strip().splitlines() == ["forceplan: interrupted; unfinished outputs were discarded"]
