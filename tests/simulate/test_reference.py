"""The vectorised engine agrees draw by draw with the plain-Python reference model."""

from __future__ import annotations

import numpy as np
import pytest
from sim_helpers import make_plan, make_scenario

from forceplan.simulate.deterrence import default_offensive_hazard
from forceplan.simulate.engine import OUTCOMES, build_tables, evaluate, sample_chunk
from forceplan.simulate.inputs import compile_inputs
from forceplan.simulate.parameters import effective_uncertainties
from forceplan.simulate.reference import one_draw

HAZARD = {"committed": 0.2, "willing": 0.4, "undecided": 0.4, "opposed": 0.4}


@pytest.mark.parametrize(
    "settings",
    [
        {},
        {"cost_pressure_weight": 0.5, "casualty_weight": 2.0},
        {"refill": False},
    ],
)
def test_engine_matches_reference(settings: dict[str, object]) -> None:
    s = make_scenario(
        nations=4,
        units=9,
        months=30,
        tour=4,
        ratio=2.5,
        overlap=1,
        exit_hazard=HAZARD,
        uncertainties={},
        simulation=settings,
    )
    plan = make_plan(s, {"NAA": 3, "NBA": 3, "NCA": 2, "NDA": 1})
    inputs = compile_inputs(s, plan)
    tables = build_tables(inputs)
    params, political, own = sample_chunk(inputs, effective_uncertainties(s), 5, 0, 40)
    res = evaluate(inputs, tables, params, political, own, default_offensive_hazard)
    assert res.outcomes["nations_left"].sum() > 0  # departures do happen
    for i in range(40):
        ref = one_draw(
            inputs, {k: float(v[i]) for k, v in params.items()}, float(political[i]),
            [float(x) for x in own[i]],
        )
        for name in OUTCOMES:
            assert res.outcomes[name][i] == pytest.approx(ref[name], rel=1e-9, abs=1e-9), (
                name, i
            )
    assert np.isfinite(res.outcomes["total_cost_usd_m"]).all()


@pytest.mark.parametrize("backstop", [True, False])
def test_engine_matches_reference_on_flagship(backstop: bool) -> None:
    from forceplan import load_scenario
    from forceplan.plan import plan as make_flagship_plan

    s = load_scenario("reassurance-2025")
    plan = make_flagship_plan(s, backstop=backstop)
    inputs = compile_inputs(s, plan)
    tables = build_tables(inputs)
    params, political, own = sample_chunk(inputs, effective_uncertainties(s), 7, 3, 25)
    res = evaluate(inputs, tables, params, political, own, default_offensive_hazard)
    for i in range(25):
        ref = one_draw(
            inputs, {k: float(v[i]) for k, v in params.items()}, float(political[i]),
            [float(x) for x in own[i]],
        )
        for name in OUTCOMES:
            assert res.outcomes[name][i] == pytest.approx(ref[name], rel=1e-9, abs=1e-9), (
                name, i
            )
