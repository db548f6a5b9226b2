"""Levers (options a decision maker controls) and building each experiment's scenario.

Levers are declared under ``[levers]`` in the scenario or in a small TOML file
(``--levers FILE``, same table; the file wins). Every combination of their
options (the full factorial) is crossed with the uncertainty sample:

* ``backstop``: the backstop on or off (the plan is made with it or without);
* ``variant``: another scenario (a force option such as ``iiss-small``) in place
  of the explored one; the sampled figures apply where the variant keeps the
  explored scenario's range;
* ``burden_sharing``: ``constraints.burden_sharing.mode``;
* ``min_nations_on_ground``: ``constraints.min_nations_on_ground``;
* ``rotation_policy``: the rotation ratio of every capability (it then replaces
  the ``rotation_ratio`` figures, which leave the sample).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from forceplan.explore.errors import ExploreError
from forceplan.scenario import Levers, Scenario, ScenarioError, load_scenario
from forceplan.scenario.files import read_toml

#: figure paths (``*`` a wildcard) that a lever sets, so they leave the sample
LEVER_PATHS: dict[str, dict[str, str]] = {
    "rotation_policy": {"capabilities[*].rotation_ratio": "rotation_policy"},
}
#: lever -> column unit in the results
LEVER_UNITS = {
    "backstop": "on/off",
    "variant": "scenario",
    "burden_sharing": "mode",
    "min_nations_on_ground": "nations",
    "rotation_policy": "units tied up per unit deployed",
}


@dataclass(frozen=True)
class LeverSet:
    """The levers of a run, their options, and the scenarios the ``variant`` lever names."""

    options: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    source: str = "scenario"
    variants: dict[str, Scenario] = field(default_factory=dict)

    def combinations(self) -> list[dict[str, Any]]:
        """Every combination of options, the first lever varying slowest ([{}] without levers)."""
        names = list(self.options)
        return [dict(zip(names, combo, strict=True))
                for combo in itertools.product(*self.options.values())]

    def lever_paths(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for name in self.options:
            out.update(LEVER_PATHS.get(name, {}))
        return out

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "options": {k: list(v) for k, v in self.options.items()}}


def read_levers(path: str | Path) -> Levers:
    """The ``[levers]`` table of a TOML file, validated; errors name the file and field."""
    file = Path(path)
    try:  # regular files only, a size limit, UTF-8, no control characters
        raw = read_toml(file, "levers file")
    except ScenarioError as exc:
        problem = exc.problems[0]
        where = f"{problem.location}: " if problem.location else ""
        raise ExploreError(str(file), f"{where}{problem.message}") from None
    if "levers" not in raw:
        raise ExploreError(str(file), "no [levers] table (e.g. [levers] backstop = [true, false])")
    if set(raw) != {"levers"}:
        extra = ", ".join(sorted(set(raw) - {"levers"}))
        raise ExploreError(str(file), f"only a [levers] table belongs here (found {extra})")
    table = raw["levers"]
    try:
        return Levers.model_validate(table)
    except ValidationError as exc:
        raise ExploreError(str(file), _pydantic_problems(exc, "levers")) from None


def _pydantic_problems(exc: ValidationError, prefix: str) -> str:
    lines = []
    for err in exc.errors(include_url=False):
        loc = prefix + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            known = ", ".join(Levers.model_fields)
            msg = f"unknown lever (known levers: {known})"
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def lever_set(scenario: Scenario, levers_file: str | Path | None) -> LeverSet:
    """The run's levers: the file's if given, else the scenario's; variants loaded."""
    levers = read_levers(levers_file) if levers_file is not None else scenario.levers
    options = levers.declared()
    source = str(levers_file) if levers_file is not None else "scenario"
    variants: dict[str, Scenario] = {}
    for ref in options.get("variant", ()):
        try:
            variants[ref] = load_scenario(ref)
        except ScenarioError as exc:
            first = exc.problems[0]
            raise ExploreError(
                f"{source}: levers.variant", f"{ref!r} is not a usable scenario ({first})"
            ) from None
    for k in options.get("min_nations_on_ground", ()):
        for name, s in {"": scenario, **variants}.items():
            if k > len(s.nations):
                raise ExploreError(
                    f"{source}: levers.min_nations_on_ground",
                    f"{k} exceeds the {len(s.nations)} nations of {name or s.name}",
                )
    return LeverSet(options, source, variants)


_TOKEN = re.compile(r"\[([^\]]+)\]|\.?([^.\[\]]+)")


def set_figure(dump: dict[str, Any], path: str, value: float) -> bool:
    """Set the value of the figure at ``path`` (as ``Scenario.sources_list`` names it).

    Returns False if the path does not exist in this scenario.
    """
    node: Any = dump
    for bracket, name in _TOKEN.findall(path):
        if bracket:
            if not isinstance(node, list):
                return False
            match = [e for e in node if isinstance(e, dict)
                     and bracket in (e.get("iso"), e.get("id"))]
            if match:
                node = match[0]
            elif bracket.isdigit() and int(bracket) < len(node):
                node = node[int(bracket)]
            else:
                return False
        else:
            if not isinstance(node, dict) or name not in node or node[name] is None:
                return False
            node = node[name]
    if not isinstance(node, dict) or "value" not in node:
        return False
    node["value"] = float(value)
    return True


def scenario_for(
    base: Scenario,
    combo: Mapping[str, Any],
    figures: Mapping[str, float],
) -> Scenario:
    """``base`` with the lever settings of ``combo`` and the given figure values.

    Raises pydantic's ValidationError if the result is not a valid scenario.
    """
    dump = base.model_dump(mode="json")
    for path, value in figures.items():
        set_figure(dump, path, value)
    constraints = dump["constraints"]
    if "burden_sharing" in combo:
        constraints["burden_sharing"]["mode"] = combo["burden_sharing"]
    if "min_nations_on_ground" in combo:
        constraints["min_nations_on_ground"] = combo["min_nations_on_ground"]
    if "rotation_policy" in combo:
        for cap in dump["capabilities"]:
            cap["rotation_ratio"] = {
                "value": float(combo["rotation_policy"]),
                "assumption": True,
                "note": "set by the rotation_policy lever (forceplan explore)",
            }
    return Scenario.model_validate(dump)
