"""The tables of :class:`PlanResult`, read from the solved phase models."""

from __future__ import annotations

import pandas as pd

from forceplan.plan.model import ARMY_DOMAINS, CONTINUITY_STAGE, tied_up_personnel
from forceplan.plan.result import (
    ALLOCATION_COLUMNS,
    FLANK_COLUMNS,
    NATION_COLUMNS,
    SHORTFALL_COLUMNS,
)
from forceplan.plan.solve import PhaseSolution
from forceplan.scenario import Scenario


def solved_units(solution: PhaseSolution, col: int | None) -> int:
    return 0 if col is None else int(round(float(solution.values[col])))


def objective(
    solutions: list[PhaseSolution], changes: dict[str, dict[str, int]]
) -> dict[str, float]:
    """Each tier summed over phases: unit tiers in unit-months, money tiers in US$ m.

    Continuity counts changes between phases, not a stock held over months:
    ``continuity_units`` is the plain sum of units changed, not weighted.
    """
    out: dict[str, float] = {}
    for sol in solutions:
        months = sol.model.phase.months
        for name, value in sol.stage_values.items():
            if name == CONTINUITY_STAGE:
                continue
            if name.endswith("_usd_m"):
                key, weight = name.replace("annual_", ""), months / 12
            else:
                key, weight = name.removesuffix("_units") + "_unit_months", months
            out[key] = out.get(key, 0.0) + value * weight
    if changes:
        out[CONTINUITY_STAGE] = float(sum(c["changed"] for c in changes.values()))
    order = sorted(out, key=_tier_rank)
    return {k: round(out[k], 6) for k in order}


def _tier_rank(key: str) -> tuple[int, str]:
    prefixes = ["unmet", "backstop", "below_floor", "flank_drain", "burden", "cost", "continuity"]
    for i, prefix in enumerate(prefixes):
        if key.startswith(prefix):
            return i, key
    return len(prefixes), key


def allocations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    mission_order = {m.id: i for i, m in enumerate(scenario.missions)}
    cap_order = {c.id: i for i, c in enumerate(scenario.capabilities)}
    nation_order = {n.iso: i for i, n in enumerate(scenario.nations)}
    for sol in solutions:
        for (iso, cap_id, mission_id), col in sol.model.x.items():
            units = solved_units(sol, col)
            if units <= 0:
                continue
            cap = scenario.capability(cap_id)
            rows.append(
                (
                    sol.model.phase.id,
                    mission_id,
                    cap_id,
                    iso,
                    units,
                    units * cap.personnel_per_unit.value,
                    units * cap.annual_cost_per_unit_usd_m.value,
                    (mission_order[mission_id], cap_order[cap_id], nation_order[iso]),
                )
            )
    phase_order = {p.id: i for i, p in enumerate(scenario.ordered_phases)}
    rows.sort(key=lambda r: (phase_order[r[0]], *r[-1]))
    frame = pd.DataFrame([r[:-1] for r in rows], columns=ALLOCATION_COLUMNS)
    return frame.astype({"units": "int64", "personnel": "float64", "annual_cost_usd_m": "float64"})


def shortfalls(solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    for sol in solutions:
        model = sol.model
        for req in model.requirements:
            mission_id, cap_id = req.mission.id, req.capability.id
            coalition = sum(
                solved_units(sol, col)
                for (_, c, m), col in model.x.items()
                if c == cap_id and m == mission_id
            )
            if coalition >= req.required:
                continue
            backstop = solved_units(sol, model.backstop.get((cap_id, mission_id)))
            unmet = req.required - coalition - backstop
            rows.append(
                (model.phase.id, mission_id, cap_id, req.required, coalition, backstop, unmet)
            )
    frame = pd.DataFrame(rows, columns=SHORTFALL_COLUMNS)
    return frame.astype({c: "int64" for c in SHORTFALL_COLUMNS[3:]})


def nations(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    basis = scenario.constraints.burden_sharing.basis
    all_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations)
    rows = []
    for sol in solutions:
        deployed: dict[str, float] = {}
        tied: dict[str, float] = {}
        army_tied: dict[str, float] = {}
        cost: dict[str, float] = {}
        for (iso, cap_id, _), col in sol.model.x.items():
            units = solved_units(sol, col)
            if units <= 0:
                continue
            cap = scenario.capability(cap_id)
            people = units * cap.personnel_per_unit.value
            tied_people = tied_up_personnel(people, cap.rotation_ratio.value)
            deployed[iso] = deployed.get(iso, 0.0) + people
            tied[iso] = tied.get(iso, 0.0) + tied_people
            if cap.domain in ARMY_DOMAINS:
                army_tied[iso] = army_tied.get(iso, 0.0) + tied_people
            cost[iso] = cost.get(iso, 0.0) + units * cap.annual_cost_per_unit_usd_m.value
        total_cost = sum(cost.values())
        contributors_gdp = sum(n.gdp_usd_bn.value for n in scenario.nations if n.iso in deployed)
        for nation in scenario.nations:
            iso = nation.iso
            gdp = nation.gdp_usd_bn.value
            if basis == "all":
                gdp_share = gdp / all_gdp
            else:
                gdp_share = gdp / contributors_gdp if iso in deployed else 0.0
            nation_cost = cost.get(iso, 0.0)
            rows.append(
                (
                    sol.model.phase.id,
                    iso,
                    deployed.get(iso, 0.0),
                    tied.get(iso, 0.0),
                    army_tied.get(iso, 0.0) / nation.army_personnel.value,
                    nation_cost,
                    nation_cost / (nation.defence_budget_usd_bn.value * 1000.0),
                    nation_cost / total_cost if total_cost > 0 else 0.0,
                    gdp_share,
                )
            )
    return pd.DataFrame(rows, columns=NATION_COLUMNS)


def flank(scenario: Scenario, solutions: list[PhaseSolution]) -> pd.DataFrame:
    rows = []
    for sol in solutions:
        for nation in scenario.nations:
            for k, com in enumerate(nation.commitments):
                drain = solved_units(sol, sol.model.drain.get((nation.iso, k)))
                held = com.units.value
                kept = held - drain
                rows.append(
                    (
                        sol.model.phase.id,
                        nation.iso,
                        com.name,
                        com.capability,
                        held,
                        kept,
                        drain,
                        com.floor.value,
                        kept < com.floor.value - 1e-9,
                    )
                )
    frame = pd.DataFrame(rows, columns=FLANK_COLUMNS)
    return frame.astype({"drain": "int64", "below_floor": "bool"})
