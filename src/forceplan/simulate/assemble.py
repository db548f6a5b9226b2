"""Build the labelled xarray Dataset of a finished run: trajectories, outcomes, summaries."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

from forceplan.scenario import scenario_hash
from forceplan.simulate.costs import funding_description, unit_cost_name
from forceplan.simulate.describe import describe
from forceplan.simulate.deterrence import HAZARD_PART_LABELS
from forceplan.simulate.quantiles import STATS

if TYPE_CHECKING:
    from forceplan.simulate.engine import Run

#: monthly trajectories whose dims are not (kept_draw, month). Two dimensions
#: index draws: ``draw`` every draw of the run (the outcome_ variables), and
#: ``kept_draw`` the first --keep-draws of them, whose trajectories and sampled
#: parameters are kept (its values are those draws' numbers on ``draw``).
TRAJECTORY_DIMS = {
    "deployed_personnel": ("kept_draw", "month", "nation"),
    "tied_up_personnel": ("kept_draw", "month", "nation"),
    "monthly_cost_usd_m": ("kept_draw", "month", "nation"),
    "monthly_paid_usd_m": ("kept_draw", "month", "nation"),
    "coverage": ("kept_draw", "month", "mission", "capability"),
    "mission_coverage": ("kept_draw", "month", "mission"),
    "exit_month": ("kept_draw", "nation"),
    "log_hazard_part": ("kept_draw", "month", "hazard_part"),
}
#: summaries whose dims are not (stat, year)
SUMMARY_DIMS = {
    "deployed_personnel": ("year", "nation"),
    "tied_up_personnel": ("year", "nation"),
    "cumulative_cost_usd_m": ("year", "nation"),
    "cumulative_paid_usd_m": ("year", "nation"),
    "coverage": ("year", "mission"),
    "hazard_multiplier": ("year", "hazard_part"),
}
#: variable -> (long name, units) for the variables this stage documents itself
VARIABLE_META = {
    "monthly_cost_usd_m": ("Cost of each nation's units per month", "US$ million"),
    "monthly_paid_usd_m": ("What each national budget pays per month", "US$ million"),
    "monthly_paid_un_usd_m": ("What the UN's assessed budget pays per month", "US$ million"),
    "ukraine_force": ("Ukraine's forces, headcount", "personnel"),
    "ukraine_effective_force": (
        "Ukraine's forces, headcount plus what coalition training adds to quality",
        "personnel-equivalents",
    ),
    "russia_force": ("Russian forces facing Ukraine", "personnel"),
    "log_hazard_part": ("Part of the log monthly offensive hazard", "log(rate per month)"),
    "summary_cumulative_cost_usd_m": ("Cost of each nation's units, cumulative", "US$ million"),
    "summary_cumulative_paid_usd_m": ("What each national budget pays, cumulative",
                                      "US$ million"),
    "summary_cumulative_paid_un_usd_m": ("What the UN's assessed budget pays, cumulative",
                                         "US$ million"),
    "summary_cumulative_cost_total_usd_m": ("Cost of the coalition, cumulative", "US$ million"),
    "summary_hazard_multiplier": ("Factor by which each part multiplies the offensive hazard "
                                  "(exp of its yearly mean log part)", "1"),
    "summary_russia_force": ("Russian forces facing Ukraine (year end)", "personnel"),
    "summary_ukraine_force": ("Ukraine's forces, headcount (year end)", "personnel"),
    "summary_ukraine_effective_force": ("Ukraine's forces, training-weighted (year end)",
                                        "personnel-equivalents"),
    "outcome_total_cost_usd_m": ("Total cost of the force", "US$ million"),
    "outcome_un_paid_usd_m": ("Paid by the UN's assessed budget", "US$ million"),
    "outcome_peak_budget_share_pct": (
        "Heaviest yearly payment as a share of a national defence budget", "percent"
    ),
    "outcome_russia_force_end": ("Russian forces facing Ukraine at the end", "personnel"),
}
COST_VARIABLES = (
    "monthly_cost_usd_m", "monthly_paid_usd_m", "monthly_paid_un_usd_m",
    "summary_cumulative_cost_usd_m", "summary_cumulative_paid_usd_m",
    "summary_cumulative_paid_un_usd_m", "summary_cumulative_cost_total_usd_m",
    "outcome_total_cost_usd_m", "outcome_un_paid_usd_m",
)
DETERRENCE_VARIABLES = ("p_offensive", "offensive_hazard", "summary_p_offensive",
                        "log_hazard_part", "summary_hazard_multiplier")


def _uncertainty_doc(run: Run) -> str:
    doc: dict[str, Any] = {
        name: {k: v for k, v in u.model_dump().items() if v is not None}
        for name, u in run.uncertainties.items()
    }
    inputs = run.inputs
    for c in np.flatnonzero(inputs.unit_cost_sampled):
        cap = inputs.capabilities[c]
        doc[unit_cost_name(cap)] = {
            "distribution": "triangular",
            "low": float(inputs.unit_cost_low[c]),
            "mode": float(inputs.annual_cost[c]),
            "high": float(inputs.unit_cost_high[c]),
            "unit": "US$ million per unit-year",
            "correlation": float(inputs.unit_cost_correlation),
            "source": f"range of capabilities[{cap}].annual_cost_per_unit_usd_m",
        }
    return json.dumps(doc, sort_keys=True)


def _attrs(run: Run) -> dict[str, Any]:
    from forceplan.simulate.engine import DETERRENCE_NOTE, _version

    s, plan, inputs = run.scenario, run.plan, run.inputs
    shortfall_units = 0.0
    if len(plan.shortfalls) and "unmet" in plan.shortfalls.columns:
        shortfall_units = float(plan.shortfalls["unmet"].sum())
    return {
        "title": f"forceplan simulation of {s.name}",
        "scenario_name": s.name,
        "scenario_hash": scenario_hash(s),
        "forceplan_version": _version(),
        "seed": int(run.seed),
        "draws": int(run.draws),
        "kept_draws": int(run.keep_total),
        "months": int(inputs.months),
        "backstop_enabled": int(inputs.backstop_enabled),
        "plan_status": str(getattr(plan, "status", "unknown")),
        "plan_unmet_units": shortfall_units,
        "hazard_model": getattr(run.hazard, "__qualname__", repr(run.hazard)),
        "hazard_parts": ", ".join(run.hazard_part_names),
        "deterrence_note": DETERRENCE_NOTE,
        "cost_basis": inputs.cost_basis,
        "funding_rule": inputs.funding,
        "cost_note": funding_description(s),
        "currency": f"US$ million of {s.currency_year}",
        "uncertainties": _uncertainty_doc(run),
        "quantiles": "exact" if run.draws <= run.exact_limit else "log-histogram (within 0.1%)",
    }


def _variable_attrs(name: str, run: Run) -> dict[str, str]:
    from forceplan.simulate.engine import DETERRENCE_NOTE

    attrs: dict[str, str] = {}
    if name in VARIABLE_META:
        attrs["long_name"], attrs["units"] = VARIABLE_META[name]
    if name in COST_VARIABLES:
        attrs["cost_basis"] = run.inputs.cost_basis
        attrs["funding_rule"] = run.inputs.funding
    if name in DETERRENCE_VARIABLES:
        attrs["note"] = DETERRENCE_NOTE
    return attrs


def assemble(run: Run) -> xr.Dataset:
    """The run's Dataset (see docs/model.md for every variable)."""
    inputs = run.inputs
    coords: dict[str, Any] = {
        "draw": np.arange(run.draws),
        "kept_draw": np.arange(run.keep_total),
        "month": np.arange(1, inputs.months + 1),
        "year": np.arange(1, inputs.years + 1),
        "nation": list(inputs.nations),
        "mission": list(inputs.missions),
        "capability": list(inputs.capabilities),
        "stat": list(STATS),
    }
    if run.hazard_part_names:
        coords["hazard_part"] = list(run.hazard_part_names)
    data: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name, parts in run.traj_parts.items():
        dims = TRAJECTORY_DIMS.get(
            name, ("kept_draw",) if name.startswith("param_") else ("kept_draw", "month")
        )
        data[name] = (dims, np.concatenate(parts, axis=0))
    for name, parts in run.outcome_parts.items():
        data[f"outcome_{name}"] = (("draw",), np.concatenate(parts))
    for name, dist in run.dists.items():
        st = dist.stats()
        dims = ("stat", *SUMMARY_DIMS.get(name, ("year",)))
        data[f"summary_{name}"] = (dims, np.stack([st[s] for s in STATS]))
    if "summary_cumulative_paid_usd_m" not in data and "summary_cumulative_cost_usd_m" in data:
        # costs lie where they fall: each budget pays exactly its units' cost, the UN nothing
        dims, values = data["summary_cumulative_cost_usd_m"]
        data["summary_cumulative_paid_usd_m"] = (dims, values.copy())
        data["summary_cumulative_paid_un_usd_m"] = (
            ("stat", "year"), np.zeros((len(STATS), inputs.years))
        )
    variables = {
        k: xr.Variable(d, v, attrs=_variable_attrs(k, run)) for k, (d, v) in data.items()
    }
    ds = xr.Dataset(variables, coords=coords, attrs=_attrs(run))
    if run.hazard_part_names:
        ds["hazard_part"].attrs["long_name"] = "; ".join(
            f"{p}: {HAZARD_PART_LABELS.get(p, p)}" for p in run.hazard_part_names
        )
    # units, long name and description on every variable and coordinate
    return describe(ds, run.uncertainties)
