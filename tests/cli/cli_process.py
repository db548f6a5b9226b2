"""Run the real `forceplan` command in a fresh process (signals, start-up, exit codes)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parents[1] / "fixtures"
TINY = FIXTURES / "tiny.toml"


def command(*args: str) -> list[str]:
    """The installed console script if there is one beside this Python, else ``python -c``."""
    script = Path(sys.executable).with_name("forceplan")
    if script.exists():
        return [str(script), *args]
    return [sys.executable, "-c", "from forceplan.cli import main; main()", *args]


def run(
    *args: str, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess:
    return subprocess.run(
        command(*args),
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
        **kwargs,
    )


def start(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    return subprocess.Popen(
        command(*args),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "120", **(env or {})},
    )


def as_unprivileged_user(cmd: list[str]) -> list[str] | None:
    """``cmd`` run as 'nobody' when we are root (root may write anywhere); None if impossible."""
    if os.geteuid() != 0:
        return cmd
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        return None
    return [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *cmd]


def scenario_toml(data: dict[str, Any]) -> str:
    """A scenario dict (``Scenario.model_dump(mode="json")``) as TOML: top-level keys
    with inline tables and arrays, whose JSON spelling is valid TOML here."""
    import json

    def value(v: Any) -> str:
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, bool):
            return "true" if v else "false"
        return json.dumps(v)

    return "\n".join(f"{json.dumps(k)} = {value(v)}" for k, v in data.items()) + "\n"
