"""Streaming distribution summaries: exact up to a size, then a log-binned histogram.

Per-draw values arrive one chunk of draws at a time. Up to ``exact_limit``
draws are kept (float32) and quantiles are exact; beyond that every value is
binned into a fixed logarithmic histogram (relative bin width 0.2%, zero bin
below 1e-6) so memory stays flat however many draws run; the reported
quantile is then the geometric middle of its bin, clamped to the exact
minimum and maximum, i.e. within 0.1% of the exact quantile. Means are
always exact (float64 sums). Values must be non-negative (negatives count
as zero in histogram mode).
"""

from __future__ import annotations

import numpy as np

STATS = ("mean", "p05", "p50", "p95")
QUANTILES = (0.05, 0.5, 0.95)

_FLOOR = 1e-6
_CEILING = 1e13
_GAMMA = 1.002
_LOG_GAMMA = float(np.log(_GAMMA))
_N_BINS = int(np.ceil(np.log(_CEILING / _FLOOR) / _LOG_GAMMA)) + 2
_FLUSH_ROWS = 16_384


class Distribution:
    """Quantile-ready summary of a per-draw array of fixed shape."""

    def __init__(
        self, shape: tuple[int, ...], exact_limit: int = 100_000, total: int | None = None
    ) -> None:
        self.shape = shape
        self.size = int(np.prod(shape)) if shape else 1
        self.exact_limit = exact_limit
        self._kept: list[np.ndarray] = []
        self._n_kept = 0
        self._hist: np.ndarray | None = None
        if total is not None and total > exact_limit:  # histogram from the start
            self._hist = np.zeros((self.size, _N_BINS), dtype=np.int64)
        self._sum = np.zeros(self.size)
        self._count = np.zeros(self.size, dtype=np.int64)
        self._min = np.full(self.size, np.inf)
        self._max = np.full(self.size, -np.inf)

    def add(self, values: np.ndarray) -> None:
        flat = np.asarray(values, dtype=np.float64).reshape(values.shape[0], self.size)
        finite = np.isfinite(flat)
        self._sum += np.where(finite, flat, 0.0).sum(axis=0)
        self._count += finite.sum(axis=0)
        self._min = np.fmin(self._min, np.where(finite, flat, np.inf).min(axis=0))
        self._max = np.fmax(self._max, np.where(finite, flat, -np.inf).max(axis=0))
        self._kept.append(flat.astype(np.float32))
        self._n_kept += flat.shape[0]
        if self._hist is not None and self._n_kept >= _FLUSH_ROWS:
            self._flush()
        elif self._hist is None and self._n_kept > self.exact_limit:
            self._hist = np.zeros((self.size, _N_BINS), dtype=np.int64)
            self._flush()

    def _flush(self) -> None:
        """Bin the kept values, one kept block of rows at a time.

        Each block is counted over the span of bins its columns actually use
        (a few hundred per column), not over the whole histogram: a
        full-length ``bincount`` per block allocated size x 21,900 counters
        (tens of MB) each time.
        """
        assert self._hist is not None
        kept, self._kept, self._n_kept = self._kept, [], 0
        while kept:
            part = kept.pop(0).astype(np.float64)
            finite = np.isfinite(part)
            positive = finite & (part >= _FLOOR)
            safe = np.where(positive, part, _FLOOR)
            bins = np.minimum(
                np.floor(np.log(safe / _FLOOR) / _LOG_GAMMA).astype(np.int64) + 1, _N_BINS - 1
            )
            bins = np.where(positive, bins, 0)
            _add_counts(self._hist, bins, finite)
    def stats(self) -> dict[str, np.ndarray]:
        """mean, p05, p50, p95, each of ``shape`` (NaN where no finite value)."""
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(self._count > 0, self._sum / np.maximum(self._count, 1), np.nan)
        out: dict[str, np.ndarray] = {"mean": mean.reshape(self.shape)}
        if self._hist is None:
            exact = _exact_quantiles(self._kept, self.size)
            for name, values in zip(STATS[1:], exact, strict=True):
                out[name] = values.reshape(self.shape)
            return out
        self._flush()
        cum = np.cumsum(self._hist, axis=1)
        total = cum[:, -1]
        for name, q in zip(STATS[1:], QUANTILES, strict=True):
            target = np.maximum(np.ceil(q * total), 1)
            idx = (cum < target[:, None]).sum(axis=1)
            mid = np.where(idx == 0, 0.0, _FLOOR * _GAMMA ** (idx - 0.5))
            val = np.clip(mid, self._min, self._max)
            out[name] = np.where(total > 0, val, np.nan).reshape(self.shape)
        return out


def _add_counts(hist: np.ndarray, bins: np.ndarray, valid: np.ndarray) -> None:
    """``hist[j, bins[i, j]] += 1`` for every valid (i, j), counting only the bins in use."""
    size = bins.shape[1]
    lo = np.where(valid, bins, _N_BINS).min(axis=0)
    hi = np.where(valid, bins, -1).max(axis=0)
    width = np.maximum(hi - lo + 1, 0)
    total = int(width.sum())
    if total == 0:
        return
    n_valid = int(np.count_nonzero(valid))
    if total > 4 * n_valid:
        # values spread over more bins than there are values: count the distinct ones
        flat = (bins + np.arange(size, dtype=np.int64)[None, :] * hist.shape[1])[valid]
        where, how_many = np.unique(flat, return_counts=True)
        hist.reshape(-1)[where] += how_many
        return
    base = np.cumsum(width) - width  # where each column's span starts
    local = bins - lo[None, :] + base[None, :]
    counts = np.bincount(local[valid], minlength=total)
    # one slice per column (a fancy-indexed scatter of every bin was slower)
    for j in np.flatnonzero(width).tolist():
        start, end = int(base[j]), int(base[j] + width[j])
        hist[j, lo[j] : lo[j] + width[j]] += counts[start:end]


def _exact_quantiles(parts: list[np.ndarray], size: int) -> list[np.ndarray]:
    """Linear-interpolation quantiles per column, ignoring NaN (as numpy's nanquantile)."""
    if not parts:
        return [np.full(size, np.nan) for _ in QUANTILES]
    data = np.sort(np.concatenate(parts, axis=0).astype(np.float64), axis=0)  # NaN sort last
    valid = np.isfinite(data).sum(axis=0)
    cols = np.arange(size)
    out = []
    for q in QUANTILES:
        pos = q * np.maximum(valid - 1, 0)
        lo = np.floor(pos).astype(np.int64)
        hi = np.minimum(lo + 1, np.maximum(valid - 1, 0))
        frac = pos - lo
        lo_v, hi_v = data[lo, cols], data[hi, cols]
        value = lo_v + frac * (hi_v - lo_v)
        out.append(np.where(valid > 0, value, np.nan))
    return out
