"""The force-allocation MIP, built per phase with highspy and solved lexicographically.

See docs/planner.md for the formulation. In short, for every phase (phases
share no constraint, so each is its own model and the optimum of the whole is
the union of the phase optima):

* integer units ``x[n, c, m]`` a nation sends, only where its caveats allow
  and it holds units of the capability;
* coverage ``sum_n x + backstop + unmet = required`` per (mission, capability);
* availability after rotation, with standing commitments drawn down to
  their floors (hard) or below them at a penalty (soft);
* political caps, treaty limits, minimum flags on the ground, lead nations,
  burden sharing (penalised or bounded);
* a pre-emptive (lexicographic) objective: unmet requirement by priority
  level, backstop use, flank floor breaches, flank drain, burden-sharing
  deviation, cost and, for every phase after the first, continuity (units
  changed from the previous phase's plan, :func:`add_continuity`). Each tier
  is minimised in turn and then held at its optimum while the next is
  minimised.
"""

from __future__ import annotations

import math
import os
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import highspy
import numpy as np

from forceplan.scenario.model import Capability, Mission, Nation, Phase, Scenario

#: Capability domains whose personnel come out of the army (the political cap
#: is a share of army personnel). Air and sea units are crewed by air forces
#: and navies and do not count against it.
ARMY_DOMAINS: frozenset[str] = frozenset({"land", "enabler", "command", "training"})

#: Stances whose nations the planner may task. "Opposed" nations send nothing.
DEPLOYABLE_STANCES: frozenset[str] = frozenset({"committed", "willing", "undecided"})

#: HiGHS relative MIP gap per stage: small enough that "optimal" means optimal
#: to within a thousandth of a dollar per US$ million of cost.
MIP_REL_GAP = 1e-6
RANDOM_SEED = 0
_EPS = 1e-9


class PlanError(Exception):
    """The planner could not produce a plan; the message says why, in words."""


class PlanInfeasible(PlanError):
    """The constraints cannot all hold at once; ``reasons`` explains which."""

    def __init__(self, reasons: list[str]) -> None:
        self.reasons = reasons
        super().__init__(
            "no plan satisfies every constraint:\n" + "\n".join(f"  - {r}" for r in reasons)
        )


# ---------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------


def troop_sets_needed(months: int, tour_months: float) -> int:
    """Distinct sets of troops needed to hold one post for ``months`` without reuse.

    Each set serves one tour of ``tour_months`` and is not sent again, so the
    post needs ``ceil(months / tour_months)`` sets: six-month tours over two
    years (24 months) need four sets.
    """
    if months < 0:
        raise ValueError(f"months must not be negative (got {months})")
    if tour_months <= 0:
        raise ValueError(f"tour_months must be positive (got {tour_months})")
    return math.ceil(months / tour_months - _EPS)


def tied_up_personnel(deployed: float, rotation_ratio: float) -> float:
    """Personnel tied up (preparing + deployed + recovering) for ``deployed`` in theatre."""
    return deployed * rotation_ratio


def units_whole(value: float) -> int:
    """Whole units contained in a (possibly fractional) unit figure."""
    return math.floor(value + _EPS)


def _new_highs() -> highspy.Highs:
    """A silent HiGHS instance (the first one per process prints a banner on fd 1)."""
    if not _BANNER_SHOWN[0]:
        _BANNER_SHOWN[0] = True
        sys.stdout.flush()
        try:
            saved = os.dup(1)
        except OSError:  # no stdout at all
            return _configured(highspy.Highs())
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            solver = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            os.close(devnull)
        return _configured(solver)
    return _configured(highspy.Highs())


_BANNER_SHOWN = [False]


def ensure_quiet_solver() -> None:
    """Build (and drop) the first HiGHS instance now, on this thread, with its banner hidden.

    Call before solving in other threads: hiding the banner redirects file
    descriptor 1 for the whole process while the first instance is built.
    """
    if not _BANNER_SHOWN[0]:
        _new_highs()


def _configured(solver: highspy.Highs) -> highspy.Highs:
    solver.setOptionValue("output_flag", False)
    solver.setOptionValue("random_seed", RANDOM_SEED)
    solver.setOptionValue("mip_rel_gap", MIP_REL_GAP)
    solver.setOptionValue("mip_abs_gap", 1e-7)
    return solver


# ---------------------------------------------------------------------------
# Model data structures
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Requirement:
    mission: Mission
    capability: Capability
    required: int


@dataclass
class Stage:
    """One tier of the lexicographic objective: ``sum coef * col + offset``."""

    name: str
    coefficients: dict[int, float]
    integral: bool
    # a constant part of the tier (continuity: units of the previous phase that
    # have no column in this one); reported, not passed to HiGHS
    offset: float = 0.0


@dataclass
class Block:
    """Columns and rows loaded only when a stage first uses one of the columns.

    ``complete`` maps a plan over the columns before ``cols[0]`` to one over
    the columns before ``cols[1]``: the block's columns are determined by the
    plan, so the previous stage's plan stays a valid start.
    """

    cols: tuple[int, int]
    rows: tuple[int, int]
    complete: Callable[[np.ndarray], np.ndarray]


