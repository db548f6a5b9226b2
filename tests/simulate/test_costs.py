"""Cost: national cost factors, sampled unit-cost ranges, the cost basis and who pays.

Issue 7, finding 6: one cost per person-year for every nation, never varied; unit-cost
ranges recorded but not sampled; outputs silent on the cost basis and on who pays.
Finding 7: the UN alternative charged the UN's reimbursement to the contributors.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from sim_helpers import fixed_uncertainties, make_plan, make_scenario, scenario_dict

from forceplan.scenario import Scenario
from forceplan.simulate import simulate_plan, summary_to_json

UN_RATE_YEAR = 1428 * 12 / 1e6  # US$ m per person-year


def cumulative(ds: Any, iso: str, name: str = "cumulative_cost_usd_m") -> list[float]:
    return [float(v) for v in ds[f"summary_{name}"].sel(stat="p50", nation=iso).values]


def test_national_cost_factor_scales_the_personnel_share() -> None:
    """A unit costs 100 a year, 500 people at 0.1 each: half of it is people. A nation whose
    pay is 0.4 of the reference pays 0.5 x 0.4 + 0.5 = 0.7 of it: 4 units x 70 = 280 a
    year. Without a person-year cost the factor scales the whole unit: 4 x 40 = 160."""
    s = make_scenario(
        months=24, cost=100, personnel=500, costs={"person_year_cost_usd_m": 0.1},
        nation_extra=[{"cost_factor": 0.4}],
    )
    ds = simulate_plan(s, make_plan(s), draws=2, seed=0)
    assert cumulative(ds, "NAA") == pytest.approx([280.0, 560.0])
    whole = make_scenario(months=24, cost=100, nation_extra=[{"cost_factor": 0.4}])
    ds = simulate_plan(whole, make_plan(whole), draws=2, seed=0)
    assert cumulative(ds, "NAA") == pytest.approx([160.0, 320.0])


def test_unit_cost_range_is_sampled_draw_by_draw() -> None:
    """The unit's cost range 60-240 (value 120) is sampled as triangular(60, 120, 240) from
    the named stream unit-cost/unit: with no overrun or inflation each draw's total is
    4 units x 2 years x its sampled cost, exactly; the draws have the triangular's mean
    (60 + 120 + 240) / 3 = 140 and 1/3 of them fall below the mode."""
    s = make_scenario(months=24, cost=120, cost_range=(60, 240))
    ds = simulate_plan(s, make_plan(s), draws=20_000, seed=3, keep_draws=20_000)
    u = ds.param_unit_cost_unit.values
    assert ds.outcome_total_cost_usd_m.values == pytest.approx(8 * u, rel=1e-12)
    assert u.min() >= 60 and u.max() <= 240
    assert u.mean() == pytest.approx(140, abs=1.1)  # 4 standard errors (sd 37.4)
    assert (u < 120).mean() == pytest.approx(1 / 3, abs=0.014)
    attrs = ds.attrs["uncertainties"]
    assert '"unit_cost_unit"' in attrs and '"triangular"' in attrs


def two_capability_scenario(correlation: float, second: bool = True) -> Scenario:
    data = scenario_dict(months=12, cost=120, cost_range=(60, 240))
    if second:
        cap = dict(data["capabilities"][0])
        cap.update(id="ship", name="Ship",
                   annual_cost_per_unit_usd_m={"value": 10, "range": [5, 50]})
        data["capabilities"].append(cap)
        data["nations"][0]["units"]["ship"] = 10
        data["missions"][0]["requirements"]["ship"] = 1
    data["costs"] = {"unit_cost_correlation": correlation}
    return Scenario.model_validate(data)


def triangular_cdf(x: np.ndarray, low: float, mode: float, high: float) -> np.ndarray:
    return np.where(
        x < mode,
        (x - low) ** 2 / ((high - low) * (mode - low)),
        1 - (high - x) ** 2 / ((high - low) * (high - mode)),
    )


def test_unit_costs_move_together_by_their_correlation_and_keep_common_random_numbers(
) -> None:
    """With correlation 1 both capabilities sit at the same quantile of their own range in
    every draw; with 0 their ranks are unrelated. Adding a capability does not change the
    values another capability draws (streams are named)."""
    tied = two_capability_scenario(1.0)
    ds = simulate_plan(tied, make_plan(tied), draws=2000, seed=5, keep_draws=2000)
    q_unit = triangular_cdf(ds.param_unit_cost_unit.values, 60, 120, 240)
    q_ship = triangular_cdf(ds.param_unit_cost_ship.values, 5, 10, 50)
    assert q_unit == pytest.approx(q_ship, abs=1e-9)
    free = two_capability_scenario(0.0)
    ds0 = simulate_plan(free, make_plan(free), draws=2000, seed=5, keep_draws=2000)
    ranks = [np.argsort(np.argsort(ds0[f"param_unit_cost_{c}"].values)) for c in ("unit", "ship")]
    assert abs(np.corrcoef(*ranks)[0, 1]) < 4 / np.sqrt(1999)
    alone = two_capability_scenario(0.0, second=False)
    ds1 = simulate_plan(alone, make_plan(alone), draws=2000, seed=5, keep_draws=2000)
    assert np.array_equal(ds1.param_unit_cost_unit.values, ds0.param_unit_cost_unit.values)


def test_common_fund_shares_the_total_by_gdp_among_members_still_in() -> None:
    """A (GDP 1,000) sends 4 units at 100 a year; B (GDP 3,000) sends nothing. With a common
    fund B pays 3/4 of 400 = 300 in year 1 and A 100; B is gone from month 13, so in year 2
    A pays all 400. The cost of A's units is 400 a year throughout."""
    s = make_scenario(
        months=24, cost=100, nations=2, costs={"funding": "common_fund"},
        nation_extra=[{}, {"gdp_usd_bn": 3000}],
        simulation={"forced_exits": {"NBA": 13}, "refill": False},
    )
    ds = simulate_plan(s, make_plan(s), draws=2, seed=0)
    assert cumulative(ds, "NAA") == pytest.approx([400.0, 800.0])
    assert cumulative(ds, "NAA", "cumulative_paid_usd_m") == pytest.approx([100.0, 500.0])
    assert cumulative(ds, "NBA", "cumulative_paid_usd_m") == pytest.approx([300.0, 300.0])
    assert ds.attrs["funding_rule"] == "common_fund"
    assert "GDP key" in ds.attrs["cost_note"]


