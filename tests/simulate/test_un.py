"""The UN alternative's economics (issue 7, finding 7).

Found: the variant charged the UN's reimbursement to the troop contributors (Bangladesh
"4.4% of budget"), fed it into their exit pressure, applied national cost overruns to a
fixed UN rate, and coded India, Bangladesh and China so that no one could replace a
leaver (3 of 4 contributors left at the median).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forceplan import load_scenario
from forceplan.plan import plan_scenario
from forceplan.simulate import simulate_plan
from forceplan.simulate.costs import Pressure, cost_growth, unit_costs
from forceplan.simulate.engine import sample_chunk
from forceplan.simulate.inputs import compile_inputs
from forceplan.simulate.parameters import effective_uncertainties

RATE = 1428 / 1e6  # US$ m per person-month


@pytest.fixture(scope="module")
def un() -> tuple[object, object]:
    s = load_scenario("un-100k")
    return s, plan_scenario(s)


def test_no_contributor_budget_carries_the_reimbursement(
    un: tuple[object, object], tmp_path: Path
) -> None:
    """The UN pays each contributor US$1,428 per person on the ground plus its units'
    equipment share of their cost (contingent-owned equipment) at fixed rates, from its
    assessed budget; a contributor's own budget pays only what its units cost above that,
    never the reimbursement itself. National overruns fall on the contributors: with the
    overrun fixed at 1.0 and at 1.5 (and exits not moved by cost) the UN pays the same in
    every draw while the force's cost grows by half."""
    s, p = un
    ds = simulate_plan(s, p, draws=300, seed=3)  # type: ignore[arg-type]
    cost = ds.monthly_cost_usd_m.values
    paid = ds.monthly_paid_usd_m.values
    assert (paid <= cost * (1 + 1e-6) + 1e-6).all()
    people = ds.deployed_personnel.values.sum(axis=2) * RATE
    assert (ds.monthly_paid_un_usd_m.values >= people * (1 - 1e-6) - 1e-9).all()
    assert ds.attrs["funding_rule"] == "un_assessed"
    runs = []
    for overrun in (1.0, 1.5):
        variant = tmp_path / f"un-{overrun}.toml"
        variant.write_text(
            'extends = "un-100k"\n[simulation]\ncost_pressure_weight = 0\n'
            '[uncertainties.cost_overrun]\ndistribution = "fixed"\n'
            f'value = {overrun}\ndomain = "multiplier"\n'
        )
        scenario = load_scenario(variant)
        result = plan_scenario(scenario)
        runs.append(simulate_plan(scenario, result, draws=300, seed=3, keep_draws=0))
    low, high = runs
    assert np.array_equal(low.outcome_un_paid_usd_m.values, high.outcome_un_paid_usd_m.values)
    assert high.outcome_total_cost_usd_m.values == pytest.approx(
        1.5 * low.outcome_total_cost_usd_m.values, rel=1e-9
    )


def test_bangladesh_feels_no_cost_pressure(un: tuple[object, object]) -> None:
    """At the figures' values (no overrun, no inflation) Bangladesh's own cost of its units is
    covered by the UN: its people cost less than the rate (cost factor 0.053: an infantry
    battalion's 700 x US$0.19m x 0.053 = US$7.0m a year against 700 x US$17,136 = US$12.0m)
    and the UN reimburses its units' equipment share; so the mission weighs nothing on its
    budget. It weighed 4.4% of it before, when the reimbursement was charged to it. In the
    random draws it feels only the overruns and inflation on its own costs, which the UN's
    fixed rates do not cover: at the median a third of the 4.4% found before."""
    s, p = un
    inputs = compile_inputs(s, p)  # type: ignore[arg-type]
    size = 200
    at_value = np.broadcast_to(inputs.annual_cost, (size, inputs.annual_cost.size))
    pressure = Pressure(inputs, at_value, np.ones((size, inputs.months)))
    col = int(np.searchsorted(pressure.nations, inputs.nations.index("BGD")))
    assert pressure.nations[col] == inputs.nations.index("BGD")
    draws = np.arange(size)
    assert np.all(pressure.exact(draws, np.full(size, col)) == 0.0)
    params, _, _ = sample_chunk(inputs, effective_uncertainties(s), 1, 0, size)  # type: ignore[arg-type]
    drawn = Pressure(inputs, unit_costs(inputs, params, size), cost_growth(params, inputs.months))
    peak = drawn.exact(draws, np.full(size, col)).max(axis=1)
    assert np.median(peak) < 4.4 / 3


def test_a_leaver_is_replaced_from_the_other_un_contributors(tmp_path: Path) -> None:
    """India certainly leaves at month 13 and nobody else leaves. The plan fills the
    cheapest contributors (India, Bangladesh, Nepal, Pakistan) to their army-share caps
    and China, the dearest, only in part; China (undecided, in the refill pool) takes
    on some of India's units from month 13, so the monitoring line keeps more of its
    units than if no one could replace a leaver."""
    coverage = {}
    for refill in ("true", "false"):
        variant = tmp_path / f"un-india-leaves-{refill}.toml"
        variant.write_text(
            'extends = "un-100k"\n'
            f"[simulation]\nrefill = {refill}\nforced_exits = {{ IND = 13 }}\n"
            "exit_hazard_per_year = { committed = 0, willing = 0, undecided = 0, opposed = 0 }\n"
        )
        s = load_scenario(variant)
        ds = simulate_plan(s, plan_scenario(s), draws=2, seed=0)
        if refill == "true":
            china = ds.deployed_personnel.sel(nation="CHN").values[0]
            assert china[13] > china[10]  # month 14 against month 11 (no relief overlap)
            assert ds.deployed_personnel.sel(nation="IND").values[0, 12:].max() == 0
        coverage[refill] = ds.mission_coverage.sel(mission="line_monitoring").values[0, 13]
    assert coverage["true"] > coverage["false"]


def test_replacements_raise_coverage_draw_by_draw(un: tuple[object, object]) -> None:
    """Regression: before, no one could replace a UN contributor that left. With the same
    draws, letting the named contributors replace each other never lowers the share of the
    requirement met and raises it where someone leaves."""
    s, p = un
    from forceplan.scenario import Scenario

    closed = Scenario.model_validate(
        {**s.model_dump(), "simulation": {**s.simulation.model_dump(),  # type: ignore[attr-defined]
                                          "refill_stances": ["committed", "willing"]}}
    )
    a = simulate_plan(s, p, draws=1000, seed=7, keep_draws=0)  # type: ignore[arg-type]
    b = simulate_plan(closed, p, draws=1000, seed=7, keep_draws=0)  # type: ignore[arg-type]
    gain = a.outcome_coverage_mean.values - b.outcome_coverage_mean.values
    assert (gain >= -1e-12).all() and (gain > 0).any()
