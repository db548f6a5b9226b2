"""Terminal views of `forceplan diff` and `forceplan timeline` (Rich tables, 80 columns)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from rich import box
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from forceplan.cli.common import console
from forceplan.cli.tables import bind, fits, print_table, print_wrapped

if TYPE_CHECKING:
    from forceplan.update import DiffResult, FigureDiff, Timeline

BAR_WIDTH = 18


# ---------------------------------------------------------------------------
# Numbers
# ---------------------------------------------------------------------------


def fmt(value: float | None, unit: str) -> str:
    """A level, in the outcome's unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if unit in ("share", "probability"):
        return f"{100 * value:.1f}%"
    if unit == "percent":
        return f"{value:.2f}%"
    if unit == "ratio":
        return f"{value:.3f}"
    if unit == "US$ m":
        return f"{value / 1000:,.2f}bn" if abs(value) >= 1000 else f"{value:,.0f}m"
    if abs(value - round(value)) < 1e-9 or abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def fmt_change(value: float | None, unit: str) -> str:
    """A change, signed; shares and probabilities in percentage points."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    # Shapley weights leave rounding noise (1e-12 of a personnel count): that is a zero
    fine = unit in ("share", "probability", "ratio", "percent")
    if abs(value) < (1e-12 if fine else 1e-6):
        return "0"
    sign = "+" if value > 0 else "-"
    if unit in ("share", "probability"):
        return f"{sign}{100 * abs(value):.2f} pp"
    if unit == "percent":
        return f"{sign}{abs(value):.2f} pp"
    return sign + fmt(abs(value), unit)


def _figure_text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, dict) and "value" in value and set(value) <= {
        "value", "source", "range", "note", "assumption"
    }:
        text = f"{value['value']:g}"
        if value.get("range"):
            low, high = value["range"]
            text += f" [{low:g}-{high:g}]"
        return text
    if isinstance(value, dict):
        label = value.get("name") or value.get("id") or value.get("iso")
        return f"table ({label})" if label else f"table of {len(value)}"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "; ".join(str(v) for v in value) or "(none)"
    return str(value)


# ---------------------------------------------------------------------------
# diff
# ---------------------------------------------------------------------------


#: terminals at least this wide show a figure, its change and its source side by side
WIDE = 120


def _figures_table(title: str, rows: list[tuple[str, str, str]], columns: int) -> Table:
    """Changed figures in 3 columns (figure, change, source), 2 (the change under its
    figure) or 1 (the source under both)."""
    table = Table(title=title, title_justify="left", box=box.SIMPLE_HEAD, show_lines=True)
    heads = {3: ["figure", "before -> after", "what the report says / source"],
             2: ["figure / before -> after", "what the report says / source"],
             1: ["figure / before -> after / source"]}[columns]
    for head in heads:
        table.add_column(head)
    for label, change, source in rows:
        first, *rest = label.split("\n")
        stacked = "\n".join([first, f"  {change}", *rest])
        if columns == 3:
            table.add_row(label, change, source)
        elif columns == 2:
            table.add_row(stacked, source)
        else:
            table.add_row("\n".join([stacked, *(f"  {x}" for x in source.split("\n") if x)]))
    return table


def render_figures(fig: FigureDiff) -> None:
    """Every changed figure: old -> new, its source and gist; then what the model ignores."""
    head = f"[bold]{escape(fig.new_label)}[/] against [bold]{escape(fig.base_label)}[/]"
    if fig.report is not None:
        head += f": {escape(fig.report.citation())}"
    print_wrapped(head)
    read = [line for line in fig.lines if line.change.reads]
    ignored = [line for line in fig.lines if not line.change.reads]
    if not fig.lines:
        console.print("No figure differs: the two scenarios are the same.")
        return
    if read:
        report = fig.report.citation() if fig.report is not None else None
        title = "Figures changed" + (" (source: the report above unless stated)" if report
                                     else "")
        rows: list[tuple[str, str, str]] = []
        for line in read:
            c = line.change
            if c.kind == "added":
                change = f"added: {_figure_text(c.new)}"
            elif c.kind == "dropped":
                change = f"dropped: {_figure_text(c.old)}"
            else:
                change = f"{_figure_text(c.old)} -> {_figure_text(c.new)}"
            if line.citation is None:
                source = "[red]no source[/]"
            elif line.citation == report:
                source = ""
            else:
                source = f"source: {escape(line.citation)}"
            if line.gist:
                source = f"[italic]{escape(line.gist)}[/]" + (f"\n{source}" if source else "")
            label = escape(c.path)
            if line.player and line.player != c.path:
                label += f"\n[dim](in {escape(line.player)})[/]"
            rows.append((label, escape(change), source))
        for columns in (3, 2, 1):
            table = _figures_table(title, rows, columns)
            if fits(table, console.width) and (columns < 3 or console.width >= WIDE):
                break
        print_table(table)
    if ignored:
        paths = ", ".join(line.change.path for line in ignored[:6])
        more = f" and {len(ignored) - 6} more" if len(ignored) > 6 else ""
        print_wrapped(
            f"{len(ignored)} change{'s' if len(ignored) != 1 else ''} of text, sources or "
            f"notes the model does not read: {escape(paths)}{more}"
        )
    if fig.reads_nothing:
        console.print(
            "[bold]This update changes nothing the model reads[/]: plans and outcomes are "
            "those of the base."
        )


def render_plan(result: DiffResult) -> None:
    """Per phase: personnel, cost, unmet, backstop, drain; then units by nation and mission."""
    from forceplan.update.outcomes import contributors, flank_changes, phase_summary, unit_changes

    base, new = phase_summary(result.plan_base), phase_summary(result.plan_new)
    table = Table(
        title="The plan, phase by phase (before -> after)", title_justify="left",
        box=box.SIMPLE_HEAD,
    )
    table.add_column("phase", overflow="fold")
    for label in ("deployed", "cost/yr", "unmet", "backstop", "flank drain"):
        table.add_column(label, justify="right", overflow="fold")
    phases = list(dict.fromkeys([*base.index, *new.index]))
    columns = (
        ("deployed_personnel", "personnel"),
        ("annual_cost_usd_m", "US$ m"),
        ("unmet", "units"),
        ("backstop_units", "units"),
        ("flank_drain", "units"),
    )
    for phase in phases:
        cells = []
        for col, unit in columns:
            a = float(base[col].get(phase, float("nan")))
            b = float(new[col].get(phase, float("nan")))
            same = a == b or (math.isnan(a) and math.isnan(b))
            cells.append(fmt(a, unit) if same else f"{fmt(a, unit)}\n-> {fmt(b, unit)}")
        table.add_row(escape(str(phase)), *cells)
    print_table(table)
    gained = sorted(contributors(result.plan_new) - contributors(result.plan_base))
    lost = sorted(contributors(result.plan_base) - contributors(result.plan_new))
    if gained or lost:
        console.print(
            "Contributors: "
            + ", ".join([*(f"+{g}" for g in gained), *(f"-{x}" for x in lost)])
        )
    rows = unit_changes(result.plan_base, result.plan_new)
    if rows:
        units = Table(
            title="Units that move (by nation and mission; phase: before -> after)",
            title_justify="left", box=box.SIMPLE_HEAD,
        )
        units.add_column("nation", no_wrap=True)
        units.add_column("mission / capability", overflow="fold")
        units.add_column("phases", overflow="fold")
        for row in rows[:30]:
            # a share of a unit (sub-units) to two places: 0.67, not 0.666667
            steps = ", ".join(
                bind(s["phase"], f"{_units(s['base'])}->{_units(s['new'])}")
                for s in row["phases"]
            )
            units.add_row(escape(row["nation"]),
                          escape(f"{row['mission']} / {row['capability']}"), escape(steps))
        print_table(units)
        if len(rows) > 30:
            console.print(f"... and {len(rows) - 30} more rows (all of them in --json)")
    else:
        console.print("The plan sends the same units, nation by nation and phase by phase.")
    for row in flank_changes(result.plan_base, result.plan_new):
        print_wrapped(
            f"Flank: {escape(row['nation'])} {escape(row['commitment'])}: peak drain "
            f"{row['base']:g} -> {row['new']:g} units"
        )


def render_attribution(result: DiffResult, outcomes: list[str] | None = None) -> None:
    """A waterfall per outcome: base, each change's part, the new value."""
    from forceplan.update.outcomes import BY_KEY, OUTCOME_KEYS

    a, fig = result.attribution, result.figures
    s = result.settings
    print_wrapped(
        f"\n[bold]Who moved what[/]: {escape(a.description)}; simulation outcomes are means "
        f"over {s.draws:,} paired draws (seed {s.seed}), plan outcomes come from the plans. "
        "The parts add up to the change."
    )
    if not fig.players:
        console.print("No change the model reads: every part is 0.")
        return
    unchanged = []
    for key in outcomes or OUTCOME_KEYS:
        base, new, parts = result.outcome(key)
        k = OUTCOME_KEYS.index(key)
        interaction = a.interaction[k] if a.interaction is not None else 0.0
        if not outcomes and _all_zero([new - base, *parts, interaction]):
            unchanged.append(BY_KEY[key].label)
            continue
        print_table(_waterfall(result, key, base, new, parts, interaction))
    if unchanged:
        print_wrapped("Unchanged: " + ", ".join(unchanged) + ".")


