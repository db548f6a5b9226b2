"""PRIM finds a planted box; levers declared in a scenario; variants keep their own figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from explore_helpers import RANGED, TINY, ranged, rows, sweep

from forceplan.explore.discovery import discover
from forceplan.explore.errors import ExploreError
from forceplan.scenario import Scenario


def planted(n: int = 8000, seed: int = 5) -> pd.DataFrame:
    """Six uniform inputs and a lever; the cases are a2 > 0.6, b < 0.3 on lever option 1."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({name: rng.uniform(0, 1, n) for name in "abcdef"})
    frame["a2"] = frame.pop("a") * 10
    frame["lever_code"] = rng.integers(0, 2, n).astype(float)
    inside = (frame.a2 > 6) & (frame.b < 0.3) & (frame.lever_code == 1)
    frame["outcome"] = np.where(inside, 0.5, 1.0) + rng.normal(0, 0.01, n)
    return frame


def test_prim_finds_a_planted_box() -> None:
    frame = planted()
    inputs = ["a2", "b", "c", "d", "e", "f", "lever_code"]
    found = discover(frame, "outcome < 0.75", inputs, {"a2": "tonnes"})
    assert found.cases == int((frame.outcome < 0.75).sum())
    assert found.coverage > 0.85 and found.density > 0.9
    limits = found.limits.set_index("input")
    assert set(limits.index) == {"a2", "b", "lever_code"}
    assert limits.loc["a2", "low"] == pytest.approx(6, abs=0.3)
    assert limits.loc["a2", "unit"] == "tonnes"
    assert limits.loc["b", "high"] == pytest.approx(0.3, abs=0.03)
    assert limits.loc["lever_code", "low"] > 0  # option 0 peeled away
    trajectory = found.trajectory
    assert trajectory.coverage.is_monotonic_decreasing
    assert trajectory.coverage.iloc[0] == 1.0 and trajectory.mass.iloc[0] == 1.0


def test_the_box_can_be_chosen_on_the_trajectory() -> None:
    frame = planted()
    found = discover(frame, "outcome < 0.75", ["a2", "b", "c"], box=1)
    assert found.chosen == 1 and found.coverage == found.trajectory.coverage.iloc[1]
    with pytest.raises(ExploreError, match="steps 0 to"):
        discover(frame, "outcome < 0.75", ["a2", "b", "c"], box=999)


def test_screening_keeps_the_inputs_that_separate_the_cases() -> None:
    found = discover(planted(), "outcome < 0.75",
                     ["c", "d", "e", "f", "a2", "b", "lever_code"], max_inputs=3)
    assert set(found.screened) == {"a2", "b", "lever_code"}


def test_levers_declared_in_the_scenario_and_variants(tmp_path: Path) -> None:
    dump = ranged().model_dump(mode="json")
    dump["levers"] = {"variant": [str(RANGED), str(TINY)]}
    s = Scenario.model_validate(dump)
    sweep(tmp_path / "r", scenario=s, experiments=120, plans=2, seed=1)
    data = rows(tmp_path / "r")
    assert sorted(data.variant.unique()) == sorted([str(RANGED), str(TINY)])
    cost = "capabilities[fighter_squadron].annual_cost_per_unit_usd_m"
    # the tiny variant has no range on this figure: it keeps its own value, recorded as used
    assert set(data[data.variant == str(TINY)][cost]) == {300.0}
    # the ranged one draws it experiment by experiment (a simulation-stage dimension)
    ranged_costs = data[data.variant == str(RANGED)][cost]
    assert ranged_costs.nunique() == 120 and ranged_costs.between(200, 400).all()


def test_the_backstop_lever_pairs_draws_and_only_lowers_the_hazard(tmp_path: Path) -> None:
    dump = ranged().model_dump(mode="json")
    dump["backstop"] = {"units": {"fighter_squadron": 1},
                        "credibility": {"value": 0.5, "range": [0.2, 0.8]}}
    dump["levers"] = {"backstop": [True, False]}
    s = Scenario.model_validate(dump)
    sweep(tmp_path / "r", scenario=s, experiments=200, plans=2, seed=8)
    data = rows(tmp_path / "r")
    on = data[data.backstop].sort_values("experiment").reset_index(drop=True)
    off = data[~data.backstop].sort_values("experiment").reset_index(drop=True)
    assert on["backstop.credibility"].between(0.2, 0.8).all()
    assert on["backstop.credibility"].equals(off["backstop.credibility"])
    # the backstop can only add (it refills what departing nations leave in the air) and
    # multiplies the offensive hazard by 1 - effect * credibility < 1 in every draw
    assert (on.coverage_mean >= off.coverage_mean).all()
    assert (on.coverage_mean > off.coverage_mean).any()
    assert (on.p_offensive_end < off.p_offensive_end).all()
    assert (on.p_offensive_no_force == off.p_offensive_no_force).all()
