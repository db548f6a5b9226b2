"""Known answers worked out by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from sim_helpers import fixed_uncertainties, make_plan, make_scenario

from forceplan.simulate import HazardInputs, compare, simulate_plan
from forceplan.simulate.rotation import rotate


def test_one_nation_one_capability_matches_rotation_arithmetic() -> None:
    """4 units, 6-month tours, rotation ratio 3 (6 months preparing, 6 recovering), 500 each.

    Months 1-6: 4 deployed + 4 preparing for the month-7 relief = 8 units = 4,000 people.
    Months 7-30: deployed + preparing + recovering = 3 x 4 = 12 units = 6,000 (ratio x deployed).
    Months 31-36: the mission ends after month 36, so nobody prepares: 8 units = 4,000.
    """
    s = make_scenario()
    ds = simulate_plan(s, make_plan(s), draws=3, seed=1)
    deployed = ds.deployed_personnel.sel(nation="NAA").values
    tied = ds.tied_up_personnel.sel(nation="NAA").values
    assert np.all(deployed == 2_000.0)
    expected = np.array([4_000.0] * 6 + [6_000.0] * 24 + [4_000.0] * 6)
    assert np.array_equal(tied, np.broadcast_to(expected, tied.shape))
    # steady state equals ratio x deployed, exactly
    assert np.all(tied[:, 6:30] == 3 * deployed[:, 6:30])


def test_relief_overlap_adds_incoming_units() -> None:
    """With a 1-month relief in place, the incoming unit is on the ground a month early:
    over a steady 6-month cycle 7 unit-months on the ground per 6 deployed (1 + o/tau), and
    tied up averages (r + o/tau) x deployed."""
    s = make_scenario(overlap=1, months=48)
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    ground = ds.deployed_personnel.sel(nation="NAA").values[0] / 500
    tied = ds.tied_up_personnel.sel(nation="NAA").values[0] / 500
    cycle = slice(12, 36)  # four whole tours in the steady state
    assert ground[cycle].mean() == pytest.approx(4 * (1 + 1 / 6))
    assert tied[cycle].mean() == pytest.approx(4 * (3 + 1 / 6))
    # the overlap month is the month before each relief (months 12, 18, ...)
    assert ground[11] == 8 and ground[12] == 4


def test_rotation_drawdown_sends_units_home_to_recover() -> None:
    d = np.zeros((1, 1, 12))
    d[0, 0, :6] = 2.0  # two units for six months, then none
    ground, tied = rotate(d, np.array([3.0]), np.array([2.0]), np.array([0.0]))
    # tau 3, ratio 2: 1.5 months preparing and recovering; relief in month 4
    assert ground[0, 0].tolist() == [2, 2, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0]
    # month 7: the two units that left at month 7 are recovering (1.5 months: 7 and half of 8)
    assert tied[0, 0, 6] == pytest.approx(2.0)
    assert tied[0, 0, 7] == pytest.approx(1.0)
    assert tied[0, 0, 8] == pytest.approx(0.0)


def test_cost_without_overrun_is_units_times_rate() -> None:
    s = make_scenario(months=24, cost=120)
    ds = simulate_plan(s, make_plan(s), draws=2, seed=0)
    # 4 units x US$120m a year x 2 years, no overrun, no inflation
    final = ds.summary_cumulative_cost_total_usd_m.sel(stat="p50").values
    assert final.tolist() == pytest.approx([480.0, 960.0])


def test_zero_hazard_nobody_leaves() -> None:
    s = make_scenario(nations=3, units=6)
    plan = make_plan(s, {"NAA": 2, "NBA": 2, "NCA": 2})
    ds = simulate_plan(s, plan, draws=2000, seed=5)
    assert np.all(ds.exit_month.values == 37)
    assert np.all(ds.outcome_nations_left.values == 0)
    assert np.all(ds.summary_coverage.sel(stat="p05").values == 1.0)


def test_certain_departure_removes_exactly_that_nations_units() -> None:
    """Nation B certainly leaves from month 10; nobody re-fills (refill off)."""
    base = make_scenario(nations=2, units=4, simulation={"refill": False})
    gone = make_scenario(
        nations=2, units=4, simulation={"refill": False, "forced_exits": {"NBA": 10}}
    )
    split = {"NAA": 2, "NBA": 2}
    a = simulate_plan(base, make_plan(base, split), draws=4, seed=3)
    b = simulate_plan(gone, make_plan(gone, split), draws=4, seed=3)
    dep_a = a.deployed_personnel.values
    dep_b = b.deployed_personnel.values
    nb = list(a.nation.values).index("NBA")
    na = list(a.nation.values).index("NAA")
    assert np.array_equal(dep_b[:, :9, :], dep_a[:, :9, :])  # months 1-9 unchanged
    assert np.all(dep_b[:, 9:, nb] == 0)  # gone from month 10
    assert np.array_equal(dep_b[:, :, na], dep_a[:, :, na])  # the other nation untouched
    assert np.all(b.exit_month.sel(nation="NBA").values == 10)
    cov = b.mission_coverage.values[:, :, 0]
    assert np.all(cov[:, :9] == 1.0) and np.all(cov[:, 9:] == 0.5)


def test_departure_is_refilled_from_spare_capacity() -> None:
    """With re-planning on, nation A (40 units / ratio 3 = 13 deployable) takes B's 2."""
    s = make_scenario(nations=2, units=4, simulation={"forced_exits": {"NBA": 10}})
    ds = simulate_plan(s, make_plan(s, {"NAA": 2, "NBA": 2}), draws=2, seed=0)
    dep = ds.deployed_personnel.sel(nation="NAA").values
    assert np.all(dep[:, :9] == 1000) and np.all(dep[:, 9:] == 2000)
    assert np.all(ds.mission_coverage.values == 1.0)
    # in the steady state after the re-plan A ties up 3 x 4 units
    tied_a = ds.tied_up_personnel.sel(nation="NAA").values[0] / 500
    assert tied_a[18:30].tolist() == [12.0] * 12


