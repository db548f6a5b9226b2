"""Reproduce a stored run and check that every number matches.

:func:`rerun` reads a finished run's scenarios (validated again from their
stored content, so the hash must match) and options, runs the same plan,
simulation or comparison through the Python API, and :func:`compare_results`
checks the new results against the stored ones number by number: every
table cell, every metadata value and every array element, exactly (NaN equal
to NaN, nothing else within a tolerance). Timings are the only values left
out (the solver's wall time differs from run to run).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from forceplan.store.errors import StoreError
from forceplan.store.results import (
    DATASET,
    ResultPart,
    StoredResult,
    dataset_result,
    frame_result,
    plan_result,
)
from forceplan.store.runinfo import RunInfo
from forceplan.store.serialize import to_json_value

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    import xarray as xr

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario
    from forceplan.store.store import Store

#: metadata that measures the run rather than its result
VOLATILE = frozenset({"solve_seconds"})
MAX_LISTED = 10

Progress = Callable[[int, int], None]


@dataclass
class Verdict:
    """How a rerun's results compare with the stored ones."""

    numbers: int = 0
    tables: int = 0
    arrays: int = 0
    differences: list[str] = field(default_factory=list)
    different: int = 0

    @property
    def identical(self) -> bool:
        return self.different == 0

    def differ(self, where: str) -> None:
        self.different += 1
        if len(self.differences) < MAX_LISTED:
            self.differences.append(where)


def scenarios_of(store: Store, info: RunInfo) -> list[tuple[str, Scenario]]:
    """The run's scenarios as stored, validated again by this forceplan."""
    return [(label, store.scenario(h)) for label, h in info.scenarios]


def rerun(
    store: Store,
    info: RunInfo,
    progress: Progress | None = None,
    planning: Callable[[str], AbstractContextManager[None]] | None = None,
) -> list[ResultPart]:
    """Run ``info``'s plan, simulation or comparison again with its stored inputs.

    ``progress(done, total)`` hears of the draws; ``planning(label)`` wraps
    each plan's solve (the CLI shows a spinner).
    """
    from forceplan.plan import plan_scenario as solve

    def plan(scenario: Scenario, **options: Any) -> PlanResult:
        with planning(scenario.name) if planning is not None else nullcontext():
            return solve(scenario, **options)

    scenarios = scenarios_of(store, info)
    o = info.options
    if info.kind == "plan":
        (label, s), = scenarios
        return [plan_result(plan(s, backstop=o.get("backstop"), flank_floor=o.get("flank_floor"),
                                 time_limit_s=o.get("time_limit_s", 60.0)), label)]
    if info.kind == "simulate":
        from forceplan.simulate import simulate_plan

        (label, s), = scenarios
        result = plan(s, backstop=o.get("backstop"))
        ds = simulate_plan(s, result, o["draws"], o["seed"], months=o.get("months"),
                           keep_draws=o.get("keep_draws"), progress=progress)
        return [plan_result(result, label), dataset_result(ds, label)]
    if info.kind == "compare":
        from forceplan.simulate import compare

        labels = [label for label, _ in scenarios]
        plans = [plan(s, backstop=None) for _, s in scenarios]
        frame = compare([s for _, s in scenarios], o["draws"], o["seed"], labels=labels,
                        months=o.get("months"), plans=plans, progress=progress)
        parts = [plan_result(p, label) for label, p in zip(labels, plans, strict=True)]
        return [*parts, frame_result(frame)]
    raise StoreError(f"run {info.id} is a {info.kind} run, which rerun cannot reproduce yet")


def compare_results(stored: Sequence[StoredResult], new: Sequence[ResultPart]) -> Verdict:
    """Every number of ``new`` against ``stored`` (same order, same kinds)."""
    verdict = Verdict()
    if [(s.kind, s.label) for s in stored] != [(n.kind, n.label) for n in new]:
        verdict.differ(
            "results: stored " + ", ".join(f"{s.kind} {s.label}" for s in stored)
            + "; rerun " + ", ".join(f"{n.kind} {n.label}" for n in new)
        )
        return verdict
    for old, part in zip(stored, new, strict=True):
        where = f"{part.kind} {part.label}"
        _compare_meta(verdict, where, old.meta, part.meta)
        for name in sorted(set(old.tables) | set(part.tables)):
            _compare_table(verdict, f"{where}: table {name}", old.tables.get(name),
                           part.tables.get(name))
        if part.kind == DATASET and part.dataset is not None:
            _compare_dataset(verdict, where, old.dataset(), part.dataset)
    return verdict


