"""Benchmark the planner: the flagship scenario and a seeded synthetic one.

Run: ``python bench/bench_plan.py`` (add ``--seed N`` for another synthetic draw).

Prints one table row per case: end-to-end time (load + solve + render, for
the flagship as the CLI does it), solve time, solver status, MIP gap, model
size (rows, columns, integer columns, summed over the phase models) and the
units changed between consecutive phases (the continuity tier, summed).
The last row runs the real command, ``forceplan plan reassurance-2025``, in a
fresh process three times (median), start-up and imports included.
Targets (issue 2): flagship end to end < 2 s; synthetic 40 nations x 20
capabilities x 6 missions x 8 phases solved to optimality < 10 s.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import statistics
import subprocess
import sys
import time
from typing import Any

from rich.console import Console
from rich.table import Table

from forceplan.plan import PlanResult

try:
    from forceplan.plan import plan_scenario
except ImportError:  # bench_runtime loads this file against a baseline before the rename
    from forceplan.plan import plan as plan_scenario  # type: ignore[attr-defined,no-redef]
from forceplan.scenario import Scenario, bundled_scenarios, load_scenario

DOMAINS = [
    "land",
    "land",
    "land",
    "air",
    "air",
    "sea",
    "sea",
    "enabler",
    "enabler",
    "enabler",
    "land",
    "air",
    "sea",
    "enabler",
    "command",
    "training",
    "land",
    "air",
    "enabler",
    "training",
]


def synthetic_scenario(
    seed: int = 2025,
    nations: int = 40,
    capabilities: int = 20,
    missions: int = 6,
    phases: int = 8,
) -> Scenario:
    """A random but plausible scenario of the given size (deterministic for a seed)."""
    rng = random.Random(seed)
    caps: list[dict[str, Any]] = []
    for i in range(capabilities):
        caps.append(
            {
                "id": f"cap_{i:02d}",
                "name": f"Capability {i}",
                "domain": DOMAINS[i % len(DOMAINS)],
                "personnel_per_unit": rng.choice([45, 100, 150, 250, 400, 600, 700, 1200]),
                "annual_cost_per_unit_usd_m": round(rng.uniform(10, 400), 1),
                "tour_months": rng.choice([4, 6, 6, 6, 9]),
                "rotation_ratio": rng.choice([2, 3, 3, 3, 4]),
                "displacement_tonnes": rng.choice([700, 4000, 6000]),
            }
        )
    for cap in caps:
        if cap["domain"] != "sea":
            del cap["displacement_tonnes"]
    regions = ["front", "west", "airspace", "sea", "kyiv", "rear"]
    mission_list: list[dict[str, Any]] = []
    for j in range(missions):
        needed = rng.sample(range(capabilities), k=rng.randint(5, 8))
        mission_list.append(
            {
                "id": f"mission_{j}",
                "name": f"Mission {j}",
                "objective": f"objective {j}",
                "region": regions[j % len(regions)],
                "priority": 1 + j % 4,
                "on_ground": regions[j % len(regions)] not in ("airspace", "sea"),
                "requirements": {f"cap_{c:02d}": rng.randint(1, 6) for c in needed},
            }
        )
    phase_list: list[dict[str, Any]] = []
    month = 1
    multipliers = [0.6, 1.0, 1.0, 0.9, 0.8, 0.6, 0.4, 0.2, 0.1, 0.1]
    for k in range(phases):
        length = rng.choice([3, 6, 6, 12])
        phase_list.append(
            {
                "id": f"phase_{k}",
                "name": f"Phase {k}",
                "start_month": month,
                "end_month": month + length - 1,
                "multiplier": multipliers[k % len(multipliers)],
            }
        )
        month += length
    caveats = {
        "no_front": {"description": "No front line", "exclude_regions": ["front"]},
        "air_sea_only": {"description": "Air and sea only", "only_domains": ["air", "sea"]},
        "training_only": {"description": "Training only", "only_domains": ["training"]},
    }
    nation_list: list[dict[str, Any]] = []
    for n in range(nations):
        gdp = round(rng.lognormvariate(5.5, 1.2) + 20, 1)
        army = int(min(4_000_000, max(3000, gdp * rng.uniform(15, 40))))
        units = {
            f"cap_{c:02d}": rng.randint(1, 15) for c in range(capabilities) if rng.random() < 0.55
        }
        caveat_ids = [cv for cv in caveats if rng.random() < 0.12][:1]
        commitments = []
        if units and rng.random() < 0.4:
            cap_id = rng.choice(sorted(units))
            held = rng.randint(1, 2)
            commitments.append(
                {
                    "name": f"eFP {n}",
                    "kind": "efp",
                    "capability": cap_id,
                    "units": held,
                    "floor": rng.randint(0, held),
                }
            )
        nation_list.append(
            {
                "name": f"Nation {n}",
                "iso": f"Q{chr(65 + n // 26)}{chr(65 + n % 26)}",
                "gdp_usd_bn": gdp,
                "defence_budget_usd_bn": round(gdp * rng.uniform(0.012, 0.035), 2),
                "active_personnel": army * 2,
                "army_personnel": army,
                "stance": rng.choice(["committed", "willing", "willing", "undecided", "opposed"]),
                "black_sea_state": rng.random() < 0.05,
                "caveats": caveat_ids,
                "max_army_share": round(rng.uniform(0.05, 0.3), 3),
                "units": units,
                "commitments": commitments,
            }
        )
    raw = {
        "name": "synthetic",
        "title": f"Synthetic {nations}x{capabilities}x{missions}x{phases} (seed {seed})",
        "nations": nation_list,
        "capabilities": caps,
        "caveats": caveats,
        "missions": mission_list,
        "phases": phase_list,
        "backstop": {"units": {f"cap_{c:02d}": 2 for c in range(0, capabilities, 4)}},
        "constraints": {
            "min_nations_on_ground": 8,
            "lead_nations": {
                "mission_1": [nation_list[0]["iso"], nation_list[1]["iso"]],
            },
            "treaty_limits": [
                {
                    "name": "Montreux-style tonnage cap",
                    "measure": "displacement_tonnes",
                    "maximum": 30000,
                    "applies_to": "non_black_sea_states",
                }
            ],
        },
    }
    # make sure every required capability is declared by someone
    declared = {c for nat in nation_list for c in nat["units"]}
    for mission in mission_list:
        for cap_id in mission["requirements"]:
            if cap_id not in declared:
                nation_list[0]["units"][cap_id] = 6
                declared.add(cap_id)
    nation_list[0]["stance"] = nation_list[1]["stance"] = "committed"
    return Scenario.model_validate(raw)


def _render(scenario: Scenario, result: PlanResult) -> None:
    from forceplan.cli import plan_cmd

    sink = Console(file=io.StringIO(), width=160)
    original = plan_cmd.console
    plan_cmd.console = sink
    try:
        plan_cmd.render(scenario, result)
    finally:
        plan_cmd.console = original


def cli_wall_times(name: str = "reassurance-2025", runs: int = 3) -> list[float]:
    """Wall-clock seconds of ``forceplan plan NAME > /dev/null`` in a fresh process, per run.

    This is what a user waits for: interpreter start, imports, load, solve
    and printing. Uses the installed ``forceplan`` script when there is one.
    """
    script = shutil.which("forceplan")
    command = (
        [script, "plan", name]
        if script
        else [sys.executable, "-c", "from forceplan.cli import main; main()", "plan", name]
    )
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    rows: list[tuple[str, float, PlanResult]] = []
    flagship = bundled_scenarios().get("reassurance-2025")
    if flagship is not None:
        started = time.perf_counter()
        scenario = load_scenario(flagship)
        result = plan_scenario(scenario)
        _render(scenario, result)
        rows.append(("flagship reassurance-2025", time.perf_counter() - started, result))

    started = time.perf_counter()
    synthetic = synthetic_scenario(seed=args.seed)
    result = plan_scenario(synthetic)
    rows.append((f"synthetic 40x20x6x8 seed {args.seed}", time.perf_counter() - started, result))

    table = Table(title="forceplan plan benchmark (HiGHS)")
    columns = ["case", "end to end s", "solve s", "status", "gap", "rows", "columns", "integers"]
    for col in [*columns, "units changed"]:
        table.add_column(col, justify="left" if col in ("case", "status") else "right")
    for name, total, res in rows:
        size = res.model_size
        table.add_row(
            name,
            f"{total:.2f}",
            f"{res.solve_seconds:.2f}",
            res.status,
            f"{res.mip_gap:.1e}",
            str(size["rows"]),
            str(size["columns"]),
            str(size["integers"]),
            str(sum(c["changed"] for c in getattr(res, "units_changed", {}).values())),
        )
    if flagship is not None:
        times = cli_wall_times()
        table.add_row(
            "CLI wall time (subprocess)",
            f"{statistics.median(times):.2f}",
            *["" for _ in columns[2:]],
            "",
        )
        note = ", ".join(f"{t:.2f}" for t in times)
    Console(width=130).print(table)
    if flagship is not None:
        print(f"forceplan plan reassurance-2025 > /dev/null, median of 3 runs (s): {note}")


if __name__ == "__main__":
    main()
