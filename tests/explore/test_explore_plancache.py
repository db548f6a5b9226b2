"""Plans kept across runs (explore/plancache.py): a run that takes them gives the same bytes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from explore_helpers import ranged, sweep

from forceplan.explore.results import file_sha256
from forceplan.scenario import Scenario

SETTINGS = {"experiments": 120, "plans": 3, "seed": 11, "chunk_size": 32}


def _finished(directory: Path) -> dict[str, dict[str, object]]:
    manifest = json.loads((directory / "manifest.json").read_text())
    return dict(manifest["finished"])


def _chunk_digests(directory: Path) -> list[str]:
    return [file_sha256(p) for p in sorted((directory / "chunks").glob("*.parquet"))]


def _plan_files(directory: Path) -> dict[str, str]:
    return {p.name: p.read_text() for p in sorted((directory / "plans").glob("*.json"))}


def _untimed(value: object) -> object:
    """A plan's JSON less the solver's clock readings (which differ between two solves)."""
    if isinstance(value, dict):
        return {k: _untimed(v) for k, v in value.items() if not k.endswith("_seconds")}
    if isinstance(value, list):
        return [_untimed(v) for v in value]
    return value


def _plans_cached(directory: Path) -> list[object]:
    return [e.get("cached") for k, e in _finished(directory).items() if k.startswith("plan:")]


@pytest.mark.parametrize("hard", [False, True], ids=["optimal", "infeasible"])
def test_a_second_run_takes_its_plans_from_the_cache_and_writes_the_same_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard: bool
) -> None:
    monkeypatch.setenv("FORCEPLAN_CACHE_DIR", str(tmp_path / "cache"))
    scenario = ranged()
    if hard:  # no plan at all: the proof of infeasibility is what is kept
        dump = scenario.model_dump(mode="json")
        dump["constraints"].update(min_nations_on_ground=2, goals="hard")
        scenario = Scenario.model_validate(dump)
    first = sweep(tmp_path / "first", scenario=scenario, **SETTINGS)
    second = sweep(tmp_path / "second", scenario=scenario, **SETTINGS)
    monkeypatch.setenv("FORCEPLAN_NO_CACHE", "1")
    uncached = sweep(tmp_path / "uncached", scenario=scenario, **SETTINGS)
    dirs = [r.results.directory for r in (first, second, uncached)]

    assert _plans_cached(dirs[0]) == [False] * 3
    assert _plans_cached(dirs[1]) == [True] * 3  # none solved again
    assert _plans_cached(dirs[2]) == [False] * 3
    statuses = {e["status"] for k, e in _finished(dirs[1]).items() if k.startswith("plan:")}
    assert statuses == ({"infeasible"} if hard else {"optimal"})
    assert _chunk_digests(dirs[0]) == _chunk_digests(dirs[1]) == _chunk_digests(dirs[2])
    assert len(_chunk_digests(dirs[0])) >= 3  # chunks by plan point
    assert _plan_files(dirs[0]) == _plan_files(dirs[1])  # the very bytes it kept
    solved = [{k: _untimed(json.loads(v)) for k, v in _plan_files(d).items()}
              for d in (dirs[0], dirs[2])]
    assert solved[0] == solved[1]


def test_an_unreadable_cache_entry_is_planned_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FORCEPLAN_CACHE_DIR", str(tmp_path / "cache"))
    dump = ranged().model_dump(mode="json")
    dump["constraints"].update(min_nations_on_ground=2, goals="hard")
    scenario = Scenario.model_validate(dump)
    first = sweep(tmp_path / "first", scenario=scenario, **SETTINGS)
    entries = sorted((tmp_path / "cache" / "explore").glob("*.plan.json"))
    assert len(entries) == 3
    for entry in entries:
        entry.write_text("{not json")
    second = sweep(tmp_path / "second", scenario=scenario, **SETTINGS)
    assert _plans_cached(second.results.directory) == [False] * 3
    assert _chunk_digests(first.results.directory) == _chunk_digests(second.results.directory)
    assert all(json.loads(e.read_text())["status"] == "infeasible" for e in entries)
