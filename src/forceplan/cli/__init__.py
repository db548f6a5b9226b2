"""The command-line shell: thin wrappers over the Python API.

Each stage's commands live in their own module and register on ``app`` when
imported below.
"""

from __future__ import annotations

from forceplan.cli import (
    plan_cmd,
    report_cmd,
    runs_cmd,
    scenario_cmds,
    simulate_cmd,
    web_cmd,
)
from forceplan.cli.common import app

COMMAND_MODULES = (scenario_cmds, plan_cmd, simulate_cmd, runs_cmd, report_cmd, web_cmd)


def main() -> None:
    """Console-script entry point."""
    app()


__all__ = ["app", "main"]
