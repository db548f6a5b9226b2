"""The month-by-month Monte Carlo model, vectorised across draws and streamed in chunks.

Per chunk of draws (see docs/model.md for every equation):

1. sample every uncertainty from its named stream (common random numbers);
2. draw each nation's exit month (fraying.exit_months);
3. re-plan the gaps departures leave (fraying.replan);
4. rotate every national contingent (rotation.rotate) -> on the ground, tied up;
5. cost, training throughput, Ukrainian and Russian forces, deterrence ratio;
6. the offensive hazard (deterrence.default_offensive_hazard or the user's);
7. fold per-draw yearly values into streaming distributions; keep the first
   ``keep_draws`` draws' full trajectories.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import xarray as xr

from forceplan.scenario import Scenario, Uncertainty, scenario_hash
from forceplan.simulate.deterrence import (
    HazardFunction,
    HazardInputs,
    check_hazard,
    default_offensive_hazard,
)
from forceplan.simulate.fraying import exit_months, replan
from forceplan.simulate.inputs import ModelInputs, PlanLike, compile_inputs
from forceplan.simulate.parameters import BLOCK, effective_uncertainties, sample_block, stream
from forceplan.simulate.quantiles import STATS, Distribution
from forceplan.simulate.rotation import rotate, rotate_yearly, year_sums
from forceplan.simulate.threads import single_blas_thread

MAX_DRAWS = 10_000_000
DETERRENCE_NOTE = (
    "The deterrence model and its parameters are assumptions, not facts: the probability of "
    "a renewed offensive shows how the options compare under a stated, simple model, not a "
    "forecast."
)

ProgressCallback = Callable[[int, int], None]

#: per-draw scalar outcomes kept for every draw (used by compare)
OUTCOMES = (
    "total_cost_usd_m",
    "p_offensive_end",
    "trained_added_end",
    "deterrence_ratio_end",
    "coverage_mean",
    "nations_left",
    "deployed_personnel_mean",
    "tied_up_personnel_mean",
)


def _version() -> str:
    from forceplan._version import __version__

    return __version__


@dataclass
class _Accumulators:
    years: int
    n_nat: int
    n_mis: int
    exact_limit: int
    total: int
    dists: dict[str, Distribution] = field(default_factory=dict)

    def __post_init__(self) -> None:
        y, n, m = self.years, self.n_nat, self.n_mis
        shapes: dict[str, tuple[int, ...]] = {
            "deployed_personnel": (y, n),
            "tied_up_personnel": (y, n),
            "cumulative_cost_usd_m": (y, n),
            "deployed_personnel_total": (y,),
            "tied_up_personnel_total": (y,),
            "cumulative_cost_total_usd_m": (y,),
            "coverage": (y, m),
            "trained_added": (y,),
            "deterrence_ratio": (y,),
            "p_offensive": (y,),
            "nations_remaining": (y,),
            "flags_on_ground": (y,),
        }
        self.dists = {
            k: Distribution(s, self.exact_limit, self.total) for k, s in shapes.items()
        }


def _year_counts(months: int) -> np.ndarray:
    return np.diff(np.append(np.arange(0, months, 12), months)).astype(float)


def _year_end(months: int, years: int) -> np.ndarray:
    return np.minimum(np.arange(1, years + 1) * 12, months) - 1


@dataclass(frozen=True)
class Tables:
    """Rotation outcomes of each nation's own planned contingent, for every exit month.

    A nation that leaves in month e takes all its units with it, so without
    re-planning its trajectory is its plan cut at e; these are computed once
    per run for e = 1 .. T + 1 and looked up per draw. Donors that take on
    units are then corrected draw by draw (see _run_chunk).
    """

    on_ground_personnel: np.ndarray  # (N, T + 2, T), index e = exit month
    tied_personnel: np.ndarray  # (N, T + 2, T)
    on_ground_personnel_years: np.ndarray  # (N, T + 2, Y) sums over each year's months
    tied_personnel_years: np.ndarray  # (N, T + 2, Y)
    cost_per_month: np.ndarray  # (N, T + 2, T) US$ m before overrun and inflation
    planned_ground: np.ndarray  # (T, N) planned personnel on on-ground missions
    planned_training: np.ndarray  # (T, N) planned personnel on the training mission
    pair_index: np.ndarray  # (N, C) -> planned pair k, or -1
    pair_on_ground: np.ndarray  # (K, T + 2, T) units
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
    w_cost = np.zeros((n_nat, n_pairs))
    w_cost[pair_n, np.arange(n_pairs)] = inputs.annual_cost[pair_c] / 12.0
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
        cost_per_month=np.einsum("nk,ekt->net", w_cost, on_ground),
        planned_ground=ground,
        planned_training=train,
        pair_index=pair_index,
        pair_on_ground=pair_og,
        pair_tied=pair_tied,
        pair_on_ground_years=year_sums(pair_og, months),
        pair_tied_years=year_sums(pair_tied, months),
        line_to_mission=line_to_mission,
        mission_required=inputs.required @ line_to_mission,
    )


@dataclass
class _ChunkResult:
    yearly: dict[str, np.ndarray]
    outcomes: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray]


def sample_chunk(
    inputs: ModelInputs,
    uncertainties: Mapping[str, Uncertainty],
    seed: int,
    block: int,
    size: int,
) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """Parameters (draws,), political factor (draws,) and own exit factors (draws, N)."""
    raw = sample_block(uncertainties, seed, block)
    params = {k: v[:size] for k, v in raw.items()}
    political = stream(seed, "political-factor", block).standard_normal(BLOCK)[:size]
    own = np.stack(
        [
            stream(seed, f"exit/{iso}", block).standard_normal(BLOCK)[:size]
            for iso in inputs.nations
        ],
        axis=1,
    )
    return params, political, own


def evaluate(
    inputs: ModelInputs,
    tables: Tables,
    params: Mapping[str, np.ndarray],
    political: np.ndarray,
    own: np.ndarray,
    hazard: HazardFunction,
    keep: int = 0,
) -> _ChunkResult:
    """The model for a batch of draws with given parameter values (no sampling here).

    ``params`` maps every uncertainty name to an array (draws,); ``political`` is
    the shared standard-normal political factor (draws,), ``own`` each nation's
    standard-normal exit factor (draws, N).
    """
    months, years = inputs.months, inputs.years
    size = political.shape[0]
    n_nat = len(inputs.nations)
    n_cap = len(inputs.capabilities)
    n_mis = len(inputs.missions)
    t_years = (np.arange(months) / 12.0)[None, :]
    inflation = np.maximum(params["inflation_per_year"], -0.99)[:, None]
    cost_growth = np.maximum(params["cost_overrun"], 0.0)[:, None] * (1.0 + inflation) ** t_years

    exits = exit_months(inputs, params, political, own, cost_growth)  # (B, N)
    rp = replan(inputs, exits)
    row = rp.row  # (B, T)
    # only nations that send or could send units have non-zero trajectories
    rel = np.flatnonzero(inputs.relevant)
    n_rel = rel.size
    slot = np.full(n_nat, -1, dtype=np.int64)
    slot[rel] = np.arange(n_rel)
    exits_rel = exits[:, rel]

    # each nation's own plan cut at its exit month (table look-up), (B, N_rel, T)
    dep_years = tables.on_ground_personnel_years[rel[None, :], exits_rel]  # (B, N_rel, Y)
    tied_years = tables.tied_personnel_years[rel[None, :], exits_rel]
    if keep > 0:  # monthly trajectories only for the kept draws
        dep_pers = tables.on_ground_personnel[rel[None, :], exits_rel[:keep]]
        tied_pers = tables.tied_personnel[rel[None, :], exits_rel[:keep]]
    cost_base = tables.cost_per_month[rel[None, :], exits_rel]

    # donors that took on units: rotate their whole contingent again, draw by draw
    p_idx, s_idx = np.nonzero(rp.taken)
    if s_idx.size:
        n_draws = exits.shape[0]
        need_rows = np.flatnonzero(rp.need_pos < rp.taken.shape[1] - 1)
        draw_of_need = rp.row_draw[need_rows]
        pair_order = np.argsort(inputs.donor_capability, kind="stable")
        rank = np.empty_like(pair_order)
        rank[pair_order] = np.arange(pair_order.size)  # capability-major pair rank
        key = np.unique(rank[p_idx] * n_draws + draw_of_need[s_idx])
        p_m = pair_order[key // n_draws]
        b_m = key % n_draws
        n_m = inputs.donor_nation[p_m]
        c_m = inputs.donor_capability[p_m]
        present_m = exits[b_m, n_m][:, None] > np.arange(1, months + 1)[None, :]  # (M, T)
        deployed_m = (
            inputs.planned_by_cap[:, n_m, c_m].T * present_m
            + rp.taken[p_m[:, None], rp.need_pos[row[b_m]]]
        )
        og_m, og_years_m, tied_years_m = rotate_yearly(
            deployed_m,
            inputs.tour[c_m],
            inputs.ratio[c_m],
            inputs.overlap[c_m],
            continues=inputs.mission_continues,
        )
        k_m = tables.pair_index[n_m, c_m]
        e_m = exits[b_m, n_m]
        has_plan = (k_m >= 0)[:, None]
        extra_og = og_m - np.where(has_plan, tables.pair_on_ground[k_m, e_m], 0.0)
        pers = inputs.personnel[c_m][:, None]
        extra_og_years = (
            og_years_m - np.where(has_plan, tables.pair_on_ground_years[k_m, e_m], 0.0)
        ) * pers
        extra_tied_years = (
            tied_years_m - np.where(has_plan, tables.pair_tied_years[k_m, e_m], 0.0)
        ) * pers
        # add each donor's extra into its (draw, nation) row; within one capability
        # every (draw, nation) appears once, so plain fancy-index addition is exact
        # (indexing the first two axes works whatever the arrays' memory layout)
        s_m = slot[n_m]
        unit_cost = (inputs.annual_cost[c_m] / 12.0)[:, None]
        bounds = np.flatnonzero(np.r_[True, c_m[1:] != c_m[:-1], True])
        targets = (
            (dep_years, extra_og_years),
            (tied_years, extra_tied_years),
            (cost_base, extra_og * unit_cost),
        )
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):  # per capability
            for target, extra in targets:
                target[b_m[lo:hi], s_m[lo:hi]] += extra[lo:hi]
        if keep > 0:  # monthly tied-up personnel of the kept draws' donors
            kept = np.flatnonzero(b_m < keep)
            _, tied_k = rotate(
                deployed_m[kept][None],
                inputs.tour[c_m[kept]],
                inputs.ratio[c_m[kept]],
                inputs.overlap[c_m[kept]],
                continues=inputs.mission_continues,
            )
            base_k = np.where(has_plan[kept], tables.pair_tied[k_m[kept], e_m[kept]], 0.0)
            extra_tied_k = (tied_k[0] - base_k) * pers[kept]
            b_k, s_k, c_k = b_m[kept], s_m[kept], c_m[kept]
            bounds_k = np.flatnonzero(np.r_[True, c_k[1:] != c_k[:-1], True])
            for target, extra in (
                (dep_pers, (extra_og * pers)[kept]),
                (tied_pers, extra_tied_k),
            ):
                for lo, hi in zip(bounds_k[:-1], bounds_k[1:], strict=True):
                    target[b_k[lo:hi], s_k[lo:hi]] += extra[lo:hi]
    cost = cost_base * cost_growth[:, None, :]  # (B, N_rel, T) US$ m per month
    cum_cost_years = np.cumsum(year_sums(cost, months), axis=2)  # (B, N_rel, Y)

    # flags, foreign personnel on the ground, trainers: constant between event rows
    row_t = rp.row_t
    planned_ground_rows = tables.planned_ground[row_t] * rp.row_present  # (R, N)
    on_ground_rows = (planned_ground_rows > 0) | (rp.refill_ground_personnel > 0)
    flags = on_ground_rows.sum(axis=1)[row]  # (B, T)
    foreign_ground = (planned_ground_rows.sum(axis=1)
                      + rp.refill_ground_personnel.sum(axis=1))[row]
    trainers = ((tables.planned_training[row_t] * rp.row_present).sum(axis=1)
                + rp.refill_training_personnel.sum(axis=1))[row]

    # regeneration
    month_no = np.arange(1, months + 1, dtype=float)[None, :]
    trained_month = trainers * np.maximum(params["trainees_per_trainer_year"], 0.0)[:, None] / 12
    trained_cum = np.cumsum(trained_month, axis=1)
    ukraine = np.maximum(
        params["ukraine_force_initial"][:, None]
        + params["ukraine_domestic_change_per_month"][:, None] * month_no
        + np.clip(params["trainee_retention"], 0.0, 1.0)[:, None] * trained_cum,
        1.0,
    )
    russia = np.maximum(
        params["russia_force_initial"][:, None]
        + params["russia_regeneration_per_month"][:, None] * month_no,
        1.0,
    )
    weight = np.maximum(params["foreign_troop_weight"], 0.0)[:, None]
    ratio = (ukraine + weight * foreign_ground) / russia

    # deterrence
    h_inputs = HazardInputs(
        month=np.arange(1, months + 1),
        deterrence_ratio=ratio,
        ukraine_force=ukraine,
        russia_force=russia,
        foreign_on_ground=foreign_ground,
        flags_on_ground=flags.astype(float),
        backstop_enabled=inputs.backstop_enabled,
        params={k: v[:, None] for k, v in params.items()},
    )
    h = check_hazard(hazard(h_inputs), (size, months))
    p_off = -np.expm1(-np.cumsum(h, axis=1))

    # coverage: units met per line, computed per event row, then looked up per month
    base_line = inputs.planned.sum(axis=1) + inputs.backstop_planned  # (T, J)
    covered_rows = base_line[row_t] + rp.refill_line + rp.backstop_line - rp.gap  # (R, J)
    met_rows = np.minimum(np.maximum(covered_rows, 0.0), inputs.required[row_t])
    mis_met = (met_rows @ tables.line_to_mission)[row]  # (B, T, M)
    mis_req = tables.mission_required  # (T, M)
    with np.errstate(invalid="ignore", divide="ignore"):
        yearly_cov = year_sums(mis_met.transpose(0, 2, 1), months) / year_sums(
            mis_req.T, months
        )[None]  # (B, M, Y)

    contributors = inputs.planned.sum(axis=(0, 2)) > 0
    ends = _year_end(months, years)
    counts = _year_counts(months)
    remaining = (exits[:, None, :] > ends[None, :, None] + 1) & contributors[None, None, :]
    dep_total = dep_years.sum(axis=1)  # (B, Y) personnel-months
    tied_total = tied_years.sum(axis=1)

    def per_nation(x: np.ndarray) -> np.ndarray:
        """(B, N_rel, Y) -> (B, Y, N), zeros for nations that send nothing."""
        out = np.zeros((x.shape[0], x.shape[2], n_nat))
        out[:, :, rel] = x.transpose(0, 2, 1)
        return out

    yearly = {
        "deployed_personnel": per_nation(dep_years / counts),
        "tied_up_personnel": per_nation(tied_years / counts),
        "cumulative_cost_usd_m": per_nation(cum_cost_years),
        "deployed_personnel_total": dep_total / counts,
        "tied_up_personnel_total": tied_total / counts,
        "cumulative_cost_total_usd_m": cum_cost_years.sum(axis=1),
        "coverage": yearly_cov.transpose(0, 2, 1),
        "trained_added": trained_cum[:, ends],
        "deterrence_ratio": ratio[:, ends],
        "p_offensive": p_off[:, ends],
        "nations_remaining": remaining.sum(axis=2).astype(float),
        "flags_on_ground": flags[:, ends].astype(float),
    }
    total_req = inputs.required.sum()
    met_total = met_rows.sum(axis=1)[row].sum(axis=1)
    outcomes = {
        "total_cost_usd_m": cum_cost_years[:, :, -1].sum(axis=1),
        "p_offensive_end": p_off[:, -1],
        "trained_added_end": trained_cum[:, -1],
        "deterrence_ratio_end": ratio[:, -1],
        "coverage_mean": met_total / total_req if total_req > 0 else np.full(size, np.nan),
        "nations_left": (contributors[None, :] & (exits <= months)).sum(axis=1).astype(float),
        "deployed_personnel_mean": dep_total.sum(axis=1) / months,
        "tied_up_personnel_mean": tied_total.sum(axis=1) / months,
    }
    trajectories: dict[str, np.ndarray] = {}
    if keep > 0:
        k = slice(0, keep)
        req = inputs.required[None]
        met_k = met_rows[row[k]]  # (keep, T, J)
        with np.errstate(invalid="ignore", divide="ignore"):
            line_cov = np.where(req > 0, met_k / np.where(req > 0, req, 1.0), np.nan)
            mis_cov = np.where(mis_req > 0, mis_met[k] / np.where(mis_req > 0, mis_req, 1.0),
                               np.nan)
        cov_grid = np.full((keep, months, n_mis, n_cap), np.nan, dtype=np.float32)
        cov_grid[:, :, inputs.line_mission, inputs.line_capability] = line_cov

        def monthly(x: np.ndarray) -> np.ndarray:
            out = np.zeros((keep, months, n_nat), dtype=np.float32)
            out[:, :, rel] = x[:keep].transpose(0, 2, 1)
            return out

        trajectories = {
            "deployed_personnel": monthly(dep_pers),
            "tied_up_personnel": monthly(tied_pers),
            "monthly_cost_usd_m": monthly(cost),
            "coverage": cov_grid,
            "mission_coverage": mis_cov.astype(np.float32),
            "exit_month": exits[k].astype(np.int32),
            "trained_cumulative": trained_cum[k],
            "ukraine_force": ukraine[k],
            "russia_force": russia[k],
            "deterrence_ratio": ratio[k],
            "flags_on_ground": flags[k].astype(np.int16),
            "offensive_hazard": h[k],
            "p_offensive": p_off[k],
        }
        for name, values in params.items():
            trajectories[f"param_{name}"] = values[k]
    # copies, so that nothing kept refers back to (and keeps alive) a whole chunk array
    return _ChunkResult(
        yearly=yearly,
        outcomes={k: np.array(v, dtype=np.float64) for k, v in outcomes.items()},
        trajectories={k: np.array(v) for k, v in trajectories.items()},
    )


#: The largest seed: the netCDF output records it as an unsigned 64-bit integer.
MAX_SEED = 2**64 - 1


def validate_run(draws: int, seed: int, months: int | None) -> None:
    """Raise ValueError with a clear message for out-of-range run settings."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a whole number of at least 1 (got {draws!r})")
    if draws > MAX_DRAWS:
        raise ValueError(f"draws must be at most {MAX_DRAWS:,} (got {draws:,})")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0 (got {seed!r})")
    if seed > MAX_SEED:  # netCDF stores the seed as an unsigned 64-bit integer
        raise ValueError(f"seed must be at most 2**64 - 1 = {MAX_SEED} (got {seed})")
    whole = isinstance(months, int | np.integer) and not isinstance(months, bool)
    if months is not None and (not whole or not 1 <= months <= 240):
        raise ValueError(f"months must be between 1 and 240 (got {months!r})")


