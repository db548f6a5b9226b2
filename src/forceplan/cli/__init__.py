"""The command-line shell: thin wrappers over the Python API.

Each stage's commands live in their own module and register on ``app``.
"""

from __future__ import annotations

from forceplan.cli.common import app
from forceplan.cli import scenario_cmds  # noqa: F401  (registers commands)
from forceplan.cli import plan_cmd  # noqa: F401
from forceplan.cli import simulate_cmd  # noqa: F401


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
