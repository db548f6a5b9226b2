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

import numpy as np


def _cumulative(x: np.ndarray, pad_after: int) -> np.ndarray:
    """F[..., i] = sum of x[..., :i]; padded with the last value ``pad_after`` times."""
    shape = x.shape[:-1]
    out = np.zeros((*shape, x.shape[-1] + 1 + pad_after))
    np.cumsum(x, axis=-1, out=out[..., 1 : x.shape[-1] + 1])
    out[..., x.shape[-1] + 1 :] = out[..., x.shape[-1] : x.shape[-1] + 1]
    return out


def _window(cum: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Sum over month positions in (lo, hi] (0-based month index + 1 = position), per pair.

    ``cum`` has shape (draws, K, positions); ``lo``/``hi`` have shape (K, T) and are
    real-valued positions; out-of-range positions clamp to the ends.
    """
    last = cum.shape[-1] - 1

    def at(x: np.ndarray) -> np.ndarray:
        x = np.clip(x, 0.0, float(last))
        base = np.floor(x).astype(np.int64)
        frac = x - base
        nxt = np.minimum(base + 1, last)
        lo_v = np.take_along_axis(cum, np.broadcast_to(base, cum.shape[:1] + base.shape), -1)
        if not frac.any():
            return lo_v
        hi_v = np.take_along_axis(cum, np.broadcast_to(nxt, cum.shape[:1] + nxt.shape), -1)
        return lo_v + frac * (hi_v - lo_v)

    return at(hi) - at(lo)


def rotation_months(tour: np.ndarray, months: int) -> np.ndarray:
    """(K, T) bool: month t (1-based) starts a new tour for a capability of tour length tau."""
    t = np.arange(1, months + 1)[None, :]
    tau = tour[:, None]
    flags = np.floor((t - 1) / tau + 1e-9) > np.floor((t - 2) / tau + 1e-9)
    flags[:, 0] = False
    return np.asarray(flags)


def rotate(
    deployed: np.ndarray,
    tour: np.ndarray,
    ratio: np.ndarray,
    overlap: np.ndarray,
    continues: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """On-the-ground and tied-up units, shape (draws, K, T), from deployed units (draws, K, T).

    ``tour``, ``ratio`` and ``overlap`` are per pair (K,). ``continues`` says the
    deployment goes on after the last month (units keep preparing for it);
    otherwise it ends there.
    """
    n_draws, n_pairs, months = deployed.shape
    prev = np.zeros_like(deployed)
    prev[..., 1:] = deployed[..., :-1]
    up = np.maximum(deployed - prev, 0.0)
    down = np.maximum(prev - deployed, 0.0)
    flags = rotation_months(tour, months)
    relief = np.minimum(deployed, prev) * flags[None, :, :]

    prep = (ratio - 1.0) * tour / 2.0  # (K,)
    horizon_pad = int(np.ceil((prep + overlap).max())) + 2 if n_pairs else 2
    if continues:
        # beyond the horizon the last month's deployment goes on, rotating on schedule
        ext_months = months + horizon_pad
        flags_ext = rotation_months(tour, ext_months)[:, months:]
        last = deployed[..., -1:]
        relief_ext = last * flags_ext[None, :, :]
        relief_full = np.concatenate([relief, relief_ext], axis=-1)
        up_full = np.concatenate([up, np.zeros_like(relief_ext)], axis=-1)
        cum_relief = _cumulative(relief_full, 1)
        cum_up = _cumulative(up_full, 1)
    else:
        cum_relief = _cumulative(relief, horizon_pad)
        cum_up = _cumulative(up, horizon_pad)
    cum_leave = _cumulative(down + relief, 0)

    t = np.arange(1, months + 1, dtype=float)[None, :]  # positions of months 1..T
    o = overlap[:, None]
    p = prep[:, None]
    zeros = np.zeros((n_pairs, 1))
    on_overlap = _window(cum_relief, t + zeros, t + o)
    preparing = _window(cum_up, t + zeros, t + p) + _window(cum_relief, t + o, t + o + p)
    recovering = _window(cum_leave, t - p, t + zeros)
    on_ground = deployed + on_overlap
    return on_ground, on_ground + preparing + recovering
