"""Commands on scenario files alone: validate, schema, sources, scenarios."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import ScenarioArg, app, console, load_or_exit, outputs_or_exit, writing


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; print a summary, or every problem and exit 2."""
    from forceplan.scenario import scenario_hash

    s = load_or_exit(scenario)
    figures = list(s.sources_list())
    assumed = sum(1 for _, f in figures if f.assumption)
    cited = sum(1 for _, f in figures if f.source and not f.assumption)
    console.print(f"[green]ok[/] {escape(scenario)}: {escape(s.title)}", highlight=False)
    console.print(
        f"  {len(s.nations)} nations, {len(s.capabilities)} capabilities, "
        f"{len(s.missions)} missions, {len(s.phases)} phases over {s.total_months} months, "
        f"{len(s.uncertainties)} uncertainties"
    )
    console.print(
        f"  {len(figures)} figures: {cited} cited, {assumed} marked as assumptions "
        f"(derived or judged), {len(figures) - cited - assumed} with neither"
    )
    console.print(f"  content hash {scenario_hash(s)}")


@app.command()
def schema(
    output: Annotated[
        str | None, typer.Option("--output", "-o", help="Write the JSON Schema to this file.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema of scenario files, for editors."""
    from forceplan.scenario import Scenario

    target = outputs_or_exit(output=(output, "file"))["output"]
    text = json.dumps(Scenario.model_json_schema(), indent=2)
    if target is not None:
        with writing() as out:
            out.write_text(target, text + "\n")
        console.print(f"wrote {escape(str(output))}", highlight=False)
    else:
        typer.echo(text)


#: terminals at least this wide show the figures as a table
WIDE = 120


@app.command()
def sources(
    scenario: ScenarioArg,
    missing: Annotated[
        bool, typer.Option("--missing", help="List only figures with no source.")
    ] = False,
) -> None:
    """List every figure in a scenario with its value, range and source."""
    s = load_or_exit(scenario)
    rows = []
    for path, fig in s.sources_list():
        if missing and fig.source:
            continue
        rng = f"{fig.range[0]:g}-{fig.range[1]:g}" if fig.range else ""
        text = escape(fig.source or "")
        if fig.assumption:
            text = f"[yellow]assumption[/] {text}".strip()
        if fig.note:
            text = f"{text} ({escape(fig.note)})" if text else escape(fig.note)
        rows.append((escape(path), f"{fig.value:g}", rng, text or "[red]no source[/]"))
    if console.width >= WIDE:
        table = Table(title=f"Figures in {escape(s.name)}", show_lines=False)
        table.add_column("field", overflow="fold")
        table.add_column("value", justify="right", no_wrap=True)
        table.add_column("range", justify="right", no_wrap=True)
        table.add_column("source / note", overflow="fold", ratio=1)
        for row in rows:
            table.add_row(*row)
        console.print(table)
    else:
        # a narrow terminal: one block per figure, so citations and URLs wrap whole
        console.print(f"[bold]Figures in {escape(s.name)}[/]")
        for path, value, rng, text in rows:
            console.print(f"{path} = [bold]{value}[/]" + (f" (range {rng})" if rng else ""),
                          highlight=False, soft_wrap=True)
            console.print(f"    {text}", highlight=False, soft_wrap=True)
    if s.sources:
        console.print("[bold]References[/]")
        for k, v in s.sources.items():
            console.print(f"  {escape(k)}: {escape(v)}", highlight=False, soft_wrap=True)


@app.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios."""
    from forceplan.scenario import bundled_scenarios

    for name, path in bundled_scenarios().items():
        console.print(f"{escape(name)}\t{escape(str(path))}", highlight=False)
