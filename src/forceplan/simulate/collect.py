"""The per-draw results of one chunk: yearly values, scalar outcomes, kept trajectories."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from forceplan.simulate.chunk import ChunkResult, Stages
from forceplan.simulate.inputs import ModelInputs
from forceplan.simulate.rotation import year_sums


def _year_counts(months: int) -> np.ndarray:
    return np.diff(np.append(np.arange(0, months, 12), months)).astype(float)


def _year_end(months: int, years: int) -> np.ndarray:
    return np.minimum(np.arange(1, years + 1) * 12, months) - 1


def collect(
    inputs: ModelInputs, params: Mapping[str, np.ndarray], st: Stages, keep: int
) -> ChunkResult:
    """Per-draw yearly values, scalar outcomes and the kept draws' trajectories."""
    return ChunkResult(
        yearly=_yearly(inputs, st),
        outcomes=_outcomes(inputs, st),
        trajectories=_trajectories(inputs, params, st, keep) if keep > 0 else {},
        hazard_part_names=st.det.part_names,
    )


def _contributors(inputs: ModelInputs) -> np.ndarray:
    return np.asarray(inputs.planned.sum(axis=(0, 2)) > 0)


def _yearly(inputs: ModelInputs, st: Stages) -> dict[str, np.ndarray]:
    months, years = inputs.months, inputs.years
    n_nat = st.exits.shape[1]
    ends = _year_end(months, years)
    counts = _year_counts(months)
    remaining = (st.exits[:, None, :] > ends[None, :, None] + 1) & _contributors(inputs)[
        None, None, :
    ]
    cum_cost = np.cumsum(st.cash.cost_years, axis=2)  # (B, N_rel, Y)

    def per_nation(x: np.ndarray) -> np.ndarray:
        """(B, N_rel, Y) -> (B, Y, N), zeros for nations that send nothing."""
        out = np.zeros((x.shape[0], x.shape[2], n_nat))
        out[:, :, st.people.rel] = x.transpose(0, 2, 1)
        return out

    det = st.det
    out = {
        "deployed_personnel": per_nation(st.people.ground_years / counts),
        "tied_up_personnel": per_nation(st.people.tied_years / counts),
        "cumulative_cost_usd_m": per_nation(cum_cost),
        "deployed_personnel_total": st.people.ground_years.sum(axis=1) / counts,
        "tied_up_personnel_total": st.people.tied_years.sum(axis=1) / counts,
        "cumulative_cost_total_usd_m": cum_cost.sum(axis=1),
        "coverage": st.cov.yearly.transpose(0, 2, 1),
        "trained_added": det.trained[:, ends],
        "ukraine_force": det.ukraine[:, ends],
        "ukraine_effective_force": det.ukraine_effective[:, ends],
        "russia_force": det.russia[:, ends],
        "deterrence_ratio": det.ratio[:, ends],
        "p_offensive": det.p_offensive[:, ends],
        "nations_remaining": remaining.sum(axis=2).astype(float),
        "flags_on_ground": st.here.flags[:, ends].astype(float),
    }
    # where costs lie where they fall each budget pays its units' cost and the UN nothing:
    # assemble.py copies those summaries rather than summarising the same values twice
    if inputs.funding != "where_they_fall":
        out["cumulative_paid_usd_m"] = np.cumsum(st.cash.paid_years, axis=2).transpose(0, 2, 1)
        out["cumulative_paid_un_usd_m"] = np.cumsum(st.cash.un_years, axis=1)
    if det.parts:  # exp of each part's mean over the year's months, (B, Y, P)
        out["hazard_multiplier"] = np.exp(
            np.stack([year_sums(v, months) / counts for v in det.parts.values()], axis=2)
        )
    return out


#: months of the fixed-horizon outcome p_offensive_24m (docs/model.md, "Fixed horizon")
FIXED_HORIZON_MONTHS = 24


