"""`forceplan update new`, `forceplan diff` and `forceplan timeline`: what a new report changes.

The update stage (and with it the simulation and xarray) is imported inside
the commands, so that `forceplan --help` does not load it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

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
from forceplan.cli.helptext import Group, Typer
from forceplan.cli.plan_cmd import NoCacheOpt
from forceplan.cli.tables import print_wrapped

if TYPE_CHECKING:
    from forceplan.scenario import ScenarioError
    from forceplan.scenario.update_file import UpdateSpec
    from forceplan.update import RunSettings

update_app = Typer(  # forceplan's Typer: real metavars in --help
    help="Write update files: what a new report changes, figure by figure.",
    no_args_is_help=True,
    cls=Group,
)
app.add_typer(update_app, name="update")

DrawsOpt = Annotated[
    int, typer.Option("--draws", "-n", help="Monte Carlo draws per variant (paired).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (0 or more).")]
MonthsOpt = Annotated[
    int | None,
    typer.Option("--months", help="Months to simulate (1-240; default: each scenario's own)."),
]
GroupOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--group",
        "-g",
        help="Attribute changes together: NAME=PATTERN[,PATTERN] (glob over change paths, "
        "e.g. 'US backstop=backstop.*'). Repeatable.",
    ),
]
MethodOpt = Annotated[
    str,
    typer.Option(
        "--method",
        help="auto (exact Shapley up to --max-exact changes, sampled beyond), exact, "
        "sampled, or one_at_a_time (plus the interaction remainder).",
    ),
]
MaxExactOpt = Annotated[
    int, typer.Option("--max-exact", min=1, max=14, help="Largest number of changes done exactly.")
]
PermutationsOpt = Annotated[
    int | None,
    typer.Option(
        "--permutations",
        min=2,
        max=10_000,
        help="Orders drawn by sampled Shapley (default: about 2^max-exact coalitions' worth).",
    ),
]
StrictOpt = Annotated[
    bool, typer.Option("--strict", help="Treat a change without a source as an error.")
]
METHODS = ("auto", "exact", "sampled", "one_at_a_time")


# ---------------------------------------------------------------------------
# forceplan update new
# ---------------------------------------------------------------------------


@update_app.command("new")
def update_new(
    base: ScenarioArg,
    source: Annotated[
        str,
        typer.Option(
            "--source", "-s", help="The report: 'Outlet, Title, YYYY-MM-DD' (date anywhere)."
        ),
    ],
    output: Annotated[str, typer.Option("--output", "-o", help="The update file to write.")],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented update template listing the figures most often changed."""
    from forceplan.scenario.update_template import parse_source_text, update_template

    target = Path(output)
    checked = outputs_or_exit([base], output=(output, "file"))["output"]
    assert checked is not None
    if target.exists() and not force:
        fail(f"{output} exists; pass --force to overwrite it")
    try:
        parsed = parse_source_text(source)
    except ValueError as exc:
        fail(f"--source: {exc}")
    scenario = load_or_exit(base)
    text = update_template(scenario, _extends_ref(base, target), parsed)
    with writing() as out:
        out.write_text(checked, text)
    print_wrapped(f"wrote {escape(output)}: uncomment the changes this report makes")
    if parsed.missing():
        console.print(
            f"[bold yellow]warning:[/] the source lacks {', '.join(parsed.missing())}: fill it "
            "in under \\[update]"
        )


def _extends_ref(base: str, target: Path) -> str:
    """The base as the update should name it: a bundled name, else a path from the update."""
    path = Path(base)
    if not path.exists():
        return base
    return os.path.relpath(path.resolve(), target.resolve().parent)


# ---------------------------------------------------------------------------
# forceplan diff
# ---------------------------------------------------------------------------


