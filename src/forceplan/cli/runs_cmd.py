"""`forceplan runs`, `forceplan show RUN` and `forceplan rerun RUN`: the run store on the CLI."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import SCHEMA_VERSION, app, console, fail
from forceplan.cli.recording import DbOpt, NoStoreOpt, open_store_or_exit, recording
from forceplan.cli.tables import print_table, print_wrapped

if TYPE_CHECKING:
    from forceplan.store import RunInfo, Store, StoredResult

EXIT_DIFFERENT = 1
#: The kinds of run the store records (``runs --kind``).
RUN_KINDS = ("plan", "simulate", "compare")

RunArg = Annotated[
    str, typer.Argument(metavar="RUN", help="Run id (from `forceplan runs`), or 'latest'.")
]


@app.command("runs")
def runs_command(
    db: DbOpt = None,
    limit: Annotated[
        int, typer.Option("--limit", "-n", metavar="N", min=1, help="Show the newest N runs.")
    ] = 20,
    all_runs: Annotated[bool, typer.Option("--all", help="Show every run.")] = False,
    kind: Annotated[
        str | None,
        typer.Option("--kind", metavar="KIND", help="Only runs of this kind (plan, simulate, "
                      "compare)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the runs as JSON.")] = False,
    prune: Annotated[
        bool,
        typer.Option("--prune", help="First remove failed and abandoned runs, with their "
                     "files, and files no run refers to."),
    ] = False,
) -> None:
    """List the recorded runs, newest first."""
    from forceplan.store import StoreError

    if kind is not None and kind not in RUN_KINDS:
        fail(f"--kind: unknown kind {kind!r} (one of {', '.join(RUN_KINDS)})")
    store = open_store_or_exit(db)
    try:
        if prune:
            runs_gone, folders_gone = store.prune()
            console.print(f"removed {runs_gone} failed or abandoned runs and "
                          f"{folders_gone} unreferenced file folders", highlight=False)
        runs = store.list_runs(limit=None if all_runs else limit, kind=kind)
        total = store.count_runs(kind) if not all_runs else len(runs)
    except StoreError as exc:
        fail(str(exc))
    if as_json:
        payload = {
            "schema_version": SCHEMA_VERSION,
            "store": store.where,
            "total": total,
            "runs": [r.to_dict() for r in runs],
        }
        print(json.dumps(payload, indent=1))
        return
    if not runs:
        console.print(f"No runs recorded in {escape(store.where)} yet.", highlight=False)
        return
    print_table(_runs_table(runs, store.where, total))


def _runs_table(runs: list[RunInfo], where: str, total: int) -> Table:
    shown = f"newest {len(runs):,} of {total:,}" if total > len(runs) else f"{total:,}"
    table = Table(title=f"Runs in {escape(where)} ({shown})", title_justify="left")
    table.add_column("run", justify="right", no_wrap=True)
    table.add_column("kind", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("started", no_wrap=True)
    table.add_column("took (s)", justify="right", no_wrap=True)
    table.add_column("scenarios and headline", overflow="fold", ratio=1)
    colours = {"finished": "green", "failed": "red", "abandoned": "red", "running": "yellow"}
    for r in runs:
        colour = colours.get(r.status, "white")
        what = escape(r.label)
        line = headline_text(r)
        if line:
            what += f"\n[dim]{escape(line)}[/]"
        table.add_row(
            str(r.id),
            r.kind,
            f"[{colour}]{r.status}[/]",
            _local(r.started_at),
            f"{r.duration_s:,.1f}" if r.duration_s is not None else "-",
            what,
        )
    return table


def _local(moment: datetime) -> str:
    return moment.astimezone().strftime("%Y-%m-%d %H:%M")


def headline_text(run: RunInfo) -> str:
    """The run's headline numbers in a few words."""
    h = run.headline
    parts: list[str] = []
    if run.status != "finished":
        return run.error or ""
    if "scenarios" in h:
        parts.append(f"{h['scenarios']} scenarios, {run.options.get('draws', 0):,} draws")
    if "p_offensive_end_p50" in h:
        parts.append(f"P(offensive) {100 * h['p_offensive_end_p50']:.1f}%")
    if "total_cost_usd_m_p50" in h:
        parts.append(f"cost {_money(h['total_cost_usd_m_p50'])}")
    elif "cost_usd_m" in h:
        parts.append(f"cost {_money(h['cost_usd_m'])}")
    if "peak_deployed" in h and "p_offensive_end_p50" not in h:
        parts.append(f"peak {h['peak_deployed']:,.0f} deployed")
    if h.get("unmet_units"):
        parts.append(f"{h['unmet_units']:,.0f} unit-phases unmet")
    return ", ".join(parts)


