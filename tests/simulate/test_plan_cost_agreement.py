"""The planner costs a plan on the same basis as the simulation (national cost factors,
who pays), so `plan` and `simulate` agree on the same plan's annual cost.

Found on main after issue 7: simulate scaled each unit's personnel cost by its nation's
cost_factor, the planner did not, so the plan printed US$400m a year for a plan the
simulation costed at US$340m, and the planner's cost tier could not prefer the cheaper
nation.
"""

from __future__ import annotations

from typing import Any

import pytest
from sim_helpers import scenario_dict

from forceplan.plan import plan_scenario
from forceplan.scenario import Scenario
from forceplan.simulate import simulate_plan

UN_RATE_YEAR = 1428 * 12 / 1e6  # US$ m per person-year


def two_nations(months: int = 24, **costs: Any) -> Scenario:
    """A unit costs 100 a year, 500 people at 0.1 each: half of it is people (s = 0.5).
    A (cost_factor 0.4) pays 0.5 x 0.4 + 0.5 = 0.7 of it, 70 a unit; B (1.6) pays 1.3, 130.
    A holds 9 units (3 sustainable at rotation 3), B 40; 4 units are required."""
    data = scenario_dict(
        months=months, cost=100, personnel=500, nations=2,
        costs={"person_year_cost_usd_m": 0.1, **costs},
        nation_extra=[{"cost_factor": 0.4, "units": {"unit": 9}},
                      {"cost_factor": 1.6, "gdp_usd_bn": 3000}],
    )
    data["constraints"] = {"burden_sharing": {"mode": "off"}}
    return Scenario.model_validate(data)


def year_one(ds: Any, name: str) -> dict[str, float]:
    values = ds[f"summary_{name}"].sel(stat="p50", year=ds.year.values[0])
    return {str(iso): float(v) for iso, v in zip(ds.nation.values, values.values, strict=True)}


def test_planner_costs_each_unit_at_its_nations_cost_and_simulate_agrees() -> None:
    """The cost tier fills A's 3 sustainable units first (70 each) and B's 1 (130):
    A 210, B 130, coalition 340 a year (the reference cost would say 400). With no
    overrun or inflation the simulation's first-year cost is the same, nation by nation."""
    s = two_nations()
    result = plan_scenario(s)
    units = dict(zip(result.allocations["nation"], result.allocations["units"], strict=True))
    assert units == {"NAA": 3.0, "NBA": 1.0}
    cost = dict(zip(result.nations["nation"], result.nations["annual_cost_usd_m"], strict=True))
    assert cost == pytest.approx({"NAA": 210.0, "NBA": 130.0})
    assert result.allocations["annual_cost_usd_m"].sum() == pytest.approx(340.0)
    paid = dict(zip(result.nations["nation"], result.nations["paid_usd_m"], strict=True))
    assert paid == pytest.approx({"NAA": 210.0, "NBA": 130.0})
    ds = simulate_plan(s, result, draws=2, seed=0)
    assert year_one(ds, "cumulative_cost_usd_m") == pytest.approx(cost)
    basis = result.cost_basis
    assert basis["basis"] == "additional" and basis["funding"] == "where_they_fall"
    assert basis["cost_factors"] == {"NAA": 0.4, "NBA": 1.6}
    assert basis["cost_multipliers"] == {"NAA": {"unit": 0.7}, "NBA": {"unit": 1.3}}
    assert "cost_factor" in basis["note"] and "where they fall" in basis["note"]
    assert result.to_dict()["cost_basis"] == basis


def test_common_fund_payments_agree() -> None:
    """A common fund of both nations splits the 340 by GDP, 1,000 : 3,000: A pays 85,
    B 255, in the plan and in the simulation's first year."""
    s = two_nations(funding="common_fund")
    result = plan_scenario(s)
    paid = dict(zip(result.nations["nation"], result.nations["paid_usd_m"], strict=True))
    assert paid == pytest.approx({"NAA": 85.0, "NBA": 255.0})
    assert result.cost_basis["fund_members"] == ["NAA", "NBA"]
    ds = simulate_plan(s, result, draws=2, seed=0)
    assert year_one(ds, "cumulative_paid_usd_m") == pytest.approx(paid)


def test_un_assessed_payments_agree() -> None:
    """The UN reimburses 500 x 0.017136 = 8.568 a person-unit-year plus the equipment half
    of the reference cost, 50: 58.568 a unit. A pays 210 - 3 x 58.568 = 34.296, B
    130 - 58.568 = 71.432; the UN 4 x 58.568 = 234.272."""
    s = two_nations(funding="un_assessed")
    result = plan_scenario(s)
    per_unit = 500 * UN_RATE_YEAR + 50
    paid = dict(zip(result.nations["nation"], result.nations["paid_usd_m"], strict=True))
    assert paid == pytest.approx({"NAA": 210 - 3 * per_unit, "NBA": 130 - per_unit})
    ds = simulate_plan(s, result, draws=2, seed=0)
    assert year_one(ds, "cumulative_paid_usd_m") == pytest.approx(paid)
    un = float(ds.summary_cumulative_paid_un_usd_m.sel(stat="p50").values[0])
    assert un == pytest.approx(4 * per_unit)


def test_relief_in_place_is_costed_as_the_simulation_puts_units_on_the_ground() -> None:
    """With a one-month relief overlap on six-month tours each deployed unit is on the
    ground 7/6 of the time: A pays 210 x 7/6 = 245 a year, B 130 x 7/6 = 151.67; in
    the simulation's second year of three (rotation in steady state: the first relief
    overlaps month 6, the last tour is relieved by nobody) the same."""
    data = two_nations(months=36).model_dump(mode="python")
    data["capabilities"][0]["relief_overlap_months"] = {"value": 1.0}
    s = Scenario.model_validate(data)
    result = plan_scenario(s)
    cost = dict(zip(result.nations["nation"], result.nations["annual_cost_usd_m"], strict=True))
    assert cost == pytest.approx({"NAA": 245.0, "NBA": 130 * 7 / 6})
    assert result.cost_basis["relief_factors"] == {"unit": pytest.approx(7 / 6, abs=1e-6)}
    ds = simulate_plan(s, result, draws=2, seed=0)
    cumulative = ds.summary_cumulative_cost_usd_m.sel(stat="p50").values
    second = dict(zip(ds.nation.values, cumulative[1] - cumulative[0], strict=True))
    assert second == pytest.approx(cost)
