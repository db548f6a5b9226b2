"""`forceplan explore`, `forceplan discover`, `forceplan sensitivity`: sweeps and what they show.

The exploration stage (pyarrow, SciPy, SALib, scikit-learn, Dask) is imported
inside the commands, so that `forceplan --help` starts without it.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.progress import (
    BarColumn,
    ProgressColumn,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from forceplan.cli.common import (
    EXIT_BAD_INPUT,
    ScenarioArg,
    app,
    console,
    err_console,
    fail,
    load_or_exit,
    output_or_exit,
    outputs_or_exit,
    writing,
)
from forceplan.cli.tables import bind, print_table, print_wrapped

if TYPE_CHECKING:
    from rich.progress import Progress, Task, TaskID

    from forceplan.explore import Design, Results
    from forceplan.explore.discovery import Discovery
    from forceplan.explore.sensitivity import Sensitivity

EXIT_INTERRUPTED = 1
EXTRA_HINT = "pip install 'forceplan[explore]'"
#: Longest wait for --cluster's scheduler (an hour: past that, it is not coming).
MAX_CONNECT_TIMEOUT_S = 3600

DirArg = Annotated[Path, typer.Argument(help="Result directory written by forceplan explore.")]
LeverFilter = Annotated[
    list[str] | None,
    typer.Option("--lever", help="Only rows with this lever setting, NAME=VALUE (repeatable)."),
]


def _need_extra() -> None:
    try:
        import pyarrow  # noqa: F401
        import SALib  # noqa: F401
        import scipy  # noqa: F401
    except ImportError as exc:
        fail(f"this command needs {exc.name}: {EXTRA_HINT}")


def _split(values: list[str] | None) -> tuple[str, ...]:
    """Repeatable options that also take comma-separated lists (brackets keep their commas)."""
    out: list[str] = []
    for value in values or []:
        out.extend(p.strip() for p in re.split(r",(?![^\[]*\])", value) if p.strip())
    return tuple(out)


class _RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if not speed else f"{speed:,.0f}/s", style="progress.data.speed")


class _Bar:
    """forceplan.explore.Progress as a Rich progress bar: plans, then experiments."""

    def __init__(self, bar: Progress) -> None:
        self.bar = bar
        self.plans: TaskID | None = None
        self.rows: TaskID | None = None

    def start(self, design: Design, rows_done: int, plans_needed: int, plans_done: int) -> None:
        if plans_needed:
            self.plans = self.bar.add_task("plans", total=plans_needed, completed=plans_done)
        total = design.experiments * len(design.spec.combos)
        self.rows = self.bar.add_task("experiments", total=total, completed=rows_done)

    def plan_done(self, seconds: float) -> None:
        if self.plans is not None:
            self.bar.advance(self.plans)

    def rows_done(self, rows: int) -> None:
        if self.rows is not None:
            self.bar.advance(self.rows, rows)


def _progress_bar() -> Progress:
    from rich.progress import Progress

    return Progress(
        TextColumn("{task.description:<11}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        _RateColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    )


def _settings_from(directory: Path, resume: bool, given: dict[str, Any],
                   levers: Path | None) -> tuple[Any, Path | None]:
    """Settings and levers file: those given, the rest from DIR's manifest when resuming."""
    from pydantic import ValidationError

    from forceplan.explore import ExploreError, Settings
    from forceplan.explore.results import MANIFEST, read_manifest

    base: dict[str, Any] = {}
    if resume:
        if not (directory / MANIFEST).exists():
            fail(f"--resume: {directory} holds no explore run to finish (no {MANIFEST}); "
                 "leave out --resume to start one there")
        try:
            manifest = read_manifest(directory)
        except ExploreError as exc:
            fail(str(exc))
        base = {k: tuple(v) if isinstance(v, list) else v
                for k, v in manifest["settings"].items()}
        source = manifest["levers"]["source"]
        if levers is None and source != "scenario":
            levers = Path(str(source))
    base.update({k: v for k, v in given.items() if v is not None and v != ()})
    try:
        return Settings(**base), levers
    except (ValidationError, TypeError) as exc:
        fail(f"{directory / MANIFEST}: damaged settings ({str(exc).splitlines()[0]})")


