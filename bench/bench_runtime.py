"""Benchmark start-up, plan and simulate under load: before and after, side by side.

Run: ``python bench/bench_runtime.py [--before REF] [--repeat 5]``

The code of git revision REF (default: the commit before the runtime work
of issue 6) is checked out in a temporary worktree; every measure runs the
same command in a fresh process against both source trees, alternately
(before, after, before, after, ...), while another process keeps one core
busy. The table shows the median of each and the ratio before/after; the
spread (min-max) is printed below it. Every CLI run starts with a cold plan
cache (an empty cache folder), except the row marked "warm cache".

Targets (issue 6), with a cold plan cache and one core busy: flagship
``forceplan plan`` under 2 s; ``forceplan simulate`` with 10,000 draws under
2 s.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

REPO = Path(__file__).resolve().parents[1]
#: The last commit before the runtime half of issue 6.
BASELINE = "ef8ce87"
CLI = "import sys; from forceplan.cli import main; sys.argv[0] = 'forceplan'; main()"

# in-process measures, run by a fresh interpreter against each tree; each prints seconds
SIMULATE_IN_PROCESS = """
import time
from forceplan import load_scenario
try:
    from forceplan.plan import plan_scenario
except ImportError:  # a baseline from before the rename
    from forceplan.plan import plan as plan_scenario
from forceplan.simulate import simulate_plan
s = load_scenario("reassurance-2025")
p = plan_scenario(s)
simulate_plan(s, p, 1000, 7)
t = time.perf_counter()
simulate_plan(s, p, {draws}, 7)
print(time.perf_counter() - t)
"""
QUANTILE_FLUSH = """
import importlib, time, tracemalloc
import numpy as np
q = importlib.import_module("forceplan.simulate.quantiles")
rng = np.random.default_rng(0)
blocks = [rng.lognormal(8, 0.5, size=(1024, 5, 30)) for _ in range(64)]
def run():
    d = q.Distribution((5, 30), exact_limit=10, total=200_000)
    for b in blocks:
        d.add(b)
    d.stats()
t = time.perf_counter()
run()
seconds = time.perf_counter() - t
tracemalloc.start()
run()
print(seconds, tracemalloc.get_traced_memory()[1] / 1e6)
"""
PLAN_OVERRUN = """
import sys, time
sys.path.insert(0, {bench!r})
from bench_plan import plan_scenario, synthetic_scenario  # either tree's planner
s = synthetic_scenario(2025, 80, 30, 8, 12)
t = time.perf_counter()
try:
    r = plan_scenario(s, time_limit_s={limit})
    status = r.status
except Exception as exc:
    status = type(exc).__name__
