"""Killed and resumed runs, corrupted chunks, a directory of another run: nothing finished lost."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest
from explore_helpers import RANGED, TINY, rows

ARGS = ["-n", "3000", "--plans", "3", "--seed", "11", "--chunk-size", "150"]


FORCEPLAN = [sys.executable, "-c", "from forceplan.cli import main; main()"]


def cli(*args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """The CLI in a fresh process (what a user runs)."""
    return subprocess.run([*FORCEPLAN, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "COLUMNS": "100"})


@pytest.fixture(scope="module")
def whole(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run, the reference."""
    out = tmp_path_factory.mktemp("whole") / "run"
    done = cli("explore", str(RANGED), "--out", str(out), "--workers", "1", *ARGS)
    assert done.returncode == 0, done.stderr
    return out


def test_a_run_killed_mid_way_resumes_to_the_same_rows(whole: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    cmd = [*FORCEPLAN, "explore", str(RANGED), "--out", str(out), "--workers", "1", *ARGS]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    journal = out / "journal.jsonl"
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            lines = journal.read_text().count('"chunk:') if journal.exists() else 0
            if lines >= 2:
                break
            time.sleep(0.02)
        helpers = psutil.Process(proc.pid).children(recursive=True)
        os.kill(proc.pid, signal.SIGKILL)  # the run, mid-write or not; its workers see it go
        proc.wait()
        _, alive = psutil.wait_procs(helpers, timeout=30)
        assert not alive, f"workers outlived the run: {alive}"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    manifest = json.loads((out / "manifest.json").read_text())
    assert not manifest["complete"], "the run finished before it could be killed"
    entries = [json.loads(line) for line in journal.read_text().splitlines()]
    rows_done = sum(e["rows"] for e in entries if e["item"].startswith("chunk:"))
    finished = sum(1 for e in entries if e["item"].startswith("chunk:"))
    assert 2 <= finished < len(manifest["chunks"])
    before = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").glob("*.parquet")}

    done = cli("explore", str(RANGED), "--out", str(out), "--resume")
    assert done.returncode == 0, done.stderr
    assert f"this run: {3000 - rows_done:,} experiments" in " ".join(done.stdout.split())
    assert rows(out).equals(rows(whole))
    after = {p.name: p.stat().st_mtime_ns for p in (out / "chunks").glob("*.parquet")}
    recorded = json.loads((out / "manifest.json").read_text())["finished"]
    assert len([e for e in recorded if e.startswith("chunk:")]) == len(manifest["chunks"])
    # chunks finished before the kill were not written again
    kept = [n for n in before if n in after and before[n] == after[n]]
    assert len(kept) >= finished


def test_a_corrupted_chunk_is_named_set_aside_and_redone(whole: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    subprocess.run(["cp", "-r", str(whole), str(out)], check=True)
    victim = sorted((out / "chunks").glob("*.parquet"))[3]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    others = {p: p.stat().st_mtime_ns for p in (out / "chunks").glob("*.parquet")
              if p != victim}

    done = cli("explore", str(RANGED), "--out", str(out), "--resume")
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    assert f"chunks/{victim.name}" in message and "checksum" in message
    assert (victim.parent / (victim.name + ".corrupt")).exists()
    assert rows(out).equals(rows(whole))
    assert all(p.stat().st_mtime_ns == t for p, t in others.items())


def test_a_directory_of_another_scenario_is_refused(whole: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    subprocess.run(["cp", "-r", str(whole), str(out)], check=True)
    stamp = {p: p.stat().st_mtime_ns for p in out.rglob("*")}
    done = cli("explore", str(TINY), "--out", str(out), "--resume")
    assert done.returncode == 2
    message = " ".join(done.stderr.split())
    theirs = json.loads((whole / "manifest.json").read_text())["scenario"]["hash"]
    assert "scenario hash" in message and theirs in message and "refusing to mix" in message
    assert {p: p.stat().st_mtime_ns for p in out.rglob("*")} == stamp


def test_a_directory_with_results_is_not_overwritten_without_resume(whole: Path) -> None:
    stamp = {p: p.stat().st_mtime_ns for p in whole.rglob("*")}
    done = cli("explore", str(RANGED), "--out", str(whole), *ARGS)
    assert done.returncode == 2 and "--resume" in done.stderr
    assert {p: p.stat().st_mtime_ns for p in whole.rglob("*")} == stamp


def test_resume_with_other_settings_says_which_differs(whole: Path) -> None:
    done = cli("explore", str(RANGED), "--out", str(whole), "--resume", "--seed", "12")
    assert done.returncode == 2
    assert "--seed is 11, this run's is 12" in " ".join(done.stderr.split())
