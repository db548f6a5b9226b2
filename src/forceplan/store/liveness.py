"""Is the process that recorded a 'running' run still alive?

A run is inserted as ``running`` when it starts and set to ``finished`` (or
``failed``) in one transaction when it ends, so a process killed in between
leaves a ``running`` row behind. Readers never show such a row as finished:
on the recording host a dead process id (or one reused by a process started
later) makes it ``abandoned``; from another host, where the process cannot
be seen, a run older than :data:`STALE_AFTER_S` is taken as abandoned.
"""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

#: a run still 'running' after this long, recorded on another host, is shown as abandoned
STALE_AFTER_S = 7 * 24 * 3600


def this_host() -> str:
    return socket.gethostname()


def _proc_stat(pid: int) -> list[str] | None:
    """Fields 3 onwards of /proc/PID/stat (state, ppid, ...), or None where there is none."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the command name (field 2) is in parentheses and may hold spaces
    return stat.rsplit(")", 1)[1].split()


def process_start(pid: int) -> int | None:
    """The start time of process ``pid`` in clock ticks since boot (Linux), or None."""
    fields = _proc_stat(pid)
    try:
        return None if fields is None else int(fields[19])  # field 22 overall
    except (IndexError, ValueError):
        return None


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (killed, not yet reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        pass
    fields = _proc_stat(pid)
    return not (fields and fields[0] in ("Z", "X"))


def effective_status(
    status: str,
    host: str,
    pid: int,
    pid_started: int | None,
    started_at: datetime,
    now: datetime | None = None,
) -> str:
    """``status`` as readers should see it: a dead 'running' run becomes 'abandoned'."""
    if status != "running":
        return status
    if host == this_host():
        if not pid_alive(pid):
            return "abandoned"
        if pid_started is not None and process_start(pid) not in (None, pid_started):
            return "abandoned"  # the id now belongs to another process
        return "running"
    now = now or datetime.now(UTC)
    if (now - started_at).total_seconds() > STALE_AFTER_S:
        return "abandoned"
    return "running"