@app.command("diff")
def diff_command(
    base: ScenarioArg,
    update: Annotated[str, typer.Argument(help="The update (or any scenario) to compare.")],
    draws: DrawsOpt = 10_000,
    seed: SeedOpt = 0,
    months: MonthsOpt = None,
    backstop: BackstopOpt = None,
    group: GroupOpt = None,
    method: MethodOpt = "auto",
    max_exact: MaxExactOpt = 8,
    permutations: PermutationsOpt = None,
    outcome: Annotated[
        list[str] | None,
        typer.Option("--outcome", help="Show the waterfall of this outcome only (repeatable)."),
    ] = None,
    strict: StrictOpt = False,
    no_cache: NoCacheOpt = False,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write the diff and attribution as JSON here.")
    ] = None,
) -> None:
    """List the figures an update changes, how the plan differs, and who moved each outcome."""
    from forceplan.update import compare_figures
    from forceplan.update.outcomes import OUTCOME_KEYS

    settings = _settings(draws, seed, months, backstop, method)
    for name in outcome or []:
        if name not in OUTCOME_KEYS:
            fail(f"--outcome: unknown outcome {name!r} (one of {', '.join(OUTCOME_KEYS)})")
    groups = _groups(group)
    json_target = outputs_or_exit([base, update], json=(json_path, "file"))["json"]
    base_scenario = load_or_exit(base)
    new_scenario = load_or_exit(update)
    specs = _specs_or_exit(update)
    figures = compare_figures(
        base_scenario,
        new_scenario,
        specs=specs,
        groups=groups,
        base_label=base,
        new_label=update,
    )
    _warn(figures.warnings, strict)
    _groups_used(groups, [figures])
    from forceplan.cli.update_view import render_attribution, render_figures, render_plan

    render_figures(figures)
    result = _run(figures, settings, method, max_exact, permutations, no_cache)
    render_plan(result)
    render_attribution(result, outcome or None)
    _write_json(json_target, result.to_dict())


# ---------------------------------------------------------------------------
# forceplan timeline
# ---------------------------------------------------------------------------


@app.command("timeline")
def timeline_command(
    updates: Annotated[
        list[str],
        typer.Argument(
            help="Update files in order, each extending the one before (or a folder of them, "
            "or a bundled chain such as 'updates-2025')."
        ),
    ],
    draws: DrawsOpt = 2_000,
    seed: SeedOpt = 0,
    months: MonthsOpt = None,
    backstop: BackstopOpt = None,
    group: GroupOpt = None,
    method: MethodOpt = "auto",
    max_exact: MaxExactOpt = 8,
    permutations: PermutationsOpt = None,
    strict: StrictOpt = False,
    no_cache: NoCacheOpt = False,
    json_path: Annotated[
        str | None, typer.Option("--json", help="Write every step's diff as JSON here.")
    ] = None,
) -> None:
    """Apply updates in order and show how the outcomes moved, attributed at each step."""
    from forceplan.scenario import ScenarioError
    from forceplan.update import SubsetInvalid, expand_paths, load_chain
    from forceplan.update.timeline import run_timeline

    settings = _settings(draws, seed, months, backstop, method)
    groups = _groups(group)
    json_target = outputs_or_exit(list(updates), json=(json_path, "file"))["json"]
    try:
        chain = load_chain(expand_paths(updates))
    except ScenarioError as exc:
        _problems_exit("the timeline", exc)
    _warn([str(w) for link in chain.links for w in link.spec.warnings], strict)
    if groups:
        from forceplan.update import compare_figures

        previous = [chain.base, *(link.scenario for link in chain.links)]
        _groups_used(groups, [compare_figures(a, link.scenario, specs=[link.spec], groups=groups)
                              for a, link in zip(previous, chain.links, strict=False)])
    from forceplan.cli.update_view import render_timeline

    with _progress("evaluating coalitions") as progress:
        try:
            timeline = run_timeline(
                chain,
                settings,
                groups=groups,
                method=method,
                max_exact=max_exact,
                permutations=permutations,
                plan_cache=not no_cache,
                progress=progress,
            )
        except SubsetInvalid as exc:
            fail(str(exc))
        except Exception as exc:
            _coalition_exit(exc)
    render_timeline(timeline)
    _write_json(json_target, timeline.to_dict())


