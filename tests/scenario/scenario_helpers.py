"""Small helpers for scenario tests: write a file, load it, collect the located problems."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from forceplan.scenario import ScenarioError, load_scenario

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TINY = FIXTURES / "tiny.toml"
BUNDLED = Path(__file__).resolve().parents[2] / "src" / "forceplan" / "data" / "scenarios"
FLAGSHIP = BUNDLED / "reassurance-2025.toml"
FLAGSHIP_CSV = BUNDLED / "nations-2025.csv"


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def problems_of(path: Path) -> list[str]:
    """Every located problem of loading ``path`` (which must fail)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return [str(p) for p in info.value.problems]


def variant(tmp_path: Path, body: str, name: str = "s.toml") -> Path:
    """A variant of the tiny scenario that overrides only ``body``."""
    return write(tmp_path, f'extends = "{TINY}"\n' + textwrap.dedent(body), name)


def only_problem(path: Path) -> str:
    (msg,) = problems_of(path)
    return msg
