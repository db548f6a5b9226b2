"""The plan cache: the same plan as a fresh solve, keyed by content, options and versions."""

from __future__ import annotations

import importlib
import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from forceplan.cli import app
from forceplan.plan import plan_scenario
from forceplan.plan.result import PlanResult
from forceplan.scenario import load_scenario

cache = importlib.import_module("forceplan.plan.cache")
TINY = Path(__file__).parents[1] / "fixtures" / "tiny.toml"
runner = CliRunner()


def _same(a: PlanResult, b: PlanResult, timed: bool = True) -> None:
    """Equal in every table and field (``timed``: the solve time too, as for a cache hit)."""
    for name, frame in a.to_frames().items():
        pd.testing.assert_frame_equal(frame, b.to_frames()[name], check_exact=True)
    da, db = a.to_dict(), b.to_dict()
    if not timed:
        da["solver"].pop("solve_seconds")
        db["solver"].pop("solve_seconds")
    assert da == db


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.plan.pickle"))


def test_second_call_comes_from_the_cache_and_equals_a_fresh_solve(tmp_path: Path) -> None:
    s = load_scenario(TINY)
    first, hit1 = cache.cached_plan(s, directory=tmp_path)
    second, hit2 = cache.cached_plan(s, directory=tmp_path)
    assert (hit1, hit2) == (False, True)
    assert len(_entries(tmp_path)) == 1
    _same(first, second)
    _same(plan_scenario(s), second, timed=False)


def test_options_content_and_version_change_the_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = load_scenario(TINY)
    cache.cached_plan(s, directory=tmp_path)
    assert cache.cached_plan(s, backstop=False, directory=tmp_path)[1] is False
    assert cache.cached_plan(s, time_limit_s=30, directory=tmp_path)[1] is False
    changed = s.model_copy(update={"title": "Another title"})
    assert cache.cached_plan(changed, directory=tmp_path)[1] is False
    real = cache._version
    monkeypatch.setattr(cache, "_version", lambda p: "99.0" if p == "forceplan" else real(p))
    assert cache.cached_plan(s, directory=tmp_path)[1] is False
    assert len(_entries(tmp_path)) == 5


def test_a_corrupt_entry_is_ignored_and_written_again(tmp_path: Path) -> None:
    s = load_scenario(TINY)
    good, _ = cache.cached_plan(s, directory=tmp_path)
    (entry,) = _entries(tmp_path)
    for garbage in (b"", b"not a pickle", entry.read_bytes()[:100]):
        entry.write_bytes(garbage)
        again, hit = cache.cached_plan(s, directory=tmp_path)
        assert hit is False
        _same(good, again, timed=False)
        assert cache.cached_plan(s, directory=tmp_path)[1] is True  # rewritten


def test_only_complete_optimal_plans_are_kept(tmp_path: Path) -> None:
    s = load_scenario(TINY)
    result, _ = cache.cached_plan(s, time_limit_s=1e-9, directory=tmp_path)
    assert result.status == "not_solved"
    assert _entries(tmp_path) == []


def test_the_cache_can_be_bypassed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    s = load_scenario(TINY)
    assert cache.cached_plan(s, use_cache=False, directory=tmp_path)[1] is False
    monkeypatch.setenv("FORCEPLAN_NO_CACHE", "1")
    assert cache.cached_plan(s, directory=tmp_path)[1] is False
    assert _entries(tmp_path) == []


def test_an_unwritable_cache_is_no_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result, hit = cache.cached_plan(load_scenario(TINY), directory=blocker / "plans")
    assert result.status == "optimal" and hit is False


def test_cli_uses_the_cache_unless_told_not_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCEPLAN_CACHE_DIR", str(tmp_path / "c"))
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    assert runner.invoke(app, ["plan", str(TINY), "--no-cache", "--json", str(a)]).exit_code == 0
    assert not (tmp_path / "c").exists()
    assert runner.invoke(app, ["plan", str(TINY), "--json", str(a)]).exit_code == 0
    assert len(_entries(tmp_path / "c")) == 1
    assert runner.invoke(app, ["plan", str(TINY), "--json", str(b)]).exit_code == 0
    assert json.loads(a.read_text()) == json.loads(b.read_text())
    sim = runner.invoke(app, ["simulate", str(TINY), "-n", "20"])
    assert sim.exit_code == 0 and len(_entries(tmp_path / "c")) == 1
