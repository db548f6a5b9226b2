"""The uncertainty space of an exploration: which inputs vary, over what, at which stage.

Two sources of dimensions:

* the simulation's uncertainties (``forceplan.simulate.effective_uncertainties``:
  the defaults overridden by the scenario's ``[uncertainties]``), each with its
  own distribution;
* every scenario figure that carries a ``range`` (found by the generic figure
  walker ``Scenario.sources_list``, so new schema fields flow through), uniform
  over its range.

Stage: a figure the planner reads changes the plan, so it is a *plan-stage*
dimension, varied across the outer design (a few plans, each planned once).
Uncertainties, and figures the simulation reads as a per-draw parameter
(``FIGURE_PARAMETERS`` and ``FIGURE_PARAMETER_PATTERNS``: the backstop's
credibility, every capability's unit cost), are *simulation-stage* dimensions,
varied experiment by experiment inside the vectorised model, once: the value
the design gives replaces the model's own draw of that parameter.

``--only`` keeps the matching dimensions and holds the others at their central
value; ``--fix NAME[=VALUE]`` holds one (at VALUE, else its central value).
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from forceplan.explore.errors import ExploreError
from forceplan.scenario import Figure, Scenario, Uncertainty
from forceplan.simulate.costs import UNIT_COST_PREFIX
from forceplan.simulate.parameters import effective_uncertainties, figure_parameter

Stage = Literal["simulation", "plan"]

#: the copula correlation of the simulation's own unit-cost draws, which explore replaces
UNIT_COST_CORRELATION = "costs.unit_cost_correlation"

#: figure field name -> unit (the last path component; dictionary keys use their parent)
FIGURE_UNITS: dict[str, str] = {
    "personnel_per_unit": "personnel per unit",
    "annual_cost_per_unit_usd_m": "US$ m per unit-year",
    "tour_months": "months",
    "rotation_ratio": "units tied up per unit deployed",
    "relief_overlap_months": "months",
    "displacement_tonnes": "tonnes per unit",
    "gdp_usd_bn": "US$ bn",
    "defence_budget_usd_bn": "US$ bn per year",
    "active_personnel": "personnel",
    "army_personnel": "personnel",
    "max_army_share": "share of army personnel",
    "units": "units",
    "floor": "units",
    "requirements": "units",
    "credibility": "probability",
    "max_deviation": "share",
    "exit_hazard_per_year": "probability per year",
    "cost_factor": "multiple of the reference pay and running costs",
}
_TREATY_UNITS = {"units": "units", "personnel": "personnel", "displacement_tonnes": "tonnes"}


@dataclass(frozen=True)
class Dimension:
    """One input the design varies."""

    name: str  # the results' column: an uncertainty name or a figure path
    kind: Literal["uncertainty", "figure"]
    stage: Stage
    target: str  # the simulation parameter (simulation stage) or the figure path (plan stage)
    distribution: Uncertainty  # carries unit, description and source

    @property
    def unit(self) -> str:
        return self.distribution.unit or ""

    def to_json(self) -> dict[str, Any]:
        dist = {
            k: v
            for k, v in self.distribution.model_dump().items()
            if v is not None and k not in ("unit", "description", "source")
        }
        return {
            "name": self.name,
            "kind": self.kind,
            "stage": self.stage,
            "target": self.target,
            "distribution": dist,
            "unit": self.unit,
            "description": self.distribution.description,
            "source": self.distribution.source,
        }


@dataclass(frozen=True)
class Held:
    """An input held at one value, and why."""

    name: str
    kind: Literal["uncertainty", "figure"]
    stage: Stage
    target: str
    value: float | None  # None: not used at all (superseded or set by a lever)
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kind": self.kind,
            "stage": self.stage,
            "target": self.target,
            "value": self.value,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class Space:
    dimensions: tuple[Dimension, ...]
    held: tuple[Held, ...] = field(default=())

    def stage(self, stage: Stage) -> tuple[Dimension, ...]:
        return tuple(d for d in self.dimensions if d.stage == stage)

    def held_params(self) -> dict[str, float]:
        """Simulation parameters held at one value (parameter -> value)."""
        return {
            h.target: h.value
            for h in self.held
            if h.stage == "simulation" and h.value is not None
        }

    def held_figures(self) -> dict[str, float]:
        """Plan-stage figures held at a value other than the scenario's (path -> value)."""
        return {
            h.target: h.value
            for h in self.held
            if h.stage == "plan" and h.value is not None and h.reason.startswith("--fix")
        }


def figure_unit(path: str, scenario: Scenario) -> str:
    parts = [p for p in re.split(r"[.\[]", path) if p]
    names = [p.rstrip("]") for p in parts]
    if names[-1] == "maximum" and names[0] == "constraints":
        index = names[-2]
        limits = scenario.constraints.treaty_limits
        try:
            return _TREATY_UNITS[limits[int(index)].measure]
        except (ValueError, IndexError):
            return ""
    for name in reversed(names):
        if name in FIGURE_UNITS:
            return FIGURE_UNITS[name]
    return ""


def _figure_distribution(path: str, fig: Figure, scenario: Scenario) -> Uncertainty:
    assert fig.range is not None
    low, high = fig.range
    # Uniform over the range: the schema records where sources disagree, not how likely
    # each value is. A figure that states a distribution (a future schema field) wins.
    stated = getattr(fig, "distribution", None)
    if (figure_parameter(path) or "").startswith(UNIT_COST_PREFIX):
        stated = "triangular"  # the simulation's own form for a unit cost (costs.py)
    description = fig.note or path
    common: dict[str, Any] = {
        "unit": figure_unit(path, scenario) or None,  # a blank unit is refused
        "description": description,
        "source": fig.source,
    }
    if stated == "triangular":
        return Uncertainty(distribution="triangular", low=low, mode=fig.value, high=high, **common)
    return Uncertainty(distribution="uniform", low=low, high=high, **common)


