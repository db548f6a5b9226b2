"""The tables of a report, as typed DataFrames with units in their headers.

The HTML report and the Excel workbook show the same tables; each comes
from a result's own frames (new columns flow through) with a header that
names its unit, inferred from the column name (see :func:`unit_of`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pandas as pd

from forceplan.report.model import ReportRun

if TYPE_CHECKING:
    import xarray as xr

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario

#: units of columns whose names do not say
UNITS = {
    "units": "units",
    "required": "units",
    "coalition_units": "units",
    "backstop_units": "units",
    "unmet": "units",
    "units_held": "units",
    "units_kept": "units",
    "drain": "units",
    "floor": "units",
    "months": "months",
    "start_month": "month",
    "end_month": "month",
    "year": "year",
    "army_share": "share 0-1",
    "value": "",
    # the plan's goals table: lead nations leading a mission, flags on the ground
    "target": "nations",
    "achieved": "nations",
    "shortfall": "nations",
}


def unit_of(column: str) -> str:
    """The unit of a result column, from its name ('' when it has none)."""
    if column in UNITS:
        return UNITS[column]
    if column.startswith("annual_") and column.endswith("_usd_m"):
        return "US$ m a year"
    if column.endswith("_usd_m"):
        return "US$ m"
    if column.endswith("_share") or column.startswith("coverage"):
        return "share 0-1"
    if column.startswith("p_"):
        return "probability"
    if "personnel" in column:
        return "people"
    return ""


def with_units(frame: pd.DataFrame, units: dict[str, str] | None = None) -> pd.DataFrame:
    """The frame with each header followed by its unit in brackets."""
    units = units or {}
    names = {}
    for column in frame.columns:
        unit = units.get(str(column), unit_of(str(column)))
        names[column] = f"{column} [{unit}]" if unit else str(column)
    return frame.rename(columns=names)


def plan_costs(plan: PlanResult) -> pd.DataFrame:
    """Per nation over the whole plan: peak deployed, peak tied up, cost."""
    months = plan.phases.set_index("phase")["months"]
    frame = plan.nations.copy()
    frame["cost_usd_m"] = frame["annual_cost_usd_m"] * frame["phase"].map(months) / 12
    totals = frame.groupby("nation", sort=False).agg(
        peak_deployed_personnel=("deployed_personnel", "max"),
        peak_tied_up_personnel=("tied_up_personnel", "max"),
        cost_usd_m=("cost_usd_m", "sum"),
    )
    return totals[totals["peak_tied_up_personnel"] > 0].reset_index()


def plan_tables(plan: PlanResult) -> dict[str, pd.DataFrame]:
    """The plan's own tables, and its costs per nation over the whole plan."""
    return {**plan.to_frames(), "costs": plan_costs(plan)}


def simulation_tables(ds: xr.Dataset) -> dict[str, pd.DataFrame]:
    """Yearly bands (every metric, every group), per-draw outcome bands, and the drivers."""
    import numpy as np

    from forceplan.simulate import summary
    from forceplan.simulate.drivers import drivers
    from forceplan.simulate.summary import METRICS, band

    yearly = summary(ds)
    yearly.insert(1, "label", yearly["metric"].map(lambda m: METRICS.get(m, (m, ""))[0]))
    yearly.insert(2, "unit", yearly["metric"].map(lambda m: METRICS.get(m, ("", ""))[1]))
    outcomes = []
    for name in ds.data_vars:
        if str(name).startswith("outcome_"):
            values = np.asarray(ds[name].values, dtype=float)
            outcomes.append({"outcome": str(name).removeprefix("outcome_"), **band(values)})
    tables = {"summary": yearly, "outcomes": pd.DataFrame(outcomes)}
    spearman = drivers(ds)
    if not spearman.empty:
        tables["drivers"] = spearman.rename_axis("uncertainty").reset_index()
    return tables


def sources_table(scenario: Scenario) -> pd.DataFrame:
    """Every figure of a scenario with its value, range, source and whether it is assumed."""
    rows = []
    for path, fig in scenario.sources_list():
        rows.append({
            "field": path,
            "value": fig.value,
            "low": fig.range[0] if fig.range else None,
            "high": fig.range[1] if fig.range else None,
            "assumption": fig.assumption,
            "source": fig.source or "",
            "note": fig.note or "",
        })
    return pd.DataFrame(rows, columns=["field", "value", "low", "high", "assumption", "source",
                                       "note"])


def references_table(scenario: Scenario) -> pd.DataFrame:
    return pd.DataFrame(
        [{"key": k, "citation": v} for k, v in scenario.sources.items()],
        columns=["key", "citation"],
    )


def uncertainties_table(run: ReportRun) -> pd.DataFrame:
    """The uncertainties the run sampled (with defaults filled in), or the scenario's own."""
    docs: dict[str, dict[str, Any]] = {}
    if run.dataset is not None and "uncertainties" in run.dataset.attrs:
        docs = json.loads(str(run.dataset.attrs["uncertainties"]))
    elif run.scenarios:
        docs = {k: u.model_dump(exclude_none=True)
                for k, u in run.scenarios[0][1].uncertainties.items()}
    columns = ["uncertainty", "distribution", "value", "low", "mode", "high", "mean", "sd",
               "alpha", "beta", "unit", "description", "source"]
    rows = [{"uncertainty": name, **doc} for name, doc in sorted(docs.items())]
    return pd.DataFrame(rows, columns=columns)


def record_table(record: dict[str, Any]) -> pd.DataFrame:
    """The run's record as (item, value) rows; nested values as compact JSON."""
    rows = []
    for key, value in record.items():
        if value is None or value == {} or value == []:
            continue
        if isinstance(value, dict | list):
            value = json.dumps(value, sort_keys=False, default=str)
        rows.append({"item": key, "value": str(value)})
    return pd.DataFrame(rows, columns=["item", "value"])


def _per_scenario(run: ReportRun, make: Callable[[Scenario], pd.DataFrame]) -> pd.DataFrame:
    """``make(scenario)`` for one scenario; for several, stacked with a scenario column."""
    if len(run.scenarios) == 1:
        return make(run.scenarios[0][1])
    frames = []
    for label, scenario in run.scenarios:
        frame = make(scenario)
        frame.insert(0, "scenario", label)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def run_tables(run: ReportRun) -> dict[str, pd.DataFrame]:
    """Every table of a run, by sheet name (plan tables prefixed with the label if several)."""
    tables: dict[str, pd.DataFrame] = {}
    several = len(run.plans) > 1
    seen: dict[str, int] = {}
    for label, plan in run.plans:
        seen[label] = seen.get(label, 0) + 1
        tag = label if seen[label] == 1 else f"{label} ({seen[label]})"
        for name, frame in plan_tables(plan).items():
            tables[f"{tag} {name}" if several else name] = frame
    if run.dataset is not None:
        tables.update(simulation_tables(run.dataset))
    if run.comparison is not None:
        tables["comparison"] = run.comparison.copy()
    if run.scenarios:
        tables["assumptions"] = uncertainties_table(run)
        tables["sources"] = _per_scenario(run, sources_table)
        tables["references"] = _per_scenario(run, references_table)
    tables["run"] = record_table(run.record)
    return tables
