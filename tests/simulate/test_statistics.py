"""Statistical properties with fixed seeds; tolerances from the sample size (4 standard errors)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_helpers import fixed_uncertainties, make_plan, make_scenario

from forceplan.scenario import Uncertainty
from forceplan.simulate import simulate_plan
from forceplan.simulate.parameters import sample, stream
from forceplan.simulate.quantiles import Distribution

EXIT = {"committed": 0.08, "willing": 0.08, "undecided": 0.08, "opposed": 0.08}


def _four_se(p: float, n: int) -> float:
    return 4 * math.sqrt(p * (1 - p) / n)


def test_exit_probability_matches_stance_hazard() -> None:
    """Annual exit probability 8%: the share gone by month 12 is 0.08 within 4 SE."""
    n = 20_000
    s = make_scenario(nations=2, units=4, months=24, exit_hazard=EXIT)
    ds = simulate_plan(s, make_plan(s, {"NAA": 2, "NBA": 2}), draws=n, seed=17, keep_draws=n)
    exits = ds.exit_month.values
    for k in range(2):
        gone_year1 = float((exits[:, k] <= 12).mean())
        assert abs(gone_year1 - 0.08) < _four_se(0.08, n)
        gone_year2 = float((exits[:, k] <= 24).mean())
        p2 = 1 - 0.92**2
        assert abs(gone_year2 - p2) < _four_se(p2, n)


def test_political_factor_correlates_exits() -> None:
    """With correlation 0.8, both leaving is far likelier than the product of marginals."""
    n = 20_000
    unc = fixed_uncertainties(political_correlation=0.8)
    s = make_scenario(nations=2, units=4, months=24, exit_hazard=EXIT, uncertainties=unc)
    ds = simulate_plan(s, make_plan(s, {"NAA": 2, "NBA": 2}), draws=n, seed=4, keep_draws=n)
    gone = ds.exit_month.values <= 24
    p_a, p_b = gone[:, 0].mean(), gone[:, 1].mean()
    both = (gone[:, 0] & gone[:, 1]).mean()
    independent = p_a * p_b
    assert both > independent + _four_se(independent, n)
    # marginals are kept by the copula
    p2 = 1 - 0.92**2
    assert abs(p_a - p2) < _four_se(p2, n)


def test_uncorrelated_exits_are_independent() -> None:
    n = 20_000
    s = make_scenario(nations=2, units=4, months=24, exit_hazard=EXIT)
    ds = simulate_plan(s, make_plan(s, {"NAA": 2, "NBA": 2}), draws=n, seed=9, keep_draws=n)
    gone = ds.exit_month.values <= 24
    both = (gone[:, 0] & gone[:, 1]).mean()
    p2 = 1 - 0.92**2
    assert abs(both - p2 * p2) < _four_se(p2 * p2, n)


@pytest.mark.parametrize(
    ("unc", "mean", "sd"),
    [
        (Uncertainty(distribution="uniform", low=2, high=4), 3.0, 2 / math.sqrt(12)),
        (
            Uncertainty(distribution="triangular", low=0, mode=1, high=5),
            2.0,
            math.sqrt((0 + 1 + 25 - 0 - 0 - 5) / 18),
        ),
        (Uncertainty(distribution="normal", mean=10, sd=2), 10.0, 2.0),
        (Uncertainty(distribution="lognormal", mean=1.15, sd=0.15), 1.15, 0.15),
        (Uncertainty(distribution="beta", alpha=2, beta=6), 0.25, math.sqrt(12 / (64 * 9))),
    ],
)
def test_uncertainty_sampling_moments(unc: Uncertainty, mean: float, sd: float) -> None:
    n = 50_000
    x = sample(unc, stream(3, "moments", 0), n)
    assert abs(x.mean() - mean) < 4 * sd / math.sqrt(n)
    assert x.std() == pytest.approx(sd, rel=0.03)


def test_same_seed_is_bit_identical_and_streams_are_keyed_by_name() -> None:
    s = make_scenario(nations=2, units=4, exit_hazard=EXIT, uncertainties={})
    plan = make_plan(s, {"NAA": 2, "NBA": 2})
    a = simulate_plan(s, plan, draws=3000, seed=21)
    b = simulate_plan(s, plan, draws=3000, seed=21)
    assert a.identical(b)
    c = simulate_plan(s, plan, draws=3000, seed=22)
    assert not np.array_equal(a.outcome_total_cost_usd_m.values, c.outcome_total_cost_usd_m.values)
    # draw i does not depend on how many draws run
    small = simulate_plan(s, plan, draws=1500, seed=21)
    assert np.array_equal(
        small.outcome_total_cost_usd_m.values, a.outcome_total_cost_usd_m.values[:1500]
    )
    assert np.array_equal(small.exit_month.values, a.exit_month.values[:1000])


def test_histogram_quantiles_agree_with_exact() -> None:
    rng = np.random.default_rng(0)
    values = rng.lognormal(3, 1, size=(30_000, 2))
    exact = Distribution((2,), exact_limit=10**9)
    binned = Distribution((2,), exact_limit=1_000)
    for part in np.array_split(values, 7):
        exact.add(part)
        binned.add(part)
    e, b = exact.stats(), binned.stats()
    for stat in ("p05", "p50", "p95"):
        assert b[stat] == pytest.approx(e[stat], rel=2.5e-3)
    assert b["mean"] == pytest.approx(values.mean(axis=0))
    assert e["p50"] == pytest.approx(np.quantile(values, 0.5, axis=0))


def test_cost_pressure_brings_exits_forward_draw_by_draw() -> None:
    """Same draws (common random numbers), higher hazard: nobody leaves later."""
    kwargs = {"nations": 3, "units": 6, "months": 48, "exit_hazard": EXIT, "uncertainties": {}}
    calm = make_scenario(**kwargs)
    pressed = make_scenario(**kwargs, simulation={"cost_pressure_weight": 2.0})
    split = {"NAA": 2, "NBA": 2, "NCA": 2}
    a = simulate_plan(calm, make_plan(calm, split), draws=4000, seed=8, keep_draws=4000)
    b = simulate_plan(pressed, make_plan(pressed, split), draws=4000, seed=8, keep_draws=4000)
    assert np.all(b.exit_month.values <= a.exit_month.values)
    assert b.outcome_nations_left.values.mean() > a.outcome_nations_left.values.mean()


def test_shared_parameters_get_the_same_draws_across_scenarios() -> None:
    one = make_scenario(nations=1, uncertainties={})
    two = make_scenario(nations=3, units=6, months=24, uncertainties={})
    a = simulate_plan(one, make_plan(one), draws=500, seed=3)
    b = simulate_plan(two, make_plan(two, {"NAA": 6}), draws=500, seed=3)
    for name in ("param_cost_overrun", "param_offensive_hazard_base_per_year"):
        assert np.array_equal(a[name].values, b[name].values)