def _pattern(text: str) -> re.Pattern[str]:
    """'capabilities[*].rotation_ratio' -> a regex where only '*' is a wildcard."""
    return re.compile("^" + ".*".join(re.escape(p) for p in text.split("*")) + "$")


def match(patterns: Iterable[str], names: Sequence[str], option: str) -> set[str]:
    """Names matched by the patterns; an unknown pattern is an error naming close matches."""
    chosen: set[str] = set()
    for pattern in patterns:
        hits = {n for n in names if _pattern(pattern).match(n)}
        if not hits:
            close = difflib.get_close_matches(pattern, names, n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            raise ExploreError(
                option,
                f"no uncertainty or scenario figure is called {pattern!r}{hint}; "
                "`forceplan explore SCENARIO --list` shows every name",
            )
        chosen |= hits
    return chosen


def _parse_fix(items: Iterable[str]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip()
        if not name:
            raise ExploreError("--fix", f"{item!r}: expected NAME or NAME=VALUE")
        if not sep:
            out[name] = None
            continue
        try:
            number = float(value)
        except ValueError:
            raise ExploreError("--fix", f"{item!r}: {value!r} is not a number") from None
        if not math.isfinite(number):
            raise ExploreError("--fix", f"{item!r}: the value must be a finite number")
        out[name] = number
    return out


def candidates(
    scenario: Scenario, lever_paths: Mapping[str, str] | None = None
) -> tuple[list[Dimension], list[Held]]:
    """Every dimension the scenario offers, and what is held regardless of options."""
    dims: list[Dimension] = []
    held: list[Held] = []
    declared = set(scenario.uncertainties)
    by_param: dict[str, str] = {}
    for path, fig in scenario.sources_list():
        if fig.range is None or fig.range[0] >= fig.range[1]:
            continue
        lever = next(
            (name for pat, name in (lever_paths or {}).items() if _pattern(pat).match(path)),
            None,
        )
        param = figure_parameter(path)
        if lever is not None:
            held.append(Held(path, "figure", "plan", path, None, f"set by lever {lever}"))
        elif path == UNIT_COST_CORRELATION:
            held.append(Held(path, "figure", "simulation", path, None,
                             "explore draws the unit costs itself (one dimension each), so "
                             "the model's correlation between them is not used"))
        elif param is not None and param in declared:
            held.append(
                Held(path, "figure", "simulation", param, None,
                     f"superseded by the declared uncertainty {param}")
            )
        elif param is not None:
            by_param[param] = path
            dist = _figure_distribution(path, fig, scenario)
            dims.append(Dimension(path, "figure", "simulation", param, dist))
        else:
            dist = _figure_distribution(path, fig, scenario)
            dims.append(Dimension(path, "figure", "plan", path, dist))
    sim: list[Dimension] = []
    for name, unc in effective_uncertainties(scenario).items():
        if name in by_param:
            continue  # varied through its figure
        if unc.distribution == "fixed":
            held.append(Held(name, "uncertainty", "simulation", name, float(unc.value or 0.0),
                             "fixed in the scenario"))
            continue
        sim.append(Dimension(name, "uncertainty", "simulation", name, unc))
    return sim + dims, held


def central(dim: Dimension, figures: Mapping[str, Figure]) -> float:
    """The value a held dimension takes: the figure's own value, else the distribution's centre."""
    if dim.kind == "figure":
        return figures[dim.name].value
    return dim.distribution.central


def build_space(
    scenario: Scenario,
    only: Sequence[str] = (),
    fix: Sequence[str] = (),
    lever_paths: Mapping[str, str] | None = None,
) -> Space:
    """The dimensions to sample, after ``--only`` and ``--fix``; see the module docstring."""
    dims, held = candidates(scenario, lever_paths)
    names = [d.name for d in dims]
    kept = match(only, names, "--only") if only else set(names)
    fixes = _parse_fix(fix)
    match(fixes, names, "--fix")
    figures = dict(scenario.sources_list())
    out: list[Dimension] = []
    for dim in dims:
        pinned = [p for p in fixes if _pattern(p).match(dim.name)]
        if pinned:
            value = fixes[pinned[0]]
            if value is None:
                value = central(dim, figures)
            else:
                _check_fixed(dim, value)
            held.append(Held(dim.name, dim.kind, dim.stage, dim.target, value,
                             f"--fix {pinned[0]}"))
        elif dim.name not in kept:
            held.append(Held(dim.name, dim.kind, dim.stage, dim.target,
                             central(dim, figures), "not in --only (central value)"))
        else:
            out.append(dim)
    return Space(tuple(out), tuple(held))


def _check_fixed(dim: Dimension, value: float) -> None:
    dist = dim.distribution
    if dist.low is not None and dist.high is not None and not dist.low <= value <= dist.high:
        raise ExploreError(
            "--fix",
            f"{dim.name}={value:g} lies outside its range [{dist.low:g}, {dist.high:g}]",
        )
    if dim.stage == "simulation":  # a value the model would read: within its domain
        from forceplan.scenario.defaults import known_parameters
        from forceplan.scenario.uncertainty import domain_interval

        known = known_parameters().get(dim.target)
        domains = [domain_interval(dist.domain)] if dist.domain is not None else []
        domains += [known.interval] if known is not None else []
        for domain in domains:
            if (reason := domain.reason(value)) is not None:
                raise ExploreError("--fix", f"{dim.name}={value:g}: {reason}")
