"""Commands on scenario files alone: validate, schema, sources, scenarios."""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from forceplan.cli.common import (
    SCHEMA_VERSION,
    ScenarioArg,
    app,
    console,
    load_or_exit,
    outputs_or_exit,
    writing,
)
from forceplan.cli.tables import fits, print_table, print_wrapped

if TYPE_CHECKING:
    from forceplan.scenario import ModelNumber, Scenario


@app.command()
def validate(scenario: ScenarioArg) -> None:
    """Check a scenario file; print a summary, or every problem and exit 2."""
    from forceplan.scenario import model_numbers, scenario_hash

    s = load_or_exit(scenario)
    numbers = model_numbers(s)
    count = Counter(n.status for n in numbers)
    kinds = Counter(n.kind for n in numbers)
    defaults = sum(1 for n in numbers if n.default)
    print_wrapped(f"[green]ok[/] {escape(scenario)}: {escape(s.title)}", hang=2)
    print_wrapped(
        f"  {len(s.nations)} nations, {len(s.capabilities)} capabilities, "
        f"{len(s.missions)} missions, {len(s.phases)} phases over {s.total_months} months, "
        f"{len(s.uncertainties)} uncertainties declared", hang=2
    )
    print_wrapped(
        f"  {len(numbers)} numbers the model reads ({kinds['figure']} figures, "
        f"{kinds['setting']} settings, {kinds['uncertainty']} uncertainties of which "
        f"{defaults} model defaults): {count['cited']} cited, {count['assumption']} marked as "
        f"assumptions (derived or judged), {count['bare']} bare (neither)", hang=2
    )
    print_wrapped(f"  content hash {scenario_hash(s)}", hang=2)


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
        print_wrapped(f"wrote {escape(str(output))}")
    else:
        typer.echo(text)


@app.command()
def sources(
    scenario: ScenarioArg,
    missing: Annotated[
        bool, typer.Option("--missing", help="List only numbers with no source.")
    ] = False,
    json_path: Annotated[
        str | None,
        typer.Option("--json", help="Write every number with its provenance as JSON here "
                     "('-' for standard output)."),
    ] = None,
) -> None:
    """List every number the model reads (figures, settings, uncertainties with their
    defaults) with its value, range and source."""
    from forceplan.scenario import model_numbers, scenario_hash

    to_stdout = json_path == "-"
    target = None if to_stdout else outputs_or_exit([scenario], json=(json_path, "file"))["json"]
    s = load_or_exit(scenario)
    numbers = [n for n in model_numbers(s) if not (missing and n.source)]
    if json_path is not None:
        payload = {
            "schema_version": SCHEMA_VERSION,
            "scenario_name": s.name,
            "scenario_hash": scenario_hash(s),
            "counts": dict(Counter(n.status for n in numbers)),
            "numbers": [n.to_json() for n in numbers],
            "references": dict(s.sources),
        }
        text = json.dumps(payload, indent=2) + "\n"
        if to_stdout or target is None:
            typer.echo(text, nl=False)
            return
        with writing() as out:
            out.write_text(target, text)
        print_wrapped(f"wrote {escape(json_path)}")
        return
    _print_numbers(s, numbers)


#: terminals at least this wide show the numbers as a table
WIDE = 120


def _print_numbers(s: Scenario, numbers: list[ModelNumber]) -> None:
    rows = []
    for n in numbers:
        rng = f"{n.range[0]:g}-{n.range[1]:g}" if n.range else ""
        if n.distribution is not None:
            rng = _distribution_text(n.distribution)
        text = escape(n.source or "")
        if n.assumption:
            text = f"[yellow]assumption[/] {text}".strip()
        if n.note and n.kind != "uncertainty":
            text = f"{text} ({escape(n.note)})" if text else escape(n.note)
        if n.default:
            text = f"[dim]model default[/] {text}"
        value = "-" if n.value is None else f"{n.value:g}"
        rows.append((escape(n.path), value, rng, text or "[red]no source[/]"))
    title = f"Numbers the model reads in {escape(s.name)}"
    table = Table(title=title, show_lines=False)
    table.add_column("field")
    table.add_column("value", justify="right")
    table.add_column("range", justify="right")
    table.add_column("source / note")
    for row in rows:
        table.add_row(*row)
    if console.width >= WIDE and fits(table, console.width):
        print_table(table)
    else:
        # a narrow terminal (or a long URL): one block per number, URLs whole
        console.print(f"[bold]{title}[/]")
        for path, value, rng, text in rows:
            print_wrapped(f"{path} = [bold]{value}[/]" + (f" ({escape(rng)})" if rng else ""))
            print_wrapped(f"    {text}")
    if s.sources:
        console.print("[bold]References[/]")
        for k, v in s.sources.items():
            print_wrapped(f"  {escape(k)}: {escape(v)}", hang=2)


def _distribution_text(dist: dict[str, Any]) -> str:
    kind = dist.get("distribution", "")
    keys = {
        "fixed": ("value",),
        "uniform": ("low", "high"),
        "triangular": ("low", "mode", "high"),
        "normal": ("mean", "sd"),
        "lognormal": ("mean", "sd"),
        "beta": ("alpha", "beta"),
    }.get(str(kind), ())
    return f"{kind} " + "/".join(f"{dist[k]:g}" for k in keys if k in dist)


@app.command("scenarios")
def list_scenarios() -> None:
    """List the bundled scenarios."""
    from forceplan.scenario import bundled_scenarios

    found = bundled_scenarios()
    width = max((len(name) for name in found), default=0)
    for name, path in found.items():
        # the path after the name, or on the next line when the two do not fit
        print_wrapped(f"{escape(name):<{width}}  {escape(str(path))}", hang=2)
