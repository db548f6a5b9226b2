"""`forceplan plan`: solve the allocation and show it as Rich tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import pandas as pd
import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import (
    BackstopOpt,
    ScenarioArg,
    app,
    check_output_dir,
    console,
    fail,
    load_or_exit,
    write_atomic,
)
from forceplan.plan import PlanError, PlanResult, plan
from forceplan.scenario import Scenario

EXIT_NO_PLAN = 1


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
        float, typer.Option("--time-limit", min=0.1, help="Solver time budget in seconds.")
    ] = 60.0,
) -> None:
    """Allocate units to missions phase by phase (a MIP solved with HiGHS) and show the plan."""
    if json_path:
        check_output_dir(json_path, "file")
    if csv_dir:
        if Path(csv_dir).exists() and not Path(csv_dir).is_dir():
            fail(f"{csv_dir} is a file, expected a directory for --csv")
        check_output_dir(csv_dir, "directory")
    s = load_or_exit(scenario)
    try:
        result = plan(s, backstop=backstop, time_limit_s=time_limit)
    except PlanError as exc:
        fail(f"{scenario}: {exc}", code=EXIT_NO_PLAN)
    render(s, result)
    if json_path:
        payload = result.to_dict()
        payload["costs"] = {"basis": s.costs.basis, "funding_rule": s.costs.funding,
                            "note": plan_cost_note(s)}
        write_atomic(json_path, json.dumps(payload, indent=2, allow_nan=False) + "\n")
        console.print(f"wrote {json_path}")
    if csv_dir:
        for name, frame in result.to_frames().items():
            write_atomic(Path(csv_dir) / f"{name}.csv", frame.to_csv(index=False))
        console.print(f"wrote {len(result.to_frames())} CSV files to {csv_dir}")


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _num(value: float) -> str:
    return f"{value:,.0f}"


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


BASIS_WORDS = {"additional": "additional (incremental) cost", "full": "full cost"}
FUNDING_WORDS = {
    "where_they_fall": "costs lie where they fall (each nation pays for its own units)",
    "common_fund": "a common fund shared by GDP key",
    "un_assessed": "the UN's assessed budget pays its reimbursement rate, contributors the rest",
}


def plan_cost_note(s: Scenario) -> str:
    """What the plan's cost columns mean and who pays (the simulation adds the rest)."""
    return (
        f"Costs: {BASIS_WORDS[s.costs.basis]}, US$ million of {s.currency_year} at the "
        "capabilities' values, before national cost factors, sampled unit costs, overrun and "
        f"inflation (forceplan simulate applies them). Who pays: {FUNDING_WORDS[s.costs.funding]}."
    )


def render(s: Scenario, result: PlanResult) -> None:
    """Print the plan: allocations per phase, shortfalls, nations, flank, solver."""
    backstop = (
        f"on ({escape(result.backstop_provider or '')})" if result.backstop_enabled else "off"
    )
    console.print(
        f"[bold]{escape(s.title)}[/] ({s.name}, hash {result.scenario_hash[:12]}), "
        f"backstop {backstop}",
        highlight=False,
    )
    console.print(f"[dim]{escape(plan_cost_note(s))}[/]", highlight=False)
    for phase in s.ordered_phases:
        _render_phase(
            s, result, phase.id, f"{phase.name} (months {phase.start_month}-{phase.end_month})"
        )
        _render_change(result, phase.id)
    _render_totals(result)
    _render_shortfalls(result)
    _render_flank(result)
    _render_solver(result)


def _render_phase(s: Scenario, result: PlanResult, phase_id: str, title: str) -> None:
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
    colour = "green" if result.optimal else "yellow"
    console.print(
        f"Solver HiGHS: [{colour}]{result.status}[/], gap {result.mip_gap:.2e}, "
        f"{result.solve_seconds:.2f} s; model {size['rows']} rows, {size['columns']} columns, "
        f"{size['integers']} integer, in {size['phases']} phase models",
        highlight=False,
    )
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
