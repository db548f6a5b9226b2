"""`forceplan plan`: solve the allocation and show it as Rich tables."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import (
    EXIT_INCOMPLETE_PLAN,
    EXIT_NO_PLAN,
    SCHEMA_VERSION,
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
from forceplan.cli.tables import bind, fits, print_table, print_wrapped
from forceplan.cli.workbook import XlsxOpt, bytes_writer, workbook_for

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
    flank_floor: str | None = None,
) -> PlanResult:
    """The plan (from the plan cache when it holds it), or exit 1 in words."""
    from forceplan.plan import PlanError
    from forceplan.plan.cache import cached_plan

    try:
        result, _ = cached_plan(
            scenario,
            backstop=backstop,
            time_limit_s=time_limit,
            flank_floor=flank_floor,
            use_cache=not no_cache,
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


class FlankFloor(StrEnum):
    hard = "hard"
    soft = "soft"


FlankFloorOpt = Annotated[
    FlankFloor | None,
    typer.Option(
        "--flank-floor",
        case_sensitive=False,
        help="Floors on standing (eastern-flank) commitments: 'hard' never breached, 'soft' "
        "breached at a penalty and reported (default: the flank_floor the scenario's "
        "constraints set).",
    ),
]


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
    flank_floor: FlankFloorOpt = None,
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
        [scenario, db],
        json=(json_path, "file"), csv=(csv_dir, "directory"), xlsx=(xlsx_path, "file"),
    )
    s = load_or_exit(scenario)
    floor = None if flank_floor is None else flank_floor.value
    options = {"scenario": scenario, "backstop": backstop, "time_limit_s": time_limit,
               "flank_floor": floor}
    with recording(db, no_store, "plan", [(s.name, s)], options) as record:
        with record.timed("plan"), planning(s.name):
            result = plan_or_exit(
                scenario,
                s,
                backstop,
                time_limit,
                no_cache,
                flank_floor=floor,
            )
        record.ready()
        render(s, result)
        _write_outputs(targets, s, result, (json_path, csv_dir, xlsx_path),
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
    s: Scenario,
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
            out.write_text(json_target, plan_json(s, result))
        if csv_target is not None:
            frames = result.to_frames()
            names = [f"{name}.csv" for name in frames]
            folder = out.directory(csv_target, [*names, "metadata.json"])
            for name, frame in frames.items():
                folder.write_text(f"{name}.csv", frame.to_csv(index=False))
            folder.write_text("metadata.json", csv_metadata(result, frames))
        if xlsx_target is not None:
            out.write_with(xlsx_target, bytes_writer(workbook()))
    for path in (json_path, xlsx_path):
        if path is not None:
            print_wrapped(f"wrote {escape(path)}")
    if csv_target is not None:
        print_wrapped(
            f"wrote {len(result.to_frames())} CSV files and metadata.json to "
            f"{escape(str(csv_dir))}"
        )


def plan_json(s: Scenario, result: PlanResult) -> str:
    """The plan as the JSON `--json` writes: ``schema_version`` first, then the result
    and the cost basis and funding rule its costs follow."""
    payload = {"schema_version": SCHEMA_VERSION, **result.to_dict()}
    payload["costs"] = {"basis": s.costs.basis, "funding_rule": s.costs.funding,
                        "note": plan_cost_note(s)}
    return json.dumps(payload, indent=2, allow_nan=False) + "\n"


def csv_metadata(result: PlanResult, frames: dict[str, pd.DataFrame]) -> str:
    """metadata.json beside the CSV tables: what made them, and each column's unit."""
    from forceplan.report.tables import unit_of

    payload = {
        "schema_version": SCHEMA_VERSION,
        "forceplan_version": result.forceplan_version,
        "scenario": {"name": result.scenario_name, "hash": result.scenario_hash},
        "tables": {
            f"{name}.csv": {"columns": {str(c): {"unit": unit_of(str(c)) or None}
                                        for c in frame.columns}}
            for name, frame in frames.items()
        },
    }
    return json.dumps(payload, indent=2) + "\n"


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


def plan_cost_note(s: Scenario) -> str:
    """What the plan's cost columns mean and who pays (the simulation adds the rest)."""
    from forceplan.plan.tables import cost_note

    return cost_note(s)


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
    console.print(f"[dim]{escape(plan_cost_note(s))}[/]", highlight=False)
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
    _render_force(result)
    _render_totals(result)
    _render_offers(result)
    _render_goals(result)
    _render_shortfalls(result)
    _render_flank(result)
    _render_solver(result)


