"""Samplers and inverse distribution functions; Sobol indices of the Ishigami function."""

from __future__ import annotations

import numpy as np
import pytest
from SALib.test_functions import Ishigami
from scipy import stats

from forceplan.explore.errors import ExploreError
from forceplan.explore.sampling import design_size, quantile, sobol_base_size, unit_design
from forceplan.explore.sensitivity import sobol_indices
from forceplan.scenario import Uncertainty


def test_latin_hypercube_puts_one_point_in_every_slice_of_every_column() -> None:
    u = unit_design("lhs", 500, 4, seed=3, stream="inner")
    assert u.shape == (500, 4)
    for column in u.T:
        assert sorted(np.floor(column * 500).astype(int)) == list(range(500))


@pytest.mark.parametrize("sampler", ["lhs", "sobol", "mc"])
def test_designs_are_reproducible_and_seeded(sampler: str) -> None:
    a = unit_design(sampler, 200, 3, seed=5, stream="inner")
    assert np.array_equal(a, unit_design(sampler, 200, 3, seed=5, stream="inner"))
    assert not np.array_equal(a, unit_design(sampler, 200, 3, seed=6, stream="inner"))
    assert not np.array_equal(a, unit_design(sampler, 200, 3, seed=5, stream="outer"))
    assert ((a >= 0) & (a < 1)).all()


def test_a_saltelli_design_uses_a_power_of_two_base() -> None:
    # 3 inputs: 5 rows per base point; 1,000 // 5 = 200 -> base 128 -> 640 experiments
    assert sobol_base_size(1000, 3) == 128
    assert design_size("sobol", 1000, 3) == 640
    assert unit_design("sobol", 1000, 3, seed=1, stream="inner").shape == (640, 3)
    assert design_size("lhs", 1000, 3) == 1000
    with pytest.raises(ValueError, match="at least 10 experiments"):
        sobol_base_size(9, 3)


@pytest.mark.parametrize(
    ("unc", "frozen"),
    [
        (Uncertainty(distribution="uniform", low=2, high=6), stats.uniform(2, 4)),
        (Uncertainty(distribution="triangular", low=1, mode=2, high=5),
         stats.triang(0.25, loc=1, scale=4)),
        (Uncertainty(distribution="normal", mean=3, sd=2), stats.norm(3, 2)),
        (Uncertainty(distribution="beta", alpha=2, beta=5), stats.beta(2, 5)),
    ],
)
def test_quantiles_match_scipy(unc: Uncertainty, frozen: stats.rv_continuous) -> None:
    u = np.linspace(0.01, 0.99, 25)
    assert np.allclose(quantile(unc, u), frozen.ppf(u))


def test_lognormal_quantiles_have_the_stated_mean_and_sd() -> None:
    unc = Uncertainty(distribution="lognormal", mean=1.15, sd=0.15)
    x = quantile(unc, (np.arange(200_000) + 0.5) / 200_000)
    assert x.mean() == pytest.approx(1.15, rel=1e-3)
    assert x.std() == pytest.approx(0.15, rel=1e-2)


def test_sobol_indices_of_ishigami_match_the_analytic_values() -> None:
    # Ishigami & Homma (1990), a = 7, b = 0.1 on [-pi, pi]^3: S1 = 0.314, 0.442, 0;
    # ST = 0.558, 0.442, 0.244 (V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2)
    u = unit_design("sobol", 60_000, 3, seed=2, stream="inner")
    y = Ishigami.evaluate(-np.pi + 2 * np.pi * u)
    found = sobol_indices(["x1", "x2", "x3"], y, seed=2)
    a, b = 7.0, 0.1
    v = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1, v2 = 0.5 * (1 + b * np.pi**4 / 5) ** 2, a**2 / 8
    v13 = b**2 * np.pi**8 * (1 / 18 - 1 / 50)
    assert found["S1"].to_numpy() == pytest.approx([v1 / v, v2 / v, 0.0], abs=0.03)
    assert found["ST"].to_numpy() == pytest.approx([(v1 + v13) / v, v2 / v, v13 / v], abs=0.03)


def test_sobol_indices_refuse_a_broken_design() -> None:
    with pytest.raises(ExploreError, match="Saltelli design"):
        sobol_indices(["x1", "x2"], np.zeros(7))
    with pytest.raises(ExploreError, match="no value"):
        sobol_indices(["x1", "x2"], np.array([1.0, np.nan, 0, 0, 0, 0, 0, 0]))
