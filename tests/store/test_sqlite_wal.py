"""WAL mode is entered even while another connection holds the database briefly."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest

from forceplan.store.sqlite_wal import enter_wal


def _locked(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("CREATE TABLE IF NOT EXISTS t (x)")
    holder.execute("BEGIN EXCLUSIVE")
    return holder


def test_waits_out_a_brief_exclusive_lock(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    holder = _locked(path)
    waiting = sqlite3.connect(path, timeout=0, isolation_level=None)  # no busy handler
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        waiting.execute("PRAGMA journal_mode = WAL")  # what the retry is for
    threading.Timer(0.3, holder.rollback).start()
    started = time.monotonic()
    enter_wal(waiting)
    assert time.monotonic() - started >= 0.25
    assert waiting.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_gives_up_at_the_timeout(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    holder = _locked(path)
    waiting = sqlite3.connect(path, timeout=0, isolation_level=None)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        enter_wal(waiting, timeout_ms=100)
    holder.rollback()


def test_other_errors_are_not_retried() -> None:
    closed = sqlite3.connect(":memory:")
    closed.close()
    with pytest.raises(sqlite3.ProgrammingError):
        enter_wal(closed)