@dataclass
class PhaseModel:
    """Columns and rows of one phase's MIP, plus the index maps to read a solution."""

    phase: Phase
    requirements: list[Requirement]
    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    col_integer: list[bool] = field(default_factory=list)
    col_names: list[str] = field(default_factory=list)
    row_lower: list[float] = field(default_factory=list)
    row_upper: list[float] = field(default_factory=list)
    row_index: list[list[int]] = field(default_factory=list)
    row_value: list[list[float]] = field(default_factory=list)
    row_names: list[str] = field(default_factory=list)
    x: dict[tuple[str, str, str], int] = field(default_factory=dict)  # (iso, cap, mission)
    backstop: dict[tuple[str, str], int] = field(default_factory=dict)  # (cap, mission)
    unmet: dict[tuple[str, str], int] = field(default_factory=dict)  # (mission, cap)
    drain: dict[tuple[str, int], int] = field(default_factory=dict)  # (iso, commitment idx)
    below: dict[tuple[str, int], int] = field(default_factory=dict)
    contributes: dict[str, int] = field(default_factory=dict)
    dev_cols: list[int] = field(default_factory=list)
    # Columns and rows before these indices are loaded from the start; the
    # rest (the burden-sharing penalty's, then continuity's) in ``blocks``,
    # each only when its stage comes.
    core_cols: int = 0
    core_rows: int = 0
    blocks: list[Block] = field(default_factory=list)
    # continuity: the absolute-change columns, one per x column whose previous
    # units lie strictly inside its bounds
    change_cols: dict[tuple[str, str, str], int] = field(default_factory=dict)
    stages: list[Stage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def add_col(self, name: str, lower: float, upper: float, integer: bool) -> int:
        self.col_lower.append(lower)
        self.col_upper.append(upper)
        self.col_integer.append(integer)
        self.col_names.append(name)
        return len(self.col_lower) - 1

    def add_row(
        self, name: str, terms: Iterable[tuple[int, float]], lower: float, upper: float
    ) -> None:
        merged: dict[int, float] = {}
        for col, coef in terms:
            merged[col] = merged.get(col, 0.0) + coef
        self.row_index.append(list(merged))
        self.row_value.append(list(merged.values()))
        self.row_lower.append(lower)
        self.row_upper.append(upper)
        self.row_names.append(name)

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    @property
    def num_integers(self) -> int:
        return sum(self.col_integer)


#: Constraint groups that can make a phase infeasible; the diagnosis drops them in turn.
CONSTRAINT_GROUPS: dict[str, str] = {
    "min_flags": "the minimum number of nations on the ground (constraints.min_nations_on_ground)",
    "lead_nations": "the lead-nation rule (constraints.lead_nations)",
    "burden_bound": "the burden-sharing bound (constraints.burden_sharing, mode 'bound')",
    "treaty_limits": "the treaty limits (constraints.treaty_limits)",
    "political_caps": "the political caps on army share (nations.max_army_share)",
    "flank_floors": "the floors on standing commitments (nations.commitments.floor)",
}


# ---------------------------------------------------------------------------
# Building one phase
# ---------------------------------------------------------------------------


def phase_requirements(scenario: Scenario, phase: Phase) -> list[Requirement]:
    return [
        Requirement(mission, cap, need)
        for p, mission, cap, need in scenario.requirements()
        if p.id == phase.id
    ]


def deployable(nation: Nation) -> bool:
    return nation.stance in DEPLOYABLE_STANCES


def treaty_applies(scenario: Scenario, limit_index: int, nation: Nation | None) -> bool:
    """Whether treaty limit ``limit_index`` binds ``nation`` (None = the backstop provider)."""
    limit = scenario.constraints.treaty_limits[limit_index]
    if nation is None:
        return not limit.nations and limit.applies_to in ("all", "non_black_sea_states")
    if limit.nations:
        return nation.iso in limit.nations
    if limit.applies_to == "non_black_sea_states":
        return not nation.black_sea_state
    if limit.applies_to == "black_sea_states":
        return nation.black_sea_state
    return True


def treaty_coefficient(
    scenario: Scenario, limit_index: int, cap: Capability, mission_id: str
) -> float:
    limit = scenario.constraints.treaty_limits[limit_index]
    if limit.capabilities and cap.id not in limit.capabilities:
        return 0.0
    if limit.missions and mission_id not in limit.missions:
        return 0.0
    if limit.measure == "units":
        return 1.0
    if limit.measure == "personnel":
        return cap.personnel_per_unit.value
    return cap.displacement_tonnes.value if cap.displacement_tonnes is not None else 0.0


def build_phase(
    scenario: Scenario,
    phase: Phase,
    *,
    backstop_enabled: bool,
    disabled: frozenset[str] = frozenset(),
) -> PhaseModel:
    """Build the MIP of one phase (constraint groups in ``disabled`` are left out)."""
    reqs = phase_requirements(scenario, phase)
    model = PhaseModel(phase=phase, requirements=reqs)
    constraints = scenario.constraints
    soft_floor = constraints.flank_floor == "soft" or "flank_floors" in disabled
    caps_needed = {r.capability.id for r in reqs}

    # -- commitments: drain variables -------------------------------------
    # drain_terms[(iso, cap)] = drain columns: units drawn from that nation's commitments
    drain_terms: dict[tuple[str, str], list[int]] = {}
    held: dict[tuple[str, str], float] = {}
    for nation in scenario.nations:
        for k, com in enumerate(nation.commitments):
            key = (nation.iso, com.capability)
            held[key] = held.get(key, 0.0) + com.units.value
            if not deployable(nation) or com.capability not in caps_needed:
                continue
            slack = com.units.value - com.floor.value
            upper = units_whole(com.units.value) if soft_floor else units_whole(slack)
            if upper <= 0:
                continue
            col = model.add_col(f"drain[{nation.iso},{k}]", 0.0, float(upper), True)
            model.drain[(nation.iso, k)] = col
            drain_terms.setdefault(key, []).append(col)
            if soft_floor:
                below = model.add_col(f"below[{nation.iso},{k}]", 0.0, float(upper), False)
                model.below[(nation.iso, k)] = below
                # below >= drain - (units - floor)
                model.add_row(
                    f"below_floor[{nation.iso},{k}]",
                    [(below, 1.0), (col, -1.0)],
                    -max(slack, 0.0),
                    math.inf,
                )

    # -- allocation variables x[n, c, m] -------------------------------------
    free_units: dict[tuple[str, str], float] = {}
    for nation in scenario.nations:
        if not deployable(nation):
            continue
        for req in reqs:
            cap = req.capability
            owned = nation.units.get(cap.id)
            key = (nation.iso, cap.id)
            ratio = cap.rotation_ratio.value
            committed = held.get(key, 0.0)
            free = max(0.0, (owned.value if owned is not None else 0.0) - ratio * committed)
            free_units[key] = free
            drainable = sum(model.col_upper[c] for c in drain_terms.get(key, []))
            most = units_whole((free + ratio * drainable) / ratio)
            upper = min(most, req.required)
            if upper < 1 or not scenario.allowed(nation, req.mission, cap):
                continue
            col = model.add_col(
                f"x[{nation.iso},{cap.id},{req.mission.id}]", 0.0, float(upper), True
            )
            model.x[(nation.iso, cap.id, req.mission.id)] = col

    # -- backstop and unmet --------------------------------------------------
    backstop = scenario.backstop
    if backstop_enabled and backstop is not None:
        for req in reqs:
            cap_units = backstop.units.get(req.capability.id)
            if cap_units is None:
                continue
            if backstop.missions and req.mission.id not in backstop.missions:
                continue
            upper = min(units_whole(cap_units.value), req.required)
            if upper < 1:
                continue
            col = model.add_col(
                f"backstop[{req.capability.id},{req.mission.id}]", 0.0, float(upper), True
            )
            model.backstop[(req.capability.id, req.mission.id)] = col
        by_cap: dict[str, list[int]] = {}
        for (cap_id, _), col in model.backstop.items():
            by_cap.setdefault(cap_id, []).append(col)
        for cap_id, cols in by_cap.items():
            if len(cols) > 1:
                model.add_row(
                    f"backstop_capacity[{cap_id}]",
                    [(c, 1.0) for c in cols],
                    -math.inf,
                    float(units_whole(backstop.units[cap_id].value)),
                )

    for req in reqs:
        col = model.add_col(
            f"unmet[{req.mission.id},{req.capability.id}]", 0.0, float(req.required), False
        )
        model.unmet[(req.mission.id, req.capability.id)] = col

    # the x columns grouped once (each group in column order) for the rows below
    x_by_line: dict[tuple[str, str], list[int]] = {}  # (cap, mission) -> columns
    x_by_nation: dict[str, list[tuple[str, str, int]]] = {}  # iso -> (cap, mission, column)
    for (iso, cap_id, mission_id), col in model.x.items():
        x_by_line.setdefault((cap_id, mission_id), []).append(col)
        x_by_nation.setdefault(iso, []).append((cap_id, mission_id, col))

    # -- coverage: sum_n x + backstop + unmet = required ------------------------
    for req in reqs:
        terms = [(col, 1.0) for col in x_by_line.get((req.capability.id, req.mission.id), [])]
        b = model.backstop.get((req.capability.id, req.mission.id))
        if b is not None:
            terms.append((b, 1.0))
        terms.append((model.unmet[(req.mission.id, req.capability.id)], 1.0))
        need = float(req.required)
        model.add_row(f"coverage[{req.mission.id},{req.capability.id}]", terms, need, need)

    # -- availability after rotation ----------------------------------------
    x_by_nation_cap: dict[tuple[str, str], list[int]] = {}
    for (iso, cap_id, _), col in model.x.items():
        x_by_nation_cap.setdefault((iso, cap_id), []).append(col)
    for (iso, cap_id), cols in x_by_nation_cap.items():
        ratio = scenario.capability(cap_id).rotation_ratio.value
        terms = [(c, ratio) for c in cols] + [
            (d, -ratio) for d in drain_terms.get((iso, cap_id), [])
        ]
        model.add_row(f"availability[{iso},{cap_id}]", terms, -math.inf, free_units[(iso, cap_id)])
    # drain only where it frees units for this phase
    for key, cols in drain_terms.items():
        if key not in x_by_nation_cap:
            for c in cols:
                model.col_upper[c] = 0.0

    # -- political caps ------------------------------------------------------
    if "political_caps" not in disabled:
        for nation in scenario.nations:
            terms = [
                (
                    col,
                    scenario.capability(cap_id).personnel_per_unit.value
                    * scenario.capability(cap_id).rotation_ratio.value,
                )
                for cap_id, _, col in x_by_nation.get(nation.iso, [])
                if scenario.capability(cap_id).domain in ARMY_DOMAINS
            ]
            if terms:
                cap_personnel = nation.max_army_share.value * nation.army_personnel.value
                model.add_row(f"political_cap[{nation.iso}]", terms, -math.inf, cap_personnel)

    # -- treaty limits -----------------------------------------------------------
    if "treaty_limits" not in disabled:
        nations_by_iso = {n.iso: n for n in scenario.nations}
        for i, limit in enumerate(constraints.treaty_limits):
            treaty_terms: list[tuple[int, float]] = []
            for (iso, cap_id, mission_id), col in model.x.items():
                if treaty_applies(scenario, i, nations_by_iso[iso]):
                    coef = treaty_coefficient(scenario, i, scenario.capability(cap_id), mission_id)
                    if coef:
                        treaty_terms.append((col, coef))
            if treaty_applies(scenario, i, None):
                for (cap_id, mission_id), col in model.backstop.items():
                    coef = treaty_coefficient(scenario, i, scenario.capability(cap_id), mission_id)
                    if coef:
                        treaty_terms.append((col, coef))
            if treaty_terms:
                model.add_row(f"treaty[{i}]", treaty_terms, -math.inf, limit.maximum.value)

    # -- minimum flags on the ground ------------------------------------------
    on_ground_need = sum(r.required for r in reqs if r.mission.on_ground)
    wanted = min(constraints.min_nations_on_ground, on_ground_need)
    if constraints.min_nations_on_ground > on_ground_need and on_ground_need > 0:
        model.notes.append(
            f"phase {phase.id}: only {on_ground_need} on-ground units are required, so at most "
            f"{on_ground_need} nations (not {constraints.min_nations_on_ground}) "
            "can be on the ground"
        )
    if wanted > 0 and "min_flags" not in disabled:
        flag_cols: list[int] = []
        on_ground = {m.id for m in scenario.missions if m.on_ground}
        for nation in scenario.nations:
            cols = [
                col
                for _, mission_id, col in x_by_nation.get(nation.iso, [])
                if mission_id in on_ground
            ]
            if not cols:
                continue
            y = model.add_col(f"on_ground[{nation.iso}]", 0.0, 1.0, True)
            flag_cols.append(y)
            model.add_row(
                f"flag_needs_units[{nation.iso}]",
                [(y, 1.0)] + [(c, -1.0) for c in cols],
                -math.inf,
                0.0,
            )
        model.add_row(
            "min_nations_on_ground", [(y, 1.0) for y in flag_cols], float(wanted), math.inf
        )

    # -- lead nations ----------------------------------------------------------
    if "lead_nations" not in disabled:
        missions_needed = {r.mission.id for r in reqs}
        for mission_id, leads in constraints.lead_nations.items():
            if mission_id not in missions_needed:
                continue
            cols = [
                col
                for (iso, _, m_id), col in model.x.items()
                if m_id == mission_id and iso in leads
            ]
            model.add_row(f"lead_nation[{mission_id}]", [(c, 1.0) for c in cols], 1.0, math.inf)

    # -- cost per nation and burden sharing --------------------------------
    cost_terms: dict[str, list[tuple[int, float]]] = {}
    for (iso, cap_id, _), col in model.x.items():
        cost = scenario.capability(cap_id).annual_cost_per_unit_usd_m.value
        cost_terms.setdefault(iso, []).append((col, cost))
    all_cost_terms = [t for terms in cost_terms.values() for t in terms]
    model.core_cols, model.core_rows = model.num_cols, model.num_rows
    _burden_sharing(scenario, model, cost_terms, all_cost_terms, disabled)
    if constraints.burden_sharing.mode != "penalty":
        # a bound restricts every stage; only a penalty can wait for its own stage
        model.core_cols, model.core_rows = model.num_cols, model.num_rows

    # -- objective stages -----------------------------------------------------
    priorities = sorted({r.mission.priority for r in reqs})
    for level in priorities:
        coeffs = {
            model.unmet[(r.mission.id, r.capability.id)]: 1.0
            for r in reqs
            if r.mission.priority == level
        }
        model.stages.append(Stage(f"unmet_priority_{level}", coeffs, True))
    if model.backstop:
        model.stages.append(
            Stage("backstop_units", {c: 1.0 for c in model.backstop.values()}, True)
        )
    if model.below:
        model.stages.append(
            Stage("below_floor_units", {c: 1.0 for c in model.below.values()}, False)
        )
    if any(model.col_upper[c] > 0 for c in model.drain.values()):
        model.stages.append(
            Stage("flank_drain_units", {c: 1.0 for c in model.drain.values()}, True)
        )
    if model.dev_cols:
        model.stages.append(
            Stage("burden_deviation_usd_m", {c: 1.0 for c in model.dev_cols}, False)
        )
    if all_cost_terms:
        cost_coeffs: dict[int, float] = {}
        for col, cost in all_cost_terms:
            cost_coeffs[col] = cost_coeffs.get(col, 0.0) + cost
        model.stages.append(Stage("annual_cost_usd_m", cost_coeffs, False))
    return model


def _contributes(model: PhaseModel, iso: str, x_cols: list[int]) -> int:
    """A binary ``contributes[iso]``, forced to 1 when ``iso`` sends a unit (``x_cols``)."""
    z = model.add_col(f"contributes[{iso}]", 0.0, 1.0, True)
    model.contributes[iso] = z
    upper_units = sum(model.col_upper[c] for c in x_cols)
    model.add_row(
        f"contributes_if_sends[{iso}]",
        [(c, 1.0) for c in x_cols] + [(z, -upper_units)],
        -math.inf,
        0.0,
    )
    return z


def _burden_sharing(
    scenario: Scenario,
    model: PhaseModel,
    cost_terms: dict[str, list[tuple[int, float]]],
    all_cost_terms: list[tuple[int, float]],
    disabled: frozenset[str],
) -> None:
    """Deviation of each nation's cost from its GDP share of the coalition's cost.

    Linearised: with ``T = sum_n cost_n``, the share gap ``cost_n/T - s_n`` is
    compared as money, ``cost_n - s_n T``. With basis "contributors" the GDP
    share ``s_n = gdp_n z_n / sum_j gdp_j z_j`` depends on who contributes
    (binary ``z``); writing ``r = T / sum_j gdp_j z_j`` (cost per US$ bn of
    contributing GDP) and ``v_n = r z_n`` (exact McCormick product of a
    bounded continuous and a binary) makes ``s_n T = gdp_n v_n`` and
    ``T = sum_n gdp_n v_n`` linear.
    """
    settings = scenario.constraints.burden_sharing
    model.dev_cols = []
    if settings.mode == "off" or not cost_terms:
        return
    bound = settings.mode == "bound"
    if bound and "burden_bound" in disabled:
        return
    delta = settings.max_deviation.value
    nations = scenario.nations
    gdp = {n.iso: n.gdp_usd_bn.value for n in nations}
    max_cost = {
        iso: sum(cost * model.col_upper[col] for col, cost in terms)
        for iso, terms in cost_terms.items()
    }
    # one column for the coalition's annual cost T keeps every share row sparse
    total = model.add_col("coalition_cost", 0.0, sum(max_cost.values()), False)
    model.add_row(
        "coalition_cost_definition",
        [(total, 1.0)] + [(col, -cost) for col, cost in all_cost_terms],
        0.0,
        0.0,
    )
    total_terms = [(total, 1.0)]

    # target[iso] = terms of s_n * T
    target: dict[str, list[tuple[int, float]]] = {}
    contributor: dict[str, int] = {}
    rate_if_contributes: dict[str, int] = {}
    rate = -1
    if settings.basis == "all":
        total_gdp = sum(gdp.values())
        for n in nations:
            share = gdp[n.iso] / total_gdp
            target[n.iso] = [(col, share * cost) for col, cost in total_terms]
    else:
        r_max = max(
            (max_cost[iso] / gdp[iso] for iso in cost_terms if max_cost[iso] > 0), default=0.0
        )
        rate = model.add_col("cost_per_gdp", 0.0, r_max, False)
        balance: list[tuple[int, float]] = list(total_terms)
        for iso in cost_terms:
            x_cols = [col for col, _ in cost_terms[iso]]
            z = _contributes(model, iso, x_cols)
            contributor[iso] = z
            model.add_row(
                f"sends_if_contributes[{iso}]",
                [(z, 1.0)] + [(c, -1.0) for c in x_cols],
                -math.inf,
                0.0,
            )
            v = model.add_col(f"rate_if_contributes[{iso}]", 0.0, r_max, False)
            rate_if_contributes[iso] = v
            model.add_row(f"mccormick_a[{iso}]", [(v, 1.0), (z, -r_max)], -math.inf, 0.0)
            model.add_row(f"mccormick_b[{iso}]", [(v, 1.0), (rate, -1.0)], -math.inf, 0.0)
            model.add_row(
                f"mccormick_c[{iso}]", [(v, 1.0), (rate, -1.0), (z, -r_max)], -r_max, math.inf
            )
            target[iso] = [(v, gdp[iso])]
            balance.append((v, -gdp[iso]))
        model.add_row("cost_equals_rate_times_gdp", balance, 0.0, 0.0)

    dev_by_iso: dict[str, int] = {}
    for iso, share_terms in target.items():
        own = cost_terms.get(iso, [])
        gap = own + [(col, -coef) for col, coef in share_terms]  # cost_n - s_n T
        if bound:
            if not own:
                continue  # non-contributors: the bound is per contributing nation
            slack_terms = [(col, -delta * cost) for col, cost in total_terms]
            if settings.basis == "all":
                # s_n T - cost_n <= delta T only when n contributes (big-M on a binary)
                z = _contributes(model, iso, [col for col, _ in own])
                big_m = gdp[iso] / sum(gdp.values()) * sum(max_cost.values())
                model.add_row(f"burden_over[{iso}]", gap + slack_terms, -math.inf, 0.0)
                model.add_row(
                    f"burden_under[{iso}]",
                    [(c, -v) for c, v in gap] + slack_terms + [(z, big_m)],
                    -math.inf,
                    big_m,
                )
            else:
                model.add_row(f"burden_over[{iso}]", gap + slack_terms, -math.inf, 0.0)
                model.add_row(
                    f"burden_under[{iso}]", [(c, -v) for c, v in gap] + slack_terms, -math.inf, 0.0
                )
        else:
            dev = model.add_col(f"deviation[{iso}]", 0.0, math.inf, False)
            model.dev_cols.append(dev)
            dev_by_iso[iso] = dev
            band = [(col, delta * cost) for col, cost in total_terms]
            model.add_row(
                f"deviation_over[{iso}]",
                [(dev, 1.0)] + [(c, -v) for c, v in gap] + band,
                0.0,
                math.inf,
            )
            model.add_row(f"deviation_under[{iso}]", [(dev, 1.0)] + gap + band, 0.0, math.inf)

    if bound:
        return
    all_gdp = sum(gdp.values())
    basis_all = settings.basis == "all"
    x_by_nation = {iso: [(col, cost) for col, cost in terms] for iso, terms in cost_terms.items()}
    num_cols = model.num_cols

    def complete(core: np.ndarray) -> np.ndarray:
        """Fill the burden columns from a plan: they are determined by it."""
        full = np.zeros(num_cols)
        full[: len(core)] = core
        cost_n = {iso: sum(core[c] * k for c, k in terms) for iso, terms in x_by_nation.items()}
        sends = {iso: sum(core[c] for c, _ in terms) > 0.5 for iso, terms in x_by_nation.items()}
        coalition = sum(cost_n.values())
        full[total] = coalition
        target_n: dict[str, float] = {}
        if basis_all:
            target_n = {iso: gdp[iso] / all_gdp * coalition for iso in dev_by_iso}
        else:
            sending_gdp = sum(gdp[iso] for iso, flag in sends.items() if flag)
            r = coalition / sending_gdp if sending_gdp > 0 else 0.0
            full[rate] = r
            for iso, z in contributor.items():
                full[z] = 1.0 if sends[iso] else 0.0
                full[rate_if_contributes[iso]] = r if sends[iso] else 0.0
                target_n[iso] = gdp[iso] * full[rate_if_contributes[iso]]
        for iso, dev in dev_by_iso.items():
            gap = abs(cost_n.get(iso, 0.0) - target_n.get(iso, 0.0))
            full[dev] = max(0.0, gap - delta * coalition)
        return full

    model.blocks.append(
        Block((model.core_cols, num_cols), (model.core_rows, model.num_rows), complete)
    )


# ---------------------------------------------------------------------------
# Continuity with the previous phase
# ---------------------------------------------------------------------------

#: Name of the continuity tier (units changed from the previous phase).
CONTINUITY_STAGE = "continuity_units"


def add_continuity(model: PhaseModel, previous: dict[tuple[str, str, str], int]) -> None:
    """Add the last tier: units changed from the previous phase's plan.

    ``previous[(iso, cap, mission)]`` is the previous phase's solved allocation
    (units > 0). The tier is ``sum |x[n,c,m] - prev[n,c,m]|`` over every key of
    either phase. With ``p = prev`` a constant and ``0 <= x <= U``:

    * ``p = 0``: ``|x - p| = x``, coefficient +1 on ``x``, no new column;
    * ``p >= U``: ``|x - p| = p - x``, constant ``p`` and coefficient -1;
    * ``0 < p < U``: a column ``chg >= 0`` with ``chg >= x - p`` and
      ``chg >= p - x``; minimising ``chg`` makes it ``|x - p|``;
    * keys without an ``x`` column here (requirement gone, nation unable):
      the constant ``p``.

    The new columns and rows form a block loaded only at this stage.
    """
    first_col, first_row = model.num_cols, model.num_rows
    coefficients: dict[int, float] = {}
    offset = 0.0
    targets: list[tuple[int, int, float]] = []  # (change column, x column, p)
    for key, units in previous.items():
        if units > 0 and key not in model.x:
            offset += units
    for key, col in model.x.items():
        p = float(previous.get(key, 0))
        upper = model.col_upper[col]
        if p <= 0:
            coefficients[col] = 1.0
        elif p >= upper:
            coefficients[col] = -1.0
            offset += p
        else:
            iso, cap_id, mission_id = key
            chg = model.add_col(
                f"change[{iso},{cap_id},{mission_id}]", 0.0, max(p, upper - p), False
            )
            model.change_cols[key] = chg
            model.add_row(
                f"change_up[{iso},{cap_id},{mission_id}]", [(chg, 1.0), (col, -1.0)], -p, math.inf
            )
            model.add_row(
                f"change_down[{iso},{cap_id},{mission_id}]", [(chg, 1.0), (col, 1.0)], p, math.inf
            )
            coefficients[chg] = 1.0
            targets.append((chg, col, p))
    end_col = model.num_cols

    def complete(values: np.ndarray) -> np.ndarray:
        full = np.zeros(end_col)
        full[: len(values)] = values
        for chg, col, p in targets:
            full[chg] = abs(values[col] - p)
        return full

    if end_col > first_col:
        model.blocks.append(Block((first_col, end_col), (first_row, model.num_rows), complete))
    model.stages.append(Stage(CONTINUITY_STAGE, coefficients, True, offset))


# ---------------------------------------------------------------------------
# Solving one phase
# ---------------------------------------------------------------------------


#: Phase statuses, best first: every tier solved to optimality; a feasible plan
#: not proven optimal on every tier (time ran out); no plan at all (time ran
#: out before a feasible plan was found, or before the phase was started).
PHASE_STATUSES = ("optimal", "time_limit", "not_solved")


@dataclass
class PhaseSolution:
    model: PhaseModel
    values: np.ndarray
    status: str  # one of PHASE_STATUSES
    mip_gap: float
    stage_values: dict[str, float]

    @property
    def solved(self) -> bool:
        """Whether the phase has a plan (``values`` mean something)."""
        return self.status != "not_solved"


def _load(
    model: PhaseModel,
    solver: highspy.Highs | None = None,
    cols: tuple[int, int] | None = None,
    rows: tuple[int, int] | None = None,
) -> highspy.Highs:
    """Add columns ``cols`` and rows ``rows`` (index ranges; default all) to ``solver``."""
    solver = solver or _new_highs()
    first_col, end_col = cols or (0, model.num_cols)
    first_row, end_row = rows or (0, model.num_rows)
    n = end_col - first_col
    inf = highspy.kHighsInf
    lower = np.array(model.col_lower[first_col:end_col], dtype=np.float64)
    upper = np.array([min(u, inf) for u in model.col_upper[first_col:end_col]], dtype=np.float64)
    if n:
        solver.addVars(n, lower, upper)
    integer_cols = np.array(
        [i for i in range(first_col, end_col) if model.col_integer[i]], dtype=np.int32
    )
    if len(integer_cols):
        solver.changeColsIntegrality(
            len(integer_cols),
            integer_cols,
            np.full(len(integer_cols), highspy.HighsVarType.kInteger),
        )
    row_index = model.row_index[first_row:end_row]
    row_value = model.row_value[first_row:end_row]
    starts = np.zeros(len(row_index), dtype=np.int32)
    pos = 0
    for i, idx in enumerate(row_index):
        starts[i] = pos
        pos += len(idx)
    index = np.array([c for idx in row_index for c in idx], dtype=np.int32)
    value = np.array([v for vals in row_value for v in vals], dtype=np.float64)
    row_lower = np.array([max(lo, -inf) for lo in model.row_lower[first_row:end_row]])
    row_upper = np.array([min(up, inf) for up in model.row_upper[first_row:end_row]])
    if len(row_index):
        solver.addRows(len(row_index), row_lower, row_upper, len(index), starts, index, value)
    return solver


def _set_objective(solver: highspy.Highs, num_cols: int, coefficients: dict[int, float]) -> None:
    costs = np.zeros(num_cols, dtype=np.float64)
    for col, coef in coefficients.items():
        costs[col] = coef
    solver.changeColsCost(num_cols, np.arange(num_cols, dtype=np.int32), costs)


def solve_phase(
    model: PhaseModel,
    deadline: float,
    warm_start: bool = True,
    known: PhaseSolution | None = None,
) -> PhaseSolution:
    """Minimise each stage in turn, holding earlier stages at their optimum.

    With ``warm_start`` each stage starts from the previous stage's plan (it
    stays feasible: the earlier tiers are held at the values it has).

    ``known``: an optimal solution of a twin phase, whose model is this one
    up to the continuity tier. Its tier values are this model's optima for
    every stage it has (the same model, solved the same way), so those stages
    are not solved again: they are held at the twin's values exactly as a
    solve would hold them, and the twin's plan (feasible under every hold) is
    the start of the first stage it lacks.

    Raises :class:`PlanInfeasible` (without reasons) if the phase has no
    feasible plan; the caller diagnoses it.
    """
    run = StageRun(model, deadline, warm_start, known)
    stages = model.stages or [Stage("feasibility", {}, False)]
    run.solve(stages, last=stages[-1])
    return run.solution()


class StageRun:
    """The stages of one phase, solved in order on one HiGHS instance.

    :func:`solve_phase` solves them all at once. The planner solves the stages
    above continuity first (they do not depend on the previous phase, so it
    can do that for a later phase while the current one finishes) and the
    continuity stage, added by :func:`add_continuity` in between, with a
    second :meth:`solve` on the same instance: the same calls in the same
    order as one :func:`solve_phase`, so the same result.
    """

    def __init__(
        self,
        model: PhaseModel,
        deadline: float,
        warm_start: bool = True,
        known: PhaseSolution | None = None,
    ) -> None:
        self.model = model
        self.deadline = deadline
        self.warm_start = warm_start
        self.known = known
        self.values = np.zeros(0)
        self.status = "optimal"
        self.worst_gap = 0.0
        self.stage_values: dict[str, float] = {}
        self.stopped = False
        self.first: Stage | None = None
        self.warm: np.ndarray | None = None
        self.solver: highspy.Highs | None = None
        self.n = 0

    def solution(self) -> PhaseSolution:
        return PhaseSolution(
            self.model, self.values, self.status, self.worst_gap, self.stage_values
        )

    def solve(self, stages: list[Stage], last: Stage | None) -> None:
        """Minimise ``stages`` in turn.

        ``last`` is the phase's final stage, which is not held afterwards;
        None while stages are still to come.
        """
        model = self.model
        if model.num_cols == 0:  # nothing required in this phase
            self.stopped = True
            return
        if self.stopped or not stages:
            return
        if self.solver is None:
            core_cols = model.core_cols or model.num_cols
            core_rows = model.core_rows or model.num_rows
            self.solver = _load(model, cols=(0, core_cols), rows=(0, core_rows))
            self.n = core_cols
            self.values = np.zeros(core_cols)
            self.first = stages[0]
        solver = self.solver
        known = self.known
        for stage in stages:
            # Each stage starts from the previous plan (for the burden and
            # continuity stages, completed with their columns). HiGHS 1.16
            # sometimes mis-evaluates such a start after presolve; that is
            # detected below and the stage solved again without it.
            warm = self.warm
            start_from_warm = warm is not None
            remaining = self.deadline - time.perf_counter()
            if remaining <= 0:
                self._out_of_time()
                return
            needed = max(stage.coefficients, default=-1)
            pending = [b for b in model.blocks if b.cols[0] >= self.n]
            while pending and needed >= self.n:
                # a deferred block (burden penalty, continuity) joins now, and the
                # previous plan, completed with it, is the starting solution
                block = pending.pop(0)
                _load(model, solver, cols=block.cols, rows=block.rows)
                self.n = block.cols[1]
                if warm is not None and len(warm) == block.cols[0]:
                    warm = self.warm = block.complete(warm)
            n = self.n
            if known is not None and stage is not last and stage.name in known.stage_values:
                achieved = known.stage_values[stage.name]
                self.stage_values[stage.name] = achieved
                if warm is None:
                    warm = self.warm = known.values[:n].copy()
                self.values = warm
                _hold(solver, stage, achieved)
                continue
            if (
                warm is not None
                and len(warm) == n
                and stage is not last
                and _zero_sum_of_nonnegatives(model, stage, warm)
            ):
                # the plan in hand already scores 0 on a tier that cannot go below
                # 0: it is optimal for this tier, no solve needed
                cols = np.array(list(stage.coefficients), dtype=np.int32)
                solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
                self.values = warm
                self.stage_values[stage.name] = 0.0
                continue
            solver.setOptionValue("time_limit", max(remaining, 0.01))
            _set_objective(solver, n, stage.coefficients)
            if start_from_warm and warm is not None and len(warm) == n:
                start = highspy.HighsSolution()
                start.col_value = list(warm)
                start.value_valid = True
                solver.setSolution(start)
            solver.run()
            model_status = solver.getModelStatus()
            info = solver.getInfo()
            if model_status == highspy.HighsModelStatus.kInfeasible:
                raise PlanInfeasible([])
            if model_status == highspy.HighsModelStatus.kUnbounded:
                raise PlanError(
                    f"phase {model.phase.id}: the model is unbounded in stage {stage.name}"
                )
            has_solution = info.primal_solution_status == 2
            if model_status == highspy.HighsModelStatus.kOptimal:
                pass
            elif (
                model_status
                in (
                    highspy.HighsModelStatus.kTimeLimit,
                    highspy.HighsModelStatus.kInterrupt,
                )
                and has_solution
            ):
                self.status = "time_limit"
            elif model_status == highspy.HighsModelStatus.kTimeLimit:
                # no plan for this stage: keep the previous stage's plan, which is
                # feasible, or, with none, report the phase as not solved
                self._out_of_time()
                return
            else:
                raise PlanError(
                    f"phase {model.phase.id}: the solver stopped with status "
                    f"'{solver.modelStatusToString(model_status)}' in stage {stage.name}"
                )
            values = np.array(solver.getSolution().col_value, dtype=np.float64)
            achieved = float(sum(values[c] * v for c, v in stage.coefficients.items()))
            reported = float(info.objective_function_value)
            if start_from_warm and abs(achieved - reported) > 1e-6 * max(1.0, abs(achieved)):
                # HiGHS 1.16 can mis-evaluate a MIP start after presolve and return
                # it as "optimal" with the wrong objective: solve again from scratch,
                # within what is left of the time limit.
                remaining = self.deadline - time.perf_counter()
                if remaining <= 0:
                    self._out_of_time()
                    return
                solver.setOptionValue("time_limit", remaining)
                solver.clearSolver()
                solver.run()
                model_status = solver.getModelStatus()
                info = solver.getInfo()
                if model_status != highspy.HighsModelStatus.kOptimal:
                    self.status = "time_limit"
                values = np.array(solver.getSolution().col_value, dtype=np.float64)
                achieved = float(sum(values[c] * v for c, v in stage.coefficients.items()))
            self.values = values
            gap = float(info.mip_gap) if math.isfinite(info.mip_gap) else 0.0
            self.worst_gap = max(self.worst_gap, gap)
            self.stage_values[stage.name] = achieved + stage.offset
            if self.status != "optimal":
                self.stopped = True
                return
            if stage is not last and stage.coefficients:
                _hold(solver, stage, achieved)
                self.warm = values if self.warm_start else None


    def _out_of_time(self) -> None:
        """Stop: the plan of the stages solved so far stands, or none if none was."""
        self.stopped = True
        self.worst_gap = math.inf
        self.status = "time_limit" if self.stage_values else "not_solved"


def _hold(solver: highspy.Highs, stage: Stage, achieved: float) -> None:
    """Hold ``stage`` at its optimum ``achieved`` while the next ones are minimised."""
    if not stage.coefficients:
        return
    cols = np.array(list(stage.coefficients), dtype=np.int32)
    coefs = np.array(list(stage.coefficients.values()), dtype=np.float64)
    if achieved <= 1e-9 and all(c > 0 for c in coefs):
        # a sum of non-negative columns at zero: fix them all at zero
        solver.changeColsBounds(len(cols), cols, np.zeros(len(cols)), np.zeros(len(cols)))
    elif stage.integral:
        # the tier is a whole number on every plan: hold it at that number
        solver.addRow(-highspy.kHighsInf, float(round(achieved)), len(cols), cols, coefs)
    else:
        tolerance = max(1e-4, 1e-6 * abs(achieved))
        solver.addRow(-highspy.kHighsInf, achieved + tolerance, len(cols), cols, coefs)


def _zero_sum_of_nonnegatives(model: PhaseModel, stage: Stage, values: np.ndarray) -> bool:
    """Whether ``stage`` is a positive sum of columns bounded below by 0, all at 0 in ``values``."""
    return bool(stage.coefficients) and all(
        coef > 0 and model.col_lower[col] >= 0 and abs(values[col]) <= 1e-9
        for col, coef in stage.coefficients.items()
    )


def is_feasible(model: PhaseModel, time_limit: float = 10.0) -> bool | None:
    """Whether ``model`` has a feasible plan; None when ``time_limit`` ran out first."""
    solver = _load(model)
    solver.setOptionValue("time_limit", max(time_limit, 0.01))
    solver.run()
    status = solver.getModelStatus()
    if status == highspy.HighsModelStatus.kInfeasible:
        return False
    if status == highspy.HighsModelStatus.kOptimal or solver.getInfo().primal_solution_status == 2:
        return True
    return None
