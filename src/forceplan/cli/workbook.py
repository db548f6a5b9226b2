"""Excel workbooks written by plan, simulate and compare (``--xlsx``), and binary outputs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario

XlsxOpt = Annotated[
    str | None,
    typer.Option("--xlsx", metavar="PATH", help="Write an Excel workbook (one sheet per table)."),
]


def bytes_writer(data: bytes) -> Callable[[Path], None]:
    """A writer for :meth:`Outputs.write_with` that writes ``data``."""

    def write(tmp: Path) -> None:
        tmp.write_bytes(data)

    return write


def workbook_for(
    kind: str,
    record: Any,
    scenarios: list[tuple[str, Scenario]],
    options: dict[str, Any],
    seed: int | None = None,
    plans: list[tuple[str, PlanResult]] | None = None,
    dataset: xr.Dataset | None = None,
    comparison: pd.DataFrame | None = None,
) -> bytes:
    """The workbook of a run a plan/simulate/compare command just made."""
    from forceplan import __version__
    from forceplan.report.excel import workbook_bytes
    from forceplan.report.model import ReportRun
    from forceplan.scenario import scenario_hash

    meta = {
        "id": getattr(record, "run_id", None),
        "kind": kind,
        "scenarios": [{"label": label, "hash": scenario_hash(s)} for label, s in scenarios],
        "options": options,
        "seed": seed,
        "forceplan_version": __version__,
    }
    run = ReportRun(meta, scenarios, plans or [], dataset, comparison)
    return workbook_bytes([run])


