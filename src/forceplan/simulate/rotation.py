"""Rotation: prepare / deploy / recover, month by month, for every draw at once.

Each national contingent of one capability rotates as a block on a fixed
calendar: tours start in months 1, 1+tau, 1+2tau, ... (tau = tour length).
A unit spends P months preparing, tau months deployed and R months
recovering, with P = R = (r - 1) * tau / 2 so that P + tau + R = r * tau
(r = rotation ratio: units tied up per unit deployed). With a relief in place
the incoming unit arrives ``o`` months before the outgoing one leaves.

With D(t) the units deployed in month t (D(0) = 0):

    up(t)     = max(D(t) - D(t-1), 0)             new units (a larger deployment)
    down(t)   = max(D(t-1) - D(t), 0)             units sent home early
    relief(t) = [t is a rotation month] * min(D(t), D(t-1))
    overlap(t)   = W(relief; t, t + o)             incoming units already on the ground
    preparing(t) = W(up; t, t + P) + W(relief; t + o, t + o + P)
    recovering(t)= W(down + relief; t - R, t)
    on_ground(t) = D(t) + overlap(t)
    tied_up(t)   = on_ground(t) + preparing(t) + recovering(t)

where W(x; a, b) is the sum of x over the months in (a, b], fractional months
counting pro rata (x occupies (s-1, s]). In a steady state this gives
tied_up = (r + o / tau) * D exactly when P, R and tau are whole months.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def year_sums(x: np.ndarray, months: int) -> np.ndarray:
    """Sum over each year's months along the last axis (the last year may be partial)."""
    full = months // 12
    parts = []
    if full:
        parts.append(x[..., : full * 12].reshape(*x.shape[:-1], full, 12).sum(axis=-1))
    if months % 12:
        parts.append(x[..., full * 12 :].sum(axis=-1, keepdims=True))
    return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=-1)


def _padded_cumulative(x: np.ndarray, left: int, right: int) -> np.ndarray:
    """Cumulative sums with ``left`` leading zeros and the total repeated ``right`` times.

    Position ``left + i`` holds the sum of months 1..i (i = 0 .. T), so any
    window end inside [-left, T + right] can be read by plain slicing.
    """
    months = x.shape[-1]
    out = np.zeros((*x.shape[:-1], left + months + 1 + right))
    np.cumsum(x, axis=-1, out=out[..., left + 1 : left + months + 1])
    out[..., left + months + 1 :] = out[..., left + months : left + months + 1]
    return out


def _at(cum: np.ndarray, left: int, offset: float, months: int) -> np.ndarray:
    """Cumulative value at real positions t + offset for t = 1..T (pro rata inside a month)."""
    whole = int(np.floor(offset + 1e-12))
    frac = offset - whole
    start = left + 1 + whole
    value = cum[..., start : start + months]
    if frac > 1e-12:
        nxt = cum[..., start + 1 : start + 1 + months]
        return value + frac * (nxt - value)
    return value


def rotation_months(tour: np.ndarray, months: int) -> np.ndarray:
    """(K, T) bool: month t (1-based) starts a new tour for a capability of tour length tau."""
    t = np.arange(1, months + 1)[None, :]
    tau = tour[:, None]
    flags = np.floor((t - 1) / tau + 1e-9) > np.floor((t - 2) / tau + 1e-9)
    flags[:, 0] = False
    return np.asarray(flags)


def _runs(*params: np.ndarray) -> list[slice]:
    """Contiguous runs of pairs with identical rotation parameters."""
    n = params[0].size
    if n == 0:
        return []
    stacked = np.stack(params, axis=0)
    breaks = np.flatnonzero((np.diff(stacked, axis=1) != 0).any(axis=0)) + 1
    edges = [0, *breaks.tolist(), n]
    return [slice(a, b) for a, b in zip(edges[:-1], edges[1:], strict=True)]


