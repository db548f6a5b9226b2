"""`forceplan simulate` and `forceplan compare`: Monte Carlo runs of a plan, as Rich tables."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import (
    EXIT_INCOMPLETE_PLAN,
    SCHEMA_VERSION,
    BackstopOpt,
    ScenarioArg,
    app,
    console,
    fail,
    load_or_exit,
    outputs_or_exit,
    writing,
)
from forceplan.cli.plan_cmd import NoCacheOpt, incomplete_message, plan_or_exit
from forceplan.cli.progress import draw_progress, planning
from forceplan.cli.recording import DbOpt, NoStoreOpt, recording
from forceplan.cli.tables import bind, fmt_band, fmt_value, print_table, print_wrapped
from forceplan.cli.workbook import XlsxOpt, bytes_writer, workbook_for

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario

# The simulation stage (and xarray) is imported inside the commands that use
# it, so that `forceplan plan` and the scenario commands start without it.

DrawsOpt = Annotated[
    int, typer.Option("--draws", "-n", help="Monte Carlo draws (1 to 10,000,000).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (0 or more).")]
MonthsOpt = Annotated[
    int | None,
    typer.Option("--months", help="Months to simulate (1-240; default: the whole mission)."),
]
def _validate_or_exit(draws: int, seed: int, months: int | None) -> None:
    from forceplan.simulate import validate_run
    try:
        validate_run(draws, seed, months)
    except ValueError as exc:
        fail(str(exc))


def _plan_or_exit(
    name: str, scenario: Scenario, backstop: bool | None, no_cache: bool
) -> PlanResult:
    """The plan to simulate; an incomplete one (a phase not solved) is refused, exit 3."""
    result = plan_or_exit(name, scenario, backstop, no_cache=no_cache)
    incomplete = incomplete_message(name, result)
    if incomplete:
        fail(
            incomplete.replace("; raise --time-limit", "; cannot simulate it"),
            code=EXIT_INCOMPLETE_PLAN,
        )
    return result


def _netcdf_ready() -> str | None:
    """Why netCDF cannot be written here, or None if it can."""
    try:
        import h5netcdf  # noqa: F401
        import h5py  # noqa: F401
    except ImportError as exc:
        return (
            f"--netcdf needs h5netcdf with h5py ({exc.name} is missing): "
            "pip install 'h5netcdf[h5py]'"
        )
    return None




def _shortfall_warning(name: str, result: PlanResult) -> str | None:
    frame = result.shortfalls
    if frame is None or not len(frame):
        return None
    unmet = frame[frame["unmet"] > 0] if "unmet" in frame.columns else frame.iloc[0:0]
    by_backstop = float(frame["backstop_units"].sum()) if "backstop_units" in frame else 0.0
    if len(unmet):
        lines = ", ".join(
            f"{r.mission}/{r.capability} ({r.phase}: {float(str(r.unmet)):g})"
            for r in unmet.head(6).itertuples(index=False)
        )
        more = f" and {len(unmet) - 6} more" if len(unmet) > 6 else ""
        return (
            f"the plan for {name} has shortfalls: {int(unmet['unmet'].sum())} unit-phases "
            f"unmet ({lines}{more}); simulating anyway"
        )
    if by_backstop > 0:
        return (
            f"the plan for {name} relies on the backstop for {int(by_backstop)} unit-phases "
            "the coalition cannot fill"
        )
    return None


# ---------------------------------------------------------------------------
# forceplan simulate
# ---------------------------------------------------------------------------


@app.command("simulate")
def simulate_command(
    scenario: ScenarioArg,
    draws: DrawsOpt = 10_000,
    seed: SeedOpt = 0,
    months: MonthsOpt = None,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the yearly summary as JSON here.")
    ] = None,
    netcdf_path: Annotated[
        str | None,
        typer.Option("--netcdf", help="Write the full xarray Dataset as netCDF (h5netcdf) here."),
    ] = None,
    backstop: BackstopOpt = None,
    keep_draws: Annotated[
        int,
        typer.Option(
            "--keep-draws", min=0, help="Draws whose monthly trajectories the netCDF keeps."
        ),
    ] = 1000,
    no_cache: NoCacheOpt = False,
    xlsx_path: XlsxOpt = None,
    db: DbOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Run the plan forward month by month under uncertainty and show yearly bands."""
    from forceplan.simulate import simulate_plan, summary_to_json
    from forceplan.simulate.drivers import drivers
    _validate_or_exit(draws, seed, months)
    targets = outputs_or_exit(
        [scenario, db],
        json=(json_path, "file"), netcdf=(netcdf_path, "file"), xlsx=(xlsx_path, "file"),
    )
    if netcdf_path and (why := _netcdf_ready()):
        fail(why)
    s = load_or_exit(scenario)
    options = {
        "scenario": scenario,
        "draws": draws,
        "seed": seed,
        "months": months,
        "backstop": backstop,
        "keep_draws": keep_draws,
    }
    with recording(db, no_store, "simulate", [(s.name, s)], options, seed=seed) as record:
        with record.timed("plan"), planning(s.name):
            result = _plan_or_exit(scenario, s, backstop, no_cache)
        record.ready()
        warning = _shortfall_warning(s.name, result)
        if warning:
            console.print(f"[bold yellow]warning:[/] {escape(warning)}")
        with record.timed("simulate"), draw_progress(f"simulating {s.name}") as progress:
            try:
                ds = simulate_plan(
                    s, result, draws, seed, months=months, keep_draws=keep_draws,
                    progress=progress,
                )
            except ValueError as exc:  # a setting the schema cannot check alone
                fail(f"{scenario}: {exc}")
        # the stored Dataset is written in the background while the tables print
        record.stage(lambda: stored_simulation(result, ds))
        # every outcome's correlations for the JSON; the table shows some of them
        all_drivers = drivers(ds) if json_path else None
        render(ds, warning, all_drivers)
        json_target, netcdf_target = targets["json"], targets["netcdf"]
        xlsx_target = targets["xlsx"]
        if json_target is not None or netcdf_target is not None or xlsx_target is not None:
            # every file is written under a temporary name, then all are renamed together
            with writing() as out:
                if json_target is not None:
                    assert all_drivers is not None
                    payload = {"schema_version": SCHEMA_VERSION, **summary_to_json(ds)}
                    payload["plan_warning"] = warning
                    payload["drivers_spearman"] = {
                        str(k): {str(o): float(v) for o, v in row.items()}
                        for k, row in all_drivers.iterrows()
                    }
                    out.write_text(
                        json_target, json.dumps(payload, indent=2, allow_nan=False) + "\n"
                    )
                if netcdf_target is not None:
                    out.write_with(netcdf_target, lambda tmp: ds.to_netcdf(tmp, engine="h5netcdf"))
                if xlsx_target is not None:
                    named = [(s.name, s)]
                    workbook = workbook_for("simulate", record, named, options, seed,
                                            plans=[(s.name, result)], dataset=ds)
                    out.write_with(xlsx_target, bytes_writer(workbook))
            for path in (json_path, netcdf_path, xlsx_path):
                if path:
                    print_wrapped(f"wrote {escape(path)}")
        record.finish()


