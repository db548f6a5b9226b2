"""Coalition fraying: who leaves when, and how what they leave is re-planned.

Exit (docs/model.md, "Coalition fraying"): nation n's monthly exit hazard is

    h_n(t) = lambda_n * s * exp(beta_cost * pressure_n(t) + beta_cas * casualties_n(t) / 100)

(pressure_n: the percentage of n's defence budget that n's own budget pays for the
mission per year, under the scenario's funding rule: see costs.py)

with lambda_n = -ln(1 - p_stance) / 12 from the annual exit probability of its
stance, s the draw's ``exit_hazard_scale``. Its latent propensity
X_n = sqrt(rho) Z + sqrt(1 - rho) eps_n (Z shared by all nations of the draw:
the political climate; eps_n its own; rho = ``political_correlation``) gives
U_n = Phi(X_n), and the nation is gone from the first month t with
1 - exp(-H_n(t)) >= U_n, H_n(t) = sum of h_n over months 1..t (a Gaussian
copula: each nation keeps its stated marginal exit probability).

Re-planning: see :func:`replan`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from forceplan.simulate.inputs import ModelInputs

if TYPE_CHECKING:
    from forceplan.simulate.costs import Pressure


def normal_upper_tail(x: np.ndarray) -> np.ndarray:
    """Q(x) = 1 - Phi(x), Abramowitz & Stegun 26.2.17 (absolute error < 7.5e-8)."""
    ax = np.abs(x)
    t = 1.0 / (1.0 + 0.2316419 * ax)
    poly = t * (0.319381530 + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978
                                                                           + t * 1.330274429))))
    tail = np.exp(-0.5 * ax * ax) / np.sqrt(2.0 * np.pi) * poly
    return np.where(x >= 0, tail, 1.0 - tail)


def exit_months(
    inputs: ModelInputs,
    params: Mapping[str, np.ndarray],
    political_factor: np.ndarray,
    own_factor: np.ndarray,
    pressure: Pressure,
) -> np.ndarray:
    """(draws, N) month from which each nation is gone; ``months + 1`` if it stays.

    ``political_factor`` (draws,) and ``own_factor`` (draws, N) are standard normal;
    ``pressure`` gives the percentage of each paying nation's defence budget its own
    budget pays for the mission per year (costs.Pressure).
    """
    months = inputs.months
    rho = np.clip(params["political_correlation"], 0.0, 0.999)[:, None]
    latent = np.sqrt(rho) * political_factor[:, None] + np.sqrt(1.0 - rho) * own_factor
    # threshold on the cumulative hazard: -ln(1 - U) = -ln(Q(X))
    threshold = -np.log(np.maximum(normal_upper_tail(latent), 1e-300))
    rate = inputs.stance_rate[None, :] * np.maximum(params["exit_hazard_scale"], 0.0)[:, None]
    never = months + 1
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        first = np.ceil(threshold / rate - 1e-9)
    first = np.where(rate > 0, first, np.inf)
    out = np.clip(np.nan_to_num(first, posinf=never), 1, never).astype(np.int64)
    if inputs.cost_pressure_weight > 0 or inputs.casualty_weight > 0:
        # time-varying hazard only for nations that pay for the mission or send people
        pers = inputs.planned_personnel  # (T, N)
        varying = np.union1d(pressure.nations, np.flatnonzero(pers.sum(axis=0) > 0))
        if varying.size:
            pays = np.isin(varying, pressure.nations)  # which varying nations pay
            col = np.searchsorted(pressure.nations, varying)  # their column in pressure
            casualties_per_rate = np.cumsum(pers[:, varying], axis=0) / 12.0 / 1000.0
            casualty_rate = np.maximum(params["casualty_rate_per_1000_per_year"], 0.0)
            beta_cost = inputs.cost_pressure_weight
            beta_cas = inputs.casualty_weight / 100.0
            # an upper bound on H(T) rules out most (draw, nation) pairs cheaply
            cost_bound = np.zeros((threshold.shape[0], varying.size))
            cost_bound[:, pays] = pressure.bound()[:, col[pays]]
            bound = beta_cost * cost_bound + beta_cas * casualty_rate[
                :, None
            ] * casualties_per_rate.max(axis=0)[None]
            rate_v = rate[:, varying]
            thr_v = threshold[:, varying]
            maybe = thr_v <= rate_v * months * np.exp(bound)
            out[:, varying] = np.where(maybe, out[:, varying], never)
            bi, vi = np.nonzero(maybe)
            if bi.size:
                log_mult = beta_cas * (casualty_rate[bi][:, None] * casualties_per_rate[:, vi].T)
                paying = np.flatnonzero(pays[vi])  # (pairs, T) below
                if paying.size:
                    log_mult[paying] += beta_cost * pressure.exact(
                        bi[paying], col[vi[paying]]
                    )
                cum = np.cumsum(np.exp(log_mult), axis=1) * rate_v[bi, vi][:, None]
                out[bi, varying[vi]] = (cum < thr_v[bi, vi][:, None]).sum(axis=1) + 1
    forced = inputs.forced_exit[None, :]
    return np.where(forced > 0, np.minimum(out, forced), out)


def _by_nation(per_pair: np.ndarray, nation: np.ndarray, n_nat: int) -> np.ndarray:
    """Sum rows of (P, S) per donor pair into (N, S) per nation."""
    out = np.zeros((n_nat, per_pair.shape[1]))
    used = np.flatnonzero(per_pair.any(axis=1))
    if used.size == 0:
        return out
    order = used[np.argsort(nation[used], kind="stable")]
    nat_sorted = nation[order]
    starts = np.flatnonzero(np.r_[True, nat_sorted[1:] != nat_sorted[:-1]])
    out[nat_sorted[starts]] = np.add.reduceat(per_pair[order], starts, axis=0)
    return out


@dataclass(frozen=True)
class Replanned:
    """The coalition month by month after departures and re-planning, for one chunk."""

    row: np.ndarray  # (draws, T) index into the event rows below
    row_draw: np.ndarray  # (R,) draw of each event row
    row_t: np.ndarray  # (R,) month index (0-based) of each event row
    row_present: np.ndarray  # (R, N) who is present in each event row
    gap: np.ndarray  # (R, J) units left behind by departed nations
    refill_line: np.ndarray  # (R, J) units re-filled by other nations
    backstop_line: np.ndarray  # (R, J) units re-filled by the backstop
    taken: np.ndarray  # (P, S + 1) units re-filled by each donor pair per re-planned row
    need_pos: np.ndarray  # (R,) event row -> column of ``taken`` (S: nothing re-planned)
    refill_ground_personnel: np.ndarray  # (R, N) of which on on-ground missions
    refill_training_personnel: np.ndarray  # (R, N) of which on the training mission


def replan(inputs: ModelInputs, exits: np.ndarray) -> Replanned:
    """Re-plan every month from the nations still present (vectorised greedy).

    Rule (docs/model.md, "Re-planning"): in every month, the units planned for
    nations that have left make a gap per requirement line. Lines are served in
    mission-priority order; each line takes, in a fixed donor order (stance,
    then most spare units, then ISO code), what present donors still have spare
    of that capability (after rotation, floors, the army-share cap and what
    earlier lines took) and whose caveats allow it, then what is left of the
    backstop's capacity if it is switched on. What remains is a shortfall.
    Re-planning starts from scratch each month (it is a function of who is
    present and of the phase), so it only needs computing in "event" months:
    month 1, phase changes and months in which someone leaves.
    """
    n_draws = exits.shape[0]
    months = inputs.months
    n_nat = len(inputs.nations)
    n_lines = inputs.required.shape[1]

    event = np.broadcast_to(inputs.change_months, (n_draws, months)).copy()
    # only departures of nations that matter (they send or could send units) are events
    leave_d, leave_n = np.nonzero((exits <= months) & inputs.relevant[None, :])
    event[leave_d, exits[leave_d, leave_n] - 1] = True
    flat = event.ravel()
    row = (np.cumsum(flat) - 1).reshape(n_draws, months)
    rows = np.flatnonzero(flat)
    row_draw, row_t = rows // months, rows % months
    n_rows = rows.size
    row_present = exits[row_draw] > (row_t + 1)[:, None]  # (R, N): present in that month

    gap = np.zeros((n_rows, n_lines))
    segment = np.cumsum(inputs.change_months) - 1  # plan is constant within a segment
    row_segment = segment[row_t]
    absent = ~row_present
    for seg in range(int(segment[-1]) + 1):
        sel = row_segment == seg
        t0 = int(np.argmax(segment == seg))
        gap[sel] = absent[sel].astype(float) @ inputs.planned[t0]

    refill_line = np.zeros((n_rows, n_lines))
    backstop_line = np.zeros((n_rows, n_lines))
    ground = np.zeros((n_rows, n_nat))
    training = np.zeros((n_rows, n_nat))
    need = np.flatnonzero(gap.sum(axis=1) > 0) if inputs.refill else np.array([], dtype=np.int64)
    n_need = need.size
    # taken[p, s]: units donor pair p took on in the s-th re-planned row; the extra
    # last column stays zero (event rows that needed no re-planning point there)
    n_pairs = inputs.donor_nation.size
    taken = np.zeros((n_pairs, n_need + 1))
    need_pos = np.full(n_rows, n_need, dtype=np.int64)
    need_pos[need] = np.arange(n_need)
    if n_need:
        t_need = row_t[need]
        spare = inputs.donor_spare[t_need].T * row_present[need][:, inputs.donor_nation].T
        backstop_left = np.ascontiguousarray(inputs.backstop_spare[t_need].T)  # (C, S)
        gap_need = np.ascontiguousarray(gap[need].T)  # (J, S)
        ground_t = np.zeros((n_pairs, n_need))
        training_t = np.zeros((n_pairs, n_need))
        refill_t = np.zeros((n_lines, n_need))
        backstop_t = np.zeros((n_lines, n_need))
        for j in inputs.line_order:
            cols = np.flatnonzero(gap_need[j] > 0)  # rows where this line has a gap
            if cols.size == 0:
                continue
            left = gap_need[j, cols]
            c = int(inputs.line_capability[j])
            donors = inputs.donor_order[j]
            if donors.size:
                block = np.ix_(donors, cols)
                avail = spare[block]  # (D, rows)
                before = np.cumsum(avail, axis=0) - avail
                fill = np.clip(left[None, :] - before, 0.0, avail)
                spare[block] -= fill
                taken[block] += fill
                if inputs.line_on_ground[j]:
                    ground_t[block] += fill * inputs.personnel[c]
                if inputs.line_training[j]:
                    training_t[block] += fill * inputs.personnel[c]
                got = fill.sum(axis=0)
                refill_t[j, cols] = got
                left = left - got
            if inputs.backstop_allowed[j]:
                fill_b = np.minimum(np.maximum(left, 0.0), backstop_left[c, cols])
                backstop_left[c, cols] -= fill_b
                backstop_t[j, cols] = fill_b
        ground_t = _by_nation(ground_t, inputs.donor_nation, n_nat)
        training_t = _by_nation(training_t, inputs.donor_nation, n_nat)
        refill_line[need] = refill_t.T
        backstop_line[need] = backstop_t.T
        ground[need] = ground_t.T
        training[need] = training_t.T
    return Replanned(
        row=row,
        row_draw=row_draw,
        row_t=row_t,
        row_present=row_present,
        gap=gap,
        refill_line=refill_line,
        backstop_line=backstop_line,
        taken=taken,
        need_pos=need_pos,
        refill_ground_personnel=ground,
        refill_training_personnel=training,
    )