print(time.perf_counter() - t, status)
"""


@contextmanager
def worktree(ref: str) -> Any:
    """A detached checkout of ``ref`` in a temporary folder (removed afterwards)."""
    folder = Path(tempfile.mkdtemp(prefix="forceplan-before-"))
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "-q", str(folder), ref],
        check=True,
    )
    try:
        yield folder
    finally:
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "remove", "--force", str(folder)], check=False
        )


@contextmanager
def busy_core() -> Any:
    """Another process keeping one core busy for the whole run."""
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        yield
    finally:
        spinner.kill()
        spinner.wait()


def run_timed(src: Path, argv: list[str], cache: str | None = None) -> tuple[float, str]:
    """Wall seconds of ``python argv`` with ``src`` first on the path, and its stdout."""
    env = {**os.environ, "PYTHONPATH": str(src), "COLUMNS": "100"}
    env.pop("FORCEPLAN_NO_CACHE", None)
    with tempfile.TemporaryDirectory() as cold:
        env["FORCEPLAN_CACHE_DIR"] = cache or cold
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, *argv], env=env, capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"{argv} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def side_by_side(
    trees: dict[str, Path], repeat: int, measure: Callable[[Path], float]
) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {name: [] for name in trees}
    for _ in range(repeat):
        for name, src in trees.items():
            out[name].append(measure(src))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default=BASELINE, help="git revision of the 'before' code")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--limit", type=float, default=2.0, help="time limit for the overrun row")
    args = parser.parse_args()

    rows: list[tuple[str, dict[str, list[float]], str]] = []
    extra: list[str] = []
    with worktree(args.before) as before, busy_core():
        trees = {"before": before / "src", "after": REPO / "src"}

        def cli(*argv: str, cache: str | None = None) -> Callable[[Path], float]:
            return lambda src: run_timed(src, ["-c", CLI, *argv], cache)[0]

        rows.append(("forceplan --help", side_by_side(trees, args.repeat, cli("--help")), "s"))
        rows.append(
            (
                "plan flagship (CLI)",
                side_by_side(trees, args.repeat, cli("plan", "reassurance-2025")),
                "s",
            )
        )
        sim = ("simulate", "reassurance-2025", "-n", str(args.draws))
        rows.append(
            (f"simulate {args.draws:,} (CLI)", side_by_side(trees, args.repeat, cli(*sim)), "s")
        )
        with tempfile.TemporaryDirectory() as warm:
            for src in trees.values():  # fill the cache once (the "before" code has none)
                run_timed(src, ["-c", CLI, "plan", "reassurance-2025"], warm)
            rows.append(
                (
                    f"simulate {args.draws:,}, warm cache",
                    side_by_side(trees, args.repeat, cli(*sim, cache=warm)),
                    "s",
                )
            )

        def snippet(code: str, field: int = 0) -> Callable[[Path], float]:
            def measure(src: Path) -> float:
                _, out = run_timed(src, ["-c", textwrap.dedent(code)])
                return float(out.split()[field])

            return measure

        code = SIMULATE_IN_PROCESS.format(draws=args.draws)
        rows.append(
            (f"simulate_plan {args.draws:,}", side_by_side(trees, args.repeat, snippet(code)), "s")
        )
        flush_s: dict[str, list[float]] = {name: [] for name in trees}
        flush_mb: dict[str, list[float]] = {name: [] for name in trees}
        for _ in range(args.repeat):
            for name, src in trees.items():
                _, out = run_timed(src, ["-c", textwrap.dedent(QUANTILE_FLUSH)])
                seconds, peak = out.split()
                flush_s[name].append(float(seconds))
                flush_mb[name].append(float(peak))
        rows.append(("quantiles, 65,536 draws", flush_s, "s"))
        rows.append(("  peak memory", flush_mb, "MB"))
        overrun: dict[str, list[float]] = {name: [] for name in trees}
        code = PLAN_OVERRUN.format(bench=str(REPO / "bench"), limit=args.limit)
        for _ in range(max(1, args.repeat // 2)):
            for name, src in trees.items():
                _, out = run_timed(src, ["-c", textwrap.dedent(code)])
                seconds, status = out.split()
                overrun[name].append(float(seconds))
                extra.append(f"{name}: {args.limit:g} s limit -> {float(seconds):.2f} s, {status}")
        rows.append((f"plan 80x30x8x12, {args.limit:g} s limit", overrun, "s"))

    table = Table(title=f"forceplan runtime, one core busy (median of {args.repeat})")
    for col in ("measure", "before", "after", "before/after"):
        table.add_column(col, justify="left" if col == "measure" else "right")
    for name, values, unit in rows:
        b, a = statistics.median(values["before"]), statistics.median(values["after"])
        table.add_row(name, f"{b:.2f} {unit}", f"{a:.2f} {unit}", f"{b / a:.1f}x")
    console = Console(width=80)
    console.print(table)
    console.print(f"before = {args.before}, after = working tree; spread (min-max):")
    for name, values, unit in rows:
        spread = ", ".join(
            f"{k} {min(v):.2f}-{max(v):.2f}" for k, v in values.items()
        )
        console.print(f"  {name}: {spread} {unit}", highlight=False)
    for line in extra:
        console.print(f"  {line}", highlight=False)
    console.print(
        "targets with a cold plan cache and one core busy: plan CLI < 2 s, "
        f"simulate {args.draws:,} CLI < 2 s",
        highlight=False,
    )


if __name__ == "__main__":
    main()
