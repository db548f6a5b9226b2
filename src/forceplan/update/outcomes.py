"""The headline outcomes an update is judged by, and what a plan does differently.

Plan outcomes are read from the plan (deterministic); simulation outcomes are
means over the Monte Carlo draws, which are linear, so the Shapley parts of a
mean are the means of the per-draw parts (medians would not add up).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from forceplan.plan import PlanResult
from forceplan.simulate.compare import OUTCOME_LABELS


@dataclass(frozen=True)
class Outcome:
    key: str
    label: str
    unit: str
    stage: Literal["plan", "simulation"]
    short: str = ""  # a column header


#: The outcomes read from the plan.
_PLAN = (
    Outcome("force_size", "Force size (peak deployed, plan)", "personnel", "plan", "force size"),
    Outcome(
        "flank_drain", "Flank drain (peak units off the flank)", "units", "plan", "flank drain"
    ),
    Outcome("unmet_units", "Unmet after backstop (unit-phases)", "units", "plan"),
    Outcome("backstop_units", "Filled by the backstop (unit-phases)", "units", "plan"),
    Outcome("contributors", "Contributing nations (plan)", "nations", "plan"),
)
#: Column headers of the simulation outcomes a timeline shows.
_SHORT = {"total_cost_usd_m": "cost", "p_offensive_end": "P(offensive)",
          "p_offensive_24m": "P(off. 24m)"}
#: Shown first, in this order; the rest follow as the plan and the simulation list them.
_FIRST = ("total_cost_usd_m", "force_size", "flank_drain", "p_offensive_24m", "p_offensive_end")


def _outcomes() -> tuple[Outcome, ...]:
    """The plan's outcomes and every per-draw outcome the simulation reports (so new
    simulation outcomes are attributed without code here), headline ones first."""
    simulation = [
        Outcome(key, f"{label} (mean)", unit, "simulation", _SHORT.get(key, ""))
        for key, (label, unit) in OUTCOME_LABELS.items()
    ]
    every = {o.key: o for o in (*_PLAN, *simulation)}
    first = [every[k] for k in _FIRST if k in every]
    return (*first, *(o for o in every.values() if o.key not in _FIRST))


OUTCOMES: tuple[Outcome, ...] = _outcomes()
OUTCOME_KEYS = tuple(o.key for o in OUTCOMES)
BY_KEY = {o.key: o for o in OUTCOMES}
PLAN_OUTCOMES = tuple(o.key for o in OUTCOMES if o.stage == "plan")
SIMULATION_OUTCOMES = tuple(o.key for o in OUTCOMES if o.stage == "simulation")
#: the four a timeline shows step by step. Updates may change the mission's length, so
#: the timeline judges deterrence on a fixed horizon (P(offensive within 24 months)), not
#: P(offensive by end), whose window grows with the mission (docs/updates.md).
TIMELINE_OUTCOMES = ("total_cost_usd_m", "force_size", "flank_drain", "p_offensive_24m")


def plan_outcomes(result: PlanResult) -> dict[str, float]:
    """The plan-stage headline outcomes of one plan."""
    nations, flank, short = result.nations, result.flank, result.shortfalls
    force = nations.groupby("phase")["deployed_personnel"].sum().max() if len(nations) else 0.0
    drain = flank.groupby("phase")["drain"].sum().max() if len(flank) else 0.0
    alloc = result.allocations
    return {
        "force_size": float(force),
        "flank_drain": float(drain),
        "unmet_units": float(short["unmet"].sum()) if len(short) else 0.0,
        "backstop_units": float(short["backstop_units"].sum()) if len(short) else 0.0,
        "contributors": float(alloc.loc[alloc["units"] > 0, "nation"].nunique())
        if len(alloc)
        else 0.0,
    }


# ---------------------------------------------------------------------------
# What the plan does differently
# ---------------------------------------------------------------------------


def phase_summary(result: PlanResult) -> pd.DataFrame:
    """Per phase: deployed personnel, annual cost, unmet and backstop units, flank drain."""
    phases = list(result.phases["phase"])
    nat = result.nations.groupby("phase")[["deployed_personnel", "annual_cost_usd_m"]].sum()
    short = result.shortfalls.groupby("phase")[["unmet", "backstop_units"]].sum()
    drain = result.flank.groupby("phase")["drain"].sum()
    frame = pd.DataFrame(index=pd.Index(phases, name="phase"))
    frame["deployed_personnel"] = nat["deployed_personnel"].reindex(phases).fillna(0.0)
    frame["annual_cost_usd_m"] = nat["annual_cost_usd_m"].reindex(phases).fillna(0.0)
    frame["unmet"] = short["unmet"].reindex(phases).fillna(0).astype(float)
    frame["backstop_units"] = short["backstop_units"].reindex(phases).fillna(0).astype(float)
    frame["flank_drain"] = drain.reindex(phases).fillna(0).astype(float)
    return frame


def _units(result: PlanResult) -> pd.Series:
    alloc = result.allocations
    if not len(alloc):
        return pd.Series(dtype=float)
    return alloc.groupby(["nation", "mission", "capability", "phase"])["units"].sum().astype(float)


def unit_changes(base: PlanResult, new: PlanResult) -> list[dict[str, Any]]:
    """(nation, mission, capability) rows whose units differ in some phase, phase by phase."""
    a, b = _units(base), _units(new)
    both = pd.concat([a.rename("base"), b.rename("new")], axis=1).fillna(0.0)
    both = both[both["base"] != both["new"]]
    phases = list(new.phases["phase"]) + list(base.phases["phase"])
    phase_order = {p: i for i, p in reversed(list(enumerate(phases)))}
    rows: list[dict[str, Any]] = []
    for key, sub in both.groupby(level=[0, 1, 2], sort=True):
        nation, mission, cap = (str(k) for k in key)
        steps = sorted(
            ((str(idx[3]), float(r.base), float(r.new))  # type: ignore[index]
             for idx, r in sub.iterrows()),
            key=lambda s: phase_order.get(s[0], 99),
        )
        rows.append(
            {
                "nation": str(nation),
                "mission": str(mission),
                "capability": str(cap),
                "phases": [{"phase": p, "base": x, "new": y} for p, x, y in steps],
            }
        )
    return rows


def flank_changes(base: PlanResult, new: PlanResult) -> list[dict[str, Any]]:
    """Commitments whose peak drain differs."""
    def peak(result: PlanResult) -> pd.Series:
        if not len(result.flank):
            return pd.Series(dtype=float)
        return result.flank.groupby(["nation", "commitment"])["drain"].max().astype(float)

    both = pd.concat([peak(base).rename("base"), peak(new).rename("new")], axis=1).fillna(0.0)
    both = both[both["base"] != both["new"]]
    return [
        {"nation": str(idx[0]), "commitment": str(idx[1]),  # type: ignore[index]
         "base": float(r.base), "new": float(r.new)}
        for idx, r in both.iterrows()
    ]


def contributors(result: PlanResult) -> set[str]:
    alloc = result.allocations
    return set(alloc.loc[alloc["units"] > 0, "nation"]) if len(alloc) else set()
