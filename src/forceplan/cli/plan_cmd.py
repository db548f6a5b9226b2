"""`forceplan plan`: solve the allocation and show it as Rich tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import (
    EXIT_INCOMPLETE_PLAN,
    EXIT_NO_PLAN,
    BackstopOpt,
    ScenarioArg,
    app,
    console,
    err_console,
    fail,
    load_or_exit,
    outputs_or_exit,
    writing,
)
from forceplan.cli.progress import planning
from forceplan.cli.recording import DbOpt, NoStoreOpt, recording
from forceplan.cli.report_cmd import XlsxOpt, bytes_writer, workbook_for

if TYPE_CHECKING:
    import pandas as pd

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario

NoCacheOpt = Annotated[
    bool,
    typer.Option(
        "--no-cache",
        help="Solve the plan even if the plan cache holds it (or set FORCEPLAN_NO_CACHE "
        "to 1).",
    ),
]


def plan_or_exit(
    name: str,
    scenario: Scenario,
    backstop: bool | None,
    time_limit: float = 60.0,
    no_cache: bool = False,
) -> PlanResult:
    """The plan (from the plan cache when it holds it), or exit 1 in words."""
    from forceplan.plan import PlanError
    from forceplan.plan.cache import cached_plan

    try:
        result, _ = cached_plan(
            scenario, backstop=backstop, time_limit_s=time_limit, use_cache=not no_cache
        )
    except PlanError as exc:
        fail(f"{name}: {exc}", code=EXIT_NO_PLAN)
    return result


def incomplete_message(name: str, result: PlanResult) -> str | None:
    """Why the plan is incomplete (phases not solved within the time limit), or None."""
    missing = result.phases_not_solved
    if not missing:
        return None
    return (
        f"the plan for {name} is incomplete: phase{'s' if len(missing) > 1 else ''} "
        f"{', '.join(missing)} not solved within the time limit (no plan for "
        f"{'them' if len(missing) > 1 else 'it'}); raise --time-limit"
    )


@app.command("plan")
def plan_command(
    scenario: ScenarioArg,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the plan as JSON to this file.")
    ] = None,
    csv_dir: Annotated[
        str | None,
        typer.Option("--csv", help="Write one CSV per table (allocations, shortfalls, ...) here."),
    ] = None,
    backstop: BackstopOpt = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            metavar="SECONDS",
            min=0.1,
            max=86_400.0,
            help="Time budget for the whole plan, in seconds (plus a margin, docs/planner.md). "
            "A phase not solved in time is reported as such and the exit code is 3.",
        ),
    ] = 60.0,
    no_cache: NoCacheOpt = False,
    xlsx_path: XlsxOpt = None,
    db: DbOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Allocate units to missions phase by phase (a MIP solved with HiGHS) and show the plan."""
    targets = outputs_or_exit(
        json=(json_path, "file"), csv=(csv_dir, "directory"), xlsx=(xlsx_path, "file")
    )
    s = load_or_exit(scenario)
    options = {"scenario": scenario, "backstop": backstop, "time_limit_s": time_limit}
    with recording(db, no_store, "plan", [(s.name, s)], options) as record:
        with record.timed("plan"), planning(s.name):
            result = plan_or_exit(scenario, s, backstop, time_limit, no_cache)
        record.ready()
        render(s, result)
        _write_outputs(targets, result, (json_path, csv_dir, xlsx_path),
                       lambda: workbook_for("plan", record, [(s.name, s)], options,
                                            plans=[(s.name, result)]))
        # an incomplete plan is still a result: stored, then exit 3
        record.finish(lambda: [_stored(result)])
    incomplete = incomplete_message(scenario, result)
    if incomplete:
        err_console.print(
            f"[bold red]error:[/] {escape(incomplete)}", highlight=False, soft_wrap=True
        )
        raise typer.Exit(EXIT_INCOMPLETE_PLAN)


def _write_outputs(
    targets: dict[str, Path | None],
    result: PlanResult,
    given: tuple[str | None, str | None, str | None],
    workbook: Callable[[], bytes],
) -> None:
    """The plan's JSON, CSV files and workbook, all or nothing (``given``: the paths as
    typed, for the messages)."""
    json_path, csv_dir, xlsx_path = given
    json_target, csv_target, xlsx_target = targets["json"], targets["csv"], targets["xlsx"]
    if json_target is None and csv_target is None and xlsx_target is None:
        return
    with writing() as out:
        if json_target is not None:
            out.write_text(json_target, result.to_json())
        if csv_target is not None:
            frames = result.to_frames()
            folder = out.directory(csv_target, [f"{name}.csv" for name in frames])
            for name, frame in frames.items():
                folder.write_text(f"{name}.csv", frame.to_csv(index=False))
        if xlsx_target is not None:
            out.write_with(xlsx_target, bytes_writer(workbook()))
    for path in (json_path, xlsx_path):
        if path is not None:
            console.print(f"wrote {escape(path)}", highlight=False)
    if csv_target is not None:
        console.print(
            f"wrote {len(result.to_frames())} CSV files to {escape(str(csv_dir))}",
            highlight=False,
        )


