"""Cost: sampled per-unit costs, national cost factors, and who pays (docs/model.md, "Cost").

Per draw b, nation n, capability c and month t:

    unit cost      u_c(b)       triangular(low, value, high) of the capability's cost range,
                                correlated across capabilities by a Gaussian copula
    national cost  m_nc         = s_c f_n + (1 - s_c): the personnel share s_c of the unit cost
                                scales with the nation's cost_factor f_n; equipment does not
    cost           cost_n(t)    = sum_c on_ground_nc(t) u_c(b) m_nc / 12 * growth(b, t)
    growth(b, t)                = overrun(b) (1 + inflation(b))^((t - 1) / 12)

Who pays (``costs.funding``):

    where_they_fall   paid_n = cost_n
    common_fund       paid_n = total cost x GDP_n / GDP of the fund members still in
    un_assessed       the UN pays reimb_n = on-ground personnel_n x rate + the units'
                      equipment share of their cost, u_c (1 - s_c) (contingent-owned
                      equipment), both at fixed rates (no overrun, no inflation);
                      paid_n = cost_n - reimb_n (negative: the UN pays more than it costs)

A nation's exit pressure comes from what its own budget pays (clipped at zero): see
:class:`Pressure`.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from forceplan.scenario import Scenario
from forceplan.simulate.fraying import normal_upper_tail
from forceplan.simulate.inputs import ModelInputs
from forceplan.simulate.parameters import BLOCK, stream
from forceplan.simulate.rotation import year_sums
from forceplan.simulate.tables import Tables

#: sampled unit costs appear among the parameters as unit_cost_<capability id>
UNIT_COST_PREFIX = "unit_cost_"


def unit_cost_name(capability: str) -> str:
    return f"{UNIT_COST_PREFIX}{capability}"


def triangular_quantile(
    u: np.ndarray, low: np.ndarray, mode: np.ndarray, high: np.ndarray
) -> np.ndarray:
    """Inverse CDF of triangular(low, mode, high) at probabilities u (broadcast)."""
    width = np.maximum(high - low, 1e-300)
    split = (mode - low) / width
    below = low + np.sqrt(u * width * (mode - low))
    above = high - np.sqrt((1.0 - u) * width * (high - mode))
    return np.where(u < split, below, above)


def sample_unit_costs(inputs: ModelInputs, seed: int, block: int) -> dict[str, np.ndarray]:
    """One block of every sampled unit cost (US$ m per unit-year), named streams.

    x_c = sqrt(rho) z + sqrt(1 - rho) e_c with z from stream ``unit-cost`` and e_c
    from ``unit-cost/<capability>``; u_c = Phi(x_c) is mapped through the
    triangular quantile function. A capability keeps the same values in every
    scenario that gives it the same range (common random numbers).
    """
    sampled = np.flatnonzero(inputs.unit_cost_sampled)
    if sampled.size == 0:
        return {}
    rho = float(np.clip(inputs.unit_cost_correlation, 0.0, 1.0))
    common = stream(seed, "unit-cost", block).standard_normal(BLOCK)
    out = {}
    for c in sampled:
        cap = inputs.capabilities[c]
        own = stream(seed, f"unit-cost/{cap}", block).standard_normal(BLOCK)
        u = 1.0 - normal_upper_tail(np.sqrt(rho) * common + np.sqrt(1.0 - rho) * own)
        out[unit_cost_name(cap)] = triangular_quantile(
            np.clip(u, 0.0, 1.0),
            inputs.unit_cost_low[c],
            inputs.annual_cost[c],
            inputs.unit_cost_high[c],
        )
    return out


def unit_costs(inputs: ModelInputs, params: Mapping[str, np.ndarray], size: int) -> np.ndarray:
    """(draws, C) US$ m per unit-year: the sampled (or declared) value, else the figure."""
    out = np.broadcast_to(inputs.annual_cost, (size, inputs.annual_cost.size)).copy()
    for c, cap in enumerate(inputs.capabilities):
        values = params.get(unit_cost_name(cap))
        if values is not None:
            out[:, c] = np.maximum(values, 0.0)
    return out


def cost_growth(params: Mapping[str, np.ndarray], months: int) -> np.ndarray:
    """(draws, T) overrun x inflation multiplier on planned cost."""
    t_years = (np.arange(months) / 12.0)[None, :]
    inflation = np.maximum(params["inflation_per_year"], -0.99)[:, None]
    overrun = np.maximum(params["cost_overrun"], 0.0)[:, None]
    return np.asarray(overrun * (1.0 + inflation) ** t_years)


class Pressure:
    """Cost pressure on each paying nation: percentage points of its defence budget that
    its own budget pays for the mission a year, per draw and month.

    First order: computed from the plan (not the re-plan); a common fund's GDP shares
    are those of all its members. Evaluated lazily: :meth:`bound` is a cheap upper bound
    per (draw, nation), :meth:`exact` the monthly values for chosen (draw, nation) pairs,
    since only the few pairs whose bound could make them leave need the exact path.
    """

    def __init__(self, inputs: ModelInputs, unit_cost: np.ndarray, growth: np.ndarray) -> None:
        self.funding = inputs.funding
        self.unit_cost, self.growth = unit_cost, growth  # (B, C), (B, T)
        sends = np.flatnonzero(inputs.planned_by_cap.sum(axis=(0, 2)) > 0)
        # own cost a year per unit of unit cost: planned[t, n, c] x multiplier[n, c]
        own = inputs.planned_by_cap[:, sends, :] * inputs.cost_multiplier[sends][None]
        if self.funding == "common_fund":
            self.nations = np.flatnonzero(inputs.fund_share > 0)
            scale = inputs.fund_share[self.nations] / inputs.defence_budget[self.nations] * 100
            self.weights = own.sum(axis=1)[:, None, :] * scale[None, :, None]  # (T, Np, C)
        else:
            self.nations = sends
            self.weights = own * (100.0 / inputs.defence_budget[sends])[None, :, None]
        self.reimbursed = np.zeros((growth.shape[1], self.nations.size))
        self.equipment = np.zeros((growth.shape[1], self.nations.size, unit_cost.shape[1]))
        if self.funding == "un_assessed":
            scale = 100.0 / inputs.defence_budget[sends]
            people = inputs.planned_personnel[:, sends]
            self.reimbursed = people * inputs.un_rate_person_year * scale
            # contingent-owned equipment: the units' equipment share, per unit of unit cost
            self.equipment = (
                inputs.planned_by_cap[:, sends, :] * inputs.equipment_share[None, None, :]
                * scale[None, :, None]
            )

    def bound(self) -> np.ndarray:
        """(B, Np) an upper bound on each nation's pressure over all months."""
        peak = np.einsum("bc,nc->bn", self.unit_cost, self.weights.max(axis=0))
        return np.asarray(peak * self.growth.max(axis=1)[:, None])

    def exact(self, draws: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """(P, T) pressure of nation ``nations[cols[i]]`` in draw ``draws[i]``, month by month."""
        out = np.empty((draws.size, self.growth.shape[1]))
        for col in np.unique(cols):  # one small product per nation, not a gather per pair
            rows = np.flatnonzero(cols == col)
            u = self.unit_cost[draws[rows]]  # (P_n, C)
            own = np.dot(u, self.weights[:, col, :].T) * self.growth[draws[rows]]
            if self.funding == "un_assessed":
                own -= np.dot(u, self.equipment[:, col, :].T) + self.reimbursed[None, :, col]
                own = np.maximum(own, 0.0)
            out[rows] = own
        return out


def no_pressure(size: int, months: int) -> Pressure:
    """A Pressure on nobody (cost does not move exits)."""
    empty = Pressure.__new__(Pressure)
    empty.funding = "where_they_fall"
    empty.unit_cost, empty.growth = np.zeros((size, 0)), np.ones((size, months))
    empty.nations = np.zeros(0, dtype=np.int64)
    empty.weights = np.zeros((months, 0, 0))
    empty.reimbursed = np.zeros((months, 0))
    empty.equipment = np.zeros((months, 0, 0))
    return empty


def payments(
    inputs: ModelInputs,
    exits: np.ndarray,
    cost: np.ndarray,
    ground_person_months: np.ndarray,
    equipment: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """What each budget pays: nations (draws, N, ...) and the UN (draws, ...), US$ m.

    ``cost`` (draws, N, S) is each nation's cost over S periods (months, or years
    for ``ground_person_months`` summed per year); under a common fund pass monthly
    arrays, since who is still in changes month by month. ``equipment`` (same shape)
    is what the UN reimburses for contingent-owned equipment (UN assessed budget).
    """
    if inputs.funding == "un_assessed":
        reimbursed = ground_person_months * (inputs.un_rate_person_year / 12.0)
        if equipment is not None:
            reimbursed = reimbursed + equipment
        return cost - reimbursed, reimbursed.sum(axis=1)
    no_un = np.zeros((cost.shape[0], cost.shape[2]))
    if inputs.funding == "common_fund":
        months = cost.shape[2]
        present = exits[:, :, None] > np.arange(1, months + 1)[None, None, :]  # (B, N, T)
        weight = inputs.fund_share[None, :, None] * present
        total_weight = weight.sum(axis=1, keepdims=True)
        share = np.divide(weight, total_weight, out=np.zeros_like(weight), where=total_weight > 0)
        total = cost.sum(axis=1, keepdims=True)
        # if every member has gone, costs fall where they fall
        return np.where(total_weight > 0, total * share, cost), no_un
    return cost, no_un


BASIS_TEXT = {
    "additional": "additional (incremental) cost: what deploying adds to what the forces "
    "cost at home",
    "full": "full cost of the units deployed, pay included",
}


def funding_description(scenario: Scenario) -> str:
    """One sentence for every output: the cost basis and who pays."""
    costs = scenario.costs
    basis = BASIS_TEXT[costs.basis]
    if costs.funding == "common_fund":
        members = costs.fund_members or tuple(n.iso for n in scenario.nations)
        payer = (
            f"a common fund: the total is shared by GDP key among {len(members)} nations "
            f"({', '.join(members)}), among those still in each month"
        )
    elif costs.funding == "un_assessed":
        rate = costs.un_reimbursement_usd_per_person_month.value
        payer = (
            f"the UN pays troop contributors US${rate:,.0f} per person per month from its "
            "assessed budget (fixed: no overrun or inflation); each contributor's own budget "
            "bears only what its units cost above that"
        )
    else:
        payer = "costs lie where they fall: each nation pays for its own units"
    return f"Cost basis: {basis}. Who pays: {payer}. US$ million of {scenario.currency_year}."


def weighted_year_sums(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """(L, Y): sum over each year's months of x * w, both (L, T), without a temporary."""
    months = x.shape[1]
    if months % 12:
        return year_sums(x * w, months)
    shape = (x.shape[0], months // 12, 12)
    return np.einsum("lyt,lyt->ly", x.reshape(shape), w.reshape(shape))


def growth_year_sums(growth: np.ndarray, x: np.ndarray) -> np.ndarray:
    """(B, K, Y): sum over each year's months of x[k, t] * growth[b, t]."""
    months = growth.shape[1]
    years = -(-months // 12)
    pad = years * 12 - months
    g = np.pad(growth, ((0, 0), (0, pad))).reshape(growth.shape[0], years, 12)
    xs = np.pad(x, ((0, 0), (0, pad))).reshape(x.shape[0], years, 12)
    # a stacked matmul, (Y, B, 12) @ (Y, 12, K): far faster here than einsum
    return np.asarray(np.matmul(g.transpose(1, 0, 2), xs.transpose(1, 2, 0)).transpose(1, 2, 0))


class PairCost:
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
        multiplier: np.ndarray | None = None,
    ) -> None:
        """``multiplier`` (N, C) scales each unit cost (default: the national cost
        multiplier; the UN's equipment reimbursement passes the equipment share)."""
        self.inputs, self.exits, self.growth = inputs, exits, growth
        scale = inputs.cost_multiplier if multiplier is None else multiplier
        self.pn, self.pc = tables.pair_nation, tables.pair_capability  # grouped by capability
        self.slot = np.full(len(inputs.nations), -1, dtype=np.int64)
        self.slot[rel] = np.arange(rel.size)
        self.n_rel = rel.size
        months = inputs.months
        # US$ m a month per unit on the ground, before overrun and inflation, (B, K)
        self.rate = unit_cost[:, self.pc] * (scale[self.pn, self.pc] / 12.0)[None, :]
        self.planned = tables.pair_on_ground[:, months + 1]  # (K, T): nobody leaves
        left_k, left_b = np.nonzero((exits[:, self.pn] <= months).T)  # by pair: by capability
        self.left_k, self.left_b = left_k, left_b
        self.cut = tables.pair_cut[left_k, exits[left_b, self.pn[left_k]]]  # (L, T)

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
        planned = growth_year_sums(self.growth, self.planned) * self.rate[:, :, None]
        self._add(out, None, planned, np.arange(self.pn.size))
        if self.left_k.size:
            b, k = self.left_b, self.left_k
            delta = weighted_year_sums(self.cut, self.growth[b])
            self._add(out, b, delta * self.rate[b, k][:, None], k)
        return out

    def monthly(self, rows: int) -> np.ndarray:
        """(rows, N_rel, T) the first ``rows`` draws' cost per month."""
        out = np.zeros((rows, self.n_rel, self.inputs.months))
        if rows == 0 or self.pn.size == 0:
            return out
        caps = self.pc
        bounds = np.flatnonzero(np.r_[True, caps[1:] != caps[:-1], True])
        for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):  # no (rows, K, T) temporary
            nations = self.slot[self.pn[lo:hi]]
            out[:, nations] += self.rate[:rows, lo:hi, None] * self.planned[None, lo:hi]
        mine = np.flatnonzero(self.left_b < rows)
        if mine.size:
            b, k = self.left_b[mine], self.left_k[mine]
            self._add(out, b, self.cut[mine] * self.rate[b, k][:, None], k)
        out *= self.growth[:rows, None, :]  # every pair of a draw grows alike
        return out
