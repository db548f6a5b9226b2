"""Designs in the unit hypercube and the inverse distribution functions that map them to values.

Every sampler draws points u in [0, 1)^d; each dimension's quantile function
(inverse CDF) then turns its column into values of that dimension's
distribution. So one design serves any mix of distributions, and the Sobol
(Saltelli) structure SALib's analysis needs is kept whatever the marginals.

* ``lhs``: Latin hypercube (scipy.stats.qmc.LatinHypercube): each column is
  stratified into n equal slices, one point per slice.
* ``sobol``: Saltelli's extension of a scrambled Sobol' sequence
  (SALib.sample.sobol, first-order and total indices): a base sample of M
  points gives M * (d + 2) experiments; M is the largest power of two that
  fits in the requested number (the balance properties of Sobol' sequences
  hold for powers of two).
* ``mc``: plain Monte Carlo (NumPy PCG64).

Every design is a pure function of (sampler, size, dimension count, seed,
stream name), so a resumed run rebuilds exactly the design it started with.
"""

from __future__ import annotations

import hashlib
import warnings
from typing import Literal

import numpy as np
from scipy import special, stats

from forceplan.scenario import Uncertainty

Sampler = Literal["lhs", "sobol", "mc"]
SAMPLERS: tuple[str, ...] = ("lhs", "sobol", "mc")

#: keeps the quantile functions of unbounded distributions finite at u = 0 or 1
_EDGE = 1e-12


def _stream_seed(seed: int, stream: str) -> np.random.SeedSequence:
    key = int.from_bytes(hashlib.sha256(stream.encode()).digest()[:4], "little")
    return np.random.SeedSequence(entropy=seed, spawn_key=(key,))


def rng_for(seed: int, stream: str) -> np.random.Generator:
    """An independent generator for a named purpose (outer design, inner design, ...)."""
    return np.random.Generator(np.random.PCG64(_stream_seed(seed, stream)))


def sobol_base_size(experiments: int, dims: int) -> int:
    """Base sample M of a Saltelli design: the largest power of two with M * (d + 2) <= n."""
    per_point = dims + 2
    if experiments < 2 * per_point:
        raise ValueError(
            f"a Sobol design over {dims} dimensions needs at least {2 * per_point} "
            f"experiments (2 x (dimensions + 2)); got {experiments}"
        )
    return 1 << int(np.floor(np.log2(experiments // per_point)))


def design_size(sampler: str, experiments: int, dims: int) -> int:
    """How many experiments a design of the requested size really has."""
    if sampler == "sobol" and dims > 0:
        return sobol_base_size(experiments, dims) * (dims + 2)
    return experiments


def unit_design(sampler: str, experiments: int, dims: int, seed: int, stream: str) -> np.ndarray:
    """(n, dims) points in [0, 1); n = design_size(sampler, experiments, dims)."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r} (choose {', '.join(SAMPLERS)})")
    if experiments < 1:
        raise ValueError(f"the sample must have at least 1 experiment (got {experiments})")
    if dims == 0:
        return np.zeros((experiments, 0))
    rng = rng_for(seed, stream)
    if sampler == "lhs":
        return np.asarray(stats.qmc.LatinHypercube(d=dims, rng=rng).random(experiments))
    if sampler == "mc":
        return rng.random((experiments, dims))
    from SALib.sample import sobol as saltelli

    base = sobol_base_size(experiments, dims)
    problem = {"num_vars": dims, "names": [f"x{i}" for i in range(dims)],
               "bounds": [[0.0, 1.0]] * dims}
    seed_int = int(rng.integers(0, 2**31 - 1))
    return np.asarray(
        saltelli.sample(problem, base, calc_second_order=False, seed=seed_int), dtype=float
    )


def outer_design(sampler: str, points: int, dims: int, seed: int, stream: str) -> np.ndarray:
    """(points, dims) in [0, 1) for the plan-stage figures: LHS, a scrambled Sobol' net or MC."""
    if dims == 0:
        return np.zeros((points, 0))
    rng = rng_for(seed, stream)
    if sampler == "lhs":
        return np.asarray(stats.qmc.LatinHypercube(d=dims, rng=rng).random(points))
    if sampler == "sobol":
        with warnings.catch_warnings():
            # a point count that is not a power of two only loses balance, not validity
            warnings.simplefilter("ignore", UserWarning)
            return np.asarray(stats.qmc.Sobol(d=dims, scramble=True, rng=rng).random(points))
    return rng.random((points, dims))


def quantile(unc: Uncertainty, u: np.ndarray) -> np.ndarray:
    """Values of ``unc`` at probabilities ``u`` (its inverse CDF), float64."""
    d = unc.distribution
    u = np.asarray(u, dtype=float)
    if d == "fixed":
        return np.full(u.shape, float(unc.value))  # type: ignore[arg-type]
    if d == "uniform":
        low, high = float(unc.low), float(unc.high)  # type: ignore[arg-type]
        return low + u * (high - low)
    if d == "triangular":
        low, mode, high = float(unc.low), float(unc.mode), float(unc.high)  # type: ignore[arg-type]
        if high == low:
            return np.full(u.shape, low)
        split = (mode - low) / (high - low)
        rising = low + np.sqrt(u * (high - low) * (mode - low))
        falling = high - np.sqrt((1.0 - u) * (high - low) * (high - mode))
        return np.where(u < split, rising, falling)
    clipped = np.clip(u, _EDGE, 1.0 - _EDGE)
    if d == "normal":
        return float(unc.mean) + float(unc.sd) * special.ndtri(clipped)  # type: ignore[arg-type]
    if d == "lognormal":
        mean, sd = float(unc.mean), float(unc.sd)  # type: ignore[arg-type]
        sigma2 = np.log1p((sd / mean) ** 2)
        return np.exp(np.log(mean) - sigma2 / 2 + np.sqrt(sigma2) * special.ndtri(clipped))
    return np.asarray(stats.beta.ppf(clipped, float(unc.alpha), float(unc.beta)))  # type: ignore[arg-type]


def bounds(unc: Uncertainty) -> tuple[float, float]:
    """The range a dimension's values span (its 0.1% and 99.9% points if unbounded)."""
    if unc.distribution in ("uniform", "triangular"):
        return float(unc.low), float(unc.high)  # type: ignore[arg-type]
    if unc.distribution == "fixed":
        return float(unc.value), float(unc.value)  # type: ignore[arg-type]
    lo, hi = quantile(unc, np.array([0.001, 0.999]))
    return float(lo), float(hi)
