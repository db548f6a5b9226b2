"""Data structures of the force-allocation MIP (one model per phase) and small helpers.

The formulation is in docs/planner.md. The model of a phase is built by
:func:`forceplan.plan.build.build_phase` (one builder per constraint group,
in ``plan/build/``), solved lexicographically by
:func:`forceplan.plan.solve.solve_phase` and turned into tables by
``plan/tables.py``. This module holds what they share: the
:class:`PhaseModel` (columns, rows, index maps, objective stages), the
errors, and the pure arithmetic of rotation.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from forceplan.scenario.model import Capability, Mission, Nation, Phase, Scenario

#: Capability domains whose personnel come out of the army (the political cap
#: is a share of army personnel). Air and sea units are crewed by air forces
#: and navies and do not count against it.
ARMY_DOMAINS: frozenset[str] = frozenset({"land", "enabler", "command", "training"})

#: Stances whose nations the planner may task. "Opposed" nations send nothing.
DEPLOYABLE_STANCES: frozenset[str] = frozenset({"committed", "willing", "undecided"})

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


# ---------------------------------------------------------------------------
# Model data structures
# ---------------------------------------------------------------------------


#: Markers of sub-unit allocation keys: (iso, cap, mission, SUB) for sub-units sent
#: into other nations' multinational units, (iso, cap, mission, CORE) for the
#: multinational units a framework nation leads (each with its framework share of
#: sub-units).
SUB = "sub"
CORE = "core"

#: (iso, capability, mission) for whole units; (iso, capability, mission, "sub") for sub-units.
AllocationKey = tuple[str, ...]


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
    # a political goal's tier (lead nations, flags on the ground): its columns are
    # the goal's shortfall, and the solver first tries them all at 0 (solve.py)
    goal: bool = False


#: Names of the political goals' tiers (docs/planner.md, section 5): missions of
#: the phase without one of their lead nations, and flags short of the minimum.
LEAD_STAGE = "lead_nations_missing"
FLAGS_STAGE = "flags_missing"


@dataclass(frozen=True)
class Capacity:
    """Units of a capability a nation can keep deployed on one line, by each limit.

    ``holdings``: from its holdings at the rotation ratio, under its fleet cap,
    after its standing commitments (less what it may draw from them);
    ``army``: within its army-share cap, standing commitments counted (inf when
    its army does not crew the capability or there is no cap); ``offer``: the
    ceiling of the offer covering the line (inf: none). The least is what it
    can sustain there.
    """

    holdings: float
    army: float
    offer: float

    @property
    def units(self) -> float:
        return min(self.holdings, self.army, self.offer)


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
    # per (iso, cap, mission): sub-units a partner sends into other nations'
    # multinational units, and the multinational units a nation frames (leads),
    # each with the framework share of its sub-units from the framework nation
    sub: dict[tuple[str, str, str], int] = field(default_factory=dict)
    frame: dict[tuple[str, str, str], int] = field(default_factory=dict)
    sub_size: dict[str, int] = field(default_factory=dict)  # cap -> sub-units per unit
    core_size: dict[str, int] = field(default_factory=dict)  # cap -> framework share
    backstop: dict[tuple[str, str], int] = field(default_factory=dict)  # (cap, mission)
    unmet: dict[tuple[str, str], int] = field(default_factory=dict)  # (mission, cap)
    drain: dict[tuple[str, int], int] = field(default_factory=dict)  # (iso, commitment idx)
    below: dict[tuple[str, int], int] = field(default_factory=dict)
    contributes: dict[str, int] = field(default_factory=dict)
    flag: dict[str, int] = field(default_factory=dict)  # iso -> on-ground binary
    # political goals (soft): mission -> column of "no lead nation there" (0..1),
    # and the column of flags short of the minimum on the ground (0..wanted)
    lead_gap: dict[str, int] = field(default_factory=dict)
    flag_gap: int | None = None
    flags_wanted: int = 0  # the minimum of flags on the ground in this phase (after slots)
    # (iso, cap, mission) -> what limits the nation there (every allowed, offered line)
    capacity: dict[tuple[str, str, str], Capacity] = field(default_factory=dict)
    # (iso, offer index) -> personnel short of the offer's minimum
    offer_gap: dict[tuple[str, int], int] = field(default_factory=dict)
    # offers standing in this phase, (iso, offer index): part of the model's identity
    standing_offers: tuple[tuple[str, int], ...] = ()
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

    def allocation_columns(self) -> dict[AllocationKey, int]:
        """Every column of units a nation sends: whole units keyed (iso, cap, mission),
        partner sub-units keyed (iso, cap, mission, "sub"), multinational units led
        (iso, cap, mission, "core"); what continuity compares."""
        out: dict[AllocationKey, int] = {key: col for key, col in self.x.items()}
        for marker, cols in ((SUB, self.sub), (CORE, self.frame)):
            for (iso, cap, mission), col in cols.items():
                out[(iso, cap, mission, marker)] = col
        return out

    def unit_share(self, key: AllocationKey) -> float:
        """Units of the capability one unit of ``key``'s column puts in theatre from
        that nation: 1 for a whole unit, 1 / per_unit for a partner's sub-unit,
        framework share / per_unit for a multinational unit led."""
        if len(key) < 4:
            return 1.0
        size = self.sub_size[key[1]]
        return (self.core_size[key[1]] if key[3] == CORE else 1) / size

    @property
    def num_cols(self) -> int:
        return len(self.col_lower)

    @property
    def num_rows(self) -> int:
        return len(self.row_lower)

    @property
    def num_integers(self) -> int:
        return sum(self.col_integer)


#: Name of the continuity tier (units changed from the previous phase).
CONTINUITY_STAGE = "continuity_units"

#: Constraint groups that can make a phase infeasible; the diagnosis drops them in turn.
CONSTRAINT_GROUPS: dict[str, str] = {
    "min_flags": "the minimum number of nations on the ground (constraints.min_nations_on_ground)",
    "lead_nations": "the lead-nation rule (constraints.lead_nations)",
    "burden_bound": "the burden-sharing bound (constraints.burden_sharing, mode 'bound')",
    "treaty_limits": "the treaty limits (constraints.treaty_limits)",
    "political_caps": "the political caps on army share (nations.max_army_share)",
    "fleet_caps": "the caps on the share of each fleet tied up (max_fleet_share)",
    "offer_ceilings": "the offers' ceilings (nations.offers.max_personnel)",
    "enabler_ratios": "the enabler-to-manoeuvre ratios (constraints.enabler_ratios)",
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
