"""Benchmark `forceplan explore` on the flagship; prints one table of side-by-side figures.

    python bench/bench_explore.py                     # the full set (tens of minutes)
    python bench/bench_explore.py --experiments 20000 --big 200000 --ema 500   # quicker

Rows:

1. N experiments (default 100,000) over the flagship with 64 plans, all local cores:
   a first run (every plan solved: the bench keeps its plans in a fresh cache
   folder) and the same run again into another folder (its plans taken from
   the cache, explore/plancache.py);
2. the same smaller run (--small) on 1 and on 2 local worker processes: speed-up;
3. that run on a Dask cluster (a scheduler and 1, then 2, worker processes on
   127.0.0.1): speed-up;
4. EMA Workbench's ``perform_experiments`` against forceplan's vectorised
   evaluator on the same experiments and the same plans, one process each: the
   ratio of experiments per second, with EMA calling the very same compiled
   model (its best case) and with EMA calling forceplan's public API per
   experiment (how a user would wrap it);
5. peak memory (RSS of the run's whole process tree, sampled every 0.2 s) of a
   --big run (default 1,000,000 experiments).

Every run fixes the headquarters' rotation ratio at 3 (`--fix`): above 3 the lead
nations cannot keep a deployed HQ and every flagship plan is infeasible, which
would make the runs skip the simulation. The machine's load average is printed
with each row: the machine is shared, so read ratios, not absolute times.

Needs the bench extra (EMA Workbench, psutil): pip install -e '.[bench]'.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

FIX = "capabilities[headquarters].rotation_ratio"
FORCEPLAN = [sys.executable, "-c", "from forceplan.cli import main; main()"]
DASK = str(Path(sys.executable).with_name("dask"))
CORES = os.cpu_count() or 1


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"load {one:.1f}/{five:.1f}"


@dataclass
class Run:
    seconds: float  # wall clock
    cpu_seconds: float  # user + system, every process of the run
    peak_tree: int  # bytes, RSS of all its processes together
    peak_main: int  # bytes, RSS of the main process

    def describe(self) -> str:
        return (f"{self.seconds:,.1f} s wall, {self.cpu_seconds:,.0f} CPU-s "
                f"(~{self.cpu_seconds / CORES:,.0f} s on {CORES} idle cores)")


def run_cli(args: list[str]) -> Run:
    """Run the CLI; sample its process tree every 0.2 s for memory and CPU time."""
    import psutil

    started = time.perf_counter()
    proc = subprocess.Popen([*FORCEPLAN, *args], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    main = psutil.Process(proc.pid)
    peak_tree = peak_main = 0
    cpu: dict[int, float] = {}
    while proc.poll() is None:
        try:
            procs = [main, *main.children(recursive=True)]
        except psutil.Error:
            break
        total = 0
        for p in procs:
            try:
                with p.oneshot():
                    total += p.memory_info().rss
                    times = p.cpu_times()
                    cpu[p.pid] = times.user + times.system
                    if p.pid == main.pid:
                        peak_main = max(peak_main, p.memory_info().rss)
            except psutil.Error:
                pass
        peak_tree = max(peak_tree, total)
        time.sleep(0.2)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        raise RuntimeError(f"forceplan {' '.join(args)} failed: {proc.stderr.read()}")
    return Run(seconds, sum(cpu.values()), peak_tree, peak_main)


def explore_args(out: Path, experiments: int, plans: int) -> list[str]:
    return ["explore", "reassurance-2025", "--out", str(out), "-n", str(experiments),
            "--plans", str(plans), "--seed", "7", "--fix", FIX]


@contextmanager
def dask_cluster(workers: int, where: Path) -> Iterator[str]:
    sched = where / f"scheduler-{workers}.json"
    procs = [subprocess.Popen([DASK, "scheduler", "--host", "127.0.0.1", "--port", "0",
                               "--no-dashboard", "--scheduler-file", str(sched)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        address = ""
        while not address:  # the scheduler writes its file in more than one step
            time.sleep(0.1)
            with contextlib.suppress(OSError, ValueError, KeyError):
                address = json.loads(sched.read_text())["address"]
        for i in range(workers):
            procs.append(subprocess.Popen(
                [DASK, "worker", address, "--nworkers", "1", "--nthreads", "1",
                 "--no-dashboard", "--local-directory", str(where / f"w{workers}-{i}")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        from distributed import Client

        with Client(address, timeout="60s") as client:
            client.wait_for_workers(workers, timeout=120)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=30)


def ema_comparison(n: int, plans: int) -> tuple[float, float, float]:
    """Experiments per second: EMA Workbench perform_experiments vs forceplan, same work."""
    import warnings

    os.environ.setdefault("TQDM_DISABLE", "1")  # EMA's per-experiment progress bar
    warnings.filterwarnings("ignore", message="ipyparallel not installed")
    import numpy as np
    from ema_workbench import (
        IntegerParameter,
        Model,
        RealParameter,
        ScalarOutcome,
        SequentialEvaluator,
        perform_experiments,
    )
    from ema_workbench import Scenario as EmaScenario

    from forceplan import load_scenario
    from forceplan.explore import Settings, prepare
    from forceplan.explore import worker as w
    from forceplan.explore.runner import _version
    from forceplan.simulate.deterrence import default_offensive_hazard
    from forceplan.simulate.engine import evaluate, sample_draws

    design = prepare(load_scenario("reassurance-2025"),
                     Settings(experiments=n, plans=plans, seed=7, chunk_size=4096, fix=(FIX,)))
    spec = design.spec
    payload = {f"spec:{spec.key}": spec}
    keys = {}
    for point in range(design.points):  # the same plans for both, made once, not timed
        key = spec.plan_key(spec.scenario(0, point), 0)
        w.run_plan(w.PlanJob(_version(), spec.key, 0, point, key), payload)
        keys[point] = key
    jobs = []
    for chunk in design.chunks:
        rows = design.order[chunk.start:chunk.stop]
        jobs.append(w.ChunkJob(_version(), spec.key, keys[chunk.point], chunk, rows,
                               design.noise[rows], design.units[rows, :len(spec.sim_dims)]))
    for job in jobs:  # compile each plan once (cached), not timed
        w.run_chunk(job)
    started = time.perf_counter()
    for job in jobs:
        w.run_chunk(job)
    forceplan_rate = n / (time.perf_counter() - started)

    # EMA: the same experiments, one call of the same model per experiment
    names = [f"u{j}" for j in range(len(spec.sim_dims))]
    compiled = {p: w._COMPILED[f"{keys[p]}:{spec.months}"] for p in keys}

    def model(draw: int, plan_point: int, **units: float) -> dict[str, float]:
        c = compiled[plan_point]
        u = np.array([[units[name] for name in names]])
        values = {k: v for k, v in spec.sim_values(u).items()}
        params, political, own = sample_draws(c.inputs, c.uncertainties, spec.seed,
                                              np.array([draw]), values)
        res = evaluate(c.inputs, c.tables, params, political, own, default_offensive_hazard)
        nf = evaluate(*c.no_force, params, political, own, default_offensive_hazard)
        out = {k: float(v[0]) for k, v in res.outcomes.items()}
        out["p_offensive_no_force"] = float(nf.outcomes["p_offensive_end"][0])
        return out

    ema_model = Model("forceplan", function=model)
    ema_model.uncertainties = [IntegerParameter("draw", 0, n - 1),
                               IntegerParameter("plan_point", 0, design.points - 1)]
    ema_model.uncertainties += [RealParameter(name, 0.0, 1.0) for name in names]
    ema_model.outcomes = [ScalarOutcome(k) for k in
                          ("coverage_mean", "p_offensive_end", "p_offensive_no_force")]
    scenarios = []
    for draw in range(n):
        experiment = int(design.order[draw])
        values = {name: float(design.units[experiment, j]) for j, name in enumerate(names)}
        scenarios.append(EmaScenario(f"e{draw}", draw=draw,
                                     plan_point=int(design.point_of[experiment]), **values))
    started = time.perf_counter()
    with SequentialEvaluator(ema_model) as evaluator:
        perform_experiments(ema_model, scenarios=scenarios, evaluator=evaluator)
    ema_rate = n / (time.perf_counter() - started)

    # EMA as a user would wrap forceplan: its public API per experiment (the plans still
    # made once): the scenario with each uncertainty fixed at the experiment's value,
    # simulate_plan for one draw (its random numbers are those of seed = draw)
    from forceplan.scenario import Uncertainty
    from forceplan.simulate import simulate_plan

    frames = {p: w.plan_frames(w._PLANS[keys[p]]) for p in keys}
    bases = {p: spec.scenario(0, p) for p in keys}

    def public_model(draw: int, plan_point: int, **units: float) -> dict[str, float]:
        u = np.array([[units[name] for name in names]])
        fixed = {k: Uncertainty(distribution="fixed", value=float(v[0]))
                 for k, v in spec.sim_values(u).items()}
        base = bases[plan_point]
        scenario = base.model_copy(update={"uncertainties": {**base.uncertainties, **fixed}})
        ds = simulate_plan(scenario, frames[plan_point], draws=1, seed=draw, keep_draws=0)
        return {k: float(ds[f"outcome_{k}"].values[0])
                for k in ("coverage_mean", "p_offensive_end")}

    public = Model("forceplanapi", function=public_model)
    public.uncertainties = ema_model.uncertainties
    public.outcomes = [ScalarOutcome(k) for k in ("coverage_mean", "p_offensive_end")]
    few = scenarios[: min(n, 300)]
    started = time.perf_counter()
    with SequentialEvaluator(public) as evaluator:
        perform_experiments(public, scenarios=few, evaluator=evaluator)
    public_rate = len(few) / (time.perf_counter() - started)
    return forceplan_rate, ema_rate, public_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--experiments", type=int, default=100_000)
    parser.add_argument("--plans", type=int, default=64)
    parser.add_argument("--small", type=int, default=20_000, help="for the worker ratios")
    parser.add_argument("--small-plans", type=int, default=8)
    parser.add_argument("--ema", type=int, default=2_000)
    parser.add_argument("--big", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=1, help="rounds of the Dask pair")
    parser.add_argument("--skip", nargs="*", default=[],
                        choices=["main", "local", "dask", "ema", "big"])
    opts = parser.parse_args()
    rows: list[tuple[str, str, str, str]] = []

    def report(what: str, value: str, target: str, note: str) -> None:
        rows.append((what, value, target, note))
        print(f"  {what}: {value} (target {target}; {note})", flush=True)

    print(f"forceplan explore benchmark on {os.cpu_count()} cores; {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-explore-") as tmp:
        where = Path(tmp)
        # every run plans from scratch unless it repeats one of this bench's runs
        os.environ["FORCEPLAN_CACHE_DIR"] = str(where / "plan-cache")
        if "main" not in opts.skip:
            for attempt, label in enumerate(("first run, every plan solved",
                                             "again, plans from the cache")):
                before = load()
                run = run_cli(explore_args(where / f"main{attempt}", opts.experiments,
                                           opts.plans))
                report(f"{opts.experiments:,} experiments, {opts.plans} plans, all cores: "
                       f"{label}", run.describe(), "< 60 s", f"{before} -> {load()}")
        small = opts.small, opts.small_plans
        # the ratios compare runs that each solve their own plans (no run reuses another's)
        os.environ["FORCEPLAN_NO_CACHE"] = "1"
        if "local" not in opts.skip:
            before = load()
            one = run_cli(explore_args(where / "l1", *small) + ["--workers", "1"])
            two = run_cli(explore_args(where / "l2", *small) + ["--workers", "2"])
            report(f"{small[0]:,} experiments, {small[1]} plans: 1 vs 2 local workers",
                   f"{one.seconds:,.1f} s vs {two.seconds:,.1f} s = "
                   f"{one.seconds / two.seconds:.2f}x (CPU-s {one.cpu_seconds:,.0f} vs "
                   f"{two.cpu_seconds:,.0f})", ">= 1.7x", f"{before} -> {load()}")
        if "dask" not in opts.skip:
            before = load()
            ratios = []
            for rep in range(opts.repeat):  # alternate, so that load changes hit both
                runs = []
                for workers in (1, 2):
                    with dask_cluster(workers, where) as address:
                        runs.append(run_cli(explore_args(where / f"d{workers}-{rep}", *small)
                                            + ["--cluster", address]))
                ratios.append(runs[0].seconds / runs[1].seconds)
                print(f"    Dask round {rep + 1}: {runs[0].seconds:,.1f} s vs "
                      f"{runs[1].seconds:,.1f} s", flush=True)
            report(f"the same on Dask (loopback): 1 vs 2 workers, {opts.repeat} round(s)",
                   "speed-up " + ", ".join(f"{r:.2f}x" for r in ratios), ">= 1.7x",
                   f"{before} -> {load()}")
        if "ema" not in opts.skip:
            before = load()
            ours, theirs, public = ema_comparison(opts.ema, 4)
            report(f"{opts.ema:,} experiments, 4 plans made beforehand, one process: forceplan "
                   "vs EMA Workbench perform_experiments calling the same compiled model",
                   f"{ours:,.0f}/s vs {theirs:,.0f}/s = {ours / theirs:,.0f}x", ">= 100x",
                   f"{before} -> {load()}")
            report("the same, EMA calling forceplan's public API per experiment "
                   "(simulate_plan, 1 draw)",
                   f"{ours:,.0f}/s vs {public:,.1f}/s = {ours / public:,.0f}x", ">= 100x",
                   f"{before} -> {load()}")
        os.environ.pop("FORCEPLAN_NO_CACHE")
        if "big" not in opts.skip:
            before = load()
            run = run_cli(explore_args(where / "big", opts.big, opts.plans))
            gib = 1024**3
            report(f"{opts.big:,} experiments, {opts.plans} plans: peak RSS",
                   f"{run.peak_tree / gib:.2f} GiB all processes ({run.peak_main / gib:.2f} "
                   f"GiB main); {run.describe()}", "< 2 GiB", f"{before} -> {load()}")
    width = max(len(r[0]) for r in rows) if rows else 10
    print()
    print(f"{'measure':<{width}} | value | target | machine")
    for what, value, target, note in rows:
        print(f"{what:<{width}} | {value} | {target} | {note}")


if __name__ == "__main__":
    main()