def _compare_meta(verdict: Verdict, where: str, old: dict[str, Any], new: dict[str, Any]) -> None:
    new_json = to_json_value(new)
    for key in sorted(set(old) | set(new_json)):
        if key in VOLATILE:
            continue
        # both sides in their JSON form, where NaN equals NaN
        if old.get(key) != new_json.get(key):
            verdict.differ(f"{where}: {key} was {old.get(key)!r}, now {new_json.get(key)!r}")


def _compare_table(
    verdict: Verdict, where: str, old: pd.DataFrame | None, new: pd.DataFrame | None
) -> None:
    from forceplan.store.serialize import decode_frame, encode_frame

    if old is None or new is None:
        verdict.differ(f"{where}: only in the {'rerun' if old is None else 'stored run'}")
        return
    verdict.tables += 1
    new = decode_frame(*encode_frame(new))  # the stored form (index as columns, dtypes)
    if list(old.columns) != list(new.columns) or len(old) != len(new):
        verdict.differ(f"{where}: columns or rows changed ({old.shape} -> {new.shape})")
        return
    old, new = old.reset_index(), new.reset_index()
    for column in old.columns:
        a, b = old[column].to_numpy(), new[column].to_numpy()
        verdict.numbers += a.size
        bad = _unequal(a, b)
        for row in bad[:3]:
            verdict.differ(f"{where}: row {row}, {column}: {a[row]!r} -> {b[row]!r}")
        verdict.different += max(len(bad) - 3, 0)


def _unequal(a: np.ndarray, b: np.ndarray) -> list[int]:
    import numpy as np

    if a.shape != b.shape:
        return list(range(max(a.size, b.size)))
    if a.dtype.kind in "fc" or b.dtype.kind in "fc":
        same = np.array_equal(a, b, equal_nan=True)
        if same:
            return []
        both_nan = np.isnan(a.astype(float)) & np.isnan(b.astype(float))
        return [int(i) for i in np.flatnonzero(~((a == b) | both_nan))]
    return [int(i) for i in np.flatnonzero(np.asarray(a != b, dtype=bool))]


def _compare_dataset(verdict: Verdict, where: str, old: xr.Dataset, new: xr.Dataset) -> None:
    import numpy as np

    names = sorted({str(n) for n in old.variables} | {str(n) for n in new.variables})
    for name in names:
        if name not in old.variables or name not in new.variables:
            verdict.differ(f"{where}: array {name} only in the "
                           f"{'rerun' if name not in old.variables else 'stored run'}")
            continue
        a, b = old[name], new[name]
        verdict.arrays += 1
        if a.dims != b.dims or a.shape != b.shape:
            verdict.differ(f"{where}: array {name} has dims {a.dims}{a.shape}, "
                           f"now {b.dims}{b.shape}")
            continue
        x, y = np.asarray(a.values).ravel(), np.asarray(b.values).ravel()
        verdict.numbers += x.size
        bad = _unequal(x, y)
        if bad:
            verdict.differ(f"{where}: array {name}: {len(bad):,} of {x.size:,} values differ "
                           f"(first at flat index {bad[0]}: {x[bad[0]]!r} -> {y[bad[0]]!r})")
            verdict.different += len(bad) - 1
    for key in sorted(set(old.attrs) | set(new.attrs)):
        if _attr(old.attrs.get(key)) != _attr(new.attrs.get(key)):
            verdict.differ(f"{where}: attribute {key} was {old.attrs.get(key)!r}, "
                           f"now {new.attrs.get(key)!r}")


def _attr(value: Any) -> Any:
    return to_json_value(value.tolist() if hasattr(value, "tolist") else value)
