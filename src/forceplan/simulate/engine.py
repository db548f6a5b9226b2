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
from forceplan.simulate.rotation import rotate

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
    "deployed_personnel_peak",
    "tied_up_personnel_mean",
)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("forceplan")
    except PackageNotFoundError:
        return "0.0.0+unknown"


@dataclass
class _Accumulators:
    years: int
    n_nat: int
    n_mis: int
    exact_limit: int
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
        self.dists = {k: Distribution(s, self.exact_limit) for k, s in shapes.items()}


def _year_mean(x: np.ndarray, years: int) -> np.ndarray:
    """(draws, T, ...) -> (draws, years, ...) mean over each year's months (NaN-aware)."""
    months = x.shape[1]
    pad = years * 12 - months
    if pad:
        x = np.concatenate([x, np.full((x.shape[0], pad, *x.shape[2:]), np.nan)], axis=1)
    shaped = x.reshape(x.shape[0], years, 12, *x.shape[2:])
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.asarray(np.nanmean(shaped, axis=2))


def _year_end(months: int, years: int) -> np.ndarray:
    return np.minimum(np.arange(1, years + 1) * 12, months) - 1


@dataclass
class _ChunkResult:
    yearly: dict[str, np.ndarray]
    outcomes: dict[str, np.ndarray]
    trajectories: dict[str, np.ndarray]


