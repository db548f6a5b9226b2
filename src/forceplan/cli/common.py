"""Shared CLI plumbing: the Typer app, scenario loading with clean errors, atomic writes."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from forceplan.scenario import Scenario, ScenarioError, load_scenario

app = typer.Typer(
    name="forceplan",
    help="Plan, cost and stress-test a multinational military deployment.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
err_console = Console(stderr=True)

EXIT_BAD_INPUT = 2

#: The positional scenario argument every command that reads one takes.
ScenarioArg = Annotated[
    str, typer.Argument(help="Scenario TOML file, or the name of a bundled scenario.")
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
    """Print an error (no traceback) and exit non-zero."""
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    raise Failed(code, message)


def load_or_exit(path: str) -> Scenario:
    """Load a scenario or print one line per problem and exit 2."""
    try:
        return load_scenario(path)
    except ScenarioError as exc:
        n = len(exc.problems)
        err_console.print(
            f"[bold red]error:[/] {path} is not a valid scenario "
            f"({n} problem{'s' if n != 1 else ''}):",
            highlight=False,
        )
        for p in exc.problems:
            err_console.print(f"  {p}", highlight=False, markup=False, soft_wrap=True)
        raise typer.Exit(EXIT_BAD_INPUT) from None


@contextmanager
def replaced_atomically(path: str | Path) -> Iterator[Path]:
    """A temporary file beside ``path``, renamed onto it when the block succeeds.

    A crash mid-write leaves either the old file or none, never half a file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        # mkstemp makes the file private (0600); give it the permissions any new file gets.
        os.chmod(tmp, 0o666 & ~_current_umask())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _current_umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomic(path: str | Path, data: str | bytes) -> Path:
    """Write ``data`` to ``path`` atomically (see :func:`replaced_atomically`)."""
    mode = "wb" if isinstance(data, bytes) else "w"
    with replaced_atomically(path) as tmp, tmp.open(mode) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    return Path(path)


def check_output_dir(path: str | Path, what: str) -> None:
    """Fail early (before any work) if an output location cannot be written."""
    parent = Path(path).parent if what == "file" else Path(path)
    probe = parent if parent.exists() else parent.parent
    if probe.exists() and not os.access(probe, os.W_OK):
        fail(f"cannot write {what} at {path}: permission denied")
    if what == "file" and Path(path).is_dir():
        fail(f"{path} is a directory, expected a file path")
