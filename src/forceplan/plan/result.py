"""The typed result of :func:`forceplan.plan.plan`."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

ALLOCATION_COLUMNS = [
    "phase",
    "mission",
    "capability",
    "nation",
    "units",
    "personnel",
    "annual_cost_usd_m",
]
SHORTFALL_COLUMNS = [
    "phase",
    "mission",
    "capability",
    "required",
    "coalition_units",
    "backstop_units",
    "unmet",
]
NATION_COLUMNS = [
    "phase",
    "nation",
    "deployed_personnel",
    "tied_up_personnel",
    "army_share",
    "annual_cost_usd_m",
    "budget_share",
    "cost_share",
    "gdp_share",
]
FLANK_COLUMNS = [
    "phase",
    "nation",
    "commitment",
    "capability",
    "units_held",
    "units_kept",
    "drain",
    "floor",
    "below_floor",
]
#: ``status``: "optimal", "time_limit" (a plan, not proven optimal on every
#: tier) or "not_solved" (no plan: the phase has no rows in the other tables);
#: ``mip_gap``: the phase's relative MIP gap (infinite, null in JSON, when unknown).
PHASE_COLUMNS = ["phase", "start_month", "end_month", "months", "status", "mip_gap"]


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in frame.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if hasattr(value, "item"):  # numpy scalar -> Python
                value = value.item()
            if isinstance(value, float) and not math.isfinite(value):
                value = None
            clean[str(key)] = value
        out.append(clean)
    return out


@dataclass(frozen=True, eq=False)
class PlanResult:
    """An optimal (or best-found) allocation and everything derived from it.

    DataFrames (column meanings in docs/planner.md):

    * ``allocations``: phase, mission, capability, nation (ISO), units,
      personnel, annual_cost_usd_m; coalition units only, rows with units > 0.
    * ``shortfalls``: one row per requirement the coalition does not fully
      meet: required, coalition_units, backstop_units (0 when the backstop is
      off), unmet (what remains after the backstop).
    * ``nations``: per (phase, nation): deployed and tied-up personnel, share
      of army tied up (army-domain units), annual cost, share of defence
      budget, share of coalition cost, GDP share on the burden-sharing basis.
    * ``flank``: per (phase, nation, commitment): units held, kept, drained,
      floor, and whether the plan pushed it below its floor.
    * ``phases``: phase id, start and end month, months, and the solver's
      ``status`` and ``mip_gap`` for the phase. A phase with status
      ``"not_solved"`` has no plan and no rows in the other tables.

    ``status`` and ``mip_gap`` are the worst phase's: "optimal" <
    "time_limit" < "not_solved"; the gap is infinite (null in JSON) when a
    phase is not solved or a tier was cut short.

    ``units_changed[phase]`` (every phase after the first): ``changed``, the
    total ``sum |x - x_prev|`` over (nation, capability, mission) against the
    previous phase's plan (the continuity tier), split into ``added`` and
    ``withdrawn``. ``objective["continuity_units"]`` is its sum over phases.
    """

    scenario_name: str
    scenario_hash: str
    forceplan_version: str
    backstop_enabled: bool
    status: str
    mip_gap: float
    solve_seconds: float
    model_size: dict[str, int]
    objective: dict[str, float]
    allocations: pd.DataFrame
    shortfalls: pd.DataFrame
    nations: pd.DataFrame
    flank: pd.DataFrame
    phases: pd.DataFrame
    scenario_title: str = ""
    backstop_provider: str | None = None
    notes: tuple[str, ...] = field(default=())
    units_changed: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def phases_not_solved(self) -> list[str]:
        """Phases with no plan (time ran out before one was found); empty when complete."""
        if "status" not in self.phases.columns:
            return []
        return [str(p) for p in self.phases.loc[self.phases["status"] == "not_solved", "phase"]]

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table, keyed by the file stem used for ``--csv``."""
        return {
            "allocations": self.allocations,
            "shortfalls": self.shortfalls,
            "nations": self.nations,
            "flank": self.flank,
            "phases": self.phases,
        }

    def to_dict(self) -> dict[str, Any]:
        shortfalls = _records(self.shortfalls)
        for row in shortfalls:
            # the coalition's shortfall in units, before the backstop
            row["units"] = row["required"] - row["coalition_units"]
        nations = _records(self.nations)
        for row in nations:
            # the personnel the nation commits under its rotation rule
            row["committed_personnel"] = row["tied_up_personnel"]
        return {
            "scenario": {
                "name": self.scenario_name,
                "title": self.scenario_title,
                "hash": self.scenario_hash,
            },
            "forceplan_version": self.forceplan_version,
            "solver": {
                "name": "HiGHS",
                "status": self.status,
                "mip_gap": self.mip_gap if math.isfinite(self.mip_gap) else None,
                "phases_not_solved": self.phases_not_solved,
                "solve_seconds": self.solve_seconds,
                "model_size": dict(self.model_size),
            },
            "backstop": {"enabled": self.backstop_enabled, "provider": self.backstop_provider},
            "objective": dict(self.objective),
            "notes": list(self.notes),
            "units_changed": {k: dict(v) for k, v in self.units_changed.items()},
            "phases": _records(self.phases),
            "allocations": _records(self.allocations),
            "shortfalls": shortfalls,
            "nations": nations,
            "flank": _records(self.flank),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