def _units(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"


def _all_zero(values: list[float]) -> bool:
    return all(abs(v) < 1e-9 or math.isnan(v) for v in values)


def _waterfall(
    result: DiffResult, key: str, base: float, new: float, parts: Any, interaction: float
) -> Table:
    from forceplan.update.outcomes import BY_KEY

    meta = BY_KEY[key]
    a = result.attribution
    steps: list[tuple[str, float, str]] = [
        (p.label, float(parts[i]), _std(a, i, key, meta.unit))
        for i, p in enumerate(result.figures.players)
    ]
    if a.interaction is not None:
        steps.append(("interaction (remainder)", interaction, ""))
    running = [base]
    for _, part, _ in steps:
        running.append(running[-1] + part)
    lo, hi = min(running + [new]), max(running + [new])
    title = (
        f"{meta.label}: {fmt(base, meta.unit)} -> {fmt(new, meta.unit)} "
        f"({fmt_change(new - base, meta.unit)})"
    )
    paired = result.paired.get(key)
    if paired is not None:
        title += (
            f"; paired difference 5th-95th: {fmt_change(paired['p05'], meta.unit)} to "
            f"{fmt_change(paired['p95'], meta.unit)}"
        )
    table = Table(title=title, title_justify="left", box=box.SIMPLE, show_header=False)
    table.add_column("change", overflow="fold", ratio=1)
    table.add_column("part", justify="right", no_wrap=True)
    table.add_column("bar", no_wrap=True, width=BAR_WIDTH)
    table.add_column("running", justify="right", no_wrap=True)
    table.add_row("[dim]before[/]", "", _bar(lo, hi, base, base), fmt(base, meta.unit))
    for (label, part, std), before, after in zip(steps, running[:-1], running[1:], strict=True):
        table.add_row(
            escape(label), fmt_change(part, meta.unit) + std, _bar(lo, hi, before, after),
            fmt(after, meta.unit),
        )
    table.add_row("[dim]after[/]", "", _bar(lo, hi, new, new), fmt(new, meta.unit))
    return table


def _std(a: Any, i: int, key: str, unit: str) -> str:
    from forceplan.update.outcomes import OUTCOME_KEYS

    if a.std_error is None:
        return ""
    err = float(a.std_error[i, OUTCOME_KEYS.index(key)])
    return "" if math.isnan(err) or err == 0 else f" ±{fmt_change(err, unit).lstrip('+')}"


def _bar(lo: float, hi: float, start: float, end: float) -> Text:
    if hi - lo <= 0 or any(math.isnan(v) for v in (lo, hi, start, end)):
        return Text("")
    scale = BAR_WIDTH / (hi - lo)
    left = int(round((min(start, end) - lo) * scale))
    length = int(round(abs(end - start) * scale))
    if start == end:
        return Text(" " * min(left, BAR_WIDTH - 1) + "|", style="dim")
    length = max(length, 1)
    left = min(left, BAR_WIDTH - length)
    style = "blue" if end > start else "yellow"
    return Text(" " * left + "█" * length, style=style)


# ---------------------------------------------------------------------------
# timeline
# ---------------------------------------------------------------------------


def render_timeline(timeline: Timeline) -> None:
    """The outcomes after each update, then each step's attribution."""
    chain = timeline.chain
    s = timeline.steps[0].settings
    print_wrapped(
        f"[bold]Timeline[/] from {escape(chain.base_label)} through {len(chain.links)} "
        f"update{'s' if len(chain.links) != 1 else ''}; simulation outcomes are means over "
        f"{s.draws:,} paired draws (seed {s.seed})."
    )
    print_table(_overview(timeline))
    for k, (link, step) in enumerate(zip(chain.links, timeline.steps, strict=True)):
        src = link.spec.source
        head = f"Step {k + 1}: " + escape(src.citation() if src else str(link.path))
        print_wrapped(f"\n[bold]{head}[/]")
        if src is not None and src.gist:
            print_wrapped(f"[italic]{escape(src.gist)}[/]")
        if not step.figures.players:
            console.print("Changes nothing the model reads.")
            continue
        print_wrapped(f"[dim]{escape(step.attribution.description)}[/]")
        print_table(_step_table(step))


def _overview(timeline: Timeline) -> Table:
    from forceplan.update.outcomes import BY_KEY, TIMELINE_OUTCOMES

    chain = timeline.chain
    table = Table(
        title="How the headline outcomes moved, report by report (change below each value)",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        caption="; ".join(f"{BY_KEY[k].short}: {BY_KEY[k].label}" for k in TIMELINE_OUTCOMES),
        caption_justify="left",
    )
    table.add_column("after", overflow="fold", min_width=16)
    for key in TIMELINE_OUTCOMES:
        table.add_column(BY_KEY[key].short, justify="right", no_wrap=True)
    labels = [f"base: {chain.base_label}", *[link.label for link in chain.links]]
    values = {key: timeline.values(key) for key in TIMELINE_OUTCOMES}
    for i, label in enumerate(labels):
        cells = []
        for key in TIMELINE_OUTCOMES:
            unit = BY_KEY[key].unit
            cell = fmt(values[key][i], unit)
            if i > 0:
                cell += f"\n{fmt_change(values[key][i] - values[key][i - 1], unit)}"
            cells.append(cell)
        table.add_row(escape(label), *cells)
    return table


def _step_table(step: DiffResult) -> Table:
    from forceplan.update.outcomes import BY_KEY, OUTCOME_KEYS, TIMELINE_OUTCOMES

    a = step.attribution
    table = Table(box=box.SIMPLE_HEAD)
    table.add_column("change", overflow="fold", min_width=16)
    for key in TIMELINE_OUTCOMES:
        table.add_column(BY_KEY[key].short, justify="right", no_wrap=True)
    columns = [(OUTCOME_KEYS.index(key), BY_KEY[key].unit) for key in TIMELINE_OUTCOMES]
    for i, player in enumerate(step.figures.players):
        table.add_row(
            escape(player.label), *[fmt_change(float(a.parts[i, j]), u) for j, u in columns]
        )
    if a.interaction is not None:
        table.add_row(
            "interaction (remainder)",
            *[fmt_change(float(a.interaction[j]), u) for j, u in columns],
        )
    table.add_row(
        "[bold]total[/]", *[f"[bold]{fmt_change(float(a.total[j]), u)}[/]" for j, u in columns]
    )
    return table
