"""``diff``: the figures an update changes, what the plan does differently, and who moved what.

Two steps, so a shell can warn (or stop, with --strict) before any work:

* :func:`compare_figures` (cheap): every changed figure with its source, and
  the *players* of the attribution: one per change of the update (or per
  group of changes the analyst names);
* :func:`run_diff`: plans and simulates the coalitions of players (common
  random numbers) and attributes every headline outcome's change.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from forceplan.plan import PlanError, PlanResult
from forceplan.scenario import Scenario, scenario_hash
from forceplan.scenario.update_file import UpdateSource, UpdateSpec
from forceplan.simulate.summary import band
from forceplan.update.attribution import Attribution, attribute
from forceplan.update.evaluate import (
    Cache,
    Evaluator,
    IncompletePlan,
    ProgressCallback,
    RunSettings,
)
from forceplan.update.figures import FigureChange, apply_changes, diff_scenarios
from forceplan.update.outcomes import (
    BY_KEY,
    OUTCOME_KEYS,
    SIMULATION_OUTCOMES,
    contributors,
    flank_changes,
    phase_summary,
    unit_changes,
)

#: A named group: (name, glob patterns over change paths)
Group = tuple[str, tuple[str, ...]]


@dataclass(frozen=True)
class ChangeLine:
    """A changed figure with its provenance and the player it belongs to."""

    change: FigureChange
    citation: str | None
    gist: str | None
    player: str | None  # None for changes the model does not read
    report: UpdateSource | None = None


@dataclass(frozen=True)
class Player:
    """What the attribution splits the change among: one change or a named group."""

    label: str
    changes: tuple[FigureChange, ...]
    citations: tuple[str, ...]
    gists: tuple[str, ...]


@dataclass
class FigureDiff:
    base: Scenario
    new: Scenario
    base_label: str
    new_label: str
    lines: list[ChangeLine]
    players: list[Player]
    warnings: list[str] = field(default_factory=list)
    report: UpdateSource | None = None

    @property
    def reads_nothing(self) -> bool:
        """True when nothing the model reads differs (text and sources only)."""
        return not self.players


class CoalitionError(ValueError):
    """A coalition of changes could not be planned (the message names the changes).

    ``incomplete``: the planner ran out of time rather than finding no plan.
    """

    def __init__(self, message: str, incomplete: bool = False) -> None:
        super().__init__(message)
        self.incomplete = incomplete


def compare_figures(
    base: Scenario,
    new: Scenario,
    *,
    specs: Sequence[UpdateSpec] = (),
    groups: Sequence[Group] = (),
    base_label: str | None = None,
    new_label: str | None = None,
) -> FigureDiff:
    """Every difference with its source; ``specs`` (latest first) give sources and gists."""
    lines: list[ChangeLine] = []
    warnings = [str(w) for spec in specs[:1] for w in spec.warnings]
    for change in diff_scenarios(base, new):
        citation, gist, key, report = _provenance(change, specs)
        player = None
        if change.reads:
            player = _group_of(change.path, key, groups) or key
            if citation is None and not _covered(change, specs):
                warnings.append(
                    f"{change.path}: changed without a source (state it in an update with "
                    "outlet, title and date)"
                )
        lines.append(ChangeLine(change, citation, gist, player, report))
    players: dict[str, list[ChangeLine]] = {}
    for line in lines:
        if line.player is not None:
            players.setdefault(line.player, []).append(line)
    return FigureDiff(
        base=base,
        new=new,
        base_label=base_label or base.name,
        new_label=new_label or new.name,
        lines=lines,
        players=[
            Player(
                label=label,
                changes=tuple(line.change for line in members),
                citations=tuple(dict.fromkeys(m.citation for m in members if m.citation)),
                gists=tuple(dict.fromkeys(m.gist for m in members if m.gist)),
            )
            for label, members in players.items()
        ],
        warnings=warnings,
        report=specs[0].source if specs else None,
    )


def _provenance(
    change: FigureChange, specs: Sequence[UpdateSpec]
) -> tuple[str | None, str | None, str, UpdateSource | None]:
    """(citation, gist, player key, report) from the updates, else from the figure itself."""
    for spec in specs:
        found = spec.change_for(change.steps)
        if found is not None:
            key = found.group or found.path
            return spec.citation_of(found), found.gist, key, spec.source
    citation = None
    new, old = change.new, change.old
    if isinstance(new, dict):
        src = new.get("source")
        old_src = old.get("source") if isinstance(old, dict) else None
        if isinstance(src, str) and src and (src != old_src or change.kind == "added"):
            citation = src
    return citation, None, change.path, None


def _covered(change: FigureChange, specs: Sequence[UpdateSpec]) -> bool:
    """Whether an update states this change (its own warnings then cover a missing source)."""
    return any(spec.change_for(change.steps) is not None for spec in specs)


def _group_of(path: str, key: str, groups: Sequence[Group]) -> str | None:
    """The first group with a pattern matching the path, its change's key, or what encloses them."""
    candidates = [
        text[:i] for text in (path, key) for i, ch in enumerate(text) if ch in ".["
    ] + [path, key]
    for name, patterns in groups:
        if any(_glob(p).fullmatch(c) for p in patterns for c in candidates):
            return name
    return None


