"""Small hand-built scenarios and plans for the simulation tests."""

from __future__ import annotations

from typing import Any

import pandas as pd

from forceplan.scenario import Scenario
from forceplan.simulate import SimplePlan

#: every model uncertainty pinned to one value, so runs are deterministic
FIXED: dict[str, float] = {
    "exit_hazard_scale": 1.0,
    "political_correlation": 0.0,
    "casualty_rate_per_1000_per_year": 0.0,
    "cost_overrun": 1.0,
    "inflation_per_year": 0.0,
    "trainees_per_trainer_year": 12.0,
    "trainee_retention": 1.0,
    "trained_effectiveness_gain": 0.5,
    "ukraine_force_initial": 800_000.0,
    "ukraine_domestic_change_per_month": 0.0,
    "russia_force_initial": 700_000.0,
    "russia_regeneration_per_month": 0.0,
    "russia_force_ceiling": 1_000_000.0,
    "offensive_hazard_base_per_year": 0.2,
    "attacker_breakeven_ratio": 1.5,
    "balance_sensitivity": 2.0,
    "tripwire_per_flag": 0.05,
    "backstop_effect": 0.5,
    "foreign_troop_weight": 0.5,
}

NO_EXIT = {"committed": 0.0, "willing": 0.0, "undecided": 0.0, "opposed": 0.0}


def fixed_uncertainties(**overrides: float) -> dict[str, dict[str, Any]]:
    values = {**FIXED, **overrides}
    return {k: {"distribution": "fixed", "value": v, "source": "test"} for k, v in values.items()}


def scenario_dict(
    *,
    months: int = 36,
    units: int = 4,
    tour: float = 6,
    ratio: float = 3,
    overlap: float = 0,
    personnel: float = 500,
    cost: float = 120,
    nations: int = 1,
    exit_hazard: dict[str, float] | None = None,
    simulation: dict[str, Any] | None = None,
    uncertainties: dict[str, dict[str, Any]] | None = None,
    training: bool = False,
    costs: dict[str, Any] | None = None,
    nation_extra: list[dict[str, Any]] | None = None,
    cost_range: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """One capability, one mission, ``nations`` identical committed nations.

    ``nation_extra[i]`` overrides fields of nation i (GDP, cost factor, ...); ``costs``
    is the scenario's [costs] table; ``cost_range`` gives the unit cost a range.
    """
    cap_domain = "training" if training else "land"
    return {
        "name": "known",
        "title": "Known-answer case",
        "capabilities": [
            {
                "id": "unit",
                "name": "Unit",
                "domain": cap_domain,
                "personnel_per_unit": personnel,
                "annual_cost_per_unit_usd_m": (
                    cost if cost_range is None else {"value": cost, "range": list(cost_range)}
                ),
                "tour_months": tour,
                "rotation_ratio": ratio,
                "relief_overlap_months": overlap,
            }
        ],
        "nations": [
            {
                "name": f"Nation {i}",
                "iso": f"N{chr(65 + i)}A",
                "gdp_usd_bn": 1000,
                "defence_budget_usd_bn": 20,
                "active_personnel": 200_000,
                "army_personnel": 100_000,
                "stance": "committed" if i == 0 else "willing",
                "units": {"unit": 40},
                **((nation_extra or [{}] * nations)[i] if nation_extra else {}),
            }
            for i in range(nations)
        ],
        "missions": [
            {
                "id": "train" if training else "land",
                "name": "Mission",
                "objective": "peace on land",
                "region": "west",
                "priority": 1,
                "requirements": {"unit": units},
            }
        ],
        "phases": [{"id": "all", "name": "All", "start_month": 1, "end_month": months}],
        "uncertainties": uncertainties if uncertainties is not None else fixed_uncertainties(),
        "simulation": {
            "exit_hazard_per_year": exit_hazard if exit_hazard is not None else NO_EXIT,
            **(simulation or {}),
        },
        **({"costs": costs} if costs is not None else {}),
    }


def make_scenario(**kwargs: Any) -> Scenario:
    return Scenario.model_validate(scenario_dict(**kwargs))


def make_plan(scenario: Scenario, split: dict[str, int] | None = None) -> SimplePlan:
    """Every requirement to the first nation, or as ``split`` (ISO -> units) says."""
    rows = []
    for phase, mission, cap, need in scenario.requirements():
        shares = split or {scenario.nations[0].iso: need}
        for iso, n in shares.items():
            if n:
                rows.append(
                    {
                        "phase": phase.id,
                        "mission": mission.id,
                        "capability": cap.id,
                        "nation": iso,
                        "units": n,
                        "personnel": n * cap.personnel_per_unit.value,
                        "annual_cost_usd_m": n * cap.annual_cost_per_unit_usd_m.value,
                    }
                )
    shortfalls = pd.DataFrame(
        columns=["phase", "mission", "capability", "required", "coalition_units",
                 "backstop_units", "unmet"]
    )
    phases = pd.DataFrame(
        [
            {"phase": p.id, "start_month": p.start_month, "end_month": p.end_month,
             "months": p.months}
            for p in scenario.ordered_phases
        ]
    )
    return SimplePlan(pd.DataFrame(rows), shortfalls, phases)


