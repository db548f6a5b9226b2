"""The rows a run writes, as plain dicts: shared by :class:`Store` and the direct recorder.

Building the rows is the same whichever way they are written (SQLAlchemy in
store.py, the standard library's sqlite3 in direct.py), so it lives here,
free of any database library. Column names are those of schema.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forceplan.store.arrays import FORMAT as ARRAYS_FORMAT
from forceplan.store.files import PendingFile
from forceplan.store.liveness import process_start, this_host
from forceplan.store.results import ResultPart
from forceplan.store.runinfo import environment
from forceplan.store.serialize import encode_frame, to_json_value

if TYPE_CHECKING:
    from forceplan.scenario import Scenario

#: (label, scenario, content hash, canonical JSON) of each scenario of a run
Doc = tuple[str, "Scenario", str, str]


def scenario_docs(scenarios: Sequence[tuple[str, Scenario]]) -> list[Doc]:
    """Each scenario with the canonical JSON that forceplan.scenario.scenario_hash digests."""
    docs = []
    for label, scenario in scenarios:
        content = json.dumps(
            scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":")
        )
        docs.append((label, scenario, hashlib.sha256(content.encode()).hexdigest(), content))
    return docs


def scenario_rows(docs: Sequence[Doc], present: set[str], now: datetime) -> list[dict[str, Any]]:
    """Rows of ``scenarios`` for the documents not ``present`` yet (each hash once)."""
    new: dict[str, dict[str, Any]] = {}
    for _label, scenario, digest, content in docs:
        if digest not in present:
            new[digest] = {"hash": digest, "name": scenario.name, "title": scenario.title,
                           "content": content, "created_at": now}
    return list(new.values())


def run_row(
    kind: str,
    docs: Sequence[Doc],
    options: dict[str, Any],
    seed: int | None,
    rerun_of: int | None,
    now: datetime,
) -> dict[str, Any]:
    """The ``runs`` row of a run that starts now (status ``running``)."""
    from forceplan import __version__

    return {
        "uid": uuid.uuid4().hex,
        "kind": kind,
        "status": "running",
        "label": " vs ".join(label for label, *_ in docs),
        "options": to_json_value(options),
        "seed": None if seed is None else str(seed),
        "forceplan_version": __version__,
        "started_at": now,
        "host": this_host(),
        "pid": os.getpid(),
        "pid_started": process_start(os.getpid()),
        "rerun_of": rerun_of,
        "environment": environment(),
    }


def run_scenario_rows(run_id: int, docs: Sequence[Doc]) -> list[dict[str, Any]]:
    return [{"run_id": run_id, "position": k, "scenario_hash": digest, "label": label}
            for k, (label, _s, digest, _c) in enumerate(docs)]


def pending_files(
    root: Path, uid: str, results: Sequence[ResultPart], background: bool
) -> list[PendingFile | None]:
    """Start writing the results' Datasets (one file per result that has one)."""
    return [
        None if part.dataset is None else PendingFile(
            part.dataset, root / uid / f"{position}-dataset.npz", background)
        for position, part in enumerate(results)
    ]


def file_rows(root: Path, pending: Sequence[PendingFile | None]) -> list[list[dict[str, Any]]]:
    """Wait for each result's file; its ``result_files`` rows (without ``result_id``)."""
    written: list[list[dict[str, Any]]] = []
    for file in pending:
        if file is None:
            written.append([])
            continue
        digest, size = file.result()
        written.append([{"role": "dataset", "path": file.path.relative_to(root).as_posix(),
                         "format": ARRAYS_FORMAT, "sha256": digest, "bytes": size}])
    return written


def result_row(run_id: int, position: int, part: ResultPart) -> dict[str, Any]:
    return {"run_id": run_id, "position": position, "kind": part.kind, "label": part.label,
            "meta": to_json_value(part.meta)}


def table_rows(result_id: int, part: ResultPart) -> list[dict[str, Any]]:
    rows = []
    for name, frame in part.tables.items():
        columns, values = encode_frame(frame)
        rows.append({"result_id": result_id, "name": name, "columns": columns, "rows": values,
                     "n_rows": len(values)})
    return rows


def finished_values(
    started: datetime, now: datetime, timings: dict[str, float] | None,
    headline: dict[str, Any] | None,
) -> dict[str, Any]:
    """What ``runs`` gets when a run finishes."""
    return {"status": "finished", "finished_at": now,
            "duration_s": (now - started).total_seconds(),
            "timings": to_json_value(timings or {}), "headline": to_json_value(headline or {})}


def failed_values(started: datetime, now: datetime, error: str) -> dict[str, Any]:
    """What ``runs`` gets when a run fails."""
    return {"status": "failed", "finished_at": now,
            "duration_s": (now - started).total_seconds(), "error": error}