def un_scenario(**kwargs: Any) -> Scenario:
    return make_scenario(months=24, cost=100, costs={"funding": "un_assessed"}, **kwargs)


def test_un_pays_the_reimbursement_and_no_contributor_budget_carries_it() -> None:
    """4 units of 500 on the ground = 2,000 people: the UN pays 2,000 x US$1,428 x 12 =
    34.272 m a year, fixed (no overrun, no inflation, here 50% and 5%). The contributor's
    own units cost 400 a year x overrun x inflation; its budget pays only that minus the
    reimbursement. A contributor whose units cost less than the reimbursement pays nothing."""
    s = un_scenario(
        uncertainties=fixed_uncertainties(cost_overrun=1.5, inflation_per_year=0.05)
    )
    ds = simulate_plan(s, make_plan(s), draws=2, seed=0)
    un = [float(v) for v in ds.summary_cumulative_paid_un_usd_m.sel(stat="p50").values]
    assert un == pytest.approx([2000 * UN_RATE_YEAR, 2 * 2000 * UN_RATE_YEAR])
    cost = np.array(cumulative(ds, "NAA"))
    growth = 1.5 * 1.05 ** (np.arange(24) / 12)
    assert cost == pytest.approx(np.cumsum([400 / 12 * growth[:12].sum(),
                                            400 / 12 * growth[12:].sum()]))
    assert np.array(cumulative(ds, "NAA", "cumulative_paid_usd_m")) == pytest.approx(
        cost - np.array(un)
    )
    cheap = un_scenario(nation_extra=[{"cost_factor": 0.05}])  # 20 a year < 34.272
    ds = simulate_plan(cheap, make_plan(cheap), draws=2, seed=0)
    assert cumulative(ds, "NAA", "cumulative_paid_usd_m") == [0.0, 0.0]
    assert float(ds.outcome_peak_budget_share_pct.values[0]) == 0.0


def test_un_reimbursement_puts_no_cost_pressure_on_contributors() -> None:
    """The same contributor under the strongest cost pressure leaves exactly when it would
    with none, because its own budget pays nothing (its units cost 20 a year, the UN
    reimburses 34.272); paying for its own units, as when costs lie where they fall, it
    leaves earlier. (Exits stay random: each draw has its own exit factor.)"""
    hazard = {"committed": 0.3, "willing": 0.3, "undecided": 0.3, "opposed": 0.3}
    common = {"nation_extra": [{"cost_factor": 0.05, "defence_budget_usd_bn": 0.1}],
              "exit_hazard": hazard}
    pressed = un_scenario(simulation={"cost_pressure_weight": 10.0}, **common)
    calm = un_scenario(**common)
    a = simulate_plan(pressed, make_plan(pressed), draws=500, seed=4, keep_draws=500)
    b = simulate_plan(calm, make_plan(calm), draws=500, seed=4, keep_draws=500)
    assert np.array_equal(a.exit_month.values, b.exit_month.values)
    national = make_scenario(months=24, cost=100, simulation={"cost_pressure_weight": 10.0},
                             **common)
    c = simulate_plan(national, make_plan(national), draws=500, seed=4, keep_draws=500)
    assert (c.exit_month.values <= b.exit_month.values).all()
    assert (c.exit_month.values < b.exit_month.values).any()


def test_cost_basis_and_payer_are_stated_in_every_output() -> None:
    s = make_scenario(months=12)
    ds = simulate_plan(s, make_plan(s), draws=5, seed=0)
    assert ds.attrs["cost_basis"] == "additional"
    assert ds.attrs["funding_rule"] == "where_they_fall"
    assert "costs lie where they fall" in ds.attrs["cost_note"]
    for name in ("monthly_cost_usd_m", "summary_cumulative_cost_usd_m",
                 "outcome_total_cost_usd_m"):
        assert ds[name].attrs["cost_basis"] == "additional"
    payload = summary_to_json(ds)
    assert payload["cost_basis"] == "additional" and "who pays" in payload["cost_note"].lower()
    full = make_scenario(months=12, costs={"basis": "full"})
    assert simulate_plan(full, make_plan(full), draws=5, seed=0).attrs["cost_basis"] == "full"