def _glob(pattern: str) -> re.Pattern[str]:
    """A glob where only * and ? are wild: brackets are literal, as in paths."""
    return re.compile(".*".join(".".join(map(re.escape, part.split("?")))
                                for part in pattern.split("*")))


# ---------------------------------------------------------------------------
# Plans, runs and the attribution
# ---------------------------------------------------------------------------


@dataclass
class DiffResult:
    figures: FigureDiff
    settings: RunSettings
    plan_base: PlanResult
    plan_new: PlanResult
    attribution: Attribution
    paired: dict[str, dict[str, float]]  # per-draw difference bands of the simulation outcomes
    cache: Cache

    def outcome(self, key: str) -> tuple[float, float, np.ndarray]:
        """(base, new, parts by player) of one outcome."""
        k = OUTCOME_KEYS.index(key)
        a = self.attribution
        return float(a.base[k]), float(a.full[k]), a.parts[:, k]

    def to_dict(self) -> dict[str, Any]:
        return diff_to_dict(self)


def run_diff(
    figures: FigureDiff,
    settings: RunSettings | None = None,
    *,
    method: str = "auto",
    max_exact: int = 8,
    permutations: int | None = None,
    cache: Cache | None = None,
    plan_cache: bool = True,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> DiffResult:
    """Plan and simulate the coalitions of changes and attribute every outcome's change.

    ``plan_cache``: also use the on-disk plan cache (``forceplan.plan.cache``);
    ``workers``: processes that plan and simulate the coalitions, each plan with
    the coalitions that share it (None: one per core if a core is free, see
    :func:`~forceplan.update.evaluate.default_workers`; 1: all in this process).
    """
    settings = settings or RunSettings()
    with Evaluator(settings, cache, plan_cache=plan_cache, workers=workers) as evaluator:
        return _run(figures, evaluator, method, max_exact, permutations, progress)


def _run(
    figures: FigureDiff,
    evaluator: Evaluator,
    method: str,
    max_exact: int,
    permutations: int | None,
    progress: ProgressCallback | None,
) -> DiffResult:
    players = figures.players
    n = len(players)
    full_mask = (1 << n) - 1
    scenarios: dict[int, Scenario] = {0: figures.base, full_mask: figures.new}
    # changes are applied in the diff's order, whatever the players' order
    order = {id(line.change): k for k, line in enumerate(figures.lines)}

    def scenario_of(mask: int) -> Scenario:
        if mask not in scenarios:
            chosen = [p for i, p in enumerate(players) if mask >> i & 1]
            changes = sorted((c for p in chosen for c in p.changes), key=lambda c: order[id(c)])
            scenarios[mask] = apply_changes(figures.base, changes, [p.label for p in chosen])
        return scenarios[mask]

    def values(masks: Sequence[int]) -> np.ndarray:
        built = [scenario_of(int(m)) for m in masks]
        run_keys = [evaluator.keys(s)[1] for s in built]
        keys = list(dict.fromkeys(run_keys))  # distinct content: the progress counts real work
        evaluator.prefetch(built, [int(m) in (0, full_mask) for m in masks])
        done: dict[str, np.ndarray] = {}
        for mask, scenario, key in zip(masks, built, run_keys, strict=True):
            if key not in done:
                done[key] = _evaluate(evaluator, scenario, int(mask), players, full_mask)
                if progress is not None:
                    progress(len(done), len(keys))
        return np.array([done[key] for key in run_keys])

    settings = evaluator.settings
    attribution = attribute(
        n, values, method, max_exact=max_exact, permutations=permutations, seed=settings.seed
    )
    base_draws = evaluator.per_draw(figures.base)
    new_draws = evaluator.per_draw(figures.new)
    paired = {o: band(new_draws[o] - base_draws[o]) for o in SIMULATION_OUTCOMES}
    return DiffResult(
        figures=figures,
        settings=settings,
        plan_base=evaluator.plan(figures.base),
        plan_new=evaluator.plan(figures.new),
        attribution=attribution,
        paired=paired,
        cache=evaluator.cache,
    )


def _evaluate(
    evaluator: Evaluator, scenario: Scenario, mask: int, players: Sequence[Player], full: int
) -> np.ndarray:
    try:
        return evaluator.outcomes(scenario, keep_draws=mask in (0, full))
    except PlanError as exc:
        applied = [p.label for i, p in enumerate(players) if mask >> i & 1]
        which = ", ".join(applied) if applied else "none of the changes (the base)"
        incomplete = isinstance(exc, IncompletePlan)
        what = "an incomplete plan" if incomplete else "no plan"
        raise CoalitionError(f"{what} with {which} applied: {exc}", incomplete) from None


# ---------------------------------------------------------------------------
# JSON
# ---------------------------------------------------------------------------


def _num(x: float) -> float | None:
    return None if x is None or not math.isfinite(float(x)) else float(x)


def figures_to_dict(fig: FigureDiff) -> dict[str, Any]:
    return {
        "base": {"label": fig.base_label, "name": fig.base.name, "hash": scenario_hash(fig.base)},
        "new": {"label": fig.new_label, "name": fig.new.name, "hash": scenario_hash(fig.new)},
        "report": fig.report.to_dict() if fig.report else None,
        "changes": [
            {
                "path": line.change.path,
                "kind": line.change.kind,
                "old": line.change.old,
                "new": line.change.new,
                "model_reads": line.change.reads,
                "source": line.citation,
                "gist": line.gist,
                "attributed_to": line.player,
            }
            for line in fig.lines
        ],
        "reads_nothing": fig.reads_nothing,
        "warnings": list(fig.warnings),
    }


def diff_to_dict(result: DiffResult) -> dict[str, Any]:
    fig, a, s = result.figures, result.attribution, result.settings
    outcomes: dict[str, Any] = {}
    for k, key in enumerate(OUTCOME_KEYS):
        meta = BY_KEY[key]
        parts = {p.label: _num(a.parts[i, k]) for i, p in enumerate(fig.players)}
        entry: dict[str, Any] = {
            "label": meta.label,
            "unit": meta.unit,
            "stage": meta.stage,
            "base": _num(a.base[k]),
            "new": _num(a.full[k]),
            "change": _num(a.total[k]),
            "parts": parts,
        }
        if a.interaction is not None:
            entry["interaction"] = _num(a.interaction[k])
        if a.std_error is not None:
            entry["std_error"] = {
                p.label: _num(a.std_error[i, k]) for i, p in enumerate(fig.players)
            }
        if key in result.paired:
            entry["paired_difference"] = {n: _num(v) for n, v in result.paired[key].items()}
        outcomes[key] = entry
    base_phases = phase_summary(result.plan_base)
    new_phases = phase_summary(result.plan_new)
    gained = sorted(contributors(result.plan_new) - contributors(result.plan_base))
    lost = sorted(contributors(result.plan_base) - contributors(result.plan_new))
    return {
        **figures_to_dict(fig),
        "settings": {
            "draws": s.draws,
            "seed": s.seed,
            "months": s.months,
            "backstop": s.backstop,
            "statistic": "mean over draws (plan outcomes: from the plan)",
        },
        "attribution": {
            "method": a.method,
            "description": a.description,
            "players": [
                {
                    "label": p.label,
                    "changes": [c.path for c in p.changes],
                    "sources": list(p.citations),
                    "gists": list(p.gists),
                }
                for p in fig.players
            ],
            "coalitions_evaluated": a.coalitions,
            "plans_solved": result.cache.plan_solves,
            "simulations_run": result.cache.simulations,
        },
        "outcomes": outcomes,
        "plan": {
            "phases": {
                "base": _frame_records(base_phases),
                "new": _frame_records(new_phases),
            },
            "units_changed": unit_changes(result.plan_base, result.plan_new),
            "flank_changed": flank_changes(result.plan_base, result.plan_new),
            "contributors_added": gained,
            "contributors_dropped": lost,
        },
    }


def _frame_records(frame: Any) -> list[dict[str, Any]]:
    return [
        {"phase": str(idx), **{str(c): _num(v) for c, v in row.items()}}
        for idx, row in frame.iterrows()
    ]

