"""Benchmark `forceplan simulate` on the flagship scenario.

Prints one table:

* flagship, 10,000 draws x 60 months, seconds after import (target < 1 s);
* 1,000,000 draws, peak resident memory of a fresh subprocess (target < 2 GiB);
* the same model as a per-draw Python function, run through EMA Workbench's
  SequentialEvaluator (and, for reference, in a plain Python loop), and the
  throughput ratio of the vectorised engine over it (aim >= 100x).

The per-draw function wraps exactly the same model code (``evaluate`` on a batch
of one draw), so the ratio measures vectorisation and streaming, not a
different model. EMA Workbench is not a forceplan dependency: the EMA rows are
skipped if ``ema_workbench`` is not installed (``pip install ema-workbench``).

Usage: python bench/bench_simulate.py [--draws 10000] [--big 1000000] [--ema 300]
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
import warnings

T0 = time.perf_counter()
import numpy as np  # noqa: E402

from forceplan import load_scenario  # noqa: E402
from forceplan.plan import plan  # noqa: E402
from forceplan.simulate import simulate_plan  # noqa: E402
from forceplan.simulate.deterrence import default_offensive_hazard  # noqa: E402
from forceplan.simulate.engine import OUTCOMES, build_tables, evaluate  # noqa: E402
from forceplan.simulate.inputs import compile_inputs  # noqa: E402
from forceplan.simulate.parameters import effective_uncertainties  # noqa: E402

IMPORT_S = time.perf_counter() - T0
FLAGSHIP = "reassurance-2025"


def child_rss(draws: int) -> None:
    """Run in a subprocess: simulate ``draws`` draws, print seconds and peak RSS as JSON."""
    scenario = load_scenario(FLAGSHIP)
    result = plan(scenario)
    start = time.perf_counter()
    ds = simulate_plan(scenario, result, draws, 7)
    seconds = time.perf_counter() - start
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    print(
        json.dumps(
            {
                "draws": draws,
                "seconds": seconds,
                "peak_rss_mib": peak_kib / 1024,
                "quantiles": ds.attrs["quantiles"],
                "p_offensive_end_median": float(
                    ds.summary_p_offensive.sel(stat="p50").values[-1]
                ),
            }
        )
    )


def per_draw_function(scenario_name: str):  # type: ignore[no-untyped-def]
    """The model as a function of one draw's parameters, plus EMA-style parameter bounds."""
    scenario = load_scenario(scenario_name)
    result = plan(scenario)
    inputs = compile_inputs(scenario, result)
    tables = build_tables(inputs)
    uncertainties = effective_uncertainties(scenario)
    nations = inputs.nations

    def one_draw(**values: float) -> dict[str, float]:
        params = {name: np.array([values[name]]) for name in uncertainties}
        political = np.array([values["political_factor"]])
        own = np.array([[values[f"exit_{iso}"] for iso in nations]])
        res = evaluate(inputs, tables, params, political, own, default_offensive_hazard)
        return {name: float(res.outcomes[name][0]) for name in OUTCOMES}

    bounds: dict[str, tuple[float, float]] = {}
    constants: dict[str, float] = {}
    for name, u in uncertainties.items():
        d = u.distribution
        if d == "fixed":
            constants[name] = float(u.value)  # type: ignore[arg-type]
        elif d in ("uniform", "triangular"):
            bounds[name] = (float(u.low), float(u.high))  # type: ignore[arg-type]
        elif d in ("normal", "lognormal"):
            mean, sd = float(u.mean), float(u.sd)  # type: ignore[arg-type]
            low = mean - 3 * sd if d == "normal" else max(mean - 3 * sd, mean / 10)
            bounds[name] = (low, mean + 3 * sd)
        else:
            bounds[name] = (0.0, 1.0)
    bounds["political_factor"] = (-3.0, 3.0)
    for iso in nations:
        bounds[f"exit_{iso}"] = (-3.0, 3.0)
    return one_draw, bounds, constants


