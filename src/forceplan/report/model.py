"""What a report is made of: one or more runs, each with its record, scenarios and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd
    import xarray as xr

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario


@dataclass
class ReportRun:
    """One run to report.

    ``record`` is a plain dict of what was run (kind, id, options, seed,
    version, timings, file checksums...: ``RunInfo.to_dict()`` for a stored
    run, or what the CLI knows for one it did not store); ``plans`` are
    labelled PlanResults (one per scenario), ``dataset`` a simulation, and
    ``comparison`` a frame from :func:`forceplan.simulate.compare`.
    """

    record: dict[str, Any]
    scenarios: list[tuple[str, Scenario]] = field(default_factory=list)
    plans: list[tuple[str, PlanResult]] = field(default_factory=list)
    dataset: xr.Dataset | None = None
    comparison: pd.DataFrame | None = None

    @property
    def title(self) -> str:
        labels = " vs ".join(label for label, _ in self.scenarios) or self.record.get("label", "")
        run = self.record.get("id")
        kind = self.record.get("kind", "run")
        return f"Run {run}: {kind} of {labels}" if run is not None else f"{kind} of {labels}"
