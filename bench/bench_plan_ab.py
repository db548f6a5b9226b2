"""Before and after, side by side: the planner of another git revision against this tree.

Run: ``python bench/bench_plan_ab.py --baseline REF`` (REF: a commit, branch or
tag, e.g. ``main``; checked out into a temporary git worktree and removed
afterwards), or ``--baseline-src PATH`` for a ``src`` directory you already
have. Each round plans the flagship and the seeded synthetic scenario
(bench/bench_plan.py), or the bundled scenarios named in ``--cases`` (e.g.
``--cases flagship,iiss-large``), once with the baseline and once with this
tree, in fresh processes, alternating, so machine load hits both alike.
Prints the median wall and CPU time of ``plan_scenario()`` (after one warm-up call in
the same process, so imports and first-call set-up are excluded), the status,
and the ratio after / before. Issue 7's budget: the flagship no more than 30%
slower, the synthetic case still "optimal".
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from rich.console import Console
from rich.table import Table

HERE = Path(__file__).resolve().parent
CURRENT_SRC = HERE.parent / "src"

#: Runs in a fresh interpreter with PYTHONPATH set to one tree's src.
PROBE = """
import json, sys, time
sys.path.insert(0, {bench!r})
try:
    from forceplan.plan import plan_scenario
except ImportError:  # a baseline from before the rename
    from forceplan.plan import plan as plan_scenario
from forceplan.scenario import load_scenario
case = {case!r}
if case == "flagship":
    scenario = load_scenario("reassurance-2025")
elif case == "synthetic":
    from bench_plan import synthetic_scenario
    scenario = synthetic_scenario(seed={seed})
else:
    scenario = load_scenario(case)
plan_scenario(scenario)
wall, cpu = time.perf_counter(), time.process_time()
result = plan_scenario(scenario)
print(json.dumps({{"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "status": result.status}}))
"""


def probe(src: Path, case: str, seed: int) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = PROBE.format(bench=str(HERE), case=case, seed=seed)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def compare(baseline: Path, rounds: int, seed: int, cases: list[str]) -> None:
    runs: dict[tuple[str, str], list[dict[str, object]]] = {}
    for _ in range(rounds):
        for case in cases:
            for label, src in (("before", baseline), ("after", CURRENT_SRC)):
                runs.setdefault((case, label), []).append(probe(src, case, seed))
    table = Table(title=f"plan_scenario: before ({baseline}) and after, median of {rounds} rounds")
    for col in ["case", "", "wall s", "cpu s", "status", "after / before (wall, cpu)"]:
        table.add_column(col, justify="left" if col in ("case", "", "status") else "right")
    for case in cases:
        medians = {}
        for label in ("before", "after"):
            rows = runs[(case, label)]
            wall = statistics.median(float(r["wall"]) for r in rows)  # type: ignore[arg-type]
            cpu = statistics.median(float(r["cpu"]) for r in rows)  # type: ignore[arg-type]
            statuses = ", ".join(sorted({str(r["status"]) for r in rows}))
            medians[label] = (wall, cpu)
            ratio = ""
            if label == "after":
                before = medians["before"]
                ratio = f"{wall / before[0]:.2f}, {cpu / before[1]:.2f}"
            table.add_row(case, label, f"{wall:.2f}", f"{cpu:.2f}", statuses, ratio)
    Console(width=100).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--baseline", help="git revision to compare against (e.g. main)")
    group.add_argument("--baseline-src", type=Path, help="src directory of the baseline")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument(
        "--cases",
        default="flagship,synthetic",
        help="comma-separated: flagship, synthetic, or bundled scenario names (e.g. iiss-large)",
    )
    args = parser.parse_args()
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    if args.baseline_src is not None:
        compare(args.baseline_src, args.rounds, args.seed, cases)
        return
    with tempfile.TemporaryDirectory(prefix="forceplan-baseline-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(
            ["git", "worktree", "add", "--detach", "--quiet", str(tree), args.baseline],
            cwd=HERE.parent,
            check=True,
        )
        try:
            compare(tree / "src", args.rounds, args.seed, cases)
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tree)], cwd=HERE.parent, check=False
            )


if __name__ == "__main__":
    main()
