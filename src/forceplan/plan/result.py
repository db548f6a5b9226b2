"""The typed result of :func:`forceplan.plan.plan_scenario`."""

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
    "whole_units",
    "sub_units",
    "frames",
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
    "unmet_personnel",
]
NATION_COLUMNS = [
    "phase",
    "nation",
    "deployed_personnel",
    "tied_up_personnel",
    "tour_personnel",
    "army_share",
    "standing_army_share",
    "annual_cost_usd_m",
    "budget_share",
    "cost_share",
    "gdp_share",
    "paid_usd_m",
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
    "drain_personnel",
    "pool_units",
    "flank_tied_up_units",
    "mission_tied_up_units",
    "spare_units",
]
#: ``status``: "optimal", "time_limit" (a plan, not proven optimal on every
#: tier) or "not_solved" (no plan: the phase has no rows in the other tables);
#: ``mip_gap``: the phase's relative MIP gap (infinite, null in JSON, when unknown).
PHASE_COLUMNS = ["phase", "start_month", "end_month", "months", "status", "mip_gap"]
OFFER_COLUMNS = [
    "phase",
    "nation",
    "offer",
    "min_personnel",
    "max_personnel",
    "from_month",
    "stands",
    "used_personnel",
    "status",
    "explanation",
]
FLAG_COLUMNS = ["phase", "mission", "on_ground", "flags", "nations"]
#: One row per political goal and phase: ``goal`` "lead_nations" (``subject``:
#: the mission; ``target`` 1 lead nation, ``achieved`` the lead nations that
#: lead there) or "min_nations_on_ground" (``subject`` "on-ground missions";
#: flags wanted and on the ground); ``shortfall`` = max(0, target - achieved);
#: ``explanation``: why it is missed, in words (empty when met).
GOAL_COLUMNS = [
    "phase",
    "goal",
    "subject",
    "target",
    "achieved",
    "shortfall",
    "met",
    "explanation",
]
FORCE_COLUMNS = [
    "phase",
    "months",
    "required_personnel",
    "deployed_personnel",
    "tied_up_personnel",
    "tour_personnel",
    "required_tour_personnel",
    "nations_sending",
    "flags_on_ground",
]


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

    * ``allocations``: phase, mission, capability, nation (ISO), units (unit-
      equivalents: whole units + sub-units / per_unit), whole_units, sub_units,
      frames (multinational units the nation leads there), personnel,
      annual_cost_usd_m (at the nation's cost: unit cost x its cost
      multiplier, see ``cost_basis``); coalition only, rows with something sent.
    * ``shortfalls``: one row per requirement the coalition does not fully
      meet: required, coalition_units, backstop_units (0 when the backstop is
      off), unmet (what remains after the backstop), unmet_personnel.
    * ``nations``: per (phase, nation): deployed, tied-up personnel and
      people who serve a tour in the phase, share of army tied up by the
      mission (army-crewed units) and by standing commitments, annual cost,
      share of defence budget, share of coalition cost, GDP share on the
      burden-sharing basis, and what the nation's own budget pays
      (``paid_usd_m``, see ``cost_basis``).
    * ``flank``: per (phase, nation, commitment): units held, kept, drained
      (and drained personnel), floor, whether the plan pushed it below its
      floor; the pool behind it: units the nation holds of the capability,
      those its commitments and the mission tie up, and the spare left.
    * ``phases``: phase id, start and end month, months, and the solver's
      ``status`` and ``mip_gap`` for the phase. A phase with status
      ``"not_solved"`` has no plan and no rows in the other tables.
    * ``offers``: per (phase, nation, offer): offered min/max personnel, from
      month, whether it stands, personnel the plan uses on its lines, status
      (honoured, below minimum, unused, not yet) and, unless honoured, why.
    * ``flags``: per (phase, mission): on the ground or not, number of
      nations sending something and their ISO codes.
    * ``goals``: per (phase, political goal): the lead nations of each mission
      and the minimum of flags on the ground, target, achieved, shortfall,
      met, and why a goal is missed, in words. With ``goal_mode`` "soft" (the
      default) a goal no plan can meet is missed by as little as possible and
      reported here; with "hard" the plan would have been infeasible instead.
    * ``force``: per phase: months, personnel required, deployed, tied up,
      people who serve a tour (and would if every requirement were met),
      nations sending and flags on the ground.

    ``status`` and ``mip_gap`` are the worst phase's: "optimal" <
    "time_limit" < "not_solved"; the gap is infinite (null in JSON) when a
    phase is not solved or a tier was cut short.

    ``cost_basis``: what the cost columns mean, the same basis the simulation
    costs on: ``basis`` ("additional" or "full"), ``funding`` (who pays:
    "where_they_fall", "common_fund", "un_assessed"), ``fund_members``,
    ``person_year_cost_usd_m`` (null: the whole unit cost scales),
    ``un_reimbursement_usd_per_person_month``, ``cost_factors`` (ISO -> the
    nation's cost_factor), ``cost_multipliers`` (ISO -> capability -> the
    multiplier on the capability's unit cost, s f + (1 - s), for every unit
    the plan sends), ``relief_factors`` (capability -> units on the ground per
    unit deployed, 1 + relief overlap / tour) and ``note`` (the same in words).
    Costs are annual, at the figures' values, with no overrun or inflation
    (docs/planner.md, "Cost basis"); ``nations.paid_usd_m`` is
    what each nation's own budget pays under the funding rule.

    ``units_changed[phase]`` (every phase after the first): ``changed``, the
    total ``sum |u - u_prev|`` of unit-equivalents (whole units + sub-units /
    per_unit) over (nation, capability, mission) against the previous
    phase's plan (the continuity tier), split into ``added`` and
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
    units_changed: dict[str, dict[str, float]] = field(default_factory=dict)
    offers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=OFFER_COLUMNS))
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FLAG_COLUMNS))
    force: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FORCE_COLUMNS))
    flank_floor: str = "hard"
    goals: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=GOAL_COLUMNS))
    goal_mode: str = "soft"
    cost_basis: dict[str, Any] = field(default_factory=dict)

    @property
    def optimal(self) -> bool:
        return self.status == "optimal"

    @property
    def phases_not_solved(self) -> list[str]:
        """Phases with no plan (time ran out before one was found); empty when complete."""
        if "status" not in self.phases.columns:
            return []
        return [str(p) for p in self.phases.loc[self.phases["status"] == "not_solved", "phase"]]

    def goals_missed(self) -> list[str]:
        """Each political goal the plan misses, in words (empty when every goal is met)."""
        if self.goals.empty:
            return []
        out = []
        for row in self.goals[~self.goals["met"]].to_dict(orient="records"):
            if row["goal"] == "lead_nations":
                what = f"no lead nation leads mission '{row['subject']}'"
            else:
                what = (
                    f"{int(row['achieved'])} of the {int(row['target'])} flags wanted on the "
                    "ground (constraints.min_nations_on_ground)"
                )
            out.append(f"phase {row['phase']}: {what}: {row['explanation']}")
        return out

    def mission_totals(self) -> dict[str, float]:
        """Over the whole mission: peak deployed and tied up, people who serve a tour
        (the sum over phases; see docs/planner.md), and the same if every
        requirement were met."""
        force = self.force
        if force.empty:
            return {}
        return {
            "peak_deployed_personnel": float(force["deployed_personnel"].max()),
            "peak_tied_up_personnel": float(force["tied_up_personnel"].max()),
            "tour_personnel": float(force["tour_personnel"].sum()),
            "required_tour_personnel": float(force["required_tour_personnel"].sum()),
            "months": float(force["months"].sum()),
        }

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Every table, keyed by the file stem used for ``--csv``."""
        return {
            "allocations": self.allocations,
            "shortfalls": self.shortfalls,
            "nations": self.nations,
            "flank": self.flank,
            "phases": self.phases,
            "offers": self.offers,
            "flags": self.flags,
            "goals": self.goals,
            "force": self.force,
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
            "flank_floor": self.flank_floor,
            "offers": _records(self.offers),
            "flags": _records(self.flags),
            "goals": _records(self.goals),
            "goal_mode": self.goal_mode,
            "cost_basis": dict(self.cost_basis),
            "goals_missed": self.goals_missed(),
            "force": _records(self.force),
            "mission_totals": self.mission_totals(),
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, allow_nan=False) + "\n"
