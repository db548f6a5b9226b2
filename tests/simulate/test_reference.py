"""The vectorised engine agrees draw by draw with the plain-Python reference model."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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


@pytest.mark.parametrize("funding", ["where_they_fall", "common_fund", "un_assessed"])
def test_engine_matches_reference_with_cost_rules(funding: str) -> None:
    """National cost factors, a person-year cost, a sampled unit-cost range, cost pressure
    and each funding rule: the engine agrees with the literal model draw by draw."""
    s = make_scenario(
        nations=4,
        units=9,
        months=30,
        tour=4,
        ratio=2.5,
        overlap=1,
        exit_hazard=HAZARD,
        uncertainties={},
        cost_range=(30, 400),
        simulation={"cost_pressure_weight": 2.0, "casualty_weight": 1.0},
        costs={"funding": funding, "person_year_cost_usd_m": 0.1,
               "fund_members": ["NAA", "NBA", "NDA"]},
        nation_extra=[
            {"cost_factor": 0.5, "gdp_usd_bn": 500, "defence_budget_usd_bn": 2},
            {"cost_factor": 1.5, "gdp_usd_bn": 2000, "defence_budget_usd_bn": 5},
            {"cost_factor": 0.05, "gdp_usd_bn": 100, "defence_budget_usd_bn": 0.5},
            {"cost_factor": 2.0, "gdp_usd_bn": 4000},
        ],
    )
    plan = make_plan(s, {"NAA": 3, "NBA": 3, "NCA": 2, "NDA": 1})
    inputs = compile_inputs(s, plan)
    tables = build_tables(inputs)
    params, political, own = sample_chunk(inputs, effective_uncertainties(s), 11, 0, 40)
    assert "unit_cost_unit" in params
    res = evaluate(inputs, tables, params, political, own, default_offensive_hazard)
    assert res.outcomes["nations_left"].sum() > 0
    for i in range(40):
        ref = one_draw(
            inputs, {k: float(v[i]) for k, v in params.items()}, float(political[i]),
            [float(x) for x in own[i]],
        )
        for name in OUTCOMES:
            assert res.outcomes[name][i] == pytest.approx(ref[name], rel=1e-9, abs=1e-9), (
                name, i
            )


@pytest.mark.parametrize(
    ("name", "backstop"),
    [("reassurance-2025", True), ("reassurance-2025", False), ("un-100k", None)],
)
def test_engine_matches_reference_on_flagship(name: str, backstop: bool | None) -> None:
    from forceplan import load_scenario
    from forceplan.plan import plan_scenario as make_flagship_plan

    s = load_scenario(name)
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


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    nations=st.integers(1, 4),
    months=st.integers(3, 40),
    tour=st.sampled_from([1.0, 2.0, 3.0, 4.5, 6.0, 9.0]),
    ratio=st.sampled_from([1.0, 1.5, 2.0, 2.5, 3.0, 4.0]),
    overlap=st.sampled_from([0.0, 0.5, 1.0, 2.0]),
    hazard=st.floats(0.0, 0.9),
    pressure=st.sampled_from([0.0, 0.3]),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_engine_matches_reference_on_random_cases(
    nations: int,
    months: int,
    tour: float,
    ratio: float,
    overlap: float,
    hazard: float,
    pressure: float,
    seed: int,
    data: st.DataObject,
) -> None:
    split = {
        f"N{chr(65 + i)}A": data.draw(st.integers(0 if i else 1, 4), label=f"units {i}")
        for i in range(nations)
    }
    s = make_scenario(
        nations=nations,
        units=sum(split.values()),
        months=months,
        tour=tour,
        ratio=ratio,
        overlap=overlap,
        exit_hazard={k: hazard for k in ("committed", "willing", "undecided", "opposed")},
        uncertainties={},
        simulation={"cost_pressure_weight": pressure},
    )
    plan = make_plan(s, split)
    inputs = compile_inputs(s, plan)
    tables = build_tables(inputs)
    params, political, own = sample_chunk(inputs, effective_uncertainties(s), seed, 0, 8)
    res = evaluate(inputs, tables, params, political, own, default_offensive_hazard)
    for i in range(8):
        ref = one_draw(
            inputs, {k: float(v[i]) for k, v in params.items()}, float(political[i]),
            [float(x) for x in own[i]],
        )
        for name in OUTCOMES:
            assert res.outcomes[name][i] == pytest.approx(ref[name], rel=1e-9, abs=1e-6), (
                name, i
            )