def _money(usd_m: float) -> str:
    return f"US${usd_m / 1000:,.1f}bn" if abs(usd_m) >= 1000 else f"US${usd_m:,.0f}m"


# ---------------------------------------------------------------------------
# show
# ---------------------------------------------------------------------------


@app.command("show")
def show_command(
    run: RunArg,
    db: DbOpt = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the run's record (not its tables) as JSON.")
    ] = False,
    netcdf_path: Annotated[
        str | None,
        typer.Option("--netcdf", metavar="PATH",
                     help="Write a simulation's stored Dataset as netCDF here."),
    ] = None,
) -> None:
    """Print a recorded run again: what was run, by which version, and its results."""
    from forceplan.cli.common import outputs_or_exit
    from forceplan.cli.report_cmd import check_report_path
    from forceplan.store import StoreError

    if as_json and netcdf_path:
        fail("--json and --netcdf: choose one (--json prints the record, --netcdf writes "
             "the Dataset)")
    target = outputs_or_exit([db], netcdf=(netcdf_path, "file"))["netcdf"]
    check_report_path(netcdf_path)
    store = open_store_or_exit(db)
    try:
        info = store.get_run(run)
        results = store.load_results(info.id) if info.status == "finished" else []
        files = [f for r in results for f in r.files]
        if as_json:
            payload = {"schema_version": SCHEMA_VERSION, **info.to_dict(),
                       "files": [_file_dict(f) for f in files]}
            print(json.dumps(payload, indent=1))
            return
        if target is not None:
            _export_netcdf(results, target)
            return
        _print_header(info, store)
        if info.status != "finished":
            return
        _render_results(store, info, results)
    except StoreError as exc:
        fail(str(exc))


