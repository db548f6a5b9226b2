"""Benchmark the web dashboard on a stored 10,000-draw simulation of the flagship.

Prints one table:

* API latency, p50 and p95, of reading the stored result (GET
  /api/runs/ID/results) and the run record (GET /api/runs/ID) under 8
  concurrent readers on loopback (target: p95 < 200 ms); the first,
  uncached read of the results is shown on its own row;
* time to first paint and to first contentful paint of the run page in
  Debian's Chromium, headless (target < 1 s), and the time until every
  chart and the map are drawn, median of a few loads.

The store is a throwaway SQLite file; the server is uvicorn in a thread,
as `forceplan serve` runs it.

Usage: python bench/bench_web.py [--readers 8] [--requests 40] [--loads 5]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from forceplan import load_scenario, plan_scenario
from forceplan.simulate import simulate_plan
from forceplan.store import Store, dataset_result, plan_result
from forceplan.store.headline import headline
from forceplan.web import create_app
from forceplan.web.settings import WebSettings

CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking",
                 "--disable-component-update", "--disable-gpu"]


def stored_simulation(store: Store, draws: int) -> int:
    scenario = load_scenario("reassurance-2025")
    run_id = store.start_run("simulate", [(scenario.name, scenario)],
                             {"scenario": "reassurance-2025", "draws": draws, "seed": 0,
                              "months": None, "backstop": None, "keep_draws": 1000}, seed=0)
    result = plan_scenario(scenario)
    ds = simulate_plan(scenario, result, draws, 0, keep_draws=1000)
    parts = [plan_result(result), dataset_result(ds)]
    store.finish_run(run_id, parts, headline=headline(parts))
    return run_id


def serve(app: object) -> tuple[uvicorn.Server, str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,  # type: ignore[arg-type]
                                           log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}"


def latencies(base: str, path: str, readers: int, requests: int) -> list[float]:
    times: list[float] = []
    lock = threading.Lock()

    def reader() -> None:
        with httpx.Client(base_url=base, timeout=60) as client:
            for _ in range(requests):
                start = time.perf_counter()
                response = client.get(path)
                elapsed = time.perf_counter() - start
                response.raise_for_status()
                with lock:
                    times.append(elapsed)

    threads = [threading.Thread(target=reader) for _ in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return times


def p(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def paint_times(base: str, run_id: int, loads: int) -> dict[str, list[float]]:
    from playwright.sync_api import sync_playwright

    out: dict[str, list[float]] = {"first-paint": [], "first-contentful-paint": [], "drawn": []}
    chromium_path = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{base}/runs/{run_id}")  # warm: the Vega runtime and the charts cached
        page.wait_for_function("() => document.body.dataset.chartsDrawn === 'yes'",
                               timeout=120_000)
        for _ in range(loads):
            page.goto(f"{base}/runs/{run_id}")
            page.wait_for_function("() => document.body.dataset.chartsDrawn === 'yes'",
                                   timeout=120_000)
            paints = page.evaluate(
                "() => Object.fromEntries(performance.getEntriesByType('paint')"
                ".map(e => [e.name, e.startTime]))")
            drawn = page.evaluate("() => performance.now()")
            for name in ("first-paint", "first-contentful-paint"):
                out[name].append(paints[name] / 1000)
            out["drawn"].append(drawn / 1000)
        browser.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--readers", type=int, default=8)
    parser.add_argument("--requests", type=int, default=40, help="requests per reader")
    parser.add_argument("--loads", type=int, default=5, help="page loads in Chromium")
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="forceplan-bench-web-"))
    try:
        store = Store.open(f"sqlite:///{folder / 'runs.sqlite'}", files=folder / "files")
        run_id = stored_simulation(store, args.draws)
        app = create_app(WebSettings(scenario_dir=folder / "scenarios"), store=store)
        server, base = serve(app)
        with httpx.Client(base_url=base, timeout=120) as client:
            start = time.perf_counter()
            client.get(f"/api/runs/{run_id}/results").raise_for_status()
            cold = time.perf_counter() - start
        rows = [("results, first read (uncached)", cold, cold)]
        for label, path in (("results", f"/api/runs/{run_id}/results"),
                            ("run record", f"/api/runs/{run_id}")):
            times = latencies(base, path, args.readers, args.requests)
            rows.append((f"{label}, {args.readers} readers x {args.requests}",
                         statistics.median(times), p(times, 95)))
        paints = paint_times(base, run_id, args.loads)
        server.should_exit = True
        store.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    print(f"forceplan web: stored flagship simulation of {args.draws:,} draws")
    print(f"{'API read':<40} {'p50 ms':>8} {'p95 ms':>8}  target p95 < 200 ms")
    for label, p50, p95 in rows:
        print(f"{label:<40} {p50 * 1000:>8.1f} {p95 * 1000:>8.1f}")
    print(f"{'run page in Chromium (median of ' + str(args.loads) + ')':<40} {'s':>8}"
          "  target first paint < 1 s")
    for name, label in (("first-paint", "first paint"),
                        ("first-contentful-paint", "first contentful paint"),
                        ("drawn", "every chart and the map drawn")):
        print(f"{label:<40} {statistics.median(paints[name]):>8.2f}")


if __name__ == "__main__":
    main()
