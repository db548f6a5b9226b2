"""A stored run as the report stage's input (for `forceplan report` and the web app)."""

from __future__ import annotations

from forceplan.report.model import ReportRun
from forceplan.store.errors import StoreError
from forceplan.store.reproduce import scenarios_of
from forceplan.store.results import DATASET, FRAME, PLAN
from forceplan.store.store import Store


def load_report_run(store: Store, ref: str | int) -> ReportRun:
    """The run's record (with its files), scenarios and results; StoreError if unfinished."""
    info = store.get_run(ref)
    if info.status != "finished":
        raise StoreError(f"run {info.id} is {info.status}: it has no results to report")
    results = store.load_results(info.id)
    record = info.to_dict()
    record["files"] = [
        {"role": f.role, "path": str(f.path), "sha256": f.sha256, "bytes": f.bytes}
        for r in results
        for f in r.files
    ]
    run = ReportRun(record=record, scenarios=scenarios_of(store, info))
    for result in results:
        if result.kind == PLAN:
            run.plans.append((result.label, result.plan()))
        elif result.kind == DATASET:
            run.dataset = result.dataset()
        elif result.kind == FRAME:
            run.comparison = result.frame()
    return run