def _sent(s: Scenario, row: dict[Any, Any]) -> str:
    """'GBR 5', or with sub-units 'EST 1 coy', 'FRA 2 +2 coy (leads 1)', bound into one
    entry that a table never breaks."""
    whole, sub, frames = int(row["whole_units"]), int(row["sub_units"]), int(row["frames"])
    words = [str(row["nation"])] + ([str(whole)] if whole else [])
    if sub:
        sub_unit = s.capability(str(row["capability"])).sub_unit
        label = sub_unit.label if sub_unit is not None else "sub-units"
        words += [f"+{sub}" if whole else str(sub), label]
    if frames:
        words += ["(leads", f"{frames})"]
    return escape(bind(*words))


def _peak_phase(result: PlanResult) -> str | None:
    """The phase with the most personnel required (the sustain phase of the flagship)."""
    force = result.force
    if force.empty:
        return None
    return str(force["phase"].iloc[int(force["required_personnel"].to_numpy().argmax())])


#: layouts of the who-sends-what table, widest first: the first that fits is printed
#: ("wide": mission and capability apart, a line's nations in a row; "stacked": mission
#: over capability, one nation a line; "nested": the nations under their requirement)
LAYOUTS = ("wide", "stacked", "nested")


def _who_table(title: str, rows: list[tuple[str, str, list[str], list[str]]],
               layout: str) -> Table:
    """The who-sends-what table in ``layout``; each row is (mission, capability,
    nation entries, [required, personnel, backstop, unmet])."""
    table = Table(title=title, title_justify="left", show_lines=layout == "nested")
    labels = {"wide": ["mission", "capability"], "stacked": ["mission / capability"],
              "nested": ["mission / capability / nations (units)"]}[layout]
    for col in labels:
        table.add_column(col)
    table.add_column("required", justify="right")
    if layout != "nested":
        table.add_column("nations (units)")
    for col in ("personnel", "backstop", "unmet"):
        table.add_column(col, justify="right")
    for mission, capability, who, numbers in rows:
        required, rest = numbers[0], numbers[1:]
        if layout == "wide":
            table.add_row(mission, capability, required, ", ".join(who) or "-", *rest)
        elif layout == "stacked":
            table.add_row(f"{mission}\n  {capability}", required, "\n".join(who) or "-", *rest)
        else:
            table.add_row(f"{mission}\n  {capability}\n    {', '.join(who) or '-'}",
                          required, *rest)
    return table


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
    rows: list[tuple[str, str, list[str], list[str]]] = []
    for phase, mission, cap, need in s.requirements():
        if phase.id != phase_id:
            continue
        sent = alloc.get((mission.id, cap.id), [])
        gap = short.get((mission.id, cap.id), [])
        backstop_units = int(sum(r["backstop_units"] for r in gap))
        unmet = int(sum(r["unmet"] for r in gap))
        personnel = float(np.array([r["personnel"] for r in sent], dtype=np.float64).sum())
        rows.append((mission.id, cap.id, [_sent(s, r) for r in sent], [
            str(need),
            _num(personnel),
            str(backstop_units) if backstop_units else "",
            f"[red]{unmet}[/]" if unmet else "",
        ]))
    heading = f"{escape(title)}: who sends what"
    for layout in LAYOUTS:
        table = _who_table(heading, rows, layout)
        if fits(table, console.width):
            break
    print_table(table)
    _render_flags(result, phase_id)

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
    print_table(ntable)


def _render_flags(result: PlanResult, phase_id: str) -> None:
    """Nations per mission line, and how many have a flag on the ground."""
    flags = result.flags[result.flags["phase"] == phase_id]
    if flags.empty:
        return
    lines = [
        f"  {r['mission']}: {r['flags']} ({r['nations'] or 'none'})"
        for r in flags.to_dict(orient="records")
    ]
    force = result.force[result.force["phase"] == phase_id]
    on_ground = int(force["flags_on_ground"].iloc[0]) if not force.empty else 0
    console.print(f"Flags per mission line ({on_ground} nations on the ground):", highlight=False)
    for line in lines:
        console.print(escape(line), highlight=False)


def _render_change(result: PlanResult, phase_id: str) -> None:
    """One line: units changed from the previous phase's plan (the continuity tier)."""
    change = result.units_changed.get(phase_id)
    if change is None:
        console.print("Units changed from previous phase: - (first phase)", highlight=False)
        return
    console.print(
        f"Units changed from previous phase: {change['changed']:g} "
        f"({change['added']:g} added, {change['withdrawn']:g} withdrawn)",
        highlight=False,
    )


