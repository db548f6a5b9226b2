"""diff and timeline on the real planner and simulation (small draw counts)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from forceplan.plan import plan_scenario
from forceplan.scenario import ScenarioError, load_scenario
from forceplan.update import (
    RunSettings,
    compare_figures,
    load_chain,
    run_diff,
    run_timeline,
    update_specs,
)
from forceplan.update.outcomes import OUTCOME_KEYS

TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
SOURCE = '[update]\noutlet = "The Example Post"\ntitle = "A report"\ndate = 2025-04-10\n'


def write_update(tmp_path: Path, name: str, extends: str | Path, changes: str) -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{extends}"\n{SOURCE}[changes]\n{changes}\n')
    return path


def diff_of(path: Path, draws: int = 200, **kwargs: object):  # type: ignore[no-untyped-def]
    specs = update_specs(path)
    base = load_scenario(specs[0].base_file)
    figures = compare_figures(base, load_scenario(path), specs=specs, **kwargs)  # type: ignore[arg-type]
    return figures, run_diff(figures, RunSettings(draws=draws, seed=3))


def test_a_scenario_against_itself_changes_nothing() -> None:
    s = load_scenario(TINY)
    figures = compare_figures(s, s)
    assert figures.lines == [] and figures.players == [] and figures.reads_nothing
    result = run_diff(figures, RunSettings(draws=100, seed=1))
    a = result.attribution
    assert a.parts.shape == (0, len(OUTCOME_KEYS))
    assert np.array_equal(a.base, a.full, equal_nan=True)
    assert all(v == 0 for v in result.paired["total_cost_usd_m"].values())


def test_an_update_of_text_and_sources_only_is_reported_as_such(tmp_path: Path) -> None:
    path = tmp_path / "words.toml"
    path.write_text(
        f'extends = "{TINY}"\ntitle = "Retitled"\n{SOURCE}[changes]\n'
        '"nations[AAA].gdp_usd_bn" = { value = 3000, gist = "same figure, newer source" }\n'
        '"missions[land].description" = "Now described"\n'
    )
    figures, result = diff_of(path)
    assert {line.change.path for line in figures.lines} == {
        "title",
        "nations[AAA].gdp_usd_bn",
        "missions[land].description",
    }
    assert figures.reads_nothing and not figures.warnings
    np.testing.assert_array_equal(result.attribution.total, 0.0)
    assert len(result.cache.plans) == 1 and result.cache.simulations == 1


def test_additive_changes_get_their_own_effect_on_the_real_model(tmp_path: Path) -> None:
    # Unit costs enter the cost linearly; with no cost pressure on exits and an
    # unchanged plan, the cost is additive in the two changes.
    path = write_update(
        tmp_path,
        "costs.toml",
        TINY,
        '"capabilities[infantry_battalion].annual_cost_per_unit_usd_m" = 150\n'
        '"capabilities[fighter_squadron].annual_cost_per_unit_usd_m" = 200\n',
    )
    figures, result = diff_of(path, draws=300)
    assert [p.label for p in figures.players] == [
        "capabilities[infantry_battalion].annual_cost_per_unit_usd_m",
        "capabilities[fighter_squadron].annual_cost_per_unit_usd_m",
    ]
    who = ["phase", "mission", "capability", "nation", "units"]
    assert result.plan_base.allocations[who].equals(result.plan_new.allocations[who])
    base, new, parts = result.outcome("total_cost_usd_m")
    own = []
    for change in figures.players:
        alone = tmp_path / "alone.toml"
        alone.write_text(path.read_text().split("[changes]")[0] + "[changes]\n"
                         f'"{change.label}" = {change.changes[0].new["value"]}\n')
        own.append(diff_of(alone, draws=300)[1].outcome("total_cost_usd_m")[1] - base)
    np.testing.assert_allclose(parts, own, rtol=1e-9)
    assert parts[0] > 0 > parts[1]  # dearer battalions, cheaper squadrons
    assert parts.sum() == pytest.approx(new - base, rel=1e-12)


def test_flagship_parts_sum_to_the_total_and_an_ignored_change_gets_zero(
    tmp_path: Path,
) -> None:
    path = write_update(
        tmp_path,
        "flagship.toml",
        "reassurance-2025",
        '"nations[ESP].stance" = "willing"\n'
        '"phases[sustain].multiplier" = 0.8\n'
        # the flagship declares uncertainties.backstop_credibility, which overrides this
        '"backstop.credibility" = { value = 0.7, range = [0.2, 0.8] }\n',
    )
    figures, result = diff_of(path, draws=200)
    a = result.attribution
    assert a.method == "exact" and a.coalitions == 8
    np.testing.assert_allclose(a.parts.sum(axis=0), a.total, rtol=1e-9, atol=1e-9)
    ignored = [p.label for p in figures.players].index("backstop.credibility")
    np.testing.assert_array_equal(a.parts[ignored], 0.0)
    # it is simulation-only: its coalitions share plans with the others
    assert len(result.cache.plans) == 4
    force = result.outcome("force_size")
    assert force[1] < force[0]  # a smaller sustain phase


def test_groups_attribute_changes_together(tmp_path: Path) -> None:
    path = write_update(
        tmp_path,
        "grouped.toml",
        TINY,
        '"nations[BBB].stance" = { value = "committed", group = "Beta" }\n'
        '"nations[BBB].units.fighter_squadron" = { value = 5, group = "Beta" }\n'
        '"phases[drawdown].multiplier" = 0.25\n',
    )
    figures, result = diff_of(path)
    assert [p.label for p in figures.players] == ["Beta", "phases[drawdown].multiplier"]
    assert result.attribution.coalitions == 4
    figures2, _ = diff_of(path, groups=[("Size", ("phases[*]",))])
    assert [p.label for p in figures2.players] == ["Beta", "Size"]


def test_timeline_steps_chain_and_match_the_diffs(tmp_path: Path) -> None:
    first = write_update(tmp_path, "01.toml", TINY, '"nations[BBB].stance" = "committed"')
    second = write_update(tmp_path, "02.toml", "01.toml", '"phases[drawdown].multiplier" = 1')
    chain = load_chain([first, second])
    assert [link.label for link in chain.links] == ["The Example Post, 2025-04-10"] * 2
    timeline = run_timeline(chain, RunSettings(draws=150, seed=3))
    cost = timeline.values("total_cost_usd_m")
    assert len(cost) == 3
    one, two = timeline.steps
    np.testing.assert_array_equal(one.attribution.full, two.attribution.base)
    # the first step is the plain diff of the first update
    alone = run_diff(
        compare_figures(load_scenario(TINY), load_scenario(first)),
        RunSettings(draws=150, seed=3),
    )
    np.testing.assert_allclose(alone.attribution.full, one.attribution.full)
    assert timeline.to_dict()["outcomes"]["total_cost_usd_m"] == cost
    with pytest.raises(ScenarioError, match="each update must extend the previous one"):
        load_chain([second, first])


def test_a_subset_that_cannot_stand_alone_is_named(tmp_path: Path) -> None:
    from forceplan.update import SubsetInvalid

    path = write_update(
        tmp_path,
        "needs.toml",
        TINY,
        '"nations[AAA].caveats" = ["no_air"]\n'
        '[changes."caveats.no_air".value]\ndescription = "No air"\nonly_domains = ["land"]\n',
    )
    figures = compare_figures(load_scenario(TINY), load_scenario(path), specs=update_specs(path))
    with pytest.raises(SubsetInvalid, match=r"applying only nations\[AAA\].caveats"):
        run_diff(figures, RunSettings(draws=50))
    grouped = compare_figures(
        load_scenario(TINY),
        load_scenario(path),
        specs=update_specs(path),
        groups=[("no air", ("*no_air*", "nations[AAA].caveats"))],
    )
    result = run_diff(grouped, RunSettings(draws=50))
    assert result.attribution.parts.shape[0] == 1



def test_coalitions_in_worker_processes_give_the_same_attribution(tmp_path: Path) -> None:
    path = write_update(
        tmp_path,
        "ahead.toml",
        TINY,
        '"nations[BBB].stance" = "committed"\n"phases[drawdown].multiplier" = 1\n',
    )
    specs = update_specs(path)
    figures = compare_figures(load_scenario(TINY), load_scenario(path), specs=specs)
    runs = [
        run_diff(figures, RunSettings(draws=1500, seed=5), workers=workers, plan_cache=False)
        for workers in (2, 1)
    ]
    np.testing.assert_array_equal(runs[0].attribution.parts, runs[1].attribution.parts)
    np.testing.assert_array_equal(runs[0].attribution.full, runs[1].attribution.full)
    for o in runs[0].paired:
        assert runs[0].paired[o] == runs[1].paired[o]
    assert runs[0].cache.plan_solves == runs[1].cache.plan_solves == 4
    assert runs[0].cache.simulations == runs[1].cache.simulations == 4


def test_a_diff_gives_the_numbers_of_plain_simulate_runs(tmp_path: Path) -> None:
    """Coalitions are simulated without a Dataset and with shared streams: the same
    numbers as simulate_plan on each variant, draw by draw (1,500 draws: two blocks)."""
    from forceplan.simulate import simulate_plan
    from forceplan.update.outcomes import SIMULATION_OUTCOMES

    path = write_update(tmp_path, "plain.toml", TINY,
                        '"nations[BBB].stance" = "committed"\n'
                        '"simulation.cost_pressure_weight" = 0.5\n')
    figures = compare_figures(load_scenario(TINY), load_scenario(path),
                              specs=update_specs(path))
    result = run_diff(figures, RunSettings(draws=1500, seed=3), plan_cache=False)
    assert len(result.cache.plans) == 2 and result.cache.simulations == 4  # plans shared
    for scenario in (figures.base, figures.new):
        ds = simulate_plan(scenario, plan_scenario(scenario), 1500, 3, keep_draws=0)
        values = [ds[f"outcome_{o}"].values for o in SIMULATION_OUTCOMES]
        means = [float(v[np.isfinite(v)].mean()) for v in values]
        which = result.attribution.base if scenario is figures.base else result.attribution.full
        got = [which[OUTCOME_KEYS.index(o)] for o in SIMULATION_OUTCOMES]
        np.testing.assert_array_equal(got, means)


def test_workers_are_used_by_default_only_with_a_core_to_spare(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from forceplan.update import evaluate

    monkeypatch.setattr(evaluate.os, "cpu_count", lambda: 4)
    monkeypatch.setattr(evaluate.os, "getloadavg", lambda: (2.5, 0.0, 0.0))
    assert evaluate.default_workers() == 4
    monkeypatch.setattr(evaluate.os, "getloadavg", lambda: (3.0, 0.0, 0.0))
    assert evaluate.default_workers() == 1
    monkeypatch.setattr(evaluate.os, "cpu_count", lambda: 1)
    monkeypatch.setattr(evaluate.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    assert evaluate.default_workers() == 1
    assert RunSettings().draws > 0 and evaluate.Evaluator(RunSettings()).workers == 1
