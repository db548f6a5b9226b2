"""What one chunk of draws computes, stage by stage (types shared by evaluate and collect)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forceplan.simulate.fraying import Replanned


@dataclass
class ChunkResult:
    yearly: dict[str, np.ndarray]
    outcomes: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray]
    hazard_part_names: tuple[str, ...] = ()
    #: (draws, T, parts) log-hazard parts of every draw (only when asked for: compare)
    hazard_parts: np.ndarray | None = None


@dataclass
class People:
    """Personnel and cost of the nations that send or could send units, (draws, N_rel, ...)."""

    rel: np.ndarray  # (N_rel,) nation index of each row
    ground_years: np.ndarray  # (B, N_rel, Y) personnel-months on the ground per year
    tied_years: np.ndarray  # (B, N_rel, Y) personnel-months tied up per year
    cost_years: np.ndarray  # (B, N_rel, Y) US$ m per year, overrun and inflation included
    cost_monthly: np.ndarray  # (R, N_rel, T) US$ m per month of the first R draws (those
    #   whose months are needed: the kept draws, or all under a common fund)
    ground_kept: np.ndarray | None  # (keep, N_rel, T) monthly personnel on the ground
    tied_kept: np.ndarray | None  # (keep, N_rel, T)
    # under a UN assessed budget: the UN's reimbursement of contingent-owned equipment
    equipment_years: np.ndarray | None = None  # (B, N_rel, Y) US$ m per year
    equipment_kept: np.ndarray | None = None  # (keep, N_rel, T) US$ m per month


@dataclass
class Money:
    cost_kept: np.ndarray  # (keep, N_rel, T) US$ m per month
    cost_years: np.ndarray  # (B, N_rel, Y)
    paid_years: np.ndarray  # (B, N, Y) what each national budget pays
    un_years: np.ndarray  # (B, Y) what the UN's assessed budget pays
    paid_kept: np.ndarray | None  # (keep, N, T)
    un_kept: np.ndarray | None  # (keep, T)


@dataclass
class Presence:
    flags: np.ndarray  # (B, T) foreign flags on the ground
    foreign_ground: np.ndarray  # (B, T) foreign personnel on on-ground missions
    trainers: np.ndarray  # (B, T) personnel on the training mission


@dataclass
class Deterrence:
    trained: np.ndarray  # (B, T)
    ukraine: np.ndarray  # (B, T) headcount
    ukraine_effective: np.ndarray  # (B, T)
    russia: np.ndarray  # (B, T)
    ratio: np.ndarray  # (B, T)
    hazard: np.ndarray  # (B, T)
    p_offensive: np.ndarray  # (B, T)
    parts: dict[str, np.ndarray]  # log-hazard parts, each (B, T); empty if not given

    @property
    def part_names(self) -> tuple[str, ...]:
        return tuple(self.parts)

    def stacked_parts(self, rows: slice = slice(None)) -> np.ndarray | None:
        """(B, T, P) the parts side by side, or None."""
        if not self.parts:
            return None
        return np.stack([v[rows] for v in self.parts.values()], axis=2)


@dataclass
class Coverage:
    met_rows: np.ndarray  # (R, J) units met per event row and line
    mission_met: np.ndarray  # (B, T, M)
    mission_required: np.ndarray  # (T, M)
    yearly: np.ndarray  # (B, M, Y)


@dataclass(frozen=True)
class Stages:
    """Everything one chunk computed, for :func:`collect`."""

    exits: np.ndarray  # (B, N)
    rp: Replanned
    people: People
    cash: Money
    here: Presence
    det: Deterrence
    cov: Coverage