def _render_force(result: PlanResult) -> None:
    """Per phase: personnel required, deployed, tied up, and who serve a tour."""
    force = result.force
    if force.empty:
        return
    table = Table(title="Force over the mission (coalition personnel)", title_justify="left")
    for col in ["phase", "months", "required", "deployed", "tied up", "serve a tour"]:
        table.add_column(col, justify="left" if col == "phase" else "right")
    for r in force.to_dict(orient="records"):
        table.add_row(
            str(r["phase"]),
            str(r["months"]),
            _num(float(r["required_personnel"])),
            _num(float(r["deployed_personnel"])),
            _num(float(r["tied_up_personnel"])),
            _num(float(r["tour_personnel"])),
        )
    totals = result.mission_totals()
    table.add_row(
        "[bold]mission[/]",
        f"{totals['months']:.0f}",
        "",
        f"{_num(totals['peak_deployed_personnel'])} peak",
        f"{_num(totals['peak_tied_up_personnel'])} peak",
        _num(totals["tour_personnel"]),
    )
    print_table(table)
    console.print(
        f"People who serve a tour = deployed x months / tour months, summed over phases "
        f"(every requirement met: {_num(totals['required_tour_personnel'])}).",
        highlight=False,
    )


def _render_totals(result: PlanResult) -> None:
    totals = totals_by_nation(result)
    totals = totals[totals["peak_deployed"] > 0]
    if totals.empty:
        return
    table = Table(title="Whole plan, per nation", title_justify="left")
    for col in ["nation", "peak deployed", "peak tied up", "serve a tour", "cost US$m"]:
        table.add_column(col, justify="left" if col == "nation" else "right")
    for iso, row in zip(totals.index, totals.to_dict(orient="records"), strict=True):
        table.add_row(
            str(iso),
            _num(float(row["peak_deployed"])),
            _num(float(row["peak_tied_up"])),
            _num(float(row["tour_personnel"])),
            _num(float(row["cost_usd_m"])),
        )
    table.add_row(
        "[bold]total[/]",
        "",
        "",
        _num(float(totals["tour_personnel"].sum())),
        _num(float(totals["cost_usd_m"].sum())),
    )
    print_table(table)
    console.print(
        f"{len(totals)} nations send units over the plan; cost is over the whole plan.",
        highlight=False,
    )


def _offered(row: dict[Any, Any]) -> str:
    low, high = float(row["min_personnel"]), row["max_personnel"]
    if high is None or (isinstance(high, float) and math.isnan(high)):
        return f"{_num(low)}+"
    return _num(low) if float(high) == low else f"{_num(low)}-{_num(float(high))}"


def _render_offers(result: PlanResult) -> None:
    """Each offer against what the plan uses in the peak phase, and why if less."""
    phase = _peak_phase(result)
    offers = result.offers
    if offers.empty or phase is None:
        return
    rows = offers[offers["phase"] == phase].to_dict(orient="records")
    table = Table(
        title=f"Offers (personnel deployed) and what the plan uses, phase {escape(phase)}",
        title_justify="left",
    )
    for col in ["nation", "offer", "offered", "used", "status"]:
        table.add_column(col, justify="right" if col in ("offered", "used") else "left")
    for r in rows:
        status = str(r["status"])
        colour = {"honoured": "green", "below minimum": "yellow"}.get(status, "red")
        table.add_row(
            str(r["nation"]),
            escape(str(r["offer"])),
            _offered(r),
            _num(float(r["used_personnel"])),
            f"[{colour}]{escape(status)}[/]",
        )
    print_table(table)
    for r in rows:
        if r["explanation"]:
            console.print(
                f"  {escape(str(r['nation']))}, {escape(str(r['offer']))}: "
                f"{escape(str(r['explanation']))}",
                highlight=False,
            )


def _render_goals(result: PlanResult) -> None:
    """Each political goal the plan misses (lead nations, flags on the ground), in words."""
    missed = result.goals_missed()
    if not missed:
        return
    console.print("[bold yellow]Political goals not met[/] (constraints.goals = soft):")
    for line in missed:
        console.print(f"  {escape(line)}", highlight=False)


