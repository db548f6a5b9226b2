"""P(offensive within 24 months): a fixed horizon beside P(offensive by end), whose
window grows with the mission (docs/model.md, "Fixed horizon")."""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_helpers import make_plan, scenario_dict

from forceplan.scenario import Scenario
from forceplan.simulate import simulate_plan


def no_force(months: int) -> Scenario:
    data = scenario_dict(months=months)
    data["phases"][0]["multiplier"] = 0.0
    return Scenario.model_validate(data)


@pytest.mark.parametrize("months", [12, 24, 60])
def test_fixed_horizon_is_the_first_24_months_whatever_the_length(months: int) -> None:
    """Nothing deployed, every parameter fixed: Ukraine 800,000 against Russia 700,000,
    ratio 8/7; base hazard 0.2 a year, h0 = -ln(0.8) / 12 a month; the balance term
    exp(-2 (1.5 x 8/7 - 1)) = exp(-10/7) = 0.23965. A constant monthly hazard
    h = h0 x 0.23965 gives P(within 24 months) = 1 - 0.8^(2 x 0.23965) = 0.10144 for
    a mission of 24 or 60 months (by end: 0.10144 and 1 - 0.8^(5 x 0.23965) = 0.23462),
    and for a 12-month run, which cannot see further, its end: 1 - 0.8^0.23965 =
    0.05210."""
    s = no_force(months)
    ds = simulate_plan(s, make_plan(s), draws=3, seed=0)
    balance = math.exp(-10 / 7)
    by_end = 1 - 0.8 ** (months / 12 * balance)
    within = 1 - 0.8 ** (min(months, 24) / 12 * balance)
    assert ds.outcome_p_offensive_end.values == pytest.approx(np.full(3, by_end), rel=1e-9)
    assert ds.outcome_p_offensive_24m.values == pytest.approx(np.full(3, within), rel=1e-9)
    assert ds.outcome_p_offensive_24m.attrs["units"] == "1"
    if months == 60:
        assert within == pytest.approx(0.10144, abs=1e-5)
        assert by_end == pytest.approx(0.23462, abs=1e-5)
