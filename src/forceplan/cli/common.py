"""Shared CLI plumbing: the Typer app, clean errors, output checks and all-or-nothing writes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from forceplan.cli.helptext import CONTROL, Group, Typer
from forceplan.cli.outputs import (
    OutputError,
    Outputs,
    check_distinct,
    check_not_inputs,
    check_output,
    check_suffix,
    single_output,
)

if TYPE_CHECKING:
    from forceplan.scenario import Scenario

# Heavy libraries (pandas, highspy, xarray) are imported inside the commands
# that use them, so that `forceplan --help` starts quickly.

app = Typer(
    name="forceplan",
    cls=Group,
    help="Plan, cost and stress-test a multinational military deployment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def visible(text: str) -> str:
    """``text`` with each control character written out (``\\x1b``), so that user text
    (a file name, a name read from a database) can never drive the terminal."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100
                       else f"\\u{ord(m.group()):04x}", text)


class SafeConsole(Console):
    """A Rich console that shows control characters in any text it renders (printed strings,
    table cells, titles) instead of sending them to the terminal."""

    def render_str(self, text: str, **kwargs: Any) -> Any:
        return super().render_str(visible(text), **kwargs)


console = SafeConsole()
err_console = SafeConsole(stderr=True)

#: Exit codes (docs/cli.md): 1 no plan exists (infeasible), 2 bad input or an
#: output that cannot be written, 3 the plan is incomplete (a phase not solved
#: within the time limit), 130 Ctrl-C, 143 SIGTERM.
EXIT_NO_PLAN = 1
EXIT_BAD_INPUT = 2
EXIT_INCOMPLETE_PLAN = 3

#: ``schema_version`` of every JSON file and listing the CLI writes (and of the
#: metadata.json beside --csv tables); raised when a key changes meaning or goes.
SCHEMA_VERSION = 1

#: The positional scenario argument every command that reads one takes.
ScenarioArg = Annotated[
    str,
    typer.Argument(metavar="SCENARIO", help="Scenario TOML file, or the name of a bundled "
                   "scenario."),
]
BackstopOpt = Annotated[
    bool | None,
    typer.Option(
        "--backstop/--no-backstop",
        help="Let the backstop fill what the coalition cannot (default: the scenario's "
        "backstop.enabled).",
    ),
]


class Failed(typer.Exit):
    """The exit :func:`fail` raises; keeps the message (the run store records it)."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(code)
        self.message = message


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print an error (no traceback) and exit non-zero.

    ``message`` is plain text (it usually quotes user input: paths, names,
    exception texts), never Rich markup: it is escaped here.
    """
    err_console.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise Failed(code, message)


def load_or_exit(path: str) -> Scenario:
    """Load a scenario or print one line per problem and exit 2."""
    from forceplan.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(path)
    except ScenarioError as exc:
        n = len(exc.problems)
        err_console.print(
            f"[bold red]error:[/] {escape(path)} is not a valid scenario "
            f"({n} problem{'s' if n != 1 else ''}):",
            highlight=False,
        )
        for p in exc.problems:
            err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None
    _outputs_not_read()
    return scenario


def output_or_exit(path: str | None, kind: str, option: str) -> Path | None:
    """:func:`check_output` for a command: the path to write, or exit 2 in words."""
    try:
        return check_output(path, kind, option)
    except OutputError as exc:
        fail(str(exc))


def outputs_or_exit(
    inputs: Sequence[str | None] = (), **paths: tuple[str | None, str]
) -> dict[str, Path | None]:
    """Check every output of a command before any work: ``option=(path, kind)``.

    Keys are option names with ``-`` written ``_`` and without the leading
    dashes (``json=...``, ``csv=...``). Refuses two options naming one path,
    and an output that is one of ``inputs`` (the files the command's arguments
    name, a ``--db`` URL; bundled names and missing paths are skipped): writing
    the plan's JSON over its own scenario would lose the scenario. Files read
    later on (a base the scenario extends, its CSV tables) are refused when the
    output is written (:class:`~forceplan.cli.outputs.Outputs`).
    """
    from forceplan.scenario.files import forget_reads

    checked = {
        key: output_or_exit(path, kind, "--" + key.replace("_", "-"))
        for key, (path, kind) in paths.items()
    }
    named = {"--" + k.replace("_", "-"): v for k, v in checked.items()}
    try:
        for option, target in named.items():
            check_suffix(option, target)
        check_distinct(named)
        check_not_inputs(named, [_input_path(i) for i in inputs if i])
    except OutputError as exc:
        fail(str(exc))
    forget_reads()  # what this command reads from now on is its input
    _OUTPUTS[:] = [(k, v) for k, v in named.items() if v is not None]
    return checked


#: This command's outputs (option, path), checked again once its scenarios are loaded.
_OUTPUTS: list[tuple[str, Path]] = []


def new_command() -> None:
    """Forget the outputs and reads of an earlier command run in this process (tests, serve)."""
    from forceplan.scenario.files import forget_reads

    _OUTPUTS.clear()
    forget_reads()


def _outputs_not_read() -> None:
    """After loading: refuse an output that is a file the scenario read (a base, a table)."""
    from forceplan.scenario.files import was_read

    for option, path in _OUTPUTS:
        if path.is_file() and was_read(path):
            fail(f"{option} {path}: is one of the files this scenario is read from; refusing "
                 "to write over it")


def _input_path(ref: str) -> str:
    """The file an input argument names (the file of an ``sqlite:///`` URL)."""
    return ref.removeprefix("sqlite:///") if ref.startswith("sqlite:///") else ref


@contextmanager
def writing() -> Iterator[Outputs]:
    """All of a command's outputs, renamed into place together at the end of the block.

    An error while writing is reported in words (exit 2) after every
    temporary file is removed; no output is half-replaced.
    """
    try:
        with Outputs() as out:
            yield out
    except OSError as exc:
        where = f" {exc.filename}" if exc.filename else ""
        fail(f"cannot write{where}: {exc.strerror or exc}")
    except OutputError as exc:
        fail(str(exc))


@contextmanager
def replaced_atomically(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block succeeds.

    A crash mid-write leaves either the old file or none, never half a file;
    an existing file keeps its permissions, a new one gets 0666 less the umask.
    """
    with single_output(Path(path)) as tmp:
        yield tmp


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`replaced_atomically`)."""
    with replaced_atomically(path) as tmp:
        mode = "wb" if isinstance(data, bytes) else "w"
        with tmp.open(mode) as fh:
            fh.write(data)
    return Path(path)


def check_output_dir(path: str | Path, what: str) -> None:
    """Fail early (before any work) if an output location cannot be written.

    ``what``: ``"file"`` or ``"directory"``. Kept for commands not yet on
    :func:`outputs_or_exit`.
    """
    output_or_exit(str(path), "file" if what == "file" else "directory", "output")