def _stored(result: PlanResult) -> Any:
    from forceplan.store import plan_result

    return plan_result(result)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def render(s: Scenario, result: PlanResult) -> None:
    """Print the plan: allocations per phase, shortfalls, nations, flank, solver."""
    backstop = (
        f"on ({escape(result.backstop_provider or '')})" if result.backstop_enabled else "off"
    )
    console.print(
        f"[bold]{escape(s.title)}[/] ({escape(s.name)}, hash {result.scenario_hash[:12]}), "
        f"backstop {backstop}",
        highlight=False,
    )
    not_solved = set(result.phases_not_solved)
    for phase in s.ordered_phases:
        if phase.id in not_solved:
            console.print(
                f"[bold red]{escape(phase.name)} (months {phase.start_month}-{phase.end_month}): "
                "NOT SOLVED[/] within the time limit: no plan for this phase",
                highlight=False,
            )
            continue
        _render_phase(
            s, result, phase.id, f"{phase.name} (months {phase.start_month}-{phase.end_month})"
        )
        _render_change(result, phase.id)
    _render_totals(result)
    _render_shortfalls(result)
    _render_flank(result)
    _render_solver(result)


def _render_phase(s: Scenario, result: PlanResult, phase_id: str, title: str) -> None:
    import numpy as np

    # one pass over each table, grouped by requirement (filtering the frames
    # once per requirement was a tenth of a second on the flagship)
    alloc: dict[tuple[str, str], list[dict[Any, Any]]] = {}
    for r in result.allocations[result.allocations["phase"] == phase_id].to_dict("records"):
        alloc.setdefault((r["mission"], r["capability"]), []).append(r)
    short: dict[tuple[str, str], list[dict[Any, Any]]] = {}
    for r in result.shortfalls[result.shortfalls["phase"] == phase_id].to_dict("records"):
        short.setdefault((r["mission"], r["capability"]), []).append(r)
    table = Table(title=f"{escape(title)}: who sends what", title_justify="left")
    for col, justify in [
        ("mission", "left"),
        ("capability", "left"),
        ("required", "right"),
        ("nations (units)", "left"),
        ("personnel", "right"),
        ("backstop", "right"),
        ("unmet", "right"),
    ]:
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for phase, mission, cap, need in s.requirements():
        if phase.id != phase_id:
            continue
        rows = alloc.get((mission.id, cap.id), [])
        who = ", ".join(f"{r['nation']} {r['units']}" for r in rows)
        gap = short.get((mission.id, cap.id), [])
        backstop_units = int(sum(r["backstop_units"] for r in gap))
        unmet = int(sum(r["unmet"] for r in gap))
        personnel = float(np.array([r["personnel"] for r in rows], dtype=np.float64).sum())
        table.add_row(
            mission.id,
            cap.id,
            str(need),
            who or "-",
            _num(personnel),
            str(backstop_units) if backstop_units else "",
            f"[red]{unmet}[/]" if unmet else "",
        )
    console.print(table)

    nations = result.nations[(result.nations["phase"] == phase_id)]
    nations = nations[nations["deployed_personnel"] > 0]
    if nations.empty:
        console.print("  no coalition units deployed in this phase")
        return
    ntable = Table(title=f"{escape(title)}: per nation", title_justify="left")
    for col in [
        "nation",
        "deployed",
        "tied up",
        "army share",
        "annual cost US$m",
        "of budget",
        "cost share",
        "GDP share",
    ]:
        ntable.add_column(col, justify="left" if col == "nation" else "right")
    for r in nations.to_dict(orient="records"):
        ntable.add_row(
            str(r["nation"]),
            _num(float(r["deployed_personnel"])),
            _num(float(r["tied_up_personnel"])),
            _pct(float(r["army_share"])),
            _num(float(r["annual_cost_usd_m"])),
            _pct(float(r["budget_share"])),
            _pct(float(r["cost_share"])),
            _pct(float(r["gdp_share"])),
        )
    ntable.add_row(
        "[bold]total[/]",
        _num(float(nations["deployed_personnel"].sum())),
        _num(float(nations["tied_up_personnel"].sum())),
        "",
        _num(float(nations["annual_cost_usd_m"].sum())),
        "",
        "",
        "",
    )
    console.print(ntable)


def _render_change(result: PlanResult, phase_id: str) -> None:
    """One line: units changed from the previous phase's plan (the continuity tier)."""
    change = result.units_changed.get(phase_id)
    if change is None:
        console.print("Units changed from previous phase: - (first phase)", highlight=False)
        return
    console.print(
        f"Units changed from previous phase: {change['changed']} "
        f"({change['added']} added, {change['withdrawn']} withdrawn)",
        highlight=False,
    )


