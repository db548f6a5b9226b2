"""Turn a scenario and its plan into the dense arrays the month-by-month model reads.

Nothing here is random: it is the deterministic part of the model (what the
plan asks for each month, who can take on more, how each capability rotates).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from forceplan.plan.model import ARMY_DOMAINS
from forceplan.scenario import Scenario

STANCE_ORDER = {"committed": 0, "willing": 1, "undecided": 2, "opposed": 3}


class PlanLike(Protocol):
    """What the simulation needs from a plan (``forceplan.plan.PlanResult`` has it)."""

    @property
    def allocations(self) -> pd.DataFrame: ...
    @property
    def shortfalls(self) -> pd.DataFrame: ...
    @property
    def phases(self) -> pd.DataFrame: ...
    @property
    def backstop_enabled(self) -> bool: ...


@dataclass(frozen=True)
class SimplePlan:
    """A plan built by hand (tests, what-ifs): the same frames ``plan()`` returns."""

    allocations: pd.DataFrame
    shortfalls: pd.DataFrame
    phases: pd.DataFrame
    backstop_enabled: bool = False
    status: str = "given"


@dataclass(frozen=True)
class ModelInputs:
    """Deterministic arrays; shapes use T months, N nations, C capabilities, J lines, K pairs."""

    months: int
    years: int
    nations: tuple[str, ...]
    capabilities: tuple[str, ...]
    missions: tuple[str, ...]
    # requirement lines (mission, capability) with a requirement or a plan entry
    line_mission: np.ndarray  # (J,) mission index
    line_capability: np.ndarray  # (J,) capability index
    required: np.ndarray  # (T, J) units required
    planned: np.ndarray  # (T, N, J) units the plan sends
    planned_by_cap: np.ndarray  # (T, N, C) the same, summed over each capability's lines
    backstop_planned: np.ndarray  # (T, J) units the backstop fills in the plan
    # re-planning
    spare: np.ndarray  # (T, N, C) units each nation could still add (after rotation, floors, cap)
    allowed: np.ndarray  # (N, J) caveats and refill stance allow it
    backstop_spare: np.ndarray  # (T, C) backstop units left over per capability (0 if disabled)
    backstop_allowed: np.ndarray  # (J,) the backstop may serve this line
    line_order: np.ndarray  # (J,) lines in re-planning order (priority, then declaration)
    donor_nation: np.ndarray  # (P,) nation of each donor pair (nation, capability with spare)
    donor_capability: np.ndarray  # (P,) capability of each donor pair
    donor_spare: np.ndarray  # (T, P) spare units of each donor pair
    donor_order: tuple[np.ndarray, ...]  # per line: donor pairs in the order they are asked
    # rotation per capability
    personnel: np.ndarray  # (C,)
    annual_cost: np.ndarray  # (C,) US$ m per deployed unit-year (the figure's value)
    # cost (docs/model.md, "Cost")
    unit_cost_low: np.ndarray  # (C,) low end of the cost range (= value if none)
    unit_cost_high: np.ndarray  # (C,)
    unit_cost_sampled: np.ndarray  # (C,) bool: sampled from its range, not declared
    unit_cost_correlation: float
    cost_multiplier: np.ndarray  # (N, C) national cost of a unit over its reference cost
    equipment_share: np.ndarray  # (C,) share of a unit's cost that is not people (1 - s_c)
    cost_basis: str  # "additional" or "full"
    funding: str  # who pays: where_they_fall, common_fund, un_assessed
    fund_share: np.ndarray  # (N,) GDP share among common-fund members (0: not a member)
    un_rate_person_year: float  # UN reimbursement, US$ m per person-year
    planned_personnel: np.ndarray  # (T, N) personnel the plan deploys
    tour: np.ndarray  # (C,) months
    ratio: np.ndarray  # (C,)
    overlap: np.ndarray  # (C,) months
    mission_continues: bool  # the mission goes on after the last simulated month
    # fraying
    stance_rate: np.ndarray  # (N,) monthly exit hazard rate from stance
    forced_exit: np.ndarray  # (N,) month of certain exit, 0 = none
    defence_budget: np.ndarray  # (N,) US$ m per year
    # mission classes
    line_on_ground: np.ndarray  # (J,) bool
    line_training: np.ndarray  # (J,) bool
    backstop_enabled: bool
    has_backstop: bool
    cost_pressure_weight: float
    casualty_weight: float
    refill: bool
    change_months: np.ndarray  # (T,) bool: month 1 and months where plan or capacity change
    relevant: np.ndarray  # (N,) bool: the nation sends units in the plan or could re-fill


def _phase_of_month(scenario: Scenario, months: int) -> list[str | None]:
    out: list[str | None] = []
    for t in range(1, months + 1):
        phase = next(
            (p.id for p in scenario.phases if p.start_month <= t <= p.end_month), None
        )
        out.append(phase)
    return out


def training_mission_id(scenario: Scenario) -> str | None:
    """The mission whose personnel train Ukrainian troops (setting, else auto-detected)."""
    if scenario.simulation.training_mission is not None:
        return scenario.simulation.training_mission
    domains = {c.id: c.domain for c in scenario.capabilities}
    for m in scenario.missions:
        if m.requirements and all(domains.get(c) == "training" for c in m.requirements):
            return m.id
    for m in scenario.missions:
        if "train" in m.id or "regenerat" in m.id:
            return m.id
    return None


def _column(frame: pd.DataFrame, name: str, default: Any = 0) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([default] * len(frame), index=frame.index)


def _cost_inputs(scenario: Scenario, annual_cost: np.ndarray) -> dict[str, Any]:
    """Unit-cost ranges, national cost multipliers and the funding rule as arrays."""
    costs = scenario.costs
    caps = scenario.capabilities
    low = np.array([(c.annual_cost_per_unit_usd_m.range or (v, v))[0]
                    for c, v in zip(caps, annual_cost, strict=True)])
    high = np.array([(c.annual_cost_per_unit_usd_m.range or (v, v))[1]
                     for c, v in zip(caps, annual_cost, strict=True)])
    declared = np.array([f"unit_cost_{c.id}" in scenario.uncertainties for c in caps])
    # one definition of a nation's unit cost for planner and simulation (Scenario.cost_multiplier)
    people_share = np.array([scenario.personnel_cost_share(c) for c in caps])
    multiplier = np.array([[scenario.cost_multiplier(n, c) for c in caps]
                           for n in scenario.nations])
    members = set(costs.fund_members) or {n.iso for n in scenario.nations}
    fund_gdp = np.array([n.gdp_usd_bn.value if n.iso in members else 0.0
                         for n in scenario.nations])
    return {
        "unit_cost_low": low,
        "unit_cost_high": high,
        "unit_cost_sampled": (high > low) & ~declared,
        "unit_cost_correlation": costs.unit_cost_correlation.value,
        "cost_multiplier": multiplier,
        "equipment_share": 1.0 - people_share,
        "cost_basis": costs.basis,
        "funding": costs.funding,
        "fund_share": fund_gdp / fund_gdp.sum(),
        "un_rate_person_year": costs.un_reimbursement_usd_per_person_month.value * 12 / 1e6,
    }


def compile_inputs(scenario: Scenario, plan: PlanLike, months: int | None = None) -> ModelInputs:
    """Dense arrays for the simulation from a validated scenario and its plan."""
    horizon = months or scenario.simulation.months or scenario.total_months
    nations = tuple(n.iso for n in scenario.nations)
    caps = tuple(c.id for c in scenario.capabilities)
    missions = tuple(m.id for m in scenario.missions)
    n_idx = {iso: i for i, iso in enumerate(nations)}
    c_idx = {c: i for i, c in enumerate(caps)}
    m_idx = {m: i for i, m in enumerate(missions)}
    phase_by_month = _phase_of_month(scenario, horizon)
    phases = {p.id: p for p in scenario.phases}

    # requirement lines: every (mission, capability) required in some phase or in the plan
    lines: dict[tuple[int, int], int] = {}
    for _phase, mission, cap, _need in scenario.requirements():
        lines.setdefault((m_idx[mission.id], c_idx[cap.id]), len(lines))
    alloc = plan.allocations
    for m, c in zip(_column(alloc, "mission", ""), _column(alloc, "capability", ""), strict=True):
        if m in m_idx and c in c_idx:
            lines.setdefault((m_idx[m], c_idx[c]), len(lines))
    n_lines = len(lines)
    line_mission = np.array([mc[0] for mc in lines], dtype=np.int64)
    line_cap = np.array([mc[1] for mc in lines], dtype=np.int64)

    n_nat, n_cap = len(nations), len(caps)
    required = np.zeros((horizon, n_lines))
    for t, pid in enumerate(phase_by_month):
        if pid is None:
            continue
        for (mi, ci), j in lines.items():
            required[t, j] = scenario.requirement(phases[pid], missions[mi], caps[ci])

    # the plan's allocations per phase -> per month
    per_phase = np.zeros((len(scenario.phases), n_nat, n_lines))
    phase_pos = {p.id: k for k, p in enumerate(scenario.phases)}
    for rec in alloc.to_dict(orient="records"):
        key = (m_idx.get(str(rec["mission"]), -1), c_idx.get(str(rec["capability"]), -1))
        ph, iso = str(rec["phase"]), str(rec["nation"])
        if ph not in phase_pos or key not in lines or iso not in n_idx:
            continue
        per_phase[phase_pos[ph], n_idx[iso], lines[key]] += float(rec["units"])
    backstop_phase = np.zeros((len(scenario.phases), n_lines))
    short = plan.shortfalls
    if len(short) and "backstop_units" in short.columns:
        for rec in short.to_dict(orient="records"):
            key = (m_idx.get(str(rec["mission"]), -1), c_idx.get(str(rec["capability"]), -1))
            ph = str(rec["phase"])
            if ph in phase_pos and key in lines:
                backstop_phase[phase_pos[ph], lines[key]] += float(rec["backstop_units"])
    planned = np.zeros((horizon, n_nat, n_lines))
    backstop_planned = np.zeros((horizon, n_lines))
    for t, pid in enumerate(phase_by_month):
        if pid is not None:
            planned[t] = per_phase[phase_pos[pid]]
            backstop_planned[t] = backstop_phase[phase_pos[pid]]

    cap_objs = scenario.capabilities
    personnel = np.array([c.personnel_per_unit.value for c in cap_objs])
    annual_cost = np.array([c.annual_cost_per_unit_usd_m.value for c in cap_objs])
    cost = _cost_inputs(scenario, annual_cost)
    tour = np.array([c.tour_months.value for c in cap_objs])
    ratio = np.array([c.rotation_ratio.value for c in cap_objs])
    overlap = np.array([c.relief_overlap_months.value for c in cap_objs])

    # spare capacity: (units - floors) / rotation ratio - planned, capped by the army share
    sim = scenario.simulation
    spare = np.zeros((horizon, n_nat, n_cap))
    allowed = np.zeros((n_nat, n_lines), dtype=bool)
    planned_by_cap = np.zeros((horizon, n_nat, n_cap))
    for j in range(n_lines):
        planned_by_cap[:, :, line_cap[j]] += planned[:, :, j]
    army = np.array([1.0 if c.domain in ARMY_DOMAINS else 0.0 for c in cap_objs])
    for i, nation in enumerate(scenario.nations):
        can_refill = sim.refill and nation.stance in sim.refill_stances
        floors = np.zeros(n_cap)
        for com in nation.commitments:
            floors[c_idx[com.capability]] += com.floor.value
        held = np.array([nation.units[c].value if c in nation.units else 0.0 for c in caps])
        # as the planner: commitments rotate too, so a floor of f units ties up f * ratio
        deployable = np.floor(np.maximum(held / ratio - floors, 0.0) + 1e-9)
        tied_planned = (planned_by_cap[:, i, :] * ratio * personnel * army).sum(axis=1)  # (T,)
        headroom = np.maximum(nation.max_army_share.value * nation.army_personnel.value
                              - tied_planned, 0.0)
        by_cap = np.where(
            army[None, :] > 0,
            np.floor(headroom[:, None] / (ratio * personnel)[None, :] + 1e-9),
            np.inf,
        )
        if can_refill:
            spare[:, i, :] = np.maximum(
                np.minimum(deployable[None, :] - planned_by_cap[:, i, :], by_cap), 0.0
            )
        for (mi, ci), j in lines.items():
            allowed[i, j] = can_refill and scenario.allowed(
                nation, scenario.missions[mi], cap_objs[ci]
            )
    in_mission = np.array([1.0 if t is not None else 0.0 for t in phase_by_month])
    spare *= in_mission[:, None, None]

    backstop = scenario.backstop
    backstop_spare = np.zeros((horizon, n_cap))
    backstop_allowed = np.zeros(n_lines, dtype=bool)
    if backstop is not None and plan.backstop_enabled and sim.refill:
        for (mi, ci), j in lines.items():
            serves = not backstop.missions or missions[mi] in backstop.missions
            backstop_allowed[j] = serves and caps[ci] in backstop.units
        for ci, cap_id in enumerate(caps):
            if cap_id in backstop.units:
                used = backstop_planned[:, line_cap == ci].sum(axis=1)
                backstop_spare[:, ci] = np.maximum(backstop.units[cap_id].value - used, 0.0)
        backstop_spare *= in_mission[:, None]

    priorities = [scenario.missions[mi].priority for mi in line_mission]
    line_order = np.array(sorted(range(n_lines), key=lambda j: (priorities[j], j)), dtype=np.int64)
    # donor pairs: (nation, capability) with spare units in some month
    donor_c, donor_n = np.nonzero(spare.max(axis=0).T > 0)
    donor_index = {(int(n), int(c)): k for k, (n, c) in enumerate(zip(donor_n, donor_c,
                                                                      strict=True))}
    donor_order = []
    for j in range(n_lines):
        ci = int(line_cap[j])
        donors = [i for i in range(n_nat) if allowed[i, j] and (i, ci) in donor_index]
        donors.sort(
            key=lambda i: (
                STANCE_ORDER[scenario.nations[i].stance],
                -float(spare[:, i, ci].max()),
                nations[i],
            )
        )
        donor_order.append(np.array([donor_index[(i, ci)] for i in donors], dtype=np.int64))

    stance_rate = np.array(
        [
            -math.log1p(-min(sim.exit_hazard_per_year[n.stance].value, 0.999999)) / 12.0
            for n in scenario.nations
        ]
    )
    forced = np.zeros(n_nat, dtype=np.int64)
    for iso, month in sim.forced_exits.items():
        if iso not in n_idx:
            raise ValueError(f"simulation.forced_exits: unknown nation {iso!r}")
        forced[n_idx[iso]] = month

    changes = np.zeros(horizon, dtype=bool)
    changes[0] = True
    changes[1:] = (
        (np.abs(np.diff(planned, axis=0)).sum(axis=(1, 2)) > 0)
        | (np.abs(np.diff(spare, axis=0)).sum(axis=(1, 2)) > 0)
        | (np.abs(np.diff(backstop_spare, axis=0)).sum(axis=1) > 0)
        | (np.abs(np.diff(backstop_planned, axis=0)).sum(axis=1) > 0)
    )

    mission_objs = scenario.missions
    train_id = training_mission_id(scenario)
    if train_id is not None and train_id not in m_idx:
        raise ValueError(f"simulation.training_mission: unknown mission {train_id!r}")
    line_on_ground = np.array([mission_objs[mi].on_ground for mi in line_mission], dtype=bool)
    line_training = np.array([missions[mi] == train_id for mi in line_mission], dtype=bool)

    return ModelInputs(
        months=horizon,
        years=math.ceil(horizon / 12),
        nations=nations,
        capabilities=caps,
        missions=missions,
        line_mission=line_mission,
        line_capability=line_cap,
        required=required,
        planned=planned,
        planned_by_cap=planned_by_cap,
        backstop_planned=backstop_planned,
        spare=spare,
        allowed=allowed,
        backstop_spare=backstop_spare,
        backstop_allowed=backstop_allowed,
        line_order=line_order,
        donor_nation=donor_n.astype(np.int64),
        donor_capability=donor_c.astype(np.int64),
        donor_spare=spare[:, donor_n, donor_c],
        donor_order=tuple(donor_order),
        personnel=personnel,
        annual_cost=annual_cost,
        **cost,
        planned_personnel=planned_by_cap @ personnel,
        tour=tour,
        ratio=ratio,
        overlap=overlap,
        mission_continues=horizon < scenario.total_months,
        stance_rate=stance_rate,
        forced_exit=forced,
        defence_budget=np.array([n.defence_budget_usd_bn.value * 1000.0 for n in scenario.nations]),
        line_on_ground=line_on_ground,
        line_training=line_training,
        backstop_enabled=bool(plan.backstop_enabled and backstop is not None),
        has_backstop=backstop is not None,
        cost_pressure_weight=sim.cost_pressure_weight.value,
        casualty_weight=sim.casualty_weight.value,
        refill=sim.refill,
        change_months=changes,
        relevant=(planned.sum(axis=(0, 2)) > 0) | (spare.sum(axis=(0, 2)) > 0),
    )