def _outcomes(inputs: ModelInputs, st: Stages) -> dict[str, np.ndarray]:
    months = inputs.months
    size = st.exits.shape[0]
    counts = _year_counts(months)
    total_req = inputs.required.sum()
    met_total = st.cov.met_rows.sum(axis=1)[st.rp.row].sum(axis=1)
    per_year = st.cash.paid_years / counts[None, None, :] * 12.0  # (B, N, Y) US$ m a year
    burden = per_year / inputs.defence_budget[None, :, None] * 100.0
    return {
        "total_cost_usd_m": st.cash.cost_years.sum(axis=(1, 2)),
        "un_paid_usd_m": st.cash.un_years.sum(axis=1),
        "peak_budget_share_pct": np.maximum(burden.max(axis=(1, 2)), 0.0),
        "p_offensive_end": st.det.p_offensive[:, -1],
        # a fixed horizon, comparable between missions of different lengths
        "p_offensive_24m": st.det.p_offensive[:, min(FIXED_HORIZON_MONTHS, months) - 1],
        "trained_added_end": st.det.trained[:, -1],
        "deterrence_ratio_end": st.det.ratio[:, -1],
        "russia_force_end": st.det.russia[:, -1],
        "coverage_mean": met_total / total_req if total_req > 0 else np.full(size, np.nan),
        "nations_left": (_contributors(inputs)[None, :] & (st.exits <= months))
        .sum(axis=1)
        .astype(float),
        "deployed_personnel_mean": st.people.ground_years.sum(axis=(1, 2)) / months,
        "tied_up_personnel_mean": st.people.tied_years.sum(axis=(1, 2)) / months,
    }


def _trajectories(
    inputs: ModelInputs, params: Mapping[str, np.ndarray], st: Stages, keep: int
) -> dict[str, np.ndarray]:
    months = inputs.months
    n_nat, n_cap, n_mis = len(inputs.nations), len(inputs.capabilities), len(inputs.missions)
    k = slice(0, keep)
    req = inputs.required[None]
    mis_req = st.cov.mission_required
    met_k = st.cov.met_rows[st.rp.row[k]]  # (keep, T, J)
    with np.errstate(invalid="ignore", divide="ignore"):
        line_cov = np.where(req > 0, met_k / np.where(req > 0, req, 1.0), np.nan)
        mis_cov = np.where(
            mis_req > 0, st.cov.mission_met[k] / np.where(mis_req > 0, mis_req, 1.0), np.nan
        )
    cov_grid = np.full((keep, months, n_mis, n_cap), np.nan, dtype=np.float32)
    cov_grid[:, :, inputs.line_mission, inputs.line_capability] = line_cov

    def monthly(x: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        out = np.zeros((keep, months, n_nat), dtype=np.float32)
        out[:, :, st.people.rel if rows is None else rows] = x[:keep].transpose(0, 2, 1)
        return out

    assert st.people.ground_kept is not None and st.people.tied_kept is not None
    assert st.cash.paid_kept is not None and st.cash.un_kept is not None
    det = st.det
    out = {
        "deployed_personnel": monthly(st.people.ground_kept),
        "tied_up_personnel": monthly(st.people.tied_kept),
        "monthly_cost_usd_m": monthly(st.cash.cost_kept),
        "monthly_paid_usd_m": monthly(st.cash.paid_kept, np.arange(n_nat)),
        "monthly_paid_un_usd_m": st.cash.un_kept,
        "coverage": cov_grid,
        "mission_coverage": mis_cov.astype(np.float32),
        "exit_month": st.exits[k].astype(np.int32),
        "trained_cumulative": det.trained[k],
        "ukraine_force": det.ukraine[k],
        "ukraine_effective_force": det.ukraine_effective[k],
        "russia_force": det.russia[k],
        "deterrence_ratio": det.ratio[k],
        "flags_on_ground": st.here.flags[k].astype(np.int16),
        "offensive_hazard": det.hazard[k],
        "p_offensive": det.p_offensive[k],
    }
    stacked = det.stacked_parts(k)
    if stacked is not None:
        out["log_hazard_part"] = stacked
    for name, values in params.items():
        out[f"param_{name}"] = values[k]
    return out