def _run_chunk(
    inputs: ModelInputs,
    uncertainties: Mapping[str, Uncertainty],
    seed: int,
    block: int,
    size: int,
    hazard: HazardFunction,
    keep: int,
) -> _ChunkResult:
    months, years = inputs.months, inputs.years
    n_nat = len(inputs.nations)
    n_cap = len(inputs.capabilities)
    n_mis = len(inputs.missions)
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
    t_years = (np.arange(months) / 12.0)[None, :]
    inflation = np.maximum(params["inflation_per_year"], -0.99)[:, None]
    cost_growth = np.maximum(params["cost_overrun"], 0.0)[:, None] * (1.0 + inflation) ** t_years

    exits = exit_months(inputs, params, political, own, cost_growth)
    rp = replan(inputs, exits)
    present = rp.present  # (B, T, N)
    row = rp.row

    # deployed units per active (nation, capability) pair
    planned_by_cap = np.zeros((months, n_nat, n_cap))
    for j, c in enumerate(inputs.line_capability):
        planned_by_cap[:, :, c] += inputs.planned[:, :, j]
    active = (planned_by_cap.sum(axis=0) > 0) | (rp.refill_pair.sum(axis=0) > 0)
    pair_n, pair_c = np.nonzero(active)
    deployed = (
        planned_by_cap[None, :, pair_n, pair_c] * present[:, :, pair_n]
        + rp.refill_pair[row][:, :, pair_n, pair_c]
    )  # (B, T, K)
    deployed_kt = np.ascontiguousarray(deployed.transpose(0, 2, 1))
    on_ground, tied = rotate(
        deployed_kt,
        inputs.tour[pair_c],
        inputs.ratio[pair_c],
        inputs.overlap[pair_c],
        continues=inputs.mission_continues,
    )
    n_pairs = pair_n.size
    w_pers = np.zeros((n_pairs, n_nat))
    w_pers[np.arange(n_pairs), pair_n] = inputs.personnel[pair_c]
    w_cost = np.zeros((n_pairs, n_nat))
    w_cost[np.arange(n_pairs), pair_n] = inputs.annual_cost[pair_c] / 12.0
    og_t = on_ground.transpose(0, 2, 1)
    dep_pers = og_t @ w_pers  # (B, T, N)
    tied_pers = tied.transpose(0, 2, 1) @ w_pers
    cost = (og_t @ w_cost) * cost_growth[:, :, None]  # US$ m per month
    cum_cost = np.cumsum(cost, axis=1)

    # flags, foreign personnel on the ground, trainers
    line_pers = inputs.personnel[inputs.line_capability]  # (J,)
    planned_ground = (inputs.planned * (line_pers * inputs.line_on_ground)).sum(axis=2)  # (T, N)
    planned_train = (inputs.planned * (line_pers * inputs.line_training)).sum(axis=2)
    refill_ground = rp.refill_ground_personnel[row]  # (B, T, N)
    ground_nations = ((planned_ground[None] > 0) & present) | (refill_ground > 0)
    flags = ground_nations.sum(axis=2).astype(float)
    foreign_ground = (planned_ground[None] * present).sum(axis=2) + refill_ground.sum(axis=2)
    trainers = (planned_train[None] * present).sum(axis=2) + rp.refill_training_personnel[
        row
    ].sum(axis=2)

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
        flags_on_ground=flags,
        backstop_enabled=inputs.backstop_enabled,
        params={k: v[:, None] for k, v in params.items()},
    )
    h = check_hazard(hazard(h_inputs), (size, months))
    p_off = -np.expm1(-np.cumsum(h, axis=1))

    # coverage per line and per mission
    planned_line = inputs.planned.sum(axis=1)  # (T, J)
    covered = (
        planned_line[None]
        - rp.gap[row]
        + rp.refill_line[row]
        + inputs.backstop_planned[None]
        + rp.backstop_line[row]
    )
    req = inputs.required[None]
    met = np.minimum(np.maximum(covered, 0.0), req)
    with np.errstate(invalid="ignore", divide="ignore"):
        line_cov = np.where(req > 0, met / np.where(req > 0, req, 1.0), np.nan)
    mis_met = np.zeros((size, months, n_mis))
    mis_req = np.zeros((1, months, n_mis))
    for m in range(n_mis):
        sel = inputs.line_mission == m
        mis_met[:, :, m] = met[:, :, sel].sum(axis=2)
        mis_req[:, :, m] = req[:, :, sel].sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mis_cov = np.where(mis_req > 0, mis_met / np.where(mis_req > 0, mis_req, 1.0), np.nan)

    # contributors: nations the plan uses at all
    contributors = inputs.planned.sum(axis=(0, 2)) > 0
    remaining = (present & contributors[None, None, :]).sum(axis=2).astype(float)

    ends = _year_end(months, years)
    yearly = {
        "deployed_personnel": _year_mean(dep_pers, years),
        "tied_up_personnel": _year_mean(tied_pers, years),
        "cumulative_cost_usd_m": cum_cost[:, ends, :],
        "deployed_personnel_total": _year_mean(dep_pers.sum(axis=2), years),
        "tied_up_personnel_total": _year_mean(tied_pers.sum(axis=2), years),
        "cumulative_cost_total_usd_m": cum_cost[:, ends, :].sum(axis=2),
        "coverage": _year_mean(mis_cov, years),
        "trained_added": trained_cum[:, ends],
        "deterrence_ratio": ratio[:, ends],
        "p_offensive": p_off[:, ends],
        "nations_remaining": remaining[:, ends],
        "flags_on_ground": flags[:, ends],
    }
    total_req = req.sum()
    outcomes = {
        "total_cost_usd_m": cum_cost[:, -1, :].sum(axis=1),
        "p_offensive_end": p_off[:, -1],
        "trained_added_end": trained_cum[:, -1],
        "deterrence_ratio_end": ratio[:, -1],
        "coverage_mean": met.sum(axis=(1, 2)) / total_req if total_req > 0 else np.ones(size),
        "nations_left": (contributors[None, :] & (exits <= months)).sum(axis=1).astype(float),
        "deployed_personnel_peak": dep_pers.sum(axis=2).max(axis=1),
        "tied_up_personnel_mean": tied_pers.sum(axis=2).mean(axis=1),
    }
    trajectories: dict[str, np.ndarray] = {}
    if keep > 0:
        k = slice(0, keep)
        cov_grid = np.full((keep, months, n_mis, n_cap), np.nan, dtype=np.float32)
        cov_grid[:, :, inputs.line_mission, inputs.line_capability] = line_cov[k]
        trajectories = {
            "deployed_personnel": dep_pers[k].astype(np.float32),
            "tied_up_personnel": tied_pers[k].astype(np.float32),
            "monthly_cost_usd_m": cost[k].astype(np.float32),
            "coverage": cov_grid,
            "mission_coverage": mis_cov[k].astype(np.float32),
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
    return _ChunkResult(yearly=yearly, outcomes=outcomes, trajectories=trajectories)


def validate_run(draws: int, seed: int, months: int | None) -> None:
    """Raise ValueError with a clear message for out-of-range run settings."""
    if isinstance(draws, bool) or not isinstance(draws, int | np.integer) or draws < 1:
        raise ValueError(f"draws must be a whole number of at least 1 (got {draws!r})")
    if draws > MAX_DRAWS:
        raise ValueError(f"draws must be at most {MAX_DRAWS:,} (got {draws:,})")
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a whole number of at least 0 (got {seed!r})")
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
    acc = _Accumulators(inputs.years, len(inputs.nations), len(inputs.missions), exact_limit)
    outcome_parts: dict[str, list[np.ndarray]] = {k: [] for k in OUTCOMES}
    traj_parts: dict[str, list[np.ndarray]] = {}
    n_blocks = -(-draws // BLOCK)
    done = 0
    for block in range(n_blocks):
        size = min(BLOCK, draws - done)
        keep = max(min(keep_total - done, size), 0)
        res = _run_chunk(inputs, uncertainties, seed, block, size, hazard_fn, keep)
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