@app.command("explore")
def explore_command(
    scenario: ScenarioArg,
    out: Annotated[Path | None, typer.Option("--out", "-o", metavar="DIR",
                                                      help="Result directory.")] = None,
    experiments: Annotated[
        int | None,
        typer.Option("--experiments", "-n",
                     help="Size of the uncertainty sample, run under every lever combination "
                     "[default: 10,000]."),
    ] = None,
    sampler: Annotated[
        str | None, typer.Option("--sampler", help="lhs, sobol or mc [default: lhs].")
    ] = None,
    seed: Annotated[int | None, typer.Option("--seed", help="Random seed [default: 0].")] = None,
    plans: Annotated[
        int | None,
        typer.Option("--plans", help="Points of the outer design over the plan-stage figures, "
                     "each planned once per lever combination [default: 64]."),
    ] = None,
    levers: Annotated[
        Path | None, typer.Option("--levers", metavar="FILE",
                                   help="TOML file with a [levers] table.")
    ] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Vary only these inputs ('*' matches anything; "
                     "repeatable); the rest stay at their central value."),
    ] = None,
    fix: Annotated[
        list[str] | None,
        typer.Option("--fix", help="Hold an input at its central value, or NAME=VALUE "
                     "(repeatable)."),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option("--cluster", help="Run on a Dask scheduler, e.g. tcp://10.0.0.5:8786."),
    ] = None,
    connect_timeout: Annotated[
        float, typer.Option("--connect-timeout", help="Seconds to wait for --cluster's scheduler.")
    ] = 10.0,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Local worker processes [default: cores].")
    ] = None,
    chunk_size: Annotated[
        int | None, typer.Option("--chunk-size", help="Most experiments per Parquet chunk "
                                 "[default: 8,192].")
    ] = None,
    months: Annotated[
        int | None, typer.Option("--months", help="Months to simulate (1-240).")
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Finish the run in --out: only what is missing.")
    ] = False,
    list_only: Annotated[
        bool, typer.Option("--list", help="List every input and lever, then stop.")
    ] = False,
) -> None:
    """Sweep every declared uncertainty, ranged figure and lever; stream results as Parquet."""
    _need_extra()
    from forceplan.explore import ExploreError, ExploreInterrupted, explore, prepare
    from forceplan.explore.executors import dask_pool

    if out is None and not list_only:
        fail("--out DIR is required (the result directory)")
    if cluster and not 0 < connect_timeout <= MAX_CONNECT_TIMEOUT_S:
        fail(f"--connect-timeout: must be more than 0 and at most {MAX_CONNECT_TIMEOUT_S:,} "
             f"seconds (got {connect_timeout:g})")
    if out is not None and not list_only:
        output_or_exit(str(out), "directory", "--out")
    directory = out or Path(".")
    given = {"experiments": experiments, "sampler": sampler, "seed": seed, "plans": plans,
             "only": _split(only), "fix": _split(fix), "chunk_size": chunk_size,
             "months": months}
    settings, levers = _settings_from(directory, resume, given, levers)
    if levers is not None:
        _levers_or_exit(levers)  # before anything is written into --out
    s = load_or_exit(scenario)
    try:
        if list_only:
            _render_space(prepare(s, settings, levers))
            return
        pool = dask_pool(cluster, connect_timeout) if cluster else None
        started = time.perf_counter()
        with _progress_bar() as bar:
            report = explore(s, directory, settings, levers=levers, workers=workers, pool=pool,
                             resume=resume, progress=_Bar(bar), scenario_ref=scenario)
        seconds = time.perf_counter() - started
    except ExploreError as exc:
        fail(str(exc))
    except ExploreInterrupted as exc:
        fail(str(exc), code=EXIT_INTERRUPTED)
    except KeyboardInterrupt:
        err_console.print(f"interrupted; finished chunks are kept in {escape(str(directory))}: "
                          "rerun with --resume to finish")
        raise typer.Exit(130) from None
    _render_run(report.results, report.pool, seconds, report.rows_run, report.plans_run)
    if report.repaired:
        fail("these chunks failed their checksum, were set aside (*.corrupt) and redone: "
             + ", ".join(report.repaired) + "; check the disk", code=EXIT_BAD_INPUT)


