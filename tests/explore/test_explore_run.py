"""A sweep end to end (in threads): rows, pairing across levers, provenance, known answers."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from explore_helpers import RANGED, ranged, rows, sweep

from forceplan.explore import OUTCOMES, Settings, explore, open_results
from forceplan.explore.results import file_sha256
from forceplan.plan import plan_scenario
from forceplan.scenario import Scenario, scenario_hash
from forceplan.simulate import effective_uncertainties, simulate_plan
from forceplan.simulate.parameters import BLOCK, stream

LEVERS = """
[levers]
burden_sharing = ["penalty", "off"]
min_nations_on_ground = [0, 2]
"""


@pytest.fixture(scope="module")
def lever_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("levers") / "run"
    levers = out.parent / "levers.toml"
    levers.write_text(LEVERS)
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(2) as pool:
        explore(ranged(), out, Settings(experiments=300, plans=3, seed=4, chunk_size=64),
                levers=levers, executor=pool)
    return out


def test_one_row_per_experiment_and_lever_combination(lever_run: Path) -> None:
    data = rows(lever_run)
    assert len(data) == 300 * 4
    for _, group in data.groupby("policy"):
        assert sorted(group.experiment) == list(range(300))
        assert sorted(group.draw) == list(range(300))
    combos = data.groupby("policy")[["burden_sharing", "min_nations_on_ground"]].first()
    assert combos.to_records(index=False).tolist() == [
        ("penalty", 0), ("penalty", 2), ("off", 0), ("off", 2)]


def test_lever_combinations_share_each_experiment_s_inputs_and_draw(lever_run: Path) -> None:
    data = rows(lever_run)
    inputs = [c for c in open_results(lever_run).inputs]
    by_policy = [g.sort_values("experiment")[["draw", *inputs]].to_numpy()
                 for _, g in data.groupby("policy")]
    for other in by_policy[1:]:
        assert np.array_equal(by_policy[0], other)


def test_a_lever_setting_the_plan_cannot_meet_is_a_goal_missed(lever_run: Path) -> None:
    # Beta flies only (air_only caveat): two nations on the ground cannot be had in
    # the sustain phase (the drawdown's single battalion holds one flag): a plan
    # that misses that goal, with every outcome
    data = rows(lever_run)
    short = data[data.min_nations_on_ground == 2]
    assert set(short.plan_status) == {"optimal"}
    assert (short.plan_goals_missed == 1).all()
    assert np.isfinite(short.coverage_mean).all()
    good = data[data.min_nations_on_ground == 0]
    assert set(good.plan_status) == {"optimal"} and np.isfinite(good.coverage_mean).all()
    assert (good.plan_goals_missed == 0).all()


def test_an_infeasible_plan_is_recorded_not_dropped(tmp_path: Path) -> None:
    # the same goal made hard (constraints.goals = "hard"): no plan at all
    dump = ranged().model_dump(mode="json")
    dump["constraints"].update(min_nations_on_ground=2, goals="hard")
    report = sweep(tmp_path / "hard", scenario=Scenario.model_validate(dump), experiments=40,
                   plans=2, seed=4)
    data = rows(report.results.directory)
    assert set(data.plan_status) == {"infeasible"}
    assert data.coverage_mean.isna().all() and data.plan_goals_missed.isna().all()
    assert np.isfinite(data.p_offensive_no_force).all()


def test_plan_stage_inputs_stay_within_their_ranges_and_points(lever_run: Path) -> None:
    data = rows(lever_run)
    per_point = data.groupby("plan_point")["capabilities[infantry_battalion].rotation_ratio"]
    assert (per_point.nunique() == 1).all() and per_point.ngroups == 3
    assert data["capabilities[infantry_battalion].rotation_ratio"].between(3, 5).all()
    assert data["capabilities[fighter_squadron].annual_cost_per_unit_usd_m"].between(
        200, 400).all()
    # with LHS the plan-point column is stratified: 100 experiments per point
    assert (data[data.policy == 0].plan_point.value_counts() == 100).all()


def test_manifest_records_provenance_and_checksums(lever_run: Path) -> None:
    m = json.loads((lever_run / "manifest.json").read_text())
    assert m["complete"] and m["scenario"]["hash"] == scenario_hash(ranged())
    assert m["settings"]["seed"] == 4 and m["settings"]["sampler"] == "lhs"
    assert m["plan_design"] == m["plan_design"] | {"points": 3, "plans": 12}
    sources = {d["name"]: d["source"] for d in m["dimensions"]}
    assert sources["capabilities[infantry_battalion].rotation_ratio"] == "test range"
    for chunk in m["chunks"]:
        entry = m["finished"][f"chunk:{chunk['id']}"]
        assert file_sha256(lever_run / chunk["file"]) == entry["sha256"]
    plans = {e["file"] for k, e in m["finished"].items() if k.startswith("plan:")}
    assert {f"plans/{h}.json" for h in rows(lever_run).plan.unique()} == plans
    assert not (lever_run / "journal.jsonl").exists()


def test_columns_carry_units_and_long_names(lever_run: Path) -> None:
    schema = open_results(lever_run).dataset().schema
    meta = {f.name: {k.decode(): v.decode() for k, v in (f.metadata or {}).items()}
            for f in schema}
    assert meta["coverage_mean"]["unit"] == "share"
    assert meta["capabilities[fighter_squadron].annual_cost_per_unit_usd_m"]["unit"] == (
        "US$ m per unit-year")
    assert all(m.get("long_name") for m in meta.values())
    ds = open_results(lever_run).to_xarray(["coverage_mean"])
    assert dict(ds.sizes) == {"policy": 4, "experiment": 300}
    assert ds.coverage_mean.attrs["unit"] == "share"


def test_the_same_seed_gives_the_same_rows(tmp_path: Path) -> None:
    a = rows(sweep(tmp_path / "a", experiments=200, plans=2, seed=9).results.directory)
    b = rows(sweep(tmp_path / "b", experiments=200, plans=2, seed=9).results.directory)
    c = rows(sweep(tmp_path / "c", experiments=200, plans=2, seed=10).results.directory)
    assert a.equals(b)
    assert not np.allclose(a.total_cost_usd_m, c.total_cost_usd_m)


def fixed(scenario: Scenario) -> Scenario:
    """Every uncertainty fixed at its central value (so simulate samples nothing)."""
    dump = scenario.model_dump(mode="json")
    dump["uncertainties"] = {
        k: {"distribution": "fixed", "value": u.central}
        for k, u in effective_uncertainties(scenario).items()
    }
    return Scenario.model_validate(dump)


def test_rows_equal_simulate_draw_by_draw(tmp_path: Path) -> None:
    # nothing sampled: experiment rows must be simulate's draws 0..n-1 of the same plan;
    # the fixed unit cost (a simulation-stage dimension held at its value, 300) is what
    # simulate reads when the figure has no range
    s = fixed(ranged())
    report = sweep(tmp_path / "r", scenario=s, experiments=1500, fix=("capabilities*",), seed=3)
    data = rows(report.results.directory).sort_values("draw")
    dump = s.model_dump(mode="json")
    for cap in dump["capabilities"]:
        cap["annual_cost_per_unit_usd_m"]["range"] = None
    point = Scenario.model_validate(dump)
    ds = simulate_plan(point, plan_scenario(point), draws=1500, seed=3, keep_draws=0)
    for name in ("coverage_mean", "total_cost_usd_m", "p_offensive_end", "nations_left"):
        assert np.array_equal(data[name].to_numpy(), ds[f"outcome_{name}"].to_numpy()), name
    # the political climate recorded is the draw's own shared political factor
    climate = [stream(3, "political-factor", b).standard_normal(BLOCK) for b in (0, 1)]
    assert np.array_equal(data.political_climate, np.concatenate(climate)[:1500])


def test_no_force_outcome_is_the_same_draw_with_nothing_deployed(tmp_path: Path) -> None:
    s = fixed(ranged())
    report = sweep(tmp_path / "r", scenario=s, experiments=500, fix=("capabilities*",), seed=3)
    data = rows(report.results.directory).sort_values("draw")
    dump = s.model_dump(mode="json")
    for phase in dump["phases"]:
        phase["multiplier"] = 0.0
    none = Scenario.model_validate(dump)
    ds = simulate_plan(none, plan_scenario(none), draws=500, seed=3, keep_draws=0)
    assert np.allclose(data.p_offensive_no_force, ds.outcome_p_offensive_end.to_numpy())
    assert np.allclose(data.p_offensive_vs_no_force,
                       data.p_offensive_end - data.p_offensive_no_force)
    # flags and foreign troops on the ground only lower the hazard (unless everyone left)
    assert (data.p_offensive_vs_no_force <= 1e-12).all()
    assert (data.p_offensive_vs_no_force < 0).mean() > 0.9


def test_outcome_list_is_documented() -> None:
    doc = (RANGED.parents[2] / "docs" / "explore.md").read_text()
    for name in OUTCOMES:
        assert f"`{name}`" in doc, name


def test_a_saltelli_group_shares_one_draw_of_the_model(tmp_path: Path) -> None:
    report = sweep(tmp_path / "s", sampler="sobol", experiments=2000, plans=2, seed=6)
    data = rows(report.results.directory)
    d = len([x for x in report.design.space.dimensions if x.stage == "simulation"]) + 1
    assert len(data) == report.design.experiments and len(data) % (d + 2) == 0
    assert (data.draw == data.experiment // (d + 2)).all()
    # so the political climate, a draw's own randomness, is the same across each group
    assert (data.groupby("draw").political_climate.nunique() == 1).all()
