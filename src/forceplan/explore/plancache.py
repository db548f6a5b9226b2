"""Plans of an exploration kept across runs, so that a repeated or wider run does not replan.

A run keeps its plans in its own directory (``plans/<hash>.json``), which is
what ``--resume`` reuses; a *new* run over the same plan points (another
``--experiments``, ``--out`` or ``--chunk-size``) would plan them all again,
and planning is most of a cold run's time. So every plan point's outcome is
also kept on this machine, under the key of the on-disk plan cache
(:func:`forceplan.plan.cache.cache_key`: the scenario's content hash, the
planner's options, the versions of forceplan, HiGHS, pandas and numpy):

* an optimal plan goes to that very cache, shared with ``forceplan plan``,
  ``simulate`` and ``diff`` (:func:`~forceplan.plan.cache.cached_plan`);
* a proof of infeasibility (:class:`~forceplan.plan.PlanInfeasible`: the MIP
  has no solution, on any machine) and a plan cut short by the planner's time
  limit are kept here, as the JSON the run directory holds. The plan cache
  leaves time-limited plans out because a busier machine may stop earlier; an
  exploration keeps the one it made, so that a repeated run pairs the same
  plans with its experiments (every row says ``plan_status = time_limit``).

Other planner errors are not kept. ``FORCEPLAN_NO_CACHE=1`` turns all of it off.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from forceplan.plan import PlanError, PlanInfeasible
from forceplan.plan.cache import cache_dir, cache_disabled, cache_key, cached_plan
from forceplan.scenario import Scenario

#: entries kept here (the newest)
MAX_ENTRIES = 4096
_FOLDER = "explore"
_SUFFIX = ".plan.json"
#: the planner's default time limit: explore plans with it, and it is part of the key
TIME_LIMIT_S = 60.0


def plan_payload(scenario: Scenario, backstop: bool | None) -> tuple[dict[str, Any], bool]:
    """A plan point's plan as ``PlanResult.to_dict`` gives it, or ``{"status":
    "infeasible", "message": ...}`` if the planner found none; and whether it
    came from a cache."""
    if cache_disabled():
        return _plan(scenario, backstop, use_cache=False)[0], False
    entry = cache_dir() / _FOLDER / f"{cache_key(scenario, backstop, TIME_LIMIT_S)}{_SUFFIX}"
    known = _read(entry)
    if known is not None:
        return known, True
    payload, from_cache, keep = _plan(scenario, backstop, use_cache=True)
    if keep:
        _write(entry, payload)
    return payload, from_cache


def _plan(
    scenario: Scenario, backstop: bool | None, use_cache: bool
) -> tuple[dict[str, Any], bool, bool]:
    """(payload, from the plan cache, to keep here)."""
    try:
        result, cached = cached_plan(scenario, backstop=backstop, time_limit_s=TIME_LIMIT_S,
                                     use_cache=use_cache)
    except PlanError as exc:
        payload = {"status": "infeasible", "message": str(exc)}
        return payload, False, isinstance(exc, PlanInfeasible)
    return result.to_dict(), cached, result.status == "time_limit"


def _read(entry: Path) -> dict[str, Any] | None:
    """An entry, or None if there is none or it cannot be read (then it is made again)."""
    try:
        found = json.loads(entry.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return found if isinstance(found, dict) else None


def _write(entry: Path, payload: dict[str, Any]) -> None:
    """Write one entry atomically; a cache that cannot be written is skipped silently."""
    try:
        entry.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=entry.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(payload, fh)
        os.replace(tmp, entry)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    _prune(entry.parent)


def _prune(folder: Path) -> None:
    with contextlib.suppress(OSError):
        entries = sorted(((p.stat().st_mtime, p) for p in folder.glob(f"*{_SUFFIX}")),
                         reverse=True)
        for _, path in entries[MAX_ENTRIES:]:
            path.unlink(missing_ok=True)