def test_compare_scenario_with_itself_shows_zero_difference() -> None:
    s = make_scenario(
        nations=3,
        units=6,
        exit_hazard={"committed": 0.1, "willing": 0.3, "undecided": 0.3, "opposed": 0.5},
        uncertainties={},  # default (random) uncertainties
    )
    plan = make_plan(s, {"NAA": 2, "NBA": 2, "NCA": 2})
    frame = compare([s, s], draws=3000, seed=11, labels=["a", "b"], plans=[plan, plan])
    diffs = frame[["diff_mean", "diff_p05", "diff_p50", "diff_p95"]].to_numpy()
    assert np.all(diffs == 0.0)
    a = frame[frame.scenario == "a"].drop(columns="scenario").reset_index(drop=True)
    b = frame[frame.scenario == "b"].drop(columns="scenario").reset_index(drop=True)
    assert a.equals(b)
    # and the spread is real (the draws do vary)
    cost = frame[(frame.scenario == "a") & (frame.outcome == "total_cost_usd_m")].iloc[0]
    assert cost.p95 > cost.p05


def test_swapped_in_hazard_function_is_used() -> None:
    s = make_scenario(months=24)
    seen: list[HazardInputs] = []

    def constant(x: HazardInputs) -> np.ndarray:
        seen.append(x)
        return np.full(x.deterrence_ratio.shape, 0.01)

    ds = simulate_plan(s, make_plan(s), draws=10, seed=0, hazard=constant)
    assert seen and seen[0].deterrence_ratio.shape == (10, 24)
    expected = 1 - np.exp(-0.01 * np.arange(1, 25))
    assert np.allclose(ds.p_offensive.values, expected[None, :])
    assert "constant" in ds.attrs["hazard_model"]
    default = simulate_plan(s, make_plan(s), draws=10, seed=0)
    assert not np.allclose(default.p_offensive.values, ds.p_offensive.values)


def test_bad_hazard_function_is_rejected() -> None:
    s = make_scenario(months=12)
    with pytest.raises(ValueError, match="negative"):
        simulate_plan(s, make_plan(s), draws=5, seed=0, hazard=lambda x: -x.deterrence_ratio)
    with pytest.raises(ValueError, match="shape"):
        simulate_plan(s, make_plan(s), draws=5, seed=0, hazard=lambda x: np.zeros(3))


def test_default_hazard_follows_its_equation() -> None:
    """h = h0 exp(-k(theta B - 1)) exp(-w F), with B = (U + w_f G) / R, F = 1 flag."""
    s = make_scenario(months=12)
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    h0 = -np.log(1 - 0.2) / 12
    balance = (800_000 + 0.5 * 2_000) / 700_000
    h = h0 * np.exp(-2.0 * (1.5 * balance - 1)) * np.exp(-0.05 * 1)
    assert ds.offensive_hazard.values[0] == pytest.approx(np.full(12, h))
    assert ds.deterrence_ratio.values[0] == pytest.approx(np.full(12, balance))


def test_training_throughput() -> None:
    """4 training units of 500 = 2,000 trainers x 12 trainees a year = 2,000 a month."""
    s = make_scenario(months=24, training=True)
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    assert ds.trained_cumulative.values[0] == pytest.approx(2_000.0 * np.arange(1, 25))


