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
from forceplan.plan import plan
from forceplan.simulate import simulate_plan
from forceplan.simulate.costs import Pressure, cost_growth, unit_costs
from forceplan.simulate.engine import sample_chunk
from forceplan.simulate.inputs import compile_inputs
from forceplan.simulate.parameters import effective_uncertainties

RATE = 1428 / 1e6  # US$ m per person-month


@pytest.fixture(scope="module")
def un() -> tuple[object, object]:
    s = load_scenario("un-100k")
    return s, plan(s)


def test_no_contributor_budget_carries_the_reimbursement(un: tuple[object, object]) -> None:
    """Every month of every kept draw: the UN pays each contributor its people on the
    ground x US$1,428, and the contributor's own budget pays what its units cost above
    that, never the reimbursement itself; the UN's total is the rate times the
    person-months on the ground, draw by draw, whatever the draw's cost overrun."""
    s, p = un
    ds = simulate_plan(s, p, draws=300, seed=3)  # type: ignore[arg-type]
    reimbursed = ds.deployed_personnel.values * RATE
    cost = ds.monthly_cost_usd_m.values
    paid = ds.monthly_paid_usd_m.values
    # (monthly trajectories are float32)
    assert paid == pytest.approx(np.maximum(cost - reimbursed, 0.0), rel=1e-6, abs=1e-4)
    assert (paid <= cost + 1e-9).all()
    months = ds.attrs["months"]
    un_paid = ds.outcome_un_paid_usd_m.values
    assert un_paid == pytest.approx(
        ds.outcome_deployed_personnel_mean.values * months * RATE, rel=1e-9
    )
    assert ds.attrs["funding_rule"] == "un_assessed"


def test_bangladesh_feels_no_cost_pressure(un: tuple[object, object]) -> None:
    """At the figures' values (no overrun, no inflation) Bangladesh's own cost of its units
    (cost factor 0.053: an infantry battalion 133 x 0.053 = US$7.0m a year) is below the
    UN's reimbursement (700 x US$17,136 = US$12.0m), so the mission weighs nothing on its
    budget; it weighed 4.4% of it before, when the reimbursement was charged to it. In the
    random draws it feels pressure only where high unit costs and overruns push its own cost
    above the rate (fewer than half of them)."""
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
    assert np.median(peak) == 0.0 and (peak == 0).mean() > 0.5


def test_a_leaver_is_replaced_from_the_other_un_contributors(tmp_path: Path) -> None:
    """China certainly leaves at month 13 and nobody else leaves: India and Bangladesh,
    coded undecided about this force, take on some of China's units from month 13 (as far
    as their army-share caps allow), so the monitoring line keeps more of its units than
    if no one could replace a leaver."""
    coverage = {}
    for refill in ("true", "false"):
        variant = tmp_path / f"un-china-leaves-{refill}.toml"
        variant.write_text(
            'extends = "un-100k"\n'
            f"[simulation]\nrefill = {refill}\nforced_exits = {{ CHN = 13 }}\n"
            "exit_hazard_per_year = { committed = 0, willing = 0, undecided = 0, opposed = 0 }\n"
        )
        s = load_scenario(variant)
        ds = simulate_plan(s, plan(s), draws=2, seed=0)
        if refill == "true":
            others = ds.deployed_personnel.sel(nation=["IND", "BGD"]).sum("nation").values[0]
            assert others[13] > others[10]  # month 14 against month 11 (no relief overlap)
            assert ds.deployed_personnel.sel(nation="CHN").values[0, 12:].max() == 0
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