def simulate_plan(
    scenario: Scenario,
    plan: PlanLike,
    draws: int = 1000,
    seed: int = 0,
    *,
    months: int | None = None,
    hazard: HazardFunction | None = None,
    keep_draws: int | None = None,
    exact_limit: int = 100_000,
    progress: ProgressCallback | None = None,
) -> xr.Dataset:
    """Run the Monte Carlo model on a given plan; see :func:`forceplan.simulate.simulate`."""
    validate_run(draws, seed, months)
    inputs = compile_inputs(scenario, plan, months)
    uncertainties = effective_uncertainties(scenario)
    keep_total = min(draws, 1000 if keep_draws is None else max(int(keep_draws), 0))
    hazard_fn = hazard or default_offensive_hazard
    tables = build_tables(inputs)
    acc = _Accumulators(
        inputs.years, len(inputs.nations), len(inputs.missions), exact_limit, draws
    )
    outcome_parts: dict[str, list[np.ndarray]] = {k: [] for k in OUTCOMES}
    traj_parts: dict[str, list[np.ndarray]] = {}
    n_blocks = -(-draws // BLOCK)
    done = 0
    with single_blas_thread():  # small matrix products: extra BLAS threads only wait
        for block in range(n_blocks):
            size = min(BLOCK, draws - done)
            keep = max(min(keep_total - done, size), 0)
            params, political, own = sample_chunk(inputs, uncertainties, seed, block, size)
            res = evaluate(inputs, tables, params, political, own, hazard_fn, keep)
            for name, values in res.yearly.items():
                acc.dists[name].add(values)
            for name, values in res.outcomes.items():
                outcome_parts[name].append(values)
            for name, values in res.trajectories.items():
                traj_parts.setdefault(name, []).append(values)
            done += size
            if progress is not None:
                progress(done, draws)
    return _assemble(
        scenario, plan, inputs, uncertainties, seed, draws, keep_total, hazard_fn, acc,
        outcome_parts, traj_parts,
    )


def _assemble(
    scenario: Scenario,
    plan: PlanLike,
    inputs: ModelInputs,
    uncertainties: Mapping[str, Uncertainty],
    seed: int,
    draws: int,
    keep_total: int,
    hazard_fn: HazardFunction,
    acc: _Accumulators,
    outcome_parts: dict[str, list[np.ndarray]],
    traj_parts: dict[str, list[np.ndarray]],
) -> xr.Dataset:
    coords = {
        "draw": np.arange(keep_total),
        "sample": np.arange(draws),
        "month": np.arange(1, inputs.months + 1),
        "year": np.arange(1, inputs.years + 1),
        "nation": list(inputs.nations),
        "mission": list(inputs.missions),
        "capability": list(inputs.capabilities),
        "stat": list(STATS),
    }
    dims_of = {
        "deployed_personnel": ("draw", "month", "nation"),
        "tied_up_personnel": ("draw", "month", "nation"),
        "monthly_cost_usd_m": ("draw", "month", "nation"),
        "coverage": ("draw", "month", "mission", "capability"),
        "mission_coverage": ("draw", "month", "mission"),
        "exit_month": ("draw", "nation"),
    }
    data_vars: dict[str, tuple[tuple[str, ...], np.ndarray, dict[str, str]]] = {}
    for name, parts in traj_parts.items():
        arr = np.concatenate(parts, axis=0)
        dims = dims_of.get(name, ("draw",) if name.startswith("param_") else ("draw", "month"))
        data_vars[name] = (dims, arr, {})
    for name, parts in outcome_parts.items():
        data_vars[f"outcome_{name}"] = (("sample",), np.concatenate(parts), {})
    summary_dims = {
        "deployed_personnel": ("year", "nation"),
        "tied_up_personnel": ("year", "nation"),
        "cumulative_cost_usd_m": ("year", "nation"),
        "coverage": ("year", "mission"),
    }
    for name, dist in acc.dists.items():
        st = dist.stats()
        dims = ("stat", *summary_dims.get(name, ("year",)))
        data_vars[f"summary_{name}"] = (dims, np.stack([st[s] for s in STATS]), {})
    for name in ("p_offensive", "offensive_hazard", "summary_p_offensive"):
        if name in data_vars:
            dims, values, _ = data_vars[name]
            data_vars[name] = (dims, values, {"note": DETERRENCE_NOTE})
    shortfall_units = 0.0
    if len(plan.shortfalls) and "unmet" in plan.shortfalls.columns:
        shortfall_units = float(plan.shortfalls["unmet"].sum())
    unc_doc = {
        name: {k: v for k, v in u.model_dump().items() if v is not None}
        for name, u in uncertainties.items()
    }
    attrs = {
        "title": f"forceplan simulation of {scenario.name}",
        "scenario_name": scenario.name,
        "scenario_hash": scenario_hash(scenario),
        "forceplan_version": _version(),
        "seed": int(seed),
        "draws": int(draws),
        "kept_draws": int(keep_total),
        "months": int(inputs.months),
        "backstop_enabled": int(inputs.backstop_enabled),
        "plan_status": str(getattr(plan, "status", "unknown")),
        "plan_unmet_units": shortfall_units,
        "hazard_model": getattr(hazard_fn, "__qualname__", repr(hazard_fn)),
        "deterrence_note": DETERRENCE_NOTE,
        "uncertainties": json.dumps(unc_doc, sort_keys=True),
        "quantiles": "exact" if draws <= acc.exact_limit else "log-histogram (within 0.1%)",
    }
    return xr.Dataset(
        {k: xr.Variable(d, v, attrs=a) for k, (d, v, a) in data_vars.items()},
        coords=coords,
        attrs=attrs,
    )
