"""Shared fixtures for the explore tests: small scenarios, a thread pool, Parquet comparison."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from forceplan.explore import RunReport, Settings, explore
from forceplan.scenario import Scenario, load_scenario

HERE = Path(__file__).parent
RANGED = HERE / "ranged.toml"
TINY = HERE.parent / "fixtures" / "tiny.toml"


def ranged() -> Scenario:
    return load_scenario(RANGED)


def sweep(out: Path, scenario: Scenario | None = None, **settings: object) -> RunReport:
    """A small run in two threads (no process start-up), for tests of what is computed."""
    with ThreadPoolExecutor(2) as pool:
        return explore(scenario or ranged(), out, Settings(**settings),  # type: ignore[arg-type]
                       executor=pool)


def rows(directory: Path) -> pd.DataFrame:
    """Every row of a result directory, in chunk-file order."""
    return pd.read_parquet(sorted((directory / "chunks").glob("*.parquet")))
