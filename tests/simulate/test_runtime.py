"""Simulation under load: one BLAS thread inside a run, a quantile flush of bounded size."""

from __future__ import annotations

import importlib
import tracemalloc
from pathlib import Path
from typing import Any

import numpy as np
from threadpoolctl import threadpool_info

from forceplan import load_scenario, simulate_scenario
from forceplan.simulate.deterrence import default_offensive_hazard

quantiles = importlib.import_module("forceplan.simulate.quantiles")
TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"


def _blas_threads() -> list[int]:
    return [int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"]


def test_blas_runs_on_one_thread_inside_a_simulation_only() -> None:
    """The hazard model is called inside the run: it sees one BLAS thread; the
    setting before the run is back after it."""
    before = _blas_threads()
    assert before, "numpy has a BLAS library"
    seen: list[list[int]] = []

    def hazard(inputs: Any) -> Any:
        seen.append(_blas_threads())
        return default_offensive_hazard(inputs)

    ds = simulate_scenario(load_scenario(TINY), draws=50, seed=3, hazard=hazard)
    assert seen and all(threads == [1] * len(before) for threads in seen)
    assert _blas_threads() == before
    plain = simulate_scenario(load_scenario(TINY), draws=50, seed=3)
    np.testing.assert_array_equal(
        ds["outcome_total_cost_usd_m"].values, plain["outcome_total_cost_usd_m"].values
    )


def _reference_histogram(blocks: list[np.ndarray], size: int) -> np.ndarray:
    """The histogram as the full-length bincount computed it (values kept as float32)."""
    hist = np.zeros(size * quantiles._N_BINS, dtype=np.int64)
    offsets = np.arange(size, dtype=np.int64)[None, :] * quantiles._N_BINS
    for block in blocks:
        part = block.reshape(len(block), size).astype(np.float32).astype(np.float64)
        finite = np.isfinite(part)
        positive = finite & (part >= quantiles._FLOOR)
        safe = np.where(positive, part, quantiles._FLOOR)
        bins = np.floor(np.log(safe / quantiles._FLOOR) / quantiles._LOG_GAMMA).astype(np.int64)
        bins = np.where(positive, np.minimum(bins + 1, quantiles._N_BINS - 1), 0)
        hist += np.bincount((bins + offsets)[finite], minlength=hist.size)
    return hist.reshape(size, quantiles._N_BINS)


def test_flush_counts_like_a_full_bincount_in_a_fraction_of_the_memory() -> None:
    """Narrow and very wide value spreads, zeros, negatives, NaN and huge values."""
    rng = np.random.default_rng(7)
    shape = (5, 30)
    for spread in (0.05, 3.0):
        dist = quantiles.Distribution(shape, exact_limit=10, total=40_000)
        blocks = []
        for _ in range(16):
            x = rng.lognormal(6, spread, size=(1024, *shape))
            x[x < 50] = 0.0
            x[0, 0, 0], x[1, 1, 1], x[2, 2, 2] = np.nan, -4.0, 1e14
            blocks.append(x)
        for x in blocks[:-1]:
            dist.add(x)
        tracemalloc.start()
        dist.add(blocks[-1])  # the 16th block triggers the flush
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        np.testing.assert_array_equal(dist._hist, _reference_histogram(blocks, 150))
        # a full-length count per block was 150 x 21,900 x 8 bytes = 26 MB at least
        assert peak < 16e6, peak