def test_trainees_from_ukraines_own_recruits_do_not_raise_its_force_twice() -> None:
    """Issue 7, finding 5: Ukraine(t) = U0 + d t + retention x trained(t) counted every
    trainee as one more soldier, though trainees are Ukraine's own recruits (already in
    d). Now the headcount stays U0 + d t = 800,000 (d = 0) while 48,000 are trained, and
    training adds quality: gain x retained = 0.5 x 1.0 x 48,000 = 24,000
    personnel-equivalents at month 24, which is what the deterrence ratio counts."""
    s = make_scenario(months=24, training=True)
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    trained = 2_000.0 * np.arange(1, 25)
    assert np.all(ds.ukraine_force.values[0] == 800_000.0)
    assert ds.ukraine_effective_force.values[0] == pytest.approx(800_000.0 + 0.5 * trained)
    # the training mission is on the ground: 2,000 foreign personnel at weight 0.5
    ratio = (800_000.0 + 0.5 * trained + 0.5 * 2_000.0) / 700_000.0
    assert ds.deterrence_ratio.values[0] == pytest.approx(ratio)
    # with no gain from training, training does not change Ukraine's strength at all
    flat = make_scenario(
        months=24, training=True, uncertainties=fixed_uncertainties(trained_effectiveness_gain=0)
    )
    same = simulate_plan(flat, make_plan(flat), draws=1, seed=0)
    assert np.all(same.ukraine_effective_force.values == 800_000.0)
    # and a trained soldier is never counted beyond Ukraine's own headcount
    few = make_scenario(
        months=24,
        training=True,
        uncertainties=fixed_uncertainties(
            ukraine_force_initial=30_000.0, trained_effectiveness_gain=0.5
        ),
    )
    capped = simulate_plan(few, make_plan(few), draws=1, seed=0)
    assert capped.ukraine_effective_force.values[0, -1] == pytest.approx(30_000 * 1.5)


def test_russian_regeneration_is_bounded_by_its_ceiling() -> None:
    """Issue 7, finding 5: R(t) = R0 + g t grew without bound (median 1.45m at month 60).
    Now R(t) = K - (K - R0) exp(-g t / (K - R0)): with R0 = 700,000, K = 1,000,000 and
    g = 10,000 a month the force starts growing at g, reaches K - 300,000 e^-2 = 959,399
    at month 60 and never passes K."""
    s = make_scenario(
        months=60,
        uncertainties=fixed_uncertainties(russia_regeneration_per_month=10_000.0),
    )
    ds = simulate_plan(s, make_plan(s), draws=1, seed=0)
    russia = ds.russia_force.values[0]
    assert russia[-1] == pytest.approx(1_000_000 - 300_000 * np.exp(-2.0))
    assert russia[0] == pytest.approx(1_000_000 - 300_000 * np.exp(-1 / 30))
    assert 9_800 < russia[0] - 700_000 < 10_000  # the first month grows at almost g
    assert np.all(np.diff(russia) > 0) and np.all(russia < 1_000_000)
    # a ceiling at or below the start: no growth
    flat = make_scenario(
        months=60,
        uncertainties=fixed_uncertainties(
            russia_regeneration_per_month=10_000.0, russia_force_ceiling=600_000.0
        ),
    )
    assert np.all(simulate_plan(flat, make_plan(flat), draws=1, seed=0).russia_force == 700_000)
    # a negative net growth is a plain linear decline: 700,000 - 5,000 x 60 = 400,000
    shrinking = make_scenario(
        months=60,
        uncertainties=fixed_uncertainties(russia_regeneration_per_month=-5_000.0),
    )
    down = simulate_plan(shrinking, make_plan(shrinking), draws=1, seed=0).russia_force.values[0]
    assert down == pytest.approx(700_000 - 5_000 * np.arange(1, 61))


def test_flagship_russian_forces_stay_below_the_authorised_strength() -> None:
    """The finding's own check: the flagship's median Russian force at month 60 was 1.45m
    (linear growth); it can no longer pass the highest ceiling, 1.5m (the authorised
    strength of all Russia's armed forces), and its median stays near 1m."""
    from forceplan import load_scenario
    from forceplan.plan import plan_scenario

    s = load_scenario("reassurance-2025")
    ds = simulate_plan(s, plan_scenario(s), draws=2000, seed=7)
    end = ds.outcome_russia_force_end.values
    assert end.max() < 1_500_000
    assert 850_000 < np.median(end) < 1_100_000


def test_public_api_plans_then_simulates_with_a_custom_hazard() -> None:
    import forceplan
    from forceplan.scenario import load_scenario

    tiny = load_scenario(Path(__file__).parents[1] / "fixtures" / "tiny.toml")
    calls: list[int] = []

    def never(x: HazardInputs) -> np.ndarray:
        calls.append(x.deterrence_ratio.shape[0])
        return np.zeros_like(x.deterrence_ratio)

    ds = forceplan.simulate_scenario(tiny, draws=50, seed=2, hazard=never)
    assert calls == [50]
    assert np.all(ds.p_offensive.values == 0.0)
    assert ds.attrs["seed"] == 2 and ds.attrs["draws"] == 50
    assert set(ds.tied_up_personnel.dims) == {"kept_draw", "month", "nation"}
    with pytest.raises(ValueError, match="draws"):
        forceplan.simulate_scenario(tiny, draws=0, seed=1)
    with pytest.raises(ValueError, match="seed"):
        forceplan.simulate_scenario(tiny, draws=5, seed=-1)
    with pytest.raises(ValueError, match="months"):
        forceplan.simulate_scenario(tiny, draws=5, seed=1, months=241)