def _render_totals(result: PlanResult) -> None:
    totals = totals_by_nation(result)
    totals = totals[totals["peak_deployed"] > 0]
    if totals.empty:
        return
    table = Table(title="Whole plan, per nation", title_justify="left")
    for col in ["nation", "peak deployed", "peak tied up", "cost over the plan US$m"]:
        table.add_column(col, justify="left" if col == "nation" else "right")
    for iso, row in zip(totals.index, totals.to_dict(orient="records"), strict=True):
        table.add_row(
            str(iso),
            _num(float(row["peak_deployed"])),
            _num(float(row["peak_tied_up"])),
            _num(float(row["cost_usd_m"])),
        )
    table.add_row("[bold]total[/]", "", "", _num(float(totals["cost_usd_m"].sum())))
    console.print(table)


def _render_shortfalls(result: PlanResult) -> None:
    short = result.shortfalls
    if short.empty:
        console.print("[green]No shortfalls:[/] the coalition meets every requirement.")
        return
    table = Table(title="Shortfalls the coalition cannot fill", title_justify="left")
    for col in ["phase", "mission", "capability", "required", "coalition", "backstop", "unmet"]:
        table.add_column(
            col,
            justify="right" if col in ("required", "coalition", "backstop", "unmet") else "left",
        )
    for r in short.to_dict(orient="records"):
        unmet = int(r["unmet"])
        table.add_row(
            str(r["phase"]),
            str(r["mission"]),
            str(r["capability"]),
            str(r["required"]),
            str(r["coalition_units"]),
            str(r["backstop_units"]) if result.backstop_enabled else "off",
            f"[red]{unmet}[/]" if unmet else "0",
        )
    console.print(table)


def _render_flank(result: PlanResult) -> None:
    flank = result.flank
    if flank.empty:
        console.print("Eastern flank: no standing commitments declared.")
        return
    phases = list(result.phases["phase"])
    table = Table(
        title="Eastern-flank drain (units drawn from each commitment)", title_justify="left"
    )
    for col in ["nation", "commitment", "capability", "held", "floor"]:
        table.add_column(col, justify="right" if col in ("held", "floor") else "left")
    for phase in phases:
        table.add_column(phase, justify="right")
    # rows come phase by phase, each phase listing the commitments in the same order
    records = flank.to_dict(orient="records")
    per_phase = len(records) // len(phases)
    for i in range(per_phase):
        rows = [records[k * per_phase + i] for k in range(len(phases))]
        cells = []
        for row in rows:
            drain = int(row["drain"])
            text = str(drain) if drain else "-"
            cells.append(f"[red]{text} below floor[/]" if row["below_floor"] else text)
        first = rows[0]
        table.add_row(
            str(first["nation"]),
            escape(str(first["commitment"])),
            str(first["capability"]),
            f"{float(first['units_held']):g}",
            f"{float(first['floor']):g}",
            *cells,
        )
    console.print(table)
    pushed = sorted({str(r["nation"]) for r in records if r["below_floor"]})
    if pushed:
        console.print(f"[red]Pushed below a floor:[/] {', '.join(pushed)}")
    else:
        console.print("[green]No commitment is pushed below its floor.[/]")


def _render_solver(result: PlanResult) -> None:
    size = result.model_size
    colour = {"optimal": "green", "time_limit": "yellow"}.get(result.status, "red")
    console.print(
        f"Solver HiGHS: [{colour}]{result.status}[/], gap {result.mip_gap:.2e}, "
        f"{result.solve_seconds:.2f} s; model {size['rows']} rows, {size['columns']} columns, "
        f"{size['integers']} integer, in {size['phases']} phase models",
        highlight=False,
    )
    if not result.optimal and "status" in result.phases.columns:
        per_phase = ", ".join(
            f"{r['phase']} {r['status'].replace('_', ' ')}"
            + (f" (gap {r['mip_gap']:.1e})" if r["status"] == "time_limit" else "")
            for r in result.phases.to_dict(orient="records")
        )
        console.print(f"Phases: {escape(per_phase)}", highlight=False)
    tiers = ", ".join(f"{k} {v:,.1f}" for k, v in result.objective.items())
    console.print(f"Objective (lexicographic, in order): {tiers}", highlight=False)
    for note in result.notes:
        console.print(f"[yellow]note:[/] {escape(note)}", highlight=False)


def totals_by_nation(result: PlanResult) -> pd.DataFrame:
    """Peak deployed and tied-up personnel and campaign cost per nation (for summaries)."""
    months = result.phases.set_index("phase")["months"]
    frame = result.nations.copy()
    frame["cost_usd_m"] = frame["annual_cost_usd_m"] * frame["phase"].map(months) / 12
    return frame.groupby("nation", sort=False).agg(
        peak_deployed=("deployed_personnel", "max"),
        peak_tied_up=("tied_up_personnel", "max"),
        cost_usd_m=("cost_usd_m", "sum"),
    )