def stored_simulation(result: PlanResult, ds: xr.Dataset) -> list[Any]:
    """What the run store keeps of a simulation: its plan and its Dataset."""
    from forceplan.store import dataset_result, plan_result

    return [plan_result(result), dataset_result(ds)]


def stored_comparison(labels: list[str], plans: list[PlanResult], frame: pd.DataFrame) -> list[Any]:
    """What the run store keeps of a comparison: each scenario's plan and the frame."""
    from forceplan.store import frame_result, plan_result

    return [plan_result(p, label) for label, p in zip(labels, plans, strict=True)] + [
        frame_result(frame)
    ]


def _fmt(value: float, unit: str) -> str:
    return fmt_value(value, unit)


def _band(row: Any, unit: str) -> str:
    return fmt_band(row.p50, row.p05, row.p95, unit)


def _year_table(
    title: str, frame: pd.DataFrame, metrics: list[str], by_group: bool, years: list[int]
) -> Table:
    from forceplan.simulate.summary import METRICS
    table = Table(title=title, title_justify="left")
    table.add_column("metric" if not by_group else "", overflow="fold")
    for y in years:
        table.add_column(f"year {y}", justify="right")
    for metric in metrics:
        label, unit = METRICS[metric]
        sub = frame[frame.metric == metric]
        groups = list(dict.fromkeys(sub.group)) if by_group else ["total"]
        for group in groups:
            rows = sub[sub.group == group].sort_values("year")
            if by_group and (rows[["p50", "p95"]].fillna(0).abs().sum().sum() == 0):
                continue
            name = escape(group if by_group else label)
            table.add_row(name, *[_band(r, unit) for r in rows.itertuples(index=False)])
    return table


