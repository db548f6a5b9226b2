"""Putting an SQLite connection into WAL mode, waiting out a brief exclusive lock.

SQLite's busy timeout does not cover every moment a WAL database is locked:
while the last connection to it closes (it checkpoints and removes the WAL
under an exclusive lock) or while a new WAL is set up, another connection's
``PRAGMA journal_mode = WAL`` fails at once with "database is locked" (the
SQLite documentation, "Sometimes queries return SQLITE_BUSY in WAL mode").
Those locks last milliseconds, so the pragma is retried, with a growing pause,
for up to the busy timeout. Kept free of SQLAlchemy: the direct recorder uses
it too.
"""

from __future__ import annotations

import sqlite3
import time
from typing import Any

#: How long a connection waits for another's lock, in milliseconds (db.py and direct.py).
BUSY_TIMEOUT_MS = 30_000


def enter_wal(cursor: Any, timeout_ms: int = BUSY_TIMEOUT_MS) -> None:
    """``PRAGMA journal_mode = WAL`` on a DB-API cursor or connection, retried while locked."""
    deadline = time.monotonic() + timeout_ms / 1000
    pause = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            transient = "locked" in str(exc) or "busy" in str(exc)
            if not transient or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.2)