def _render_shortfalls(result: PlanResult) -> None:
    short = result.shortfalls
    if short.empty:
        console.print("[green]No shortfalls:[/] the coalition meets every requirement.")
        return
    table = Table(title="Shortfalls the coalition cannot fill", title_justify="left")
    numeric = ("required", "coalition", "backstop", "unmet", "people")
    for col in ["phase", "mission", "capability", *numeric]:
        table.add_column(col, justify="right" if col in numeric else "left")
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
            _num(float(r["unmet_personnel"])),
        )
    print_table(table)


def _render_flank(result: PlanResult) -> None:
    """The eastern-flank drain: per commitment, units drawn in each phase, and what
    the mission takes out of the pool of that capability in the peak phase."""
    flank = result.flank
    if flank.empty:
        console.print("Eastern flank: no standing commitments declared.")
        return
    table = Table(
        title=f"Eastern-flank drain: units drawn from each commitment ({result.flank_floor} "
        "floors)",
        title_justify="left",
    )
    for col in ["nation", "commitment", "held", "floor", "drawn", "in phases"]:
        table.add_column(col, justify="right" if col in ("held", "floor", "drawn") else "left")
    records = flank.to_dict(orient="records")
    by_commitment: dict[tuple[str, str], list[dict[Any, Any]]] = {}
    for row in records:
        by_commitment.setdefault((str(row["nation"]), str(row["commitment"])), []).append(row)
    for (iso, name), rows in by_commitment.items():
        drawn = max(int(r["drain"]) for r in rows)
        phases = [
            f"{r['phase']}{' (below floor)' if r['below_floor'] else ''}"
            for r in rows
            if int(r["drain"]) > 0
        ]
        table.add_row(
            iso,
            escape(name),
            f"{float(rows[0]['units_held']):g}",
            f"{float(rows[0]['floor']):g}",
            f"[red]{drawn}[/]" if drawn else "-",
            escape(", ".join(phases)) or "-",
        )
    print_table(table)
    pushed = sorted({str(r["nation"]) for r in records if r["below_floor"]})
    if pushed:
        console.print(f"[red]Pushed below a floor:[/] {', '.join(pushed)}")
    else:
        console.print("[green]No commitment is pushed below its floor.[/]")
    _render_pool(result)


def _render_pool(result: PlanResult) -> None:
    """Per nation and capability with commitments, in the peak phase: the units it
    holds, those its commitments and the mission tie up, and what is left."""
    phase = _peak_phase(result)
    if phase is None:
        return
    flank = result.flank[result.flank["phase"] == phase]
    pool = flank.drop_duplicates(["nation", "capability"])
    pool = pool[pool["mission_tied_up_units"] + pool["drain"] > 0]
    if pool.empty:
        console.print(
            f"The mission takes nothing from the pools that sustain flank commitments "
            f"(phase {escape(phase)}).",
            highlight=False,
        )
        return
    table = Table(
        title=f"What the mission takes from the pool behind each commitment (units, phase "
        f"{escape(phase)})",
        title_justify="left",
    )
    for col in ["nation", "capability", "pool", "flank", "mission", "spare", "drawn"]:
        table.add_column(col, justify="left" if col in ("nation", "capability") else "right")
    for r in pool.to_dict(orient="records"):
        drawn = int(
            flank[(flank["nation"] == r["nation"]) & (flank["capability"] == r["capability"])][
                "drain"
            ].sum()
        )
        table.add_row(
            str(r["nation"]),
            str(r["capability"]),
            f"{float(r['pool_units']):g}",
            f"{float(r['flank_tied_up_units']):g}",
            f"{float(r['mission_tied_up_units']):g}",
            f"{float(r['spare_units']):g}",
            str(drawn),
        )
    print_table(table)
    console.print(
        "pool: units held; flank: tied up by standing commitments (rotation x kept); "
        "mission: tied up by the mission (rotation x deployed); spare: left to reinforce.",
        highlight=False,
    )


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
    """Peak deployed and tied-up personnel, people who serve a tour and campaign cost
    per nation (for summaries)."""
    months = result.phases.set_index("phase")["months"]
    frame = result.nations.copy()
    frame["cost_usd_m"] = frame["annual_cost_usd_m"] * frame["phase"].map(months) / 12
    if "tour_personnel" not in frame.columns:
        frame["tour_personnel"] = 0.0
    return frame.groupby("nation", sort=False).agg(
        peak_deployed=("deployed_personnel", "max"),
        peak_tied_up=("tied_up_personnel", "max"),
        tour_personnel=("tour_personnel", "sum"),
        cost_usd_m=("cost_usd_m", "sum"),
    )
