"""What the store knows about a run (without its results)."""

from __future__ import annotations

import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from forceplan.store.liveness import effective_status

#: packages whose versions are recorded with every run
RECORDED_PACKAGES = ("numpy", "pandas", "xarray", "highspy", "pydantic", "scipy")


def utc(value: datetime) -> datetime:
    """SQLite hands back naive datetimes; every time in the store is UTC."""
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def environment() -> dict[str, str]:
    """Python, platform and library versions, for reproducing a run elsewhere.

    A library already imported reports its own ``__version__`` (package metadata is
    slower to read); one not imported by this run is left out.
    """
    import sys
    from importlib.metadata import PackageNotFoundError, version

    env = {"python": platform.python_version(), "platform": platform.platform()}
    for package in RECORDED_PACKAGES:
        if package not in sys.modules:
            continue
        found = getattr(sys.modules[package], "__version__", None)
        if not isinstance(found, str):
            try:
                found = version(package)
            except PackageNotFoundError:
                continue
        env[package] = found
    return env


@dataclass(frozen=True)
class RunInfo:
    """One run: what was asked (kind, scenarios, options, seed), by which version, and how it
    went. ``status`` is what readers should see (``running``, ``finished``, ``failed`` or
    ``abandoned``: a run whose process died); ``recorded_status`` is the row as written."""

    id: int
    uid: str
    kind: str
    status: str
    recorded_status: str
    label: str
    options: dict[str, Any]
    seed: int | None
    forceplan_version: str
    started_at: datetime
    finished_at: datetime | None
    duration_s: float | None
    timings: dict[str, float]
    host: str
    pid: int
    error: str | None
    headline: dict[str, Any]
    rerun_of: int | None = None
    environment: dict[str, str] = field(default_factory=dict)
    scenarios: list[tuple[str, str]] = field(default_factory=list)  # (label, content hash)

    @classmethod
    def from_row(
        cls,
        row: Mapping[str, Any] | Any,
        now: datetime | None = None,
        json_columns: dict[str, Any] | None = None,
    ) -> RunInfo:
        """From a row of the runs table; ``json_columns``: its JSON columns, decoded
        (with tags undone, see serialize.from_json_value)."""
        docs = json_columns if json_columns is not None else row
        started = utc(row["started_at"])
        finished = row["finished_at"]
        return cls(
            id=int(row["id"]),
            uid=str(row["uid"]),
            kind=str(row["kind"]),
            status=effective_status(
                str(row["status"]), row["host"], row["pid"], row["pid_started"], started, now
            ),
            recorded_status=str(row["status"]),
            label=str(row["label"]),
            options=docs["options"] or {},
            seed=None if row["seed"] is None else int(row["seed"]),
            forceplan_version=str(row["forceplan_version"]),
            started_at=started,
            finished_at=utc(finished) if finished is not None else None,
            duration_s=row["duration_s"],
            timings=docs["timings"] or {},
            host=str(row["host"]),
            pid=int(row["pid"]),
            error=row["error"],
            headline=docs["headline"] or {},
            rerun_of=row["rerun_of"],
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready (times as ISO 8601 in UTC)."""
        return {
            "id": self.id,
            "uid": self.uid,
            "kind": self.kind,
            "status": self.status,
            "label": self.label,
            "scenarios": [{"label": lab, "hash": h} for lab, h in self.scenarios] or None,
            "options": self.options,
            "seed": self.seed,
            "forceplan_version": self.forceplan_version,
            "started_at": self.started_at.isoformat(),
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
            "duration_s": self.duration_s,
            "timings": self.timings,
            "host": self.host,
            "pid": self.pid,
            "error": self.error,
            "headline": self.headline,
            "rerun_of": self.rerun_of,
            "environment": self.environment or None,
        }
