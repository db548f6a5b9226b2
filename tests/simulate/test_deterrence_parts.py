"""The offensive hazard in named parts that sum to the whole, and compare's attribution.

Issue 7, finding 5: the hazard could not be split into what the force, the flags, the
backstop and Ukraine's own strength each contribute.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sim_helpers import make_plan, make_scenario

from forceplan import load_scenario
from forceplan.plan import plan_scenario
from forceplan.simulate import (
    HAZARD_PARTS,
    HazardInputs,
    compare,
    shapley_attribution,
    simulate_plan,
)
from forceplan.simulate.compare import PART_PREFIX
from forceplan.simulate.deterrence import p_by_end


def test_parts_sum_to_the_log_hazard() -> None:
    """In every kept draw and month, log h = baseline + ukraine + training + force + flags
    + backstop, and the known-answer parts of a one-nation case are the equation's terms."""
    s = load_scenario("reassurance-2025")
    ds = simulate_plan(s, plan_scenario(s), draws=300, seed=2)
    assert list(ds.hazard_part.values) == list(HAZARD_PARTS)
    total = ds.log_hazard_part.sum("hazard_part").values
    assert np.log(ds.offensive_hazard.values) == pytest.approx(total, rel=1e-12, abs=1e-12)
    # the force's, the flags' and the backstop's factors lower the hazard
    for part in ("force", "flags", "backstop", "ukraine"):
        assert (ds.log_hazard_part.sel(hazard_part=part).values <= 0).all()
    assert ds.summary_hazard_multiplier.sel(stat="p50", hazard_part="backstop").values.max() < 1


def test_parts_of_a_known_case() -> None:
    """One nation, 4 units of 500 on the ground, no training; k = 2, theta = 1.5,
    w_f = 0.5, w_flag = 0.05, h0 = -ln(0.8)/12, U = 800,000, R = 700,000."""
    s = make_scenario(months=12)
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    parts = ds.log_hazard_part.isel(kept_draw=0, month=0)
    per_soldier = -2.0 * 1.5 / 700_000
    expected = {
        "baseline": math.log(-math.log(0.8) / 12) + 2.0,
        "ukraine": per_soldier * 800_000,
        "training": 0.0,
        "force": per_soldier * 0.5 * 2_000,
        "flags": -0.05,
        "backstop": 0.0,
    }
    for name, value in expected.items():
        assert float(parts.sel(hazard_part=name)) == pytest.approx(value, abs=1e-12), name


def test_shapley_split_of_two_parts_by_hand() -> None:
    """One month, log parts (0, 0) against (ln 2, ln 3): P = 1 - exp(-h), so
    v({}) = 1 - e^-1, v(a) = 1 - e^-2, v(b) = 1 - e^-3, v(ab) = 1 - e^-6;
    phi_a = ((v(a) - v({})) + (v(ab) - v(b))) / 2, phi_b likewise."""
    base = np.zeros((1, 1, 2))
    other = np.log(np.array([2.0, 3.0]))[None, None, :]
    phi = shapley_attribution(base, other)[0]
    e = math.exp
    assert phi[0] == pytest.approx(((e(-1) - e(-2)) + (e(-3) - e(-6))) / 2)
    assert phi[1] == pytest.approx(((e(-1) - e(-3)) + (e(-2) - e(-6))) / 2)
    assert phi.sum() == pytest.approx(e(-1) - e(-6))


def test_shapley_parts_add_up_to_the_difference_draw_by_draw() -> None:
    rng = np.random.default_rng(1)
    base = rng.normal(-4, 1, (50, 24, 6))
    other = base + rng.normal(0, 0.5, (50, 24, 6)) * (rng.random(6) > 0.3)
    phi = shapley_attribution(base, other)
    diff = p_by_end(other.sum(axis=2)) - p_by_end(base.sum(axis=2))
    assert phi.sum(axis=1) == pytest.approx(diff, rel=1e-12, abs=1e-14)
    unchanged = np.flatnonzero(np.all(other == base, axis=(0, 1)))
    assert np.all(phi[:, unchanged] == 0.0)


def test_compare_attributes_the_backstop_difference_to_the_backstop() -> None:
    """The no-backstop variant differs from the flagship in the backstop and, through its
    own plan, a little in who is on the ground; with the same draws nearly all of the
    paired difference in P(offensive by end) is the backstop's, Ukraine's own strength and
    the baseline get exactly 0, and the parts' means add up to the mean difference."""
    frame = compare(
        [load_scenario("reassurance-2025"), load_scenario("reassurance-2025-no-backstop")],
        draws=1500,
        seed=9,
    )
    parts = frame[(frame.scenario == "reassurance_2025_no_backstop")
                  & frame.outcome.str.startswith(PART_PREFIX)].set_index("outcome")
    total = frame[(frame.scenario == "reassurance_2025_no_backstop")
                  & (frame.outcome == "p_offensive_end")].iloc[0]
    assert parts.diff_mean.sum() == pytest.approx(total.diff_mean, rel=1e-12)
    assert total.diff_mean > 0
    assert parts.loc[f"{PART_PREFIX}backstop", "diff_mean"] > 0.95 * total.diff_mean
    for same in ("baseline", "ukraine"):
        row = parts.loc[f"{PART_PREFIX}{same}"]
        assert (row[["diff_mean", "diff_p05", "diff_p95"]].to_numpy() == 0).all()
    first = frame[(frame.scenario == "reassurance_2025")
                  & frame.outcome.str.startswith(PART_PREFIX)]
    assert (first.diff_mean == 0).all()


def test_a_custom_hazard_may_give_its_own_parts() -> None:
    s = make_scenario(months=12)

    def two_parts(x: HazardInputs) -> dict[str, np.ndarray]:
        return {"base": np.full(x.deterrence_ratio.shape, np.log(0.01)),
                "flags": -0.1 * x.flags_on_ground}

    ds = simulate_plan(s, make_plan(s), draws=3, seed=0, hazard=two_parts)
    assert list(ds.hazard_part.values) == ["base", "flags"]
    assert ds.offensive_hazard.values == pytest.approx(np.full((3, 12), 0.01 * np.exp(-0.1)))
    with pytest.raises(ValueError, match="not finite"):
        simulate_plan(s, make_plan(s), draws=3, seed=0,
                      hazard=lambda x: {"a": np.full(x.deterrence_ratio.shape, np.nan)})