def render(
    ds: xr.Dataset, warning: str | None = None, all_drivers: pd.DataFrame | None = None
) -> None:
    """Print the yearly summary tables of a simulation.

    ``all_drivers``: ``drivers(ds)`` if already computed (it is not computed again).
    """
    from forceplan.simulate import DETERRENCE_NOTE, summary
    frame = summary(ds)
    years = [int(y) for y in ds["year"].values]
    attrs = ds.attrs
    head = (
        f"[bold]{escape(str(attrs['scenario_name']))}[/]: {attrs['draws']:,} draws, "
        f"seed {attrs['seed']}, {attrs['months']} months, backstop "
        f"{'on' if attrs['backstop_enabled'] else 'off'}; cells are median [5th-95th percentile]"
    )
    console.print(head)
    console.print(f"[dim]{escape(str(attrs.get('cost_note', '')))}[/]")
    print_table(
        _year_table(
            "Coalition",
            frame,
            [
                "deployed_personnel_total",
                "tied_up_personnel_total",
                "cumulative_cost_total_usd_m",
                "nations_remaining",
                "flags_on_ground",
            ],
            False,
            years,
        )
    )
    tables = [
        ("deployed_personnel", "Personnel deployed per nation (yearly average)"),
        ("tied_up_personnel", "Personnel tied up per nation by rotation (yearly average)"),
        ("cumulative_cost_usd_m", "Cumulative cost of each nation's units (year end, US$)"),
    ]
    if attrs.get("funding_rule", "where_they_fall") != "where_they_fall":
        tables.append(
            ("cumulative_paid_usd_m", "Cumulative paid by each nation's own budget (year end, US$)")
        )
    tables.append(("coverage", "Requirement coverage per mission line (yearly, unit-months met)"))
    for metric, title in tables:
        table = _year_table(title, frame, [metric], True, years)
        if table.row_count:
            print_table(table)
        else:
            console.print(f"{title}: [dim]nothing deployed or required[/]")
    if attrs.get("funding_rule") == "un_assessed":
        print_table(
            _year_table("Paid by the UN", frame, ["cumulative_paid_un_usd_m"], False, years)
        )
    print_table(
        _year_table(
            "Regeneration and deterrence",
            frame,
            [
                m
                for m in (
                    "trained_added",
                    "ukraine_force",
                    "ukraine_effective_force",
                    "russia_force",
                    "deterrence_ratio",
                    "p_offensive",
                )
                if m in set(frame.metric)
            ],
            False,
            years,
        )
    )
    if "hazard_multiplier" in set(frame.metric):
        _render_hazard_parts(frame, years)
    mean_p = frame[(frame.metric == "p_offensive")].sort_values("year")["mean"]
    console.print(
        "P(renewed offensive) averaged over draws, by year: "
        + ", ".join(f"{_fmt(v, 'probability')}" for v in mean_p)
    )
    console.print(f"[italic]{escape(DETERRENCE_NOTE)}[/]")
    _render_drivers(ds, all_drivers)
    if warning:
        console.print(f"[bold yellow]warning:[/] {escape(warning)}")
    console.print(
        f"[dim]scenario hash {attrs['scenario_hash'][:16]}, forceplan "
        f"{attrs['forceplan_version']}, quantiles {attrs['quantiles']}[/]"
    )


