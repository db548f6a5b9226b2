"""Plans kept on disk, so that `simulate` and `compare` do not solve the same plan again.

An entry is keyed by the scenario's content hash, the planner's options
(backstop, time limit) and the versions of forceplan, HiGHS, pandas and
numpy: a new version of any of them misses the cache. Only complete,
optimal plans are kept (a time-limited plan depends on how busy the machine
was). Entries are written atomically; an entry that cannot be read (cut
short, corrupt, from an incompatible library) is ignored and written again.
A cached plan is the very :class:`PlanResult` the solve returned, so results
are identical to an uncached run.

The cache lives in the user's cache directory (``platformdirs``:
``~/.cache/forceplan/plans`` on Linux), or ``$FORCEPLAN_CACHE_DIR``; set
``FORCEPLAN_NO_CACHE=1`` (or pass ``--no-cache`` on the command line) to
bypass it. Entries are Python pickles, read only from that directory, which
is created private to the user (0700). The newest :data:`MAX_ENTRIES` are kept.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pickle
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from forceplan.plan.planner import plan_scenario
from forceplan.plan.result import PlanResult
from forceplan.scenario import Scenario, scenario_hash

CACHE_ENV = "FORCEPLAN_CACHE_DIR"
NO_CACHE_ENV = "FORCEPLAN_NO_CACHE"
FORMAT = 3  # 2: PlanResult with offers, flags, force and flank_floor (issue 7); 3: goals
MAX_ENTRIES = 256
_SUFFIX = ".plan.pickle"


def cache_dir() -> Path:
    """Where cached plans live: ``$FORCEPLAN_CACHE_DIR`` or the user's cache directory."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    import platformdirs

    return platformdirs.user_cache_path("forceplan") / "plans"


def cache_disabled() -> bool:
    return os.environ.get(NO_CACHE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def _version(package: str) -> str:
    if package == "forceplan":
        from forceplan._version import __version__

        return __version__
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


def cache_key(
    scenario: Scenario,
    backstop: bool | None,
    time_limit_s: float,
    flank_floor: str | None = None,
) -> str:
    """The entry name for a plan of ``scenario`` with these options, under these versions."""
    import numpy
    import pandas

    payload = {
        "format": FORMAT,
        "scenario_hash": scenario_hash(scenario),
        "backstop": backstop,
        "time_limit_s": float(time_limit_s),
        "flank_floor": flank_floor,
        "forceplan": _version("forceplan"),
        "highspy": _version("highspy"),
        "pandas": pandas.__version__,
        "numpy": numpy.__version__,
    }
    text = json.dumps(payload, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def cached_plan(
    scenario: Scenario,
    *,
    backstop: bool | None = None,
    time_limit_s: float = 60.0,
    flank_floor: str | None = None,
    use_cache: bool = True,
    directory: Path | None = None,
) -> tuple[PlanResult, bool]:
    """:func:`forceplan.plan.plan_scenario`, from the cache when it holds this plan.

    Returns the plan and whether it came from the cache. Errors of the
    planner (:class:`PlanError`) propagate; problems with the cache never do.
    """
    options: dict[str, object] = {"backstop": backstop, "time_limit_s": time_limit_s}
    if flank_floor is not None:  # the scenario's own floors otherwise
        options["flank_floor"] = flank_floor
    if not use_cache or cache_disabled():
        return plan_scenario(scenario, **options), False  # type: ignore[arg-type]
    folder = directory or cache_dir()
    key = cache_key(scenario, backstop, time_limit_s, flank_floor)
    entry = folder / f"{key}{_SUFFIX}"
    found = _read(entry, scenario_hash(scenario))
    if found is not None:
        return found, True
    result = plan_scenario(scenario, **options)  # type: ignore[arg-type]
    if result.status == "optimal":
        _write(folder, entry, result)
    return result, False


def _read(entry: Path, expected_hash: str) -> PlanResult | None:
    try:
        with open(entry, "rb") as fh:
            result = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # cut short, corrupt or incompatible: solve again and rewrite
        return None
    if not isinstance(result, PlanResult) or result.scenario_hash != expected_hash:
        return None
    return result


def _write(folder: Path, entry: Path, result: PlanResult) -> None:
    """Write an entry atomically; a cache that cannot be written is skipped silently."""
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(prefix=".", suffix=".tmp", dir=folder)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(result, fh, protocol=pickle.HIGHEST_PROTOCOL)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, entry)
    except Exception:  # a full disk, say: the plan is still returned
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        return
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _prune(folder)


def _prune(folder: Path) -> None:
    """Keep the newest entries; drop temporaries an hour old (from killed runs)."""
    try:
        entries = [(p.stat().st_mtime, p) for p in folder.iterdir()]
    except OSError:
        return
    now = time.time()
    plans = sorted((e for e in entries if e[1].name.endswith(_SUFFIX)), reverse=True)
    stale = [p for m, p in entries if p.name.endswith(".tmp") and now - m > 3600]
    for _, path in plans[MAX_ENTRIES:]:
        stale.append(path)
    for path in stale:
        with contextlib.suppress(OSError):
            path.unlink()
