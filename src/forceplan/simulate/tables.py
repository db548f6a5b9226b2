"""Look-up tables computed once per run: each planned contingent rotated for every exit month.

A nation that leaves in month e takes all its units with it, so without
re-planning its trajectory is its plan cut at e; these are computed once per
run for e = 1 .. T + 1 and looked up per draw. Donors that take on units are
then corrected draw by draw (evaluate.py).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from forceplan.simulate.inputs import ModelInputs
from forceplan.simulate.rotation import rotate, year_sums


@dataclass(frozen=True)
class Tables:
    """Rotation outcomes of each nation's own planned contingent, for every exit month."""

    on_ground_personnel: np.ndarray  # (N, T + 2, T), index e = exit month
    tied_personnel: np.ndarray  # (N, T + 2, T)
    on_ground_personnel_years: np.ndarray  # (N, T + 2, Y) sums over each year's months
    tied_personnel_years: np.ndarray  # (N, T + 2, Y)
    planned_ground: np.ndarray  # (T, N) planned personnel on on-ground missions
    planned_training: np.ndarray  # (T, N) planned personnel on the training mission
    pair_index: np.ndarray  # (N, C) -> planned pair k, or -1
    pair_nation: np.ndarray  # (K,) nation of pair k (pairs are grouped by capability)
    pair_capability: np.ndarray  # (K,) capability of pair k
    pair_on_ground: np.ndarray  # (K, T + 2, T) units
    pair_cut: np.ndarray  # (K, T + 2, T) units on the ground cut at exit e minus the plan's
    pair_tied: np.ndarray  # (K, T + 2, T) units
    pair_on_ground_years: np.ndarray  # (K, T + 2, Y) units summed per year
    pair_tied_years: np.ndarray  # (K, T + 2, Y)
    line_to_mission: np.ndarray  # (J, M)
    mission_required: np.ndarray  # (T, M)


def build_tables(inputs: ModelInputs) -> Tables:
    months = inputs.months
    n_nat, n_cap = len(inputs.nations), len(inputs.capabilities)
    planned_by_cap = inputs.planned_by_cap
    pair_c, pair_n = np.nonzero(planned_by_cap.sum(axis=0).T > 0)  # grouped by capability
    pair_index = np.full((n_nat, n_cap), -1, dtype=np.int64)
    pair_index[pair_n, pair_c] = np.arange(pair_n.size)
    month_no = np.arange(1, months + 1)
    exit_no = np.arange(0, months + 2)
    stays = (month_no[None, :] < exit_no[:, None]).astype(float)  # (T + 2, T)
    deployed = planned_by_cap[:, pair_n, pair_c].T[None, :, :] * stays[:, None, :]
    on_ground, tied = rotate(
        deployed,
        inputs.tour[pair_c],
        inputs.ratio[pair_c],
        inputs.overlap[pair_c],
        continues=inputs.mission_continues,
    )  # (T + 2, K, T)
    pair_og = np.ascontiguousarray(on_ground.transpose(1, 0, 2))
    pair_tied = np.ascontiguousarray(tied.transpose(1, 0, 2))
    n_pairs = pair_n.size
    w_pers = np.zeros((n_nat, n_pairs))
    w_pers[pair_n, np.arange(n_pairs)] = inputs.personnel[pair_c]
    line_pers = inputs.personnel[inputs.line_capability]
    ground = (inputs.planned * (line_pers * inputs.line_on_ground)).sum(axis=2)  # (T, N)
    train = (inputs.planned * (line_pers * inputs.line_training)).sum(axis=2)
    n_mis = len(inputs.missions)
    line_to_mission = np.zeros((inputs.line_mission.size, n_mis))
    line_to_mission[np.arange(inputs.line_mission.size), inputs.line_mission] = 1.0
    og_personnel = np.einsum("nk,ekt->net", w_pers, on_ground)
    tied_personnel = np.einsum("nk,ekt->net", w_pers, tied)
    return Tables(
        on_ground_personnel=og_personnel,
        tied_personnel=tied_personnel,
        on_ground_personnel_years=year_sums(og_personnel, months),
        tied_personnel_years=year_sums(tied_personnel, months),
        planned_ground=ground,
        planned_training=train,
        pair_index=pair_index,
        pair_nation=pair_n.astype(np.int64),
        pair_capability=pair_c.astype(np.int64),
        pair_on_ground=pair_og,
        pair_cut=pair_og - pair_og[:, months + 1 : months + 2],
        pair_tied=pair_tied,
        pair_on_ground_years=year_sums(pair_og, months),
        pair_tied_years=year_sums(pair_tied, months),
        line_to_mission=line_to_mission,
        mission_required=inputs.required @ line_to_mission,
    )