def _flows(d: np.ndarray, tau: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """up(t), D(t) - D(t-1) and relief(t) of deployed units ``d`` (..., T), D(0) = 0."""
    prev = np.zeros_like(d)
    prev[..., 1:] = d[..., :-1]
    change = d - prev
    up = np.maximum(change, 0.0)
    relief = np.minimum(d, prev) * rotation_months(np.array([tau]), d.shape[-1])[0]
    return up, change, relief


def rotate(
    deployed: np.ndarray,
    tour: np.ndarray,
    ratio: np.ndarray,
    overlap: np.ndarray,
    continues: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """On-the-ground and tied-up units, shape (draws, K, T), from deployed units (draws, K, T).

    ``tour``, ``ratio`` and ``overlap`` are per pair (K,); pairs that share them
    should be adjacent (they are processed as one block). ``continues`` says the
    deployment goes on after the last month (units keep preparing for it);
    otherwise it ends there.
    """
    months = deployed.shape[-1]
    on_ground = np.empty_like(deployed)
    tied = np.empty_like(deployed)
    for run in _runs(tour, ratio, overlap):
        tau, r, o = float(tour[run.start]), float(ratio[run.start]), float(overlap[run.start])
        d = deployed[:, run, :]
        up, change, relief = _flows(d, tau)
        down = np.maximum(-change, 0.0)
        prep = (r - 1.0) * tau / 2.0
        pad = int(np.ceil(prep + o)) + 2
        if continues:
            # beyond the horizon the last month's deployment goes on, rotating on schedule
            flags_ext = rotation_months(np.array([tau]), months + pad)[0, months:]
            relief_ext = d[..., -1:] * flags_ext
            cum_relief = _padded_cumulative(np.concatenate([relief, relief_ext], axis=-1), 0, 1)
            cum_up = _padded_cumulative(
                np.concatenate([up, np.zeros_like(relief_ext)], axis=-1), 0, 1
            )
        else:
            cum_relief = _padded_cumulative(relief, 0, pad)
            cum_up = _padded_cumulative(up, 0, pad)
        cum_leave = _padded_cumulative(down + relief, pad, 0)
        at_now_relief = _at(cum_relief, 0, 0.0, months)
        incoming = _at(cum_relief, 0, o, months) - at_now_relief
        preparing = (_at(cum_up, 0, prep, months) - _at(cum_up, 0, 0.0, months)) + (
            _at(cum_relief, 0, o + prep, months) - _at(cum_relief, 0, o, months)
        )
        recovering = _at(cum_leave, pad, 0.0, months) - _at(cum_leave, pad, -prep, months)
        ground = d + incoming
        on_ground[:, run, :] = ground
        tied[:, run, :] = ground + preparing + recovering
    return on_ground, tied


@lru_cache(maxsize=256)
def _year_kernels(
    tour: float, ratio: float, overlap: float, months: int, continues: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Linear maps from monthly flows to yearly sums of the rotation windows.

    Returns (K_up, K_relief, K_leave, K_overlap, tail): yearly sums over t of
    W(up; t, t+P), W(relief; t+o, t+o+P), W(leave; t-P, t) and W(relief; t, t+o)
    are ``up @ K_up``, ``relief_ext @ K_relief``, ``leave @ K_leave`` and
    ``relief_ext @ K_overlap``; ``tail`` (pad,) are the rotation flags after the
    last month (the continuing deployment's reliefs), zero if it does not continue.
    """
    prep = (ratio - 1.0) * tour / 2.0
    pad = int(np.ceil(prep + overlap)) + 2
    ext = months + pad
    eye = np.eye(ext)[None]  # each row a unit flow in one month
    cum = _padded_cumulative(eye, pad, pad)

    def window(lo_offset: float, hi_offset: float) -> np.ndarray:
        hi = _at(cum, pad, hi_offset, months)
        lo = _at(cum, pad, lo_offset, months)
        return (hi - lo)[0]  # (ext, T)

    k_up = year_sums(window(0.0, prep), months)[:months]
    k_relief = year_sums(window(overlap, overlap + prep), months)
    k_leave = year_sums(window(-prep, 0.0), months)[:months]
    k_overlap = year_sums(window(0.0, overlap), months)
    tail = rotation_months(np.array([tour]), ext)[0, months:].astype(float)
    if not continues:
        tail = np.zeros_like(tail)
    return k_up, k_relief, k_leave, k_overlap, tail


def rotate_yearly(
    deployed: np.ndarray,
    tour: np.ndarray,
    ratio: np.ndarray,
    overlap: np.ndarray,
    continues: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """As :func:`rotate` for rows (M, T), but tied-up units summed per year.

    Returns on_ground (M, T) per month, on_ground (M, Y) and tied_up (M, Y) per
    year; identical (up to rounding) to year sums of :func:`rotate`'s output.
    """
    months = deployed.shape[-1]
    years = -(-months // 12)
    on_ground = np.empty_like(deployed)
    ground_years = np.empty((deployed.shape[0], years))
    tied_years = np.empty((deployed.shape[0], years))
    for run in _runs(tour, ratio, overlap):
        tau, r, o = float(tour[run.start]), float(ratio[run.start]), float(overlap[run.start])
        k_up, k_relief, k_leave, k_overlap, tail = _year_kernels(tau, r, o, months, continues)
        d = deployed[run]
        up, change, relief = _flows(d, tau)
        leave = up - change + relief  # down + relief
        relief_ext = np.concatenate([relief, d[:, -1:] * tail[None, :]], axis=1)
        if o > 0:
            cum = _padded_cumulative(relief_ext[None], 0, 1)
            ground = d + (_at(cum, 0, o, months) - _at(cum, 0, 0.0, months))[0]
        else:
            ground = d
        on_ground[run] = ground
        g_years = year_sums(ground, months)
        ground_years[run] = g_years
        tied_years[run] = g_years + up @ k_up + relief_ext @ k_relief + leave @ k_leave
    return on_ground, ground_years, tied_years
