"""Benchmark the run store and the report.

Run: ``python bench/bench_store.py`` (``--reps N`` for more repetitions).

Prints one table row per measure (issue 9 targets in brackets):

* recording cost of ``forceplan plan reassurance-2025`` (solved, and from
  the plan cache) and of ``forceplan simulate reassurance-2025 --draws 10000
  --seed 7``: the real command in a fresh process, with the store and with
  ``--no-store``, alternated run by run (median of N each), in wall time and
  in CPU time (the process and its children; steadier on a shared machine)
  [< 5%]; and, in one process, the store's own work for the same run (open,
  record running, write the results) against the work itself;
* ``runs`` over a store holding 10,000 runs: ``Store.list_runs`` of all of
  them in process, and the command (``runs``, the newest 20; ``runs --all
  --json``) in a fresh process [< 0.5 s for the listing];
* the size of the flagship's report (plan and 10,000-draw simulation, and
  with the five-way comparison added) [< 5 MB].

Every store lives in a temporary folder; nothing touches the user's own.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from rich.console import Console
from rich.table import Table

FLAGSHIP = "reassurance-2025"
COMPARED = ["reassurance-2025", "reassurance-2025-no-backstop", "iiss-small", "iiss-large",
            "no-force"]
CLI = [sys.executable, "-c", "from forceplan.cli import main; main()"]


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one command in a fresh process, its children included."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(CLI + args, env=env, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu


def wall(args: list[str], env: dict[str, str]) -> float:
    return timed(args, env)[0]


def cli_overhead(
    args: list[str], env: dict[str, str], reps: int
) -> tuple[float, float, float, float]:
    """Median (wall, CPU) seconds without and with recording, alternated to share the noise."""
    wall(args + ["--no-store"], env)  # warm the file cache, the plan cache, the store's schema
    wall(args, env)
    bare, stored = [], []
    for _ in range(reps):
        bare.append(timed(args + ["--no-store"], env))
        stored.append(timed(args, env))
    return (statistics.median(b[0] for b in bare), statistics.median(s[0] for s in stored),
            statistics.median(b[1] for b in bare), statistics.median(s[1] for s in stored))


def in_process_cost(url: str, reps: int) -> list[tuple[str, float, float, float, float]]:
    """(what, work wall s, store wall s, work CPU s, store CPU s), medians over ``reps``.

    CPU time (this process's user + system time) is the steadier measure on a
    shared machine; the store's work is done here inline (the CLI overlaps it
    with the solve and with printing).
    """
    from forceplan import load_scenario, plan_scenario
    from forceplan.simulate import simulate_plan
    from forceplan.store import Store, dataset_result, plan_result
    from forceplan.store.headline import headline

    scenario = load_scenario(FLAGSHIP)
    rows = []
    for what in ("plan", "simulate 10,000 draws"):
        samples = []
        for _ in range(reps):
            wall0, cpu0 = time.perf_counter(), time.process_time()
            result = plan_scenario(scenario)
            ds = simulate_plan(scenario, result, 10_000, 7) if what != "plan" else None
            wall1, cpu1 = time.perf_counter(), time.process_time()
            store = Store.open(url)
            run_id = store.start_run(what, [(scenario.name, scenario)], {})
            parts = [plan_result(result)] + ([dataset_result(ds)] if ds is not None else [])
            store.finish_run(run_id, parts, headline=headline(parts))
            store.close()
            wall2, cpu2 = time.perf_counter(), time.process_time()
            samples.append((wall1 - wall0, wall2 - wall1, cpu1 - cpu0, cpu2 - cpu1))
        rows.append((what, *(statistics.median(s[k] for s in samples) for k in range(4))))
    return rows


def fill_store(url: str, n: int) -> None:
    """``n`` runs: one real plan recorded, then copies of its row (fresh ids and uids)."""
    import sqlalchemy as sa

    from forceplan import load_scenario, plan_scenario
    from forceplan.store import Store, plan_result
    from forceplan.store import schema as t
    from forceplan.store.headline import headline

    store = Store.open(url)
    scenario = load_scenario(FLAGSHIP)
    parts = [plan_result(plan_scenario(scenario))]
    first = store.start_run("plan", [(scenario.name, scenario)], {"backstop": None})
    store.finish_run(first, parts, headline=headline(parts))
    with store.engine.begin() as conn:
        row = dict(conn.execute(sa.select(t.runs).where(t.runs.c.id == first)).one()._mapping)
        row.pop("id")
        copies = [{**row, "uid": uuid.uuid4().hex} for _ in range(n - 1)]
        conn.execute(t.runs.insert(), copies)
    store.close()


def time_listing(url: str, env: dict[str, str], reps: int) -> dict[str, float]:
    from forceplan.store import Store

    store = Store.open(url)
    api = []
    for _ in range(reps):
        start = time.perf_counter()
        runs = store.list_runs(limit=None)
        api.append(time.perf_counter() - start)
    assert len(runs) == 10_000, len(runs)
    return {
        "api": statistics.median(api),
        "runs": statistics.median(wall(["runs"], env) for _ in range(reps)),
        "runs --all --json": statistics.median(
            wall(["runs", "--all", "--json"], env) for _ in range(reps)),
        "import": statistics.median(
            wall(["--help"], env) for _ in range(reps)),
    }


def report_sizes(folder: Path, env: dict[str, str]) -> dict[str, float]:
    """Bytes of the flagship's report: plan and simulation; then with the comparison too."""
    subprocess.run(CLI + ["simulate", FLAGSHIP, "--draws", "10000", "--seed", "7"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    subprocess.run(CLI + ["compare", *COMPARED, "--draws", "10000", "--seed", "7"], env=env,
                   check=True, stdout=subprocess.DEVNULL)
    one, both = folder / "flagship.html", folder / "flagship-and-compare.html"
    subprocess.run(CLI + ["report", "1", "--html", str(one)], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run(CLI + ["report", "1", "2", "--html", str(both), "--xlsx",
                          str(folder / "both.xlsx")], env=env, check=True,
                   stdout=subprocess.DEVNULL)
    return {"simulate": one.stat().st_size, "simulate + compare": both.stat().st_size}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="forceplan-bench-store-"))
    env = {**os.environ, "FORCEPLAN_DB": f"sqlite:///{folder / 'runs.sqlite'}"}
    table = Table(title="Run store and report", title_justify="left")
    for col in ("measure", "without store", "with store", "added", "target"):
        table.add_column(col, justify="left" if col == "measure" else "right")

    for what, cmd in (("plan, solved (--no-cache)", ["plan", FLAGSHIP, "--no-cache"]),
                      ("plan, from the plan cache", ["plan", FLAGSHIP]),
                      ("simulate 10,000 draws",
                       ["simulate", FLAGSHIP, "--draws", "10000", "--seed", "7"])):
        bare, stored, bare_cpu, stored_cpu = cli_overhead(cmd, env, args.reps)
        table.add_row(f"{what} (CLI wall)", f"{bare:.2f} s", f"{stored:.2f} s",
                      f"{100 * (stored / bare - 1):+.1f}%", "< 5%")
        table.add_row(f"{what} (CLI CPU)", f"{bare_cpu:.2f} s", f"{stored_cpu:.2f} s",
                      f"{100 * (stored_cpu / bare_cpu - 1):+.1f}%", "")
    costs = in_process_cost(f"sqlite:///{folder / 'api.sqlite'}", args.reps)
    for what, work, store_s, work_cpu, store_cpu in costs:
        table.add_row(f"{what}, store's own work (in process, wall)", f"{work:.2f} s",
                      f"+{store_s:.3f} s", f"{100 * store_s / work:+.1f}%", "")
        table.add_row(f"{what}, store's own work (in process, CPU)", f"{work_cpu:.2f} s",
                      f"+{store_cpu:.3f} s", f"{100 * store_cpu / work_cpu:+.1f}%", "")

    listing_url = f"sqlite:///{folder / 'many.sqlite'}"
    fill_store(listing_url, 10_000)
    listing = time_listing(listing_url, {**env, "FORCEPLAN_DB": listing_url}, args.reps)
    table.add_row("list 10,000 runs, Store.list_runs (in process)", "", f"{listing['api']:.3f} s",
                  "", "< 0.5 s")
    for name in ("runs", "runs --all --json"):
        table.add_row(f"forceplan {name} over 10,000 runs (CLI wall)", "",
                      f"{listing[name]:.2f} s", f"start-up {listing['import']:.2f} s", "")

    report_env = {**env, "FORCEPLAN_DB": f"sqlite:///{folder / 'report.sqlite'}"}
    for name, size in report_sizes(folder, report_env).items():
        table.add_row(f"flagship report, {name} (HTML)", "", f"{size / 1e6:.2f} MB", "", "< 5 MB")
    Console().print(table)
    print(f"(stores and reports in {folder}; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
