"""The model for one chunk of draws with given parameter values (no sampling here).

:func:`evaluate` runs the stages of docs/model.md in order, one function each:
exits (fraying.exit_months) and the re-plan (fraying.replan); personnel and cost
of every contingent (:func:`own_contingents`, :func:`add_donors`); who pays
(:func:`money`); flags, foreign troops and trainers (:func:`presence`);
regeneration and the offensive hazard (:func:`deterrence`); coverage
(:func:`coverage`); then the per-draw results (:func:`collect`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from forceplan.simulate.chunk import (
    ChunkResult,
    Coverage,
    Deterrence,
    Money,
    People,
    Presence,
    Stages,
)
from forceplan.simulate.collect import collect
from forceplan.simulate.costs import (
    PairCost,
    Pressure,
    cost_growth,
    no_pressure,
    payments,
    unit_costs,
)
from forceplan.simulate.deterrence import HazardFunction, HazardInputs, evaluate_hazard
from forceplan.simulate.fraying import Replanned, exit_months, replan
from forceplan.simulate.inputs import ModelInputs
from forceplan.simulate.regeneration import russia_force, trained_cumulative, ukraine_forces
from forceplan.simulate.rotation import rotate, rotate_yearly, year_sums
from forceplan.simulate.tables import Tables


def evaluate(
    inputs: ModelInputs,
    tables: Tables,
    params: Mapping[str, np.ndarray],
    political: np.ndarray,
    own: np.ndarray,
    hazard: HazardFunction,
    keep: int = 0,
    want_parts: bool = False,
) -> ChunkResult:
    """The model for a batch of draws with given parameter values.

    ``params`` maps every uncertainty name (and every sampled unit cost) to an array
    (draws,); ``political`` is the shared standard-normal political factor (draws,),
    ``own`` each nation's standard-normal exit factor (draws, N). ``keep``: how many
    leading draws keep monthly trajectories; ``want_parts``: return every draw's
    log-hazard parts (for compare's attribution).
    """
    size = political.shape[0]
    unit_cost = unit_costs(inputs, params, size)
    growth = cost_growth(params, inputs.months)
    if inputs.cost_pressure_weight > 0:
        pressure = Pressure(inputs, unit_cost, growth)
    else:  # cost does not move exits
        pressure = no_pressure(size, inputs.months)
    exits = exit_months(inputs, params, political, own, pressure)
    rp = replan(inputs, exits)
    monthly_rows = size if inputs.funding == "common_fund" else keep
    people = own_contingents(inputs, tables, exits, unit_cost, growth, keep, monthly_rows)
    add_donors(inputs, tables, exits, rp, unit_cost, growth, people, keep)
    cash = money(inputs, exits, people, keep)
    here = presence(tables, rp)
    det = deterrence(inputs, params, here, hazard, size)
    cov = coverage(inputs, tables, rp)
    result = collect(inputs, params, Stages(exits, rp, people, cash, here, det, cov), keep)
    if want_parts:
        result.hazard_parts = det.stacked_parts()
    # copies, so that nothing kept refers back to (and keeps alive) a whole chunk array
    return ChunkResult(
        yearly=result.yearly,
        outcomes={k: np.array(v, dtype=np.float64) for k, v in result.outcomes.items()},
        trajectories={k: np.array(v) for k, v in result.trajectories.items()},
        hazard_part_names=det.part_names,
        hazard_parts=result.hazard_parts,
    )


def own_contingents(
    inputs: ModelInputs,
    tables: Tables,
    exits: np.ndarray,
    unit_cost: np.ndarray,
    growth: np.ndarray,
    keep: int,
    monthly_rows: int,
) -> People:
    """Each nation's own plan cut at its exit month (table look-ups) and its cost."""
    rel = np.flatnonzero(inputs.relevant)
    exits_rel = exits[:, rel]
    ground_kept = tied_kept = None
    if keep > 0:  # monthly trajectories only for the kept draws
        ground_kept = tables.on_ground_personnel[rel[None, :], exits_rel[:keep]]
        tied_kept = tables.tied_personnel[rel[None, :], exits_rel[:keep]]
    costing = PairCost(inputs, tables, exits, unit_cost, growth, rel)
    equipment_years = equipment_kept = None
    if inputs.funding == "un_assessed":  # the UN reimburses equipment at fixed rates
        share = np.broadcast_to(inputs.equipment_share, inputs.cost_multiplier.shape)
        coe = PairCost(inputs, tables, exits, unit_cost, np.ones_like(growth), rel, share)
        equipment_years, equipment_kept = coe.yearly(), coe.monthly(keep)
    return People(
        rel=rel,
        ground_years=tables.on_ground_personnel_years[rel[None, :], exits_rel],
        tied_years=tables.tied_personnel_years[rel[None, :], exits_rel],
        cost_years=costing.yearly(),
        cost_monthly=costing.monthly(monthly_rows),
        ground_kept=ground_kept,
        tied_kept=tied_kept,
        equipment_years=equipment_years,
        equipment_kept=equipment_kept,
    )


def add_by_capability(
    target: np.ndarray, rows: np.ndarray, cols: np.ndarray, caps: np.ndarray, values: np.ndarray
) -> None:
    """target[rows[i], cols[i]] += values[i], one capability block at a time.

    Rows come grouped by capability, and within one capability every (draw, nation)
    appears once, so plain fancy-index addition is exact (indexing the first two axes
    works whatever the arrays' memory layout).
    """
    bounds = np.flatnonzero(np.r_[True, caps[1:] != caps[:-1], True])
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        target[rows[lo:hi], cols[lo:hi]] += values[lo:hi]


@dataclass(frozen=True)
class _Donors:
    """The (donor pair, draw) rows that took on units, grouped by capability."""

    pair: np.ndarray  # (M,) donor pair
    draw: np.ndarray  # (M,)
    nation: np.ndarray  # (M,)
    cap: np.ndarray  # (M,)
    deployed: np.ndarray  # (M, T) the donor's own plan plus what it took on
    table: np.ndarray  # (M,) its planned pair in the tables, or -1
    exit: np.ndarray  # (M,) its exit month


def _donor_rows(inputs: ModelInputs, tables: Tables, exits: np.ndarray,
                rp: Replanned) -> _Donors | None:
    p_idx, s_idx = np.nonzero(rp.taken)
    if not s_idx.size:
        return None
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
    present_m = exits[b_m, n_m][:, None] > np.arange(1, inputs.months + 1)[None, :]  # (M, T)
    deployed = (
        inputs.planned_by_cap[:, n_m, c_m].T * present_m
        + rp.taken[p_m[:, None], rp.need_pos[rp.row[b_m]]]
    )
    return _Donors(p_m, b_m, n_m, c_m, deployed, tables.pair_index[n_m, c_m], exits[b_m, n_m])


def add_donors(
    inputs: ModelInputs,
    tables: Tables,
    exits: np.ndarray,
    rp: Replanned,
    unit_cost: np.ndarray,
    growth: np.ndarray,
    people: People,
    keep: int,
) -> None:
    """Donors that took on units: rotate their whole contingent again, draw by draw, and
    add what it adds to their personnel and cost (in place)."""
    d = _donor_rows(inputs, tables, exits, rp)
    if d is None:
        return
    og_m, og_years_m, tied_years_m = rotate_yearly(
        d.deployed,
        inputs.tour[d.cap],
        inputs.ratio[d.cap],
        inputs.overlap[d.cap],
        continues=inputs.mission_continues,
    )
    has_plan = (d.table >= 0)[:, None]

    def planned(table: np.ndarray) -> np.ndarray:
        return np.where(has_plan, table[d.table, d.exit], 0.0)

    extra_og = og_m - planned(tables.pair_on_ground)
    pers = inputs.personnel[d.cap][:, None]
    slot = np.full(len(inputs.nations), -1, dtype=np.int64)
    slot[people.rel] = np.arange(people.rel.size)
    s_m = slot[d.nation]
    extra_cost = extra_og * (
        unit_cost[d.draw, d.cap] * inputs.cost_multiplier[d.nation, d.cap] / 12.0
    )[:, None] * growth[d.draw]  # (M, T) US$ m a month
    for target, extra in (
        (people.ground_years, (og_years_m - planned(tables.pair_on_ground_years)) * pers),
        (people.tied_years, (tied_years_m - planned(tables.pair_tied_years)) * pers),
        (people.cost_years, year_sums(extra_cost, inputs.months)),
    ):
        add_by_capability(target, d.draw, s_m, d.cap, extra)
    if people.equipment_years is not None and people.equipment_kept is not None:
        coe = extra_og * (unit_cost[d.draw, d.cap] * inputs.equipment_share[d.cap] / 12.0)[:, None]
        add_by_capability(people.equipment_years, d.draw, s_m, d.cap,
                          year_sums(coe, inputs.months))
        mine = np.flatnonzero(d.draw < people.equipment_kept.shape[0])
        add_by_capability(people.equipment_kept, d.draw[mine], s_m[mine], d.cap[mine],
                          coe[mine])
    rows = people.cost_monthly.shape[0]
    if rows:  # the months of the draws that need them
        mine = np.flatnonzero(d.draw < rows)
        add_by_capability(people.cost_monthly, d.draw[mine], s_m[mine], d.cap[mine],
                          extra_cost[mine])
    if keep > 0 and people.ground_kept is not None and people.tied_kept is not None:
        kept = np.flatnonzero(d.draw < keep)  # monthly tied-up personnel of the kept draws
        _, tied_k = rotate(
            d.deployed[kept][None],
            inputs.tour[d.cap[kept]],
            inputs.ratio[d.cap[kept]],
            inputs.overlap[d.cap[kept]],
            continues=inputs.mission_continues,
        )
        base_k = np.where(has_plan[kept], tables.pair_tied[d.table[kept], d.exit[kept]], 0.0)
        b_k, s_k, c_k = d.draw[kept], s_m[kept], d.cap[kept]
        add_by_capability(people.ground_kept, b_k, s_k, c_k, (extra_og * pers)[kept])
        add_by_capability(people.tied_kept, b_k, s_k, c_k, (tied_k[0] - base_k) * pers[kept])


def money(inputs: ModelInputs, exits: np.ndarray, people: People, keep: int) -> Money:
    """What each budget pays under the funding rule (costs include overrun and inflation)."""
    months = inputs.months
    n_nat = exits.shape[1]

    def full(x: np.ndarray) -> np.ndarray:
        out = np.zeros((x.shape[0], n_nat, x.shape[2]))
        out[:, people.rel] = x
        return out

    monthly: tuple[np.ndarray, np.ndarray] | None = None
    if inputs.funding == "where_they_fall":  # each budget pays its own units' cost
        paid_years = full(people.cost_years)
        un_years = np.zeros((exits.shape[0], inputs.years))
    elif inputs.funding == "common_fund":  # shares change month by month as members leave
        monthly = payments(inputs, exits, full(people.cost_monthly), np.zeros(0))
        paid_years, un_years = year_sums(monthly[0], months), year_sums(monthly[1], months)
    else:
        equipment = None if people.equipment_years is None else full(people.equipment_years)
        paid_years, un_years = payments(
            inputs, exits, full(people.cost_years), full(people.ground_years), equipment
        )
        # a budget never pays less than nothing: a surplus of reimbursement is the contributor's
        # gain, not a payment (netted within each budget year; per month for the kept draws)
        paid_years = np.maximum(paid_years, 0.0)
    paid_kept = un_kept = None
    if keep > 0:
        if monthly is None:
            assert people.ground_kept is not None
            kept_equipment = (
                None if people.equipment_kept is None else full(people.equipment_kept)
            )
            paid_kept, un_kept = payments(
                inputs, exits[:keep], full(people.cost_monthly[:keep]), full(people.ground_kept),
                kept_equipment,
            )
        else:
            paid_kept, un_kept = monthly[0][:keep], monthly[1][:keep]
        paid_kept = np.maximum(paid_kept, 0.0)
    return Money(
        people.cost_monthly[:keep], people.cost_years, paid_years, un_years, paid_kept, un_kept
    )


def presence(tables: Tables, rp: Replanned) -> Presence:
    """Flags, foreign personnel on the ground and trainers: constant between event rows."""
    row, row_t = rp.row, rp.row_t
    planned_ground_rows = tables.planned_ground[row_t] * rp.row_present  # (R, N)
    on_ground_rows = (planned_ground_rows > 0) | (rp.refill_ground_personnel > 0)
    return Presence(
        flags=on_ground_rows.sum(axis=1)[row],
        foreign_ground=(
            planned_ground_rows.sum(axis=1) + rp.refill_ground_personnel.sum(axis=1)
        )[row],
        trainers=(
            (tables.planned_training[row_t] * rp.row_present).sum(axis=1)
            + rp.refill_training_personnel.sum(axis=1)
        )[row],
    )


def deterrence(
    inputs: ModelInputs,
    params: Mapping[str, np.ndarray],
    here: Presence,
    hazard: HazardFunction,
    size: int,
) -> Deterrence:
    """Regeneration, the deterrence ratio and the offensive hazard (with its parts)."""
    months = inputs.months
    trained = trained_cumulative(params, here.trainers)
    ukraine, effective = ukraine_forces(params, trained)
    russia = russia_force(params, months)
    weight = np.maximum(params["foreign_troop_weight"], 0.0)[:, None]
    ratio = (effective + weight * here.foreign_ground) / russia
    x = HazardInputs(
        month=np.arange(1, months + 1),
        deterrence_ratio=ratio,
        ukraine_force=ukraine,
        ukraine_effective_force=effective,
        russia_force=russia,
        foreign_on_ground=here.foreign_ground,
        flags_on_ground=here.flags.astype(float),
        backstop_enabled=inputs.backstop_enabled,
        params={k: v[:, None] for k, v in params.items()},
    )
    h, parts = evaluate_hazard(hazard, x, (size, months))
    return Deterrence(
        trained=trained,
        ukraine=ukraine,
        ukraine_effective=effective,
        russia=russia,
        ratio=ratio,
        hazard=h,
        p_offensive=-np.expm1(-np.cumsum(h, axis=1)),
        parts=parts or {},
    )


def coverage(inputs: ModelInputs, tables: Tables, rp: Replanned) -> Coverage:
    """Units met per line, computed per event row, then looked up per month."""
    base_line = inputs.planned.sum(axis=1) + inputs.backstop_planned  # (T, J)
    covered_rows = base_line[rp.row_t] + rp.refill_line + rp.backstop_line - rp.gap  # (R, J)
    met_rows = np.minimum(np.maximum(covered_rows, 0.0), inputs.required[rp.row_t])
    mis_met = (met_rows @ tables.line_to_mission)[rp.row]  # (B, T, M)
    months = inputs.months
    with np.errstate(invalid="ignore", divide="ignore"):
        yearly = year_sums(mis_met.transpose(0, 2, 1), months) / year_sums(
            tables.mission_required.T, months
        )[None]  # (B, M, Y)
    return Coverage(met_rows, mis_met, tables.mission_required, yearly)
