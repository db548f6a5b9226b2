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

from forceplan.simulate.costs import (
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
    costing = _PairCost(inputs, tables, exits, unit_cost, growth, rel)
    return People(
        rel=rel,
        ground_years=tables.on_ground_personnel_years[rel[None, :], exits_rel],
        tied_years=tables.tied_personnel_years[rel[None, :], exits_rel],
        cost_years=costing.yearly(),
        cost_monthly=costing.monthly(monthly_rows),
        ground_kept=ground_kept,
        tied_kept=tied_kept,
    )


def _growth_year_sums(growth: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(B, K, Y): sum over each year's months of x[k, t] * growth[b, t]."""
    months = growth.shape[1]
    years = -(-months // 12)
    pad = years * 12 - months
    g = np.pad(growth, ((0, 0), (0, pad))).reshape(growth.shape[0], years, 12)
    xs = np.pad(x, ((0, 0), (0, pad))).reshape(x.shape[0], years, 12)
    # a stacked matmul, (Y, B, 12) @ (Y, 12, K): far faster here than einsum
    return np.asarray(np.matmul(g.transpose(1, 0, 2), xs.transpose(1, 2, 0)).transpose(1, 2, 0))


class _PairCost:
    """Cost of each nation's planned pairs: every draw's yearly sums, some draws' months.

    The plan as if nobody left is summed capability by capability; the (draw, pair)s
    whose nation leaves are then corrected by the difference of their cut trajectory.
    """

    def __init__(
        self,
        inputs: ModelInputs,
        tables: Tables,
        exits: np.ndarray,
        unit_cost: np.ndarray,
        growth: np.ndarray,
        rel: np.ndarray,
    ) -> None:
        self.inputs, self.exits, self.growth = inputs, exits, growth
        self.pn, self.pc = tables.pair_nation, tables.pair_capability  # grouped by capability
        self.slot = np.full(len(inputs.nations), -1, dtype=np.int64)
        self.slot[rel] = np.arange(rel.size)
        self.n_rel = rel.size
        months = inputs.months
        # US$ m a month per unit on the ground, before overrun and inflation, (B, K)
        self.rate = unit_cost[:, self.pc] * (
            inputs.cost_multiplier[self.pn, self.pc] / 12.0
        )[None, :]
        self.planned = tables.pair_on_ground[:, months + 1]  # (K, T): nobody leaves
        left_k, left_b = np.nonzero((exits[:, self.pn] <= months).T)  # by pair: by capability
        self.left_k, self.left_b = left_k, left_b
        self.cut = (
            tables.pair_on_ground[left_k, exits[left_b, self.pn[left_k]]] - self.planned[left_k]
        )  # (L, T)

    def _add(
        self, out: np.ndarray, rows: np.ndarray | None, values: np.ndarray, pairs: np.ndarray
    ) -> None:
        """out[row, slot of the pair's nation] += values, one capability block at a time
        (within a block every (draw, nation) appears once, so plain addition is exact)."""
        caps = self.pc[pairs]
        bounds = np.flatnonzero(np.r_[True, caps[1:] != caps[:-1], True])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
            nations = self.slot[self.pn[pairs[lo:hi]]]
            if rows is None:
                out[:, nations] += values[:, lo:hi]
            else:
                out[rows[lo:hi], nations] += values[lo:hi]

    def yearly(self) -> np.ndarray:
        """(B, N_rel, Y) every draw's cost per year."""
        out = np.zeros((self.exits.shape[0], self.n_rel, self.inputs.years))
        if self.pn.size == 0:
            return out
        planned = _growth_year_sums(self.growth, self.planned) * self.rate[:, :, None]
        self._add(out, None, planned, np.arange(self.pn.size))
        if self.left_k.size:
            b, k = self.left_b, self.left_k
            delta = year_sums(self.cut * self.growth[b], self.inputs.months)
            self._add(out, b, delta * self.rate[b, k][:, None], k)
        return out

    def monthly(self, rows: int) -> np.ndarray:
        """(rows, N_rel, T) the first ``rows`` draws' cost per month."""
        out = np.zeros((rows, self.n_rel, self.inputs.months))
        if rows == 0 or self.pn.size == 0:
            return out
        planned = self.rate[:rows, :, None] * self.planned[None] * self.growth[:rows, None, :]
        self._add(out, None, planned, np.arange(self.pn.size))
        mine = np.flatnonzero(self.left_b < rows)
        if mine.size:
            b, k = self.left_b[mine], self.left_k[mine]
            delta = self.cut[mine] * (self.rate[b, k][:, None] * self.growth[b])
            self._add(out, b, delta, k)
        return out


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
    p_idx, s_idx = np.nonzero(rp.taken)
    if not s_idx.size:
        return
    months = inputs.months
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
        + rp.taken[p_m[:, None], rp.need_pos[rp.row[b_m]]]
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
    slot = np.full(len(inputs.nations), -1, dtype=np.int64)
    slot[people.rel] = np.arange(people.rel.size)
    s_m = slot[n_m]
    extra_cost = extra_og * (
        unit_cost[b_m, c_m] * inputs.cost_multiplier[n_m, c_m] / 12.0
    )[:, None] * growth[b_m]  # (M, T) US$ m a month
    bounds = np.flatnonzero(np.r_[True, c_m[1:] != c_m[:-1], True])
    targets = (
        (people.ground_years, extra_og_years),
        (people.tied_years, extra_tied_years),
        (people.cost_years, year_sums(extra_cost, months)),
    )
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):  # per capability
        for target, extra in targets:
            target[b_m[lo:hi], s_m[lo:hi]] += extra[lo:hi]
    rows = people.cost_monthly.shape[0]
    if rows:  # the months of the draws that need them
        mine = np.flatnonzero(b_m < rows)
        b_r, s_r, c_r, cost_r = b_m[mine], s_m[mine], c_m[mine], extra_cost[mine]
        bounds_r = np.flatnonzero(np.r_[True, c_r[1:] != c_r[:-1], True])
        for lo, hi in zip(bounds_r[:-1], bounds_r[1:], strict=True):
            people.cost_monthly[b_r[lo:hi], s_r[lo:hi]] += cost_r[lo:hi]
    if keep > 0 and people.ground_kept is not None and people.tied_kept is not None:
        kept = np.flatnonzero(b_m < keep)  # monthly tied-up personnel of the kept draws' donors
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
            (people.ground_kept, (extra_og * pers)[kept]),
            (people.tied_kept, extra_tied_k),
        ):
            for lo, hi in zip(bounds_k[:-1], bounds_k[1:], strict=True):
                target[b_k[lo:hi], s_k[lo:hi]] += extra[lo:hi]


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
        paid_years, un_years = payments(
            inputs, exits, full(people.cost_years), full(people.ground_years)
        )
        # a budget never pays less than nothing: a surplus of reimbursement is the contributor's
        # gain, not a payment (netted within each budget year; per month for the kept draws)
        paid_years = np.maximum(paid_years, 0.0)
    paid_kept = un_kept = None
    if keep > 0:
        if monthly is None:
            assert people.ground_kept is not None
            paid_kept, un_kept = payments(
                inputs, exits[:keep], full(people.cost_monthly[:keep]), full(people.ground_kept)
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


def _year_counts(months: int) -> np.ndarray:
    return np.diff(np.append(np.arange(0, months, 12), months)).astype(float)


def _year_end(months: int, years: int) -> np.ndarray:
    return np.minimum(np.arange(1, years + 1) * 12, months) - 1


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

