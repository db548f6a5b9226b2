"""Tidy summaries of a simulation Dataset, for tables and JSON."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from forceplan.simulate.quantiles import STATS

#: summary variable -> (label, unit)
METRICS: dict[str, tuple[str, str]] = {
    "deployed_personnel": ("Personnel deployed (yearly average)", "personnel"),
    "tied_up_personnel": ("Personnel tied up by rotation (yearly average)", "personnel"),
    "deployed_personnel_total": ("Personnel deployed, coalition (yearly average)", "personnel"),
    "tied_up_personnel_total": ("Personnel tied up, coalition (yearly average)", "personnel"),
    "coverage": ("Requirement coverage (yearly average)", "share"),
    "cumulative_cost_usd_m": ("Cumulative cost of its units (year end)", "US$ m"),
    "cumulative_paid_usd_m": ("Cumulative paid by its own budget (year end)", "US$ m"),
    "cumulative_paid_un_usd_m": ("Cumulative paid by the UN's assessed budget (year end)",
                                 "US$ m"),
    "cumulative_cost_total_usd_m": ("Cumulative cost, coalition (year end)", "US$ m"),
    "trained_added": ("Ukrainian personnel trained, cumulative (year end)", "personnel"),
    "ukraine_force": ("Ukraine's forces, headcount (year end)", "personnel"),
    "ukraine_effective_force": ("Ukraine's forces, training-weighted (year end)", "personnel"),
    "russia_force": ("Russian forces facing Ukraine (year end)", "personnel"),
    "deterrence_ratio": ("Deterrence ratio Ukraine+foreign : Russia (year end)", "ratio"),
    "p_offensive": ("P(renewed Russian offensive by year end)", "probability"),
    "nations_remaining": ("Contributing nations still in (year end)", "nations"),
    "flags_on_ground": ("Foreign flags on the ground (year end)", "nations"),
    "hazard_multiplier": ("Factor on the offensive hazard from each part (yearly)", "factor"),
}


def summary(ds: xr.Dataset) -> pd.DataFrame:
    """One row per (metric, group, year) with mean and 5/50/95th percentiles over draws.

    ``group`` is a nation ISO code, a mission id, or ``"total"``.
    """
    rows: list[dict[str, Any]] = []
    for metric in METRICS:
        if f"summary_{metric}" not in ds:  # e.g. hazard parts of a custom hazard function
            continue
        var = ds[f"summary_{metric}"]
        extra = [d for d in var.dims if d not in ("stat", "year")]
        values = var.transpose("stat", "year", *extra).values
        groups = list(ds[extra[0]].values) if extra else ["total"]
        for yi, year in enumerate(ds["year"].values):
            for gi, group in enumerate(groups):
                rec: dict[str, Any] = {"metric": metric, "group": str(group), "year": int(year)}
                for si, stat in enumerate(STATS):
                    rec[stat] = float(values[si, yi, gi] if extra else values[si, yi])
                rows.append(rec)
    return pd.DataFrame(rows, columns=["metric", "group", "year", *STATS])


def _clean(x: float) -> float | None:
    return None if isinstance(x, float) and math.isnan(x) else x


def band(x: np.ndarray, prefix: str = "") -> dict[str, float]:
    """Mean and 5/50/95th percentiles over the finite values (NaN if none)."""
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return {f"{prefix}{k}": float("nan") for k in STATS}
    q05, q50, q95 = np.quantile(finite, [0.05, 0.5, 0.95])
    return {
        f"{prefix}mean": float(finite.mean()),
        f"{prefix}p05": float(q05),
        f"{prefix}p50": float(q50),
        f"{prefix}p95": float(q95),
    }


def summary_to_json(ds: xr.Dataset) -> dict[str, Any]:
    """Everything a report needs, JSON-ready: provenance, notes and the summary rows."""
    table = summary(ds)
    records = [
        {k: (_clean(v) if isinstance(v, float) else v) for k, v in rec.items()}
        for rec in table.to_dict(orient="records")
    ]
    outcomes: dict[str, dict[str, float] | None] = {}
    for name in ds.data_vars:
        if str(name).startswith("outcome_"):
            arr = np.asarray(ds[name].values, dtype=float)
            outcomes[str(name).removeprefix("outcome_")] = (
                band(arr) if np.isfinite(arr).any() else None
            )
    attrs = {k: (v.item() if isinstance(v, np.generic) else v) for k, v in ds.attrs.items()}
    return {
        "scenario_name": attrs.get("scenario_name"),
        "scenario_hash": attrs.get("scenario_hash"),
        "forceplan_version": attrs.get("forceplan_version"),
        "seed": attrs.get("seed"),
        "draws": attrs.get("draws"),
        "months": attrs.get("months"),
        "backstop_enabled": bool(attrs.get("backstop_enabled")),
        "plan_status": attrs.get("plan_status"),
        "plan_unmet_units": attrs.get("plan_unmet_units"),
        "hazard_model": attrs.get("hazard_model"),
        "deterrence_note": attrs.get("deterrence_note"),
        "hazard_parts": attrs.get("hazard_parts"),
        "cost_basis": attrs.get("cost_basis"),
        "funding_rule": attrs.get("funding_rule"),
        "cost_note": attrs.get("cost_note"),
        "currency": attrs.get("currency"),
        "quantiles": attrs.get("quantiles"),
        "metrics": {k: {"label": lab, "unit": unit} for k, (lab, unit) in METRICS.items()},
        "summary": records,
        "outcomes": outcomes,
    }