def _export_netcdf(results: list[StoredResult], target: Path) -> None:
    from forceplan.cli.common import writing

    datasets = [r for r in results if r.kind == "dataset"]
    if not datasets:
        fail("this run has no simulation Dataset to export (only simulate runs do)")
    ds = datasets[0].dataset()
    with writing() as out:
        out.write_with(target, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
    print_wrapped(f"wrote {escape(str(target))}")


def _file_dict(f: Any) -> dict[str, Any]:
    return {"role": f.role, "path": str(f.path), "format": f.format, "sha256": f.sha256,
            "bytes": f.bytes}


def _print_header(info: RunInfo, store: Store) -> None:
    took = f", {info.duration_s:,.1f} s" if info.duration_s is not None else ""
    console.print(
        f"[bold]Run {info.id}[/]: {info.kind} of {escape(info.label)}, {info.status}{took}",
        highlight=False,
    )
    lines = [
        ("started", f"{_local(info.started_at)} on {escape(info.host)} (pid {info.pid})"),
        ("forceplan", info.forceplan_version),
        ("seed", "-" if info.seed is None else str(info.seed)),
        ("options", escape(json.dumps(info.options))),
    ]
    for label, h in info.scenarios:
        lines.append(("scenario", f"{escape(label)}, hash {h[:16]}"))
    if info.rerun_of is not None:
        lines.append(("rerun of", f"run {info.rerun_of}"))
    if info.error:
        lines.append(("error", escape(info.error)))
    if info.timings:
        lines.append(("timings", ", ".join(f"{k} {v:.2f}" for k, v in info.timings.items())))
    for key, value in lines:
        # long paths and JSON are left to the terminal to wrap, so nothing is split
        print_wrapped(f"  {key:<10} {value}", hang=11)
    if info.status == "abandoned":
        console.print("  [red]its process ended before the run finished; it has no results[/]")


def _render_results(store: Store, info: RunInfo, results: list[StoredResult]) -> None:
    from forceplan.store.reproduce import scenarios_of

    if info.kind == "plan":
        from forceplan.cli.plan_cmd import render

        (_, scenario), = scenarios_of(store, info)
        render(scenario, results[0].plan())
    elif info.kind == "simulate":
        from forceplan.cli.simulate_cmd import _shortfall_warning
        from forceplan.cli.simulate_cmd import render as render_simulation

        ds = results[1].dataset()
        render_simulation(ds, _shortfall_warning(results[0].label, results[0].plan()))
    elif info.kind == "compare":
        from forceplan.cli.simulate_cmd import render_compare

        render_compare(results[-1].frame())
    for r in results:
        for f in r.files:
            print_wrapped(
                f"[dim]{f.role} file {escape(str(f.path))} ({f.bytes / 1e6:,.1f} MB, "
                f"SHA-256 {f.sha256[:16]}... verified)[/]"
            )


# ---------------------------------------------------------------------------
# rerun
# ---------------------------------------------------------------------------


@app.command("rerun")
def rerun_command(run: RunArg, db: DbOpt = None, no_store: NoStoreOpt = False) -> None:
    """Run a recorded run again from its stored inputs and say whether every number matches.

    Exit 0 if every number is identical, 1 if any differs.
    """
    from forceplan.cli.progress import draw_progress, planning
    from forceplan.store import StoreError
    from forceplan.store.reproduce import compare_results, rerun, scenarios_of

    store = open_store_or_exit(db)
    try:
        info = store.get_run(run)
        if info.status != "finished":
            fail(f"run {info.id} is {info.status}: there are no results to compare with")
        stored = store.load_results(info.id)
        scenarios = scenarios_of(store, info)
    except StoreError as exc:
        fail(str(exc))
    seed = "" if info.seed is None else f", seed {info.seed}"
    console.print(f"Rerunning run {info.id}: {info.kind} of {escape(info.label)} "
                  f"(forceplan {info.forceplan_version}{seed})", highlight=False)
    with recording(db, no_store, info.kind, scenarios, info.options, seed=info.seed,
                   rerun_of=info.id) as record:
        record.ready()
        with record.timed("rerun"), draw_progress(f"rerunning run {info.id}") as progress:
            parts = rerun(store, info, progress, planning=planning)
        try:
            verdict = compare_results(stored, parts)
        except StoreError as exc:
            fail(str(exc))
        _print_verdict(info, verdict)
        record.finish(lambda: parts)
    if not verdict.identical:
        raise typer.Exit(EXIT_DIFFERENT)


def _print_verdict(info: RunInfo, verdict: Any) -> None:
    counted = (f"{verdict.numbers:,} values in {verdict.tables} tables"
               + (f" and {verdict.arrays} arrays" if verdict.arrays else ""))
    if verdict.identical:
        console.print(f"[bold green]identical:[/] every one of {counted} matches run {info.id}.",
                      highlight=False)
        return
    console.print(f"[bold red]different:[/] {verdict.different:,} differences against run "
                  f"{info.id} ({counted} compared):", highlight=False)
    for line in verdict.differences:
        console.print(f"  {escape(line)}", highlight=False)
    if verdict.different > len(verdict.differences):
        console.print(f"  ... and {verdict.different - len(verdict.differences):,} more")
    from forceplan import __version__

    if info.forceplan_version != __version__:
        console.print(f"[yellow]note:[/] the run was made by forceplan {info.forceplan_version}, "
                      f"this is {__version__}")