# ---------------------------------------------------------------------------
# shared
# ---------------------------------------------------------------------------


def _settings(
    draws: int, seed: int, months: int | None, backstop: bool | None, method: str
) -> RunSettings:
    from forceplan.simulate import validate_run
    from forceplan.update import RunSettings

    try:
        validate_run(draws, seed, months)
    except ValueError as exc:
        fail(str(exc))
    if method not in METHODS:
        fail(f"--method: unknown method {method!r} (one of {', '.join(METHODS)})")
    return RunSettings(draws=draws, seed=seed, months=months, backstop=backstop)


def _groups(raw: list[str] | None) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    for item in raw or []:
        name, sep, patterns = item.partition("=")
        globs = tuple(p.strip() for p in patterns.split(",") if p.strip())
        if not sep or not name.strip() or not globs:
            fail(f"--group {item!r}: expected NAME=PATTERN[,PATTERN] (e.g. 'backstop=backstop.*')")
        out.append((name.strip(), globs))
    return out


def _groups_used(groups: list[tuple[str, tuple[str, ...]]], figures: list[Any]) -> None:
    """Refuse a --group that gathers no change (a mistyped pattern would pass unnoticed)."""
    used = {p.label for f in figures for p in f.players}
    for name, patterns in groups:
        if name not in used:
            paths = sorted({c.path for f in figures for p in f.players for c in p.changes})
            fail(f"--group {name}={','.join(patterns)}: matches none of the changes "
                 f"({', '.join(paths) or 'there are none'})")


def _coalition_exit(exc: Exception) -> NoReturn:
    """A coalition without a plan: exit 1 (none exists) or 3 (time ran out); else re-raise."""
    from forceplan.update import CoalitionError

    if not isinstance(exc, CoalitionError):
        raise exc
    fail(str(exc), code=EXIT_INCOMPLETE_PLAN if exc.incomplete else EXIT_NO_PLAN)


def _write_json(target: Path | None, payload: dict[str, Any]) -> None:
    if target is None:
        return
    with writing() as out:
        out.write_text(target, json.dumps(payload, indent=2, allow_nan=False) + "\n")
    print_wrapped(f"wrote {escape(str(target))}")


def _specs_or_exit(path: str) -> list[UpdateSpec]:
    from forceplan.scenario import ScenarioError
    from forceplan.update import update_specs

    try:
        return update_specs(path)
    except ScenarioError as exc:
        _problems_exit(path, exc)


def _problems_exit(what: str, exc: ScenarioError) -> NoReturn:
    n = len(exc.problems)
    err_console.print(
        f"[bold red]error:[/] {escape(what)} is not valid ({n} problem{'s' if n != 1 else ''}):",
        highlight=False,
    )
    for p in exc.problems:
        print_wrapped(f"  {escape(str(p))}", console=err_console, hang=2)
    raise typer.Exit(2)


def _warn(warnings: list[str], strict: bool) -> None:
    if not warnings:
        return
    label = "[bold red]error:[/]" if strict else "[bold yellow]warning:[/]"
    for w in warnings:
        print_wrapped(f"{label} {escape(w)}", console=err_console, hang=2)
    if strict:
        fail(f"{len(warnings)} change(s) or report(s) without a full source (--strict)")


def _run(
    figures: Any,
    settings: RunSettings,
    method: str,
    max_exact: int,
    permutations: int | None,
    no_cache: bool,
) -> Any:
    from forceplan.update import SubsetInvalid, run_diff

    with _progress("evaluating coalitions") as progress:
        try:
            return run_diff(
                figures,
                settings,
                method=method,
                max_exact=max_exact,
                permutations=permutations,
                plan_cache=not no_cache,
                progress=progress,
            )
        except SubsetInvalid as exc:
            fail(str(exc))
        except Exception as exc:
            _coalition_exit(exc)


@contextmanager
def _progress(label: str) -> Iterator[Callable[[int, int], None]]:
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} variants"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task(label, total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update


__all__ = ["diff_command", "timeline_command", "update_new"]
