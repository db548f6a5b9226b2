"""The command-line shell: thin wrappers over the Python API.

Each stage's commands live in their own module and register on ``app`` when
imported (:func:`load_app`). This module imports nothing heavy, so that
:func:`main` is in charge of Ctrl-C and SIGTERM from the first moment of
start-up: the command itself runs in a worker thread while the main thread
waits, and a signal prints one line, removes unfinished outputs and exits
(130 for Ctrl-C, 143 for SIGTERM) at once, even while a solver is busy.
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType
from typing import Any

#: The command modules, imported (and so registered) by :func:`load_app`.
COMMAND_MODULES = (
    "scenario_cmds",
    "plan_cmd",
    "simulate_cmd",
    "explore_cmd",
    "update_cmd",
    "runs_cmd",
    "report_cmd",
    "web_cmd",
)
#: Called (best effort) when a signal stops the command, before it exits: `serve` marks the
#: runs it was computing as failed and ends its worker processes.
STOP_HOOKS: list[Callable[[], None]] = []

EXIT_INTERRUPTED = 130
EXIT_TERMINATED = 143


def load_app() -> Any:
    """The Typer app with every command registered."""
    for name in COMMAND_MODULES:
        importlib.import_module(f"forceplan.cli.{name}")
    from forceplan.cli.common import app

    return app


def _stop(signum: int, frame: FrameType | None) -> None:
    """Signal handler: discard unfinished outputs, say so in one line, exit now."""
    from forceplan.cli.outputs import remove_temporaries

    remove_temporaries()
    for hook in STOP_HOOKS:
        with contextlib.suppress(Exception):
            hook()
    what = "interrupted" if signum == signal.SIGINT else "terminated"
    with contextlib.suppress(OSError, ValueError):
        sys.stdout.flush()
    with contextlib.suppress(OSError, ValueError):
        sys.stderr.write(f"forceplan: {what}; unfinished outputs were discarded\n")
        sys.stderr.flush()
    os._exit(EXIT_INTERRUPTED if signum == signal.SIGINT else EXIT_TERMINATED)


def _run_command(outcome: dict[str, Any]) -> None:
    try:
        load_app()(prog_name="forceplan")
        outcome["code"] = 0
    except SystemExit as exc:
        outcome["code"] = exc.code
    except BrokenPipeError:  # `forceplan ... | head`: the reader has gone
        outcome["code"] = 141
        outcome["broken_pipe"] = True
    except BaseException:  # a bug: keep the traceback, it is what a report needs
        import traceback

        traceback.print_exc()
        outcome["code"] = 1


def main() -> None:
    """Console-script entry point."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _stop)
        signal.signal(signal.SIGTERM, _stop)
    outcome: dict[str, Any] = {"code": 1}
    worker = threading.Thread(
        target=_run_command, args=(outcome,), name="forceplan-command", daemon=True
    )
    worker.start()
    while worker.is_alive():
        worker.join(0.5)  # the main thread stays free to take signals
    if outcome.get("broken_pipe"):
        # stdout is gone: point it at /dev/null so the interpreter's final flush is quiet
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    code = outcome["code"]
    if threading.current_thread() is threading.main_thread():
        # the command is done and its outputs are in place: a signal now must not
        # kill the interpreter while it shuts down (Python puts back the default
        # handlers then), so the exit code stays the command's
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
    sys.exit(code)


def __getattr__(name: str) -> Any:
    if name == "app":
        return load_app()
    if name in COMMAND_MODULES or name in ("common", "outputs"):
        return importlib.import_module(f"forceplan.cli.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["COMMAND_MODULES", "app", "load_app", "main"]