def bench_ema(n: int) -> tuple[float | None, float]:
    """Seconds for ``n`` draws through EMA Workbench (None if not installed) and a plain loop."""
    one_draw, bounds, constants = per_draw_function(FLAGSHIP)
    rng = np.random.default_rng(0)
    draws = [
        {**constants, **{k: rng.uniform(lo, hi) for k, (lo, hi) in bounds.items()}}
        for _ in range(n)
    ]
    start = time.perf_counter()
    for values in draws:
        one_draw(**values)
    loop_s = time.perf_counter() - start
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            from ema_workbench import (
                Constant,
                Model,
                RealParameter,
                ScalarOutcome,
                SequentialEvaluator,
                perform_experiments,
            )
    except ImportError:
        return None, loop_s
    model = Model("forceplan", function=one_draw)
    model.uncertainties = [RealParameter(k, lo, hi) for k, (lo, hi) in bounds.items()]
    model.constants = [Constant(k, v) for k, v in constants.items()]
    model.outcomes = [ScalarOutcome(name) for name in OUTCOMES]
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        perform_experiments(model, scenarios=n, evaluator=SequentialEvaluator(model))
    return time.perf_counter() - start, loop_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="draws for the memory run")
    parser.add_argument("--ema", type=int, default=300, help="draws through EMA Workbench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--child-rss", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rss:
        child_rss(args.child_rss)
        return

    rows: list[tuple[str, str, str]] = []
    rows.append(("import forceplan (+ numpy)", f"{IMPORT_S:.2f} s", ""))
    scenario = load_scenario(FLAGSHIP)
    start = time.perf_counter()
    result = plan(scenario)
    rows.append(("plan flagship (HiGHS, once)", f"{time.perf_counter() - start:.2f} s", ""))
    months = scenario.simulation.months or scenario.total_months
    simulate_plan(scenario, result, 1000, 7)  # warm caches
    times = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        simulate_plan(scenario, result, args.draws, 7)
        times.append(time.perf_counter() - start)
    best, median = min(times), statistics.median(times)
    rows.append(
        (
            f"simulate flagship, {args.draws:,} draws x {months} months",
            f"{best:.2f} s best, {median:.2f} s median of {args.repeat}",
            "target < 1 s: " + ("met" if best < 1.0 else "NOT met"),
        )
    )
    vector_rate = args.draws / best

    if args.big:
        proc = subprocess.run(
            [sys.executable, __file__, "--child-rss", str(args.big)],
            capture_output=True,
            text=True,
            check=True,
        )
        big = json.loads(proc.stdout.strip().splitlines()[-1])
        rows.append(
            (
                f"simulate flagship, {big['draws']:,} draws (subprocess)",
                f"peak RSS {big['peak_rss_mib']:,.0f} MiB, {big['seconds']:.1f} s",
                "target < 2048 MiB: " + ("met" if big["peak_rss_mib"] < 2048 else "NOT met"),
            )
        )

    if args.ema:
        ema_s, loop_s = bench_ema(args.ema)
        loop_rate = args.ema / loop_s
        rows.append(
            (
                f"per-draw function, plain Python loop, {args.ema:,} draws",
                f"{loop_s:.2f} s ({loop_rate:,.0f} draws/s)",
                f"vectorised is {vector_rate / loop_rate:,.0f}x faster",
            )
        )
        if ema_s is None:
            rows.append(("EMA Workbench", "skipped", "ema_workbench not installed"))
        else:
            ema_rate = args.ema / ema_s
            ratio = vector_rate / ema_rate
            rows.append(
                (
                    f"same function via EMA Workbench SequentialEvaluator, {args.ema:,} draws",
                    f"{ema_s:.2f} s ({ema_rate:,.0f} draws/s)",
                    f"vectorised is {ratio:,.0f}x faster (aim >= 100x): "
                    + ("met" if ratio >= 100 else "NOT met"),
                )
            )
    rows.append(("vectorised engine throughput", f"{vector_rate:,.0f} draws/s", ""))

    width = max(len(r[0]) for r in rows)
    width2 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<{width2}}  note")
    print("-" * (width + width2 + 40))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<{width2}}  {note}")


if __name__ == "__main__":
    main()
