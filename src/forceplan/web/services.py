"""What the API and the pages share: the store, the runner, sign-in, and reading runs.

Everything here calls the stages' own functions: the store for runs and
results, the report for charts, the map, the HTML report and the workbook.
A finished run never changes, so what is drawn from it is kept in a small
cache (dropped when the run is deleted).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from forceplan.store import RunInfo, Store, StoreError
from forceplan.web.auth import Auth
from forceplan.web.jobs import Runner
from forceplan.web.settings import WebSettings

if TYPE_CHECKING:
    from forceplan.report.model import ReportRun

CACHE_SIZE = 32


class Services:
    def __init__(self, settings: WebSettings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.auth = Auth(store, settings.open_reads)
        self.runner = Runner(store, settings.workers)
        self._cache: OrderedDict[tuple[int, str], Any] = OrderedDict()
        self._lock = threading.Lock()
        self._vega: str | None = None

    def close(self) -> None:
        self.runner.close(wait=False)

    def prewarm(self) -> None:
        """Build the chart runtime and start a worker, in the background."""
        threading.Thread(target=self.vega_bundle, name="forceplan-prewarm", daemon=True).start()
        self.runner.prewarm()

    # -- caching finished runs --------------------------------------------

    def cached(self, info: RunInfo, what: str, make: Callable[[], Any]) -> Any:
        if info.status != "finished":
            return make()
        key = (info.id, what)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        value = make()
        with self._lock:
            self._cache[key] = value
            while len(self._cache) > CACHE_SIZE:
                self._cache.popitem(last=False)
        return value

    def forget(self, run_id: int) -> None:
        with self._lock:
            for key in [k for k in self._cache if k[0] == run_id]:
                del self._cache[key]

    def vega_bundle(self) -> str:
        """The Vega, Vega-Lite and Vega-Embed runtime, from vl-convert (as the report inlines)."""
        if self._vega is None:
            from forceplan.report.html import vega_bundle

            with self._lock:
                if self._vega is None:
                    self._vega = vega_bundle()
        return self._vega

    # -- runs --------------------------------------------------------------

    def run_dict(self, info: RunInfo) -> dict[str, Any]:
        d = info.to_dict()
        progress = self.runner.progress.get(info.id)
        return {
            "id": info.id, "kind": info.kind, "status": info.status, "label": info.label,
            "scenarios": d["scenarios"], "options": clean(info.options), "seed": info.seed,
            "forceplan_version": info.forceplan_version, "started_at": d["started_at"],
            "finished_at": d["finished_at"], "duration_s": info.duration_s,
            "error": info.error, "headline": clean(info.headline),
            "progress": progress.to_dict() if progress and info.status == "running" else None,
            "url": f"/runs/{info.id}",
        }

    def results(self, info: RunInfo) -> list[dict[str, Any]]:
        def make() -> list[dict[str, Any]]:
            out = []
            for r in self.store.load_results(info.id):
                tables = {
                    name: {"columns": [str(c) for c in frame.columns],
                           "rows": clean(frame.to_numpy(dtype=object).tolist())}
                    for name, frame in r.tables.items()
                }
                out.append({"kind": r.kind, "label": r.label, "meta": clean(r.meta),
                            "tables": tables})
            return out

        return list(self.cached(info, "results", make))

    def report_run(self, info: RunInfo) -> ReportRun:
        from forceplan.store.reporting import load_report_run

        return self.cached(info, "report-run", lambda: load_report_run(self.store, info.id))

    def charts(self, info: RunInfo) -> dict[str, dict[str, Any]]:
        from forceplan.report.charts import run_charts

        def make() -> dict[str, dict[str, Any]]:
            run = self.report_run(info)
            charts = run_charts(run.plans, run.dataset, run.comparison)
            return {name: clean(chart.to_dict()) for name, chart in charts.items()}

        return dict(self.cached(info, "charts", make))

    def map(self, info: RunInfo) -> dict[str, Any]:
        from forceplan.report.maps import map_frame, mission_map

        def make() -> dict[str, Any]:
            run = self.report_run(info)
            if not run.plans or not run.scenarios:
                raise StoreError(f"run {info.id} has no plan to map")
            label, plan = run.plans[0]
            scenario = dict(run.scenarios).get(label, run.scenarios[0][1])
            frame = map_frame(scenario, plan)
            items = [
                {"kind": r["kind"], "name": r["name"], "where": r["where"],
                 "nations": r["nations"], "placed": bool(r["placed"])}
                for r in frame.to_dict(orient="records")
            ]
            return {"phase": str(frame.attrs.get("phase", "")),
                    "spec": clean(mission_map(scenario, plan).to_dict()), "items": items}

        return dict(self.cached(info, "map", make))

    def report_html(self, info: RunInfo) -> str:
        from forceplan.report.html import html_report

        return str(self.cached(info, "html", lambda: html_report([self.report_run(info)])))

    def report_xlsx(self, info: RunInfo) -> bytes:
        from forceplan.report.excel import workbook_bytes

        return bytes(self.cached(info, "xlsx", lambda: workbook_bytes([self.report_run(info)])))

    def compare(self, infos: list[RunInfo]) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
        """Headline numbers side by side, and the simulated outcomes' bands as one chart."""
        import pandas as pd

        from forceplan.report.charts import compare_side_by_side

        rows: list[dict[str, Any]] = []
        frames = []
        draws = 0
        for info in infos:
            rows.append({"run": info.id, "kind": info.kind, "label": info.label,
                         **clean(info.headline)})
            if info.status != "finished" or info.kind != "simulate":
                continue
            for r in self.store.load_results(info.id):
                outcomes = r.tables.get("outcomes")
                if r.kind == "dataset" and outcomes is not None and len(outcomes):
                    frame = outcomes.copy()
                    frame.insert(0, "scenario", f"run {info.id}: {info.label}")
                    frames.append(frame)
                    draws = max(draws, int(r.meta.get("draws", 0) or 0))
        if not frames:
            return rows, None
        joined = pd.concat(frames, ignore_index=True)
        joined.attrs["draws"] = draws
        chart = compare_side_by_side(joined).properties(
            title="Side by side: median and 5-95th percentile of each run's draws (runs "
            "simulated separately, not paired draw by draw)")
        return rows, clean(chart.to_dict())


def clean(value: Any) -> Any:
    """JSON-ready: numpy scalars to Python, NaN and infinities to None, tuples to lists."""
    if hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        if set(value) == {"__float__"}:
            return None
        if set(value) == {"__tuple__"}:
            return clean(value["__tuple__"])
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