def _render_hazard_parts(frame: pd.DataFrame, years: list[int]) -> None:
    """The offensive hazard as a product of its parts (exp of each log part), by year."""
    from forceplan.simulate.deterrence import HAZARD_PART_LABELS

    table = Table(
        title="What the offensive hazard is made of: monthly hazard = baseline x the other "
        "factors (yearly, median [5th-95th])",
        title_justify="left",
    )
    table.add_column("part", overflow="fold")
    for y in years:
        table.add_column(f"year {y}", justify="right")
    sub = frame[frame.metric == "hazard_multiplier"]
    for part in dict.fromkeys(sub.group):
        rows = sub[sub.group == part].sort_values("year")
        label = HAZARD_PART_LABELS.get(str(part), str(part))
        table.add_row(escape(label), *[_band(r, "factor") for r in rows.itertuples(index=False)])
    print_table(table)


DRIVER_OUTCOMES = ("total_cost_usd_m", "coverage_mean", "trained_added_end", "p_offensive_end")


def _render_drivers(
    ds: xr.Dataset, all_drivers: pd.DataFrame | None = None, top: int = 8
) -> None:
    """Which declared uncertainties move the headline outcomes (rank correlation)."""
    from forceplan.simulate.compare import OUTCOME_LABELS
    from forceplan.simulate.drivers import drivers, noise_level, strongest_first
    outcomes = [o for o in DRIVER_OUTCOMES if f"outcome_{o}" in ds]
    if all_drivers is None:
        table_data = drivers(ds, outcomes)
    else:
        table_data = strongest_first(all_drivers, outcomes)
    if table_data.empty:
        return
    noise = noise_level(ds.sizes["kept_draw"])
    table = Table(
        title="What drives the result: rank correlation over the "
        f"{ds.sizes['kept_draw']:,} kept draws (|rho| < {noise:.2f} is noise)",
        title_justify="left",
    )
    table.add_column("uncertainty", overflow="fold")
    for o in table_data.columns:
        table.add_column(OUTCOME_LABELS[o][0], justify="right")
    # each outcome's strongest drivers (the twelve unit costs move together and would
    # otherwise fill the table with cost drivers alone), strongest first
    wanted: set[str] = set()
    for o in table_data.columns:
        wanted |= set(table_data[o].abs().sort_values(ascending=False).index[: max(top // 4, 2)])
    shown = table_data.loc[[name for name in table_data.index if name in wanted]]
    for name, row in shown.iterrows():
        cells = [
            f"{rho:+.2f}" if abs(rho) >= noise else f"[dim]{rho:+.2f}[/]" for rho in row.to_numpy()
        ]
        table.add_row(escape(str(name)), *cells)
    print_table(table)


# ---------------------------------------------------------------------------
# forceplan compare
# ---------------------------------------------------------------------------


@app.command("compare")
def compare_command(
    scenarios: Annotated[
        list[str],
        typer.Argument(help="Scenario files or bundled scenario names (2 or more to compare)."),
    ],
    draws: DrawsOpt = 10_000,
    seed: SeedOpt = 0,
    months: MonthsOpt = None,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the comparison as JSON here.")
    ] = None,
    no_cache: NoCacheOpt = False,
    xlsx_path: XlsxOpt = None,
    db: DbOpt = None,
    no_store: NoStoreOpt = False,
) -> None:
    """Compare scenarios side by side with common random numbers (paired draws).

    Columns are labelled by scenario name (file names where names repeat,
    then "#2", "#3" for the same file given again). One scenario alone is
    shown without differences; a scenario given twice differs from itself by
    exactly zero, and the command says so.
    """
    from forceplan.scenario import scenario_hash
    from forceplan.simulate import compare

    _validate_or_exit(draws, seed, months)
    targets = outputs_or_exit([*scenarios, db], json=(json_path, "file"),
                              xlsx=(xlsx_path, "file"))
    loaded = [load_or_exit(name) for name in scenarios]
    labels = compare_labels(scenarios, [s.name for s in loaded])
    for note in compare_notes(labels, [scenario_hash(s) for s in loaded]):
        console.print(f"[bold]note:[/] {escape(note)}", highlight=False)
    named = list(zip(labels, loaded, strict=True))
    options = {"scenarios": list(scenarios), "labels": labels, "draws": draws, "seed": seed,
               "months": months}
    with recording(db, no_store, "compare", named, options, seed=seed) as record:
        plans: list[PlanResult] = []
        warnings: list[str] = []
        with record.timed("plan"):
            for k, (name, s) in enumerate(zip(scenarios, loaded, strict=True)):
                with planning(f"{labels[k]} ({k + 1} of {len(loaded)})"):
                    plans.append(_plan_or_exit(name, s, None, no_cache))
        record.ready()
        for label, p in zip(labels, plans, strict=True):
            w = _shortfall_warning(label, p)
            if w:
                warnings.append(w)
                console.print(f"[bold yellow]warning:[/] {escape(w)}")
        with record.timed("simulate"), draw_progress("simulating") as progress:
            try:
                frame = compare(
                    loaded, draws, seed, labels=labels, months=months, plans=plans,
                    progress=progress,
                )
            except ValueError as exc:
                fail(str(exc))
        render_compare(frame)
        if targets["json"] is not None or targets["xlsx"] is not None:
            with writing() as out:
                if targets["json"] is not None:
                    payload = {
                        "schema_version": SCHEMA_VERSION,
                        **{k: v for k, v in frame.attrs.items()},
                        "plan_warnings": warnings,
                        # every digit (DataFrame.to_json would round to 10 significant digits)
                        "rows": [
                            {k: (None if isinstance(v, float) and math.isnan(v) else v)
                             for k, v in row.items()}
                            for row in frame.to_dict(orient="records")
                        ],
                    }
                    out.write_text(targets["json"], json.dumps(payload, indent=2) + "\n")
                if targets["xlsx"] is not None:
                    workbook = workbook_for("compare", record, named, options, seed,
                                            plans=list(zip(labels, plans, strict=True)),
                                            comparison=frame)
                    out.write_with(targets["xlsx"], bytes_writer(workbook))
            for path in (json_path, xlsx_path):
                if path:
                    print_wrapped(f"wrote {escape(path)}")
        record.finish(lambda: stored_comparison(labels, plans, frame))


def compare_labels(given: list[str], names: list[str]) -> list[str]:
    """One distinct column label per scenario.

    Scenario names; where two share a name, the file names (stems) as given;
    where those repeat too (the same scenario given twice), "#2", "#3"...
    """
    labels = list(names)
    if len(set(labels)) != len(labels):
        stems = [Path(g).stem or g for g in given]
        labels = [stems[k] if names.count(n) > 1 else n for k, n in enumerate(names)]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else f"{label} #{seen[label]}")
    return out


def compare_notes(labels: list[str], hashes: list[str]) -> list[str]:
    """What the comparison does when it is not an ordinary one, in words."""
    notes = []
    if len(labels) == 1:
        notes.append(
            f"one scenario ({labels[0]}): its bands are shown with no paired difference; "
            "give two or more scenarios to compare them"
        )
    first: dict[str, str] = {}
    for label, digest in zip(labels, hashes, strict=True):
        if digest in first:
            notes.append(
                f"{label} is the same scenario as {first[digest]} (same content hash): "
                "their paired difference is exactly zero"
            )
        else:
            first[digest] = label
    return notes


def render_compare(frame: pd.DataFrame) -> None:
    """One table: outcomes down, scenarios across; paired difference against the first."""
    from forceplan.simulate.compare import OUTCOME_LABELS
    names = list(dict.fromkeys(frame.scenario))
    attrs = frame.attrs
    table = Table(
        title=f"Comparison, {attrs['draws']:,} paired draws, seed {attrs['seed']} "
        "(median [5th-95th]; second line: paired difference from the first scenario)",
        title_justify="left",
        show_lines=True,
    )
    table.add_column("outcome", overflow="fold")
    for name in names:
        table.add_column(escape(name), justify="right", overflow="fold")
    for outcome, (label, unit) in OUTCOME_LABELS.items():
        if not (frame.outcome == outcome).any():
            continue
        cells = []
        for k, name in enumerate(names):
            r = frame[(frame.scenario == name) & (frame.outcome == outcome)].iloc[0]
            cell = _band(r, unit)
            if outcome == "p_offensive_end":
                cell += f"\n{bind('mean', _fmt(r['mean'], unit))}"
            if k > 0:
                diff_unit = "pp" if unit in ("share", "probability") else unit
                cell += "\n" + bind("Δ", fmt_band(r.diff_p50, r.diff_p05, r.diff_p95,
                                                   diff_unit, signed=True))
            cells.append(cell)
        table.add_row(escape(label), *cells)
    table.add_row(
        "months simulated", *[str(m) for m in attrs["months"]]
    )
    table.add_row(
        "backstop", *["on" if b else "off" for b in attrs["backstop_enabled"]]
    )
    table.add_row(
        "plan unmet (unit-phases)", *[f"{u:,.0f}" for u in attrs["plan_unmet_units"]]
    )
    table.add_row("cost basis", *[str(b) for b in attrs.get("cost_basis", [])])
    table.add_row("who pays", *[FUNDING_LABELS.get(str(f), str(f))
                                for f in attrs.get("funding_rule", [])])
    print_table(table)
    _render_attribution(frame)
    console.print(f"[italic]{escape(str(attrs['deterrence_note']))}[/]")
    console.print(
        f"[dim]forceplan {attrs['forceplan_version']}; scenario hashes "
        + ", ".join(h[:12] for h in attrs["scenario_hashes"])
        + "[/]"
    )


FUNDING_LABELS = {
    "where_they_fall": "where they fall",
    "common_fund": "common fund",
    "un_assessed": "UN budget",
}


def _render_attribution(frame: pd.DataFrame) -> None:
    """The paired difference in P(offensive by end), split among the hazard's parts."""
    from forceplan.simulate.compare import PART_PREFIX, part_label

    parts = frame[frame.outcome.str.startswith(PART_PREFIX)]
    names = list(dict.fromkeys(frame.scenario))
    if parts.empty or len(names) < 2:
        return
    table = Table(
        title=f"What moves P(renewed offensive by end) against {escape(names[0])}: mean "
        "paired difference, split among the hazard's parts (Shapley; the parts add up)",
        title_justify="left",
    )
    table.add_column("part", overflow="fold")
    for name in names[1:]:
        table.add_column(escape(name), justify="right", overflow="fold")
    for outcome in dict.fromkeys(parts.outcome):
        cells = []
        for name in names[1:]:
            r = parts[(parts.scenario == name) & (parts.outcome == outcome)].iloc[0]
            cells.append(bind(f"{100 * r.diff_mean:+.1f}", "pp"))
        table.add_row(escape(part_label(str(outcome))), *cells)
    total = frame[frame.outcome == "p_offensive_end"]
    table.add_row(
        "[bold]total[/]",
        *[bind(f"{100 * total[total.scenario == n].iloc[0].diff_mean:+.1f}", "pp")
          for n in names[1:]],
    )
    print_table(table)


__all__ = ["compare_command", "render", "render_compare", "simulate_command"]
