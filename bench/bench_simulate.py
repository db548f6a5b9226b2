"""Benchmark `forceplan simulate` on the flagship scenario.

Prints one table:

* flagship, 10,000 draws x 60 months, seconds after import (target < 1 s);
* 1,000,000 draws, peak resident memory of a fresh subprocess (target < 2 GiB);
* the same model as a per-draw Python function, run through EMA Workbench's
  SequentialEvaluator (and, for reference, in a plain Python loop), and the
  throughput ratio of the vectorised engine over it (aim >= 100x).

Two per-draw functions are timed: the literal plain-Python model
(forceplan.simulate.reference, which tests show gives the engine's outcomes
draw by draw) and the vectorised engine called on a batch of one draw. EMA
Workbench is not a forceplan dependency: the EMA rows are skipped if
``ema_workbench`` is not installed (``pip install ema-workbench``).

Usage: python bench/bench_simulate.py [--draws 10000] [--big 1000000] [--ema 200]
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
from forceplan.plan import plan_scenario  # noqa: E402
from forceplan.simulate import simulate_plan  # noqa: E402
from forceplan.simulate.deterrence import default_offensive_hazard  # noqa: E402
from forceplan.simulate.engine import OUTCOMES, build_tables, evaluate  # noqa: E402
from forceplan.simulate.inputs import compile_inputs  # noqa: E402
from forceplan.simulate.parameters import effective_uncertainties  # noqa: E402
from forceplan.simulate.reference import one_draw  # noqa: E402

IMPORT_S = time.perf_counter() - T0
FLAGSHIP = "reassurance-2025"


def child_rss(draws: int) -> None:
    """Run in a subprocess: simulate ``draws`` draws, print seconds and peak RSS as JSON."""
    scenario = load_scenario(FLAGSHIP)
    result = plan_scenario(scenario)
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


def per_draw_functions(scenario_name: str):  # type: ignore[no-untyped-def]
    """The model as functions of one draw's parameters, plus EMA-style parameter bounds.

    ``literal``: the plain-Python reference model (forceplan.simulate.reference), the
    way a model is usually written for EMA Workbench (loops over months, nations,
    lines); ``numpy_batch_of_one``: the vectorised engine called on a single draw.
    Tests check both give the vectorised engine's outcomes.
    """
    scenario = load_scenario(scenario_name)
    result = plan_scenario(scenario)
    inputs = compile_inputs(scenario, result)
    tables = build_tables(inputs)
    uncertainties = effective_uncertainties(scenario)
    nations = inputs.nations

    def split(values: dict[str, float]) -> tuple[dict[str, float], float, list[float]]:
        params = {name: float(values[name]) for name in uncertainties}
        return params, float(values["political_factor"]), [
            float(values[f"exit_{iso}"]) for iso in nations
        ]

    def literal(**values: float) -> dict[str, float]:
        params, political, own = split(values)
        return one_draw(inputs, params, political, own)

    def numpy_batch_of_one(**values: float) -> dict[str, float]:
        params, political, own = split(values)
        res = evaluate(
            inputs,
            tables,
            {k: np.array([v]) for k, v in params.items()},
            np.array([political]),
            np.array([own]),
            default_offensive_hazard,
        )
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
    return literal, numpy_batch_of_one, bounds, constants


def bench_loops(n: int) -> dict[str, float]:
    """Seconds for ``n`` draws of each per-draw function in a plain loop, and via EMA."""
    literal, numpy_one, bounds, constants = per_draw_functions(FLAGSHIP)
    rng = np.random.default_rng(0)
    draws = [
        {**constants, **{k: rng.uniform(lo, hi) for k, (lo, hi) in bounds.items()}}
        for _ in range(n)
    ]
    out: dict[str, float] = {}
    for name, fn in (("literal_loop", literal), ("numpy_one_loop", numpy_one)):
        start = time.perf_counter()
        for values in draws:
            fn(**values)
        out[name] = time.perf_counter() - start
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
        return out
    for name, fn in (("literal_ema", literal), ("numpy_one_ema", numpy_one)):
        model = Model("forceplan", function=fn)
        model.uncertainties = [RealParameter(k, lo, hi) for k, (lo, hi) in bounds.items()]
        model.constants = [Constant(k, v) for k, v in constants.items()]
        model.outcomes = [ScalarOutcome(o) for o in OUTCOMES]
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            perform_experiments(model, scenarios=n, evaluator=SequentialEvaluator(model))
        out[name] = time.perf_counter() - start
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=1_000_000, help="draws for the memory run")
    parser.add_argument("--ema", type=int, default=200, help="draws through EMA Workbench")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--child-rss", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_rss:
        child_rss(args.child_rss)
        return

    rows: list[tuple[str, str, str]] = []
    rows.append(("import forceplan (+ numpy)", f"{IMPORT_S:.2f} s", ""))
    scenario = load_scenario(FLAGSHIP)
    start = time.perf_counter()
    result = plan_scenario(scenario)
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
            ("target < 1 s: " + ("met" if best < 1.0 else "NOT met"))
            if args.draws == 10_000 and months == 60
            else "",
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
        loops = bench_loops(args.ema)
        labels = {
            "literal_loop": "literal per-draw Python model, plain loop",
            "numpy_one_loop": "engine on a batch of one draw, plain loop",
            "literal_ema": "literal per-draw Python model via EMA Workbench",
            "numpy_one_ema": "engine on a batch of one draw via EMA Workbench",
        }
        for key in ("literal_ema", "numpy_one_ema", "literal_loop", "numpy_one_loop"):
            if key not in loops:
                continue
            rate = args.ema / loops[key]
            ratio = vector_rate / rate
            note = f"vectorised is {ratio:,.0f}x faster"
            if key == "literal_ema":
                note += " (aim >= 100x): " + ("met" if ratio >= 100 else "NOT met")
            rows.append(
                (
                    f"{labels[key]}, {args.ema:,} draws",
                    f"{loops[key]:.2f} s ({rate:,.1f} draws/s)",
                    note,
                )
            )
        if "literal_ema" not in loops:
            rows.append(("EMA Workbench", "skipped", "ema_workbench not installed"))
    rows.append(("vectorised engine throughput", f"{vector_rate:,.0f} draws/s", ""))

    width = max(len(r[0]) for r in rows)
    width2 = max(len(r[1]) for r in rows)
    print(f"{'measure':<{width}}  {'result':<{width2}}  note")
    print("-" * (width + width2 + 40))
    for name, value, note in rows:
        print(f"{name:<{width}}  {value:<{width2}}  {note}")


if __name__ == "__main__":
    main()