def _levers_or_exit(path: Path) -> None:
    from forceplan.explore import ExploreError
    from forceplan.explore.levers import read_levers

    try:
        read_levers(path)
    except ExploreError as exc:
        fail(f"--levers {exc}")


def _num(x: float) -> str:
    """A number in full: thousands separated, small values to four significant digits."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _describe(dist: dict[str, Any]) -> str:
    kind = dist.get("distribution", "")
    if kind == "uniform":
        return f"uniform {_num(dist['low'])} to {_num(dist['high'])}"
    if kind == "triangular":
        return f"triangular {_num(dist['low'])}/{_num(dist['mode'])}/{_num(dist['high'])}"
    if kind in ("normal", "lognormal"):
        return f"{kind} mean {_num(dist['mean'])} sd {_num(dist['sd'])}"
    if kind == "beta":
        return f"beta {_num(dist['alpha'])}, {_num(dist['beta'])}"
    return str(kind)


def _render_space(design: Design) -> None:
    table = Table(title="Inputs varied", title_justify="left")
    table.add_column("name", overflow="fold")
    table.add_column("stage")
    table.add_column("distribution", overflow="fold")
    table.add_column("unit", overflow="fold")
    for dim in design.space.dimensions:
        info = dim.to_json()
        table.add_row(escape(dim.name), dim.stage, escape(_describe(info["distribution"])),
                      escape(dim.unit))
    print_table(table)
    if design.space.held:
        held = Table(title="Inputs held", title_justify="left")
        held.add_column("name", overflow="fold")
        held.add_column("value", justify="right")
        held.add_column("why", overflow="fold")
        for h in design.space.held:
            held.add_row(escape(h.name), "-" if h.value is None else _num(h.value),
                         escape(h.reason))
        print_table(held)
    combos = len(design.spec.combos)
    levers = ", ".join(f"{k} ({', '.join(map(str, v))})"
                       for k, v in design.levers.options.items()) or "none"
    console.print(
        f"levers: {escape(levers)}; {design.experiments:,} experiments x {combos} lever "
        f"combination{'s' if combos != 1 else ''}; {design.points} plan point"
        f"{'s' if design.points != 1 else ''} x {combos} = {design.points * combos} plans"
    )


def _fmt(value: float, unit: str) -> str:
    from forceplan.cli.simulate_cmd import _fmt as fmt

    return fmt(value, unit)


def _render_run(results: Results, pool: str, seconds: float, rows_run: int,
                plans_run: int) -> None:
    import numpy as np

    m = results.manifest
    settings = m["settings"]
    rate = rows_run / seconds if seconds > 0 else 0.0
    console.print(
        f"[bold]{escape(m['scenario']['name'])}[/]: {m['rows']:,} experiments "
        f"({m['experiments']:,} x {len(m['levers']['combinations'])} lever combination(s)), "
        f"{m['plan_design']['plans']} plans; sampler {settings['sampler']}, seed "
        f"{settings['seed']}; this run: {rows_run:,} experiments and {plans_run} plans in "
        f"{seconds:,.1f} s ({rate:,.0f} experiments/s) on {escape(pool)}"
    )
    columns = ["plan_status", *results.outcomes]
    data = results.dataset().to_table(columns=columns).to_pandas()
    table = Table(title="Outcomes over all experiments: median [5th-95th percentile]",
                  title_justify="left")
    table.add_column("outcome", overflow="fold")
    table.add_column("value", justify="right")
    for item in m["outcomes"]:
        x = data[item["name"]].to_numpy(dtype=float)
        x = x[np.isfinite(x)]
        if not x.size:
            table.add_row(escape(item["long_name"]), "-")
            continue
        lo, mid, hi = np.quantile(x, [0.05, 0.5, 0.95])
        unit = item["unit"]
        table.add_row(escape(item["long_name"]),
                      f"{_fmt(mid, unit)} [{_fmt(lo, unit)}-{_fmt(hi, unit)}]")
    print_table(table)
    statuses = data["plan_status"].value_counts()
    if set(statuses.index) - {"optimal"}:
        console.print("plan status: " + ", ".join(f"{k} {v:,}" for k, v in statuses.items())
                      + " experiments (infeasible plans have no outcomes but the no-force ones)")
    where = escape(str(results.directory))
    print_wrapped(f"wrote {where} (manifest.json, plans/, chunks/*.parquet)")
    print_wrapped(f"next: forceplan discover {where} --where \"coverage_mean < 0.9\"; "
                  f"forceplan sensitivity {where} --outcome p_offensive_end", hang=6)


@contextmanager
def _reading(directory: Path) -> Iterator[None]:
    """A chunk file that cannot be read (damaged, cut short, removed) named, not a traceback."""
    import pyarrow as pa

    try:
        yield
    except (OSError, pa.ArrowException) as exc:
        why = (f"{exc.filename or exc} is missing" if isinstance(exc, FileNotFoundError)
               else str(exc).splitlines()[0])
        fail(f"{directory}: cannot read its results ({why}); "
             "`forceplan explore ... --resume` checks and redoes damaged chunks")


def _open(directory: Path) -> Results:
    _need_extra()
    from forceplan.explore import ExploreError, open_results

    try:
        return open_results(directory)
    except ExploreError as exc:
        fail(str(exc))


@app.command("discover")
def discover_command(
    directory: DirArg,
    where: Annotated[str, typer.Option("--where", help="Condition on outcomes, inputs or "
                                       "levers, e.g. \"coverage_mean < 0.9\".")],
    among: Annotated[
        str | None,
        typer.Option("--among", help="Analyse only the experiments where this holds, e.g. "
                     "\"plan_status != 'infeasible'\"."),
    ] = None,
    lever: LeverFilter = None,
    inputs: Annotated[
        list[str] | None,
        typer.Option("--inputs", help="Inputs PRIM may use ('*' matches anything; "
                     "repeatable) [default: all, and the levers]."),
    ] = None,
    box: Annotated[int | None, typer.Option("--box", min=0, help="Choose this step of the "
                                            "peeling trajectory.")] = None,
    min_coverage: Annotated[float, typer.Option("--min-coverage", help="Least coverage the "
                                                "chosen box may have (0-1).")] = 0.0,
    max_inputs: Annotated[int, typer.Option("--max-inputs", min=1, help="Inputs PRIM considers "
                                            "(the best separating ones).")] = 8,
    max_rows: Annotated[int, typer.Option("--max-rows", min=2, help="Most experiments PRIM reads "
                                          "(a seeded random subset).")] = 20_000,
    save: Annotated[Path | None, typer.Option(
        "--save", metavar="DIR",
        help="Write the box and trade-off here (default DIR/discover/<condition>).")] = None,
) -> None:
    """Find where in input space a condition holds (PRIM); print the trade-off and the box."""
    results = _open(directory)
    from forceplan.explore import ExploreError
    from forceplan.explore.analysis import discover_in

    target = outputs_or_exit(
        save=(str(save or directory / "discover" / _slug(where)), "directory"))["save"]
    assert target is not None
    with _reading(directory):
        try:
            found = discover_in(results, where, lever or (), _split(inputs), among, box=box,
                                min_coverage=min_coverage,
                                max_inputs=max_inputs, max_rows=max_rows)
        except ExploreError as exc:
            fail(str(exc))
    _render_discovery(found)
    _save_discovery(found, target)
    print_wrapped(f"wrote {escape(str(target))}/box.json and trajectory.csv")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "condition"


def _save_discovery(found: Discovery, target: Path) -> None:
    from forceplan.cli.common import SCHEMA_VERSION

    payload = {"schema_version": SCHEMA_VERSION, **found.to_json()}
    with writing() as out:  # both files, or neither
        folder = out.directory(target, ["box.json", "trajectory.csv"])
        folder.write_text("box.json", json.dumps(payload, indent=1) + "\n")
        folder.write_text("trajectory.csv", found.trajectory.to_csv(index=False))


def _render_discovery(found: Discovery) -> None:
    import numpy as np

    console.print(
        f"[bold]{escape(found.where)}[/]: {found.cases:,} of {found.rows:,} experiments "
        f"({found.cases / found.rows:.1%}); PRIM over {len(found.screened)} inputs"
    )
    traj = found.trajectory
    shown = sorted(set(np.linspace(0, len(traj) - 1, min(len(traj), 12)).round().astype(int))
                   | {found.chosen})
    table = Table(title="Peeling trajectory: coverage (share of the cases inside the box) "
                  "against density (share of the box that are cases)", title_justify="left")
    for name in ("step", "coverage", "density", "mass", "inputs restricted"):
        table.add_column(name, justify="right")
    for i in shown:
        cov, dens, mass, restricted = (float(traj[c].iloc[i]) for c in
                                       ("coverage", "density", "mass", "restricted"))
        mark = " <" if i == found.chosen else ""
        table.add_row(f"{i}{mark}", f"{cov:.1%}", f"{dens:.1%}", f"{mass:.1%}",
                      str(int(restricted)))
    print_table(table)
    limits = Table(title=f"Box at step {found.chosen}: coverage {found.coverage:.1%}, density "
                   f"{found.density:.1%}", title_justify="left")
    limits.add_column("input", overflow="fold")
    limits.add_column("box", justify="right")
    limits.add_column("of range", justify="right")
    limits.add_column("unit", overflow="fold")
    limits.add_column("qp", justify="right")
    for rec in found.limits.to_dict(orient="records"):
        box_text = f"{_num(float(rec['low']))} to {_num(float(rec['high']))}"
        full = f"{_num(float(rec['full_low']))} to {_num(float(rec['full_high']))}"
        limits.add_row(escape(str(rec["input"])), box_text, full, escape(str(rec["unit"])),
                       f"{float(rec['qp_value']):.1g}")
    print_table(limits)
    console.print("[dim]qp: quasi-p-value of each restriction (a one-sided binomial test of "
                  "the box's density with and without it; near 0: it matters)[/]")


@app.command("sensitivity")
def sensitivity_command(
    directory: DirArg,
    outcome: Annotated[str, typer.Option("--outcome", help="Outcome column, e.g. "
                                         "coverage_mean.")],
    lever: LeverFilter = None,
    method: Annotated[str, typer.Option("--method", help="auto (Sobol for --sampler sobol "
                                        "runs, else extra trees), sobol or trees.")] = "auto",
    top: Annotated[int, typer.Option("--top", min=1, help="Inputs in the tornado.")] = 12,
) -> None:
    """Which inputs drive an outcome: Sobol indices or feature scores, as a tornado."""
    results = _open(directory)
    from forceplan.explore import ExploreError
    from forceplan.explore.analysis import sensitivity_in

    with _reading(directory):
        try:
            analyses = sensitivity_in(results, outcome, lever or (), method)
        except ExploreError as exc:
            fail(str(exc))
    for label, found in analyses:
        _render_tornado(label, found, top)


def _render_tornado(label: str, found: Sensitivity, top: int) -> None:
    rows = found.top(top)
    sobol = found.method == "sobol"
    key = "ST" if sobol else "score"
    title = (f"{found.outcome}: Sobol total (bar) and first-order indices over "
             f"{found.rows:,} experiments ({label})" if sobol else
             f"{found.outcome}: extra-trees feature scores over {found.rows:,} experiments")
    # the longest bar takes what the names and numbers leave of the line (5 to 20
    # cells; no bars when not even 5 are left)
    longest = max((len(str(name)) for name in rows.index), default=5)
    numbers = 2 * len(" 0.000 ±0.000") if sobol else len("score")
    room = console.width - 1 - 3 * (4 if sobol else 3) - longest - numbers
    scale = min(20, room) if room >= 5 else 0
    table = Table(title=title, title_justify="left")
    table.add_column("input")
    if scale:
        table.add_column("")
    table.add_column("ST" if sobol else "score", justify="right")
    if sobol:
        table.add_column("S1", justify="right")
    peak = max(float(rows[key].max()), 1e-12)
    for name, r in rows.iterrows():
        value = float(r[key])
        bar = "█" * max(0, int(round(scale * value / peak)))
        cells = [escape(str(name))] + ([bar] if scale else [])
        if sobol:
            cells += [bind(f"{value:.3f}", f"±{r['ST_conf']:.3f}"),
                      bind(f"{r['S1']:.3f}", f"±{r['S1_conf']:.3f}")]
        else:
            cells.append(f"{value:.3f}")
        table.add_row(*cells)
    print_table(table)
