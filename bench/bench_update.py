"""Benchmark `forceplan diff`: an update of the flagship with 1..N changed figures.

Prints one table: for each number of changes, the attribution method, the
coalitions evaluated, plans solved and simulations run (after the content-hash
caches), and the wall time of the whole diff (figures, plans, runs,
attribution) at the given draws. The target: 5 changes at 10,000 draws in
under 30 s on the project's 2-core machine. Beside it, in the same run, the
time of one plain paired comparison (plan + simulate base and update), so the
cost of attribution reads as a ratio that does not depend on how busy the
machine is; and the 5-change diff again in this one process rather than in
one worker process per core (plans and coalitions grouped, update/runs.py).

The changes are typical of a news report (stances, force size, backstop,
cost and political assumptions); some touch only what the simulation reads,
so coalitions that differ only in those share a plan.

Usage: python bench/bench_update.py [--draws 10000] [--max 8] [--sampled 12] [--permutations 8]
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from forceplan import load_scenario
from forceplan.update import RunSettings, compare_figures, run_diff, update_specs
from forceplan.update.evaluate import Evaluator

FLAGSHIP = "reassurance-2025"

#: (path, new value) in the order they are added; the first five are the headline case
CHANGES: list[tuple[str, str]] = [
    ('"nations[ESP].stance"', '"willing"'),
    ('"phases[sustain].multiplier"', "0.8"),
    ('"backstop.units.fighter_squadron"', "0"),
    ('"uncertainties.cost_overrun.mean"', "1.3"),
    ('"missions[regenerate].requirements.training_team"', "16"),
    ('"nations[NLD].stance"', '"willing"'),
    ('"simulation.cost_pressure_weight"', "0.3"),
    ('"nations[NOR].stance"', '"willing"'),
    ('"nations[FIN].stance"', '"willing"'),
    ('"nations[PRT].stance"', '"willing"'),
    ('"missions[safe_seas].requirements.frigate"', "2"),
    ('"phases[build_up].multiplier"', "0.5"),
]


def write_update(folder: Path, n: int) -> Path:
    lines = [
        'extends = "reassurance-2025"',
        "[update]",
        'outlet = "Benchmark"',
        'title = "Synthetic report"',
        "date = 2025-01-01",
        "[changes]",
        *[f"{path} = {value}" for path, value in CHANGES[:n]],
    ]
    path = folder / f"update-{n}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the diff's workers)."""
    return sum(r.ru_utime + r.ru_stime for r in (resource.getrusage(resource.RUSAGE_SELF),
                                                   resource.getrusage(resource.RUSAGE_CHILDREN)))


def time_diff(
    path: Path,
    settings: RunSettings,
    method: str,
    permutations: int | None = None,
    workers: int | None = None,
) -> tuple[float, float, dict[str, int]]:
    """Wall and CPU seconds of one diff (CPU: this process, all threads, and its worker
    processes; reads the same on a busy machine)."""
    start, cpu = time.perf_counter(), cpu_seconds()
    base = load_scenario(FLAGSHIP)
    new = load_scenario(path)
    figures = compare_figures(base, new, specs=update_specs(path))
    result = run_diff(
        figures,
        settings,
        method=method,
        permutations=permutations,
        plan_cache=False,
        workers=workers,
    )
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    a, c = result.attribution, result.cache
    return seconds, cpu, {
        "players": len(figures.players),
        "coalitions": a.coalitions,
        "plans": c.plan_solves,
        "sims": c.simulations,
        "method": a.method,  # type: ignore[dict-item]
    }


def time_compare(path: Path, settings: RunSettings) -> float:
    """Plan and simulate base and update once each: the floor any diff pays."""
    start = time.perf_counter()
    evaluator = Evaluator(settings, plan_cache=False)
    evaluator.outcomes(load_scenario(FLAGSHIP), keep_draws=True)
    evaluator.outcomes(load_scenario(path), keep_draws=True)
    return time.perf_counter() - start


def fixed_share(draws: int) -> float:
    """Share of one run's time spent outside the per-draw model (what stacking would save)."""
    import cProfile
    import pstats

    from forceplan.plan import plan_scenario
    from forceplan.simulate import simulate_plan

    scenario = load_scenario(FLAGSHIP)
    result = plan_scenario(scenario)  # not the on-disk cache: a plain solve
    profile = cProfile.Profile()
    profile.runcall(simulate_plan, scenario, result, draws, 0, keep_draws=0)
    stats = pstats.Stats(profile)
    total = stats.total_tt  # type: ignore[attr-defined]
    per_draw = sum(
        row[3] for (file, _, name), row in stats.stats.items()  # type: ignore[attr-defined]
        if name == "evaluate" and "simulate" in file
    )
    return 1.0 - per_draw / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--max", type=int, default=8, help="largest exact case")
    parser.add_argument("--sampled", type=int, default=12, help="changes for the sampled row")
    parser.add_argument("--permutations", type=int, default=8, help="orders for that row")
    args = parser.parse_args()
    settings = RunSettings(draws=args.draws, seed=0)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cases = [(n, "exact") for n in range(1, args.max + 1)]
        cases += [(args.sampled, "sampled"), (args.sampled, "one_at_a_time")]
        for n, method in cases:
            path = write_update(folder, n)
            pair = time_compare(path, settings)
            seconds, cpu, info = time_diff(path, settings, method, args.permutations)
            rows.append((n, info, seconds, cpu, pair))
            print(
                f"{n:>3} changes  {info['method']:<14} coalitions {info['coalitions']:>4}  "
                f"plans {info['plans']:>4}  sims {info['sims']:>4}  {seconds:7.1f} s "
                f"(cpu {cpu:6.1f} s; one paired compare {pair:5.1f} s, ratio "
                f"{seconds / pair:5.1f})",
                flush=True,
            )
    print()
    print(f"forceplan diff on {FLAGSHIP}, {args.draws:,} draws (wall seconds, this machine)")
    header = (
        f"{'changes':>7} {'method':<14} {'coalitions':>10} {'plans':>6} {'sims':>5} "
        f"{'wall s':>7} {'cpu s':>7} {'x compare':>9}"
    )
    print(header)
    print("-" * len(header))
    for n, info, seconds, cpu, pair in rows:
        print(
            f"{n:>7} {info['method']:<14} {info['coalitions']:>10} {info['plans']:>6} "
            f"{info['sims']:>5} {seconds:>7.1f} {cpu:>7.1f} {seconds / pair:>9.1f}"
        )
    if any(r[0] == 5 for r in rows):
        # the same 5-change diff in this process alone, beside the one with workers
        with tempfile.TemporaryDirectory() as tmp:
            path = write_update(Path(tmp), 5)
            pooled, _, _ = time_diff(path, settings, "exact", workers=os.cpu_count())
            alone, _, _ = time_diff(path, settings, "exact", workers=1)
        print(
            f"\n5 changes, one worker process per core ({os.cpu_count()}): {pooled:.1f} s; "
            f"in this process alone: {alone:.1f} s (ratio {alone / pooled:.2f})"
        )
    share = fixed_share(args.draws)
    print(f"\nfixed part of one run (outside the per-draw model): {100 * share:.0f}%")
    five = [r for r in rows if r[0] == 5 and r[1]["method"] == "exact"]
    if five:
        wall, cpu = five[0][2], five[0][3]
        verdict = "meets" if wall < 30 else "misses"
        print(
            f"5 changes, exact: {wall:.1f} s wall ({verdict} the 30 s target), {cpu:.1f} s CPU; "
            f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
