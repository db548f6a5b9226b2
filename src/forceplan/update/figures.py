"""What differs between two validated scenarios, figure by figure, and how to apply part of it.

The walk is generic: it follows the pydantic schema (every field of every
model, dict keys, list entries matched by their iso/id/name), so a field added
to the schema later is diffed without code here. A :class:`Figure` is one
leaf (value, range, source and note change together); an entry of a list of
tables or a dict key present on one side only is one ``added`` or
``dropped`` change.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import ValidationError

from forceplan.scenario import Figure, Problem, Scenario
from forceplan.scenario.paths import (
    ENTRY_KEYS,
    Step,
    container_item,
    delete_at,
    entry_keys,
    format_path,
    model_class,
    set_at,
    strip_annotation,
)

#: Model fields the planner and the simulation never read (identity, prose, provenance).
DESCRIPTIVE_FIELDS = frozenset(
    {
        "name",
        "title",
        "description",
        "objective",
        "location",
        "source",
        "sources",
        "note",
        "unit",
        "provider",
        "assumption",
    }
)
#: What only the simulation reads: plans are shared across changes to these.
SIMULATION_ONLY = (("uncertainties",), ("simulation",), ("backstop", "credibility"))

Kind = Literal["changed", "added", "dropped"]


@dataclass(frozen=True)
class FigureChange:
    """One difference: a path, its old and new value (JSON data), and whether the model reads it."""

    path: str
    steps: tuple[Step, ...]
    kind: Kind
    old: Any
    new: Any
    reads: bool
    is_figure: bool = False


def diff_scenarios(base: Scenario, new: Scenario) -> list[FigureChange]:
    """Every difference between two scenarios, in schema order."""
    out: list[FigureChange] = []
    _walk(base.model_dump(mode="json"), new.model_dump(mode="json"), Scenario, (), False, out)
    return out


def _walk(
    old: Any,
    new: Any,
    ann: Any,
    steps: tuple[Step, ...],
    descriptive: bool,
    out: list[FigureChange],
) -> None:
    if old == new:
        return
    if strip_annotation(ann) is Figure and isinstance(old, dict) and isinstance(new, dict):
        reads = not descriptive and (
            old.get("value") != new.get("value") or old.get("range") != new.get("range")
        )
        out.append(_change(steps, "changed", old, new, reads, figure=True))
        return
    cls = model_class(ann)
    if cls is not None and isinstance(old, dict) and isinstance(new, dict):
        for name, info in cls.model_fields.items():
            _walk(
                old.get(name),
                new.get(name),
                info.annotation,
                (*steps, Step(name)),
                descriptive or name in DESCRIPTIVE_FIELDS,
                out,
            )
        return
    inner = container_item(ann)
    if inner is not None and isinstance(old, dict) and isinstance(new, dict):
        for key in _union(old, new):
            _pair(old, new, key, key, inner[1], (*steps, Step(key)), descriptive, out)
        return
    if (
        inner is not None
        and model_class(inner[1]) is not None
        and isinstance(old, list)
        and isinstance(new, list)
    ):
        old_keys, new_keys = _common_keys(old, new)
        old_by = dict(zip(old_keys, old, strict=True))
        new_by = dict(zip(new_keys, new, strict=True))
        for key in _union(old_by, new_by):
            _pair(old_by, new_by, key, key, inner[1], (*steps, Step(key, item=True)), descriptive,
                  out)
        return
    out.append(
        _change(steps, "changed", old, new, not descriptive, figure=strip_annotation(ann) is Figure)
    )


def _pair(
    old: dict[str, Any],
    new: dict[str, Any],
    old_key: str,
    new_key: str,
    ann: Any,
    steps: tuple[Step, ...],
    descriptive: bool,
    out: list[FigureChange],
) -> None:
    figure = strip_annotation(ann) is Figure
    if old_key not in old:
        out.append(_change(steps, "added", None, new[new_key], not descriptive, figure))
    elif new_key not in new:
        out.append(_change(steps, "dropped", old[old_key], None, not descriptive, figure))
    else:
        _walk(old[old_key], new[new_key], ann, steps, descriptive, out)


def _common_keys(old: list[Any], new: list[Any]) -> tuple[list[str], list[str]]:
    """Entry keys of both lists by the same field (iso, id or name), else by position."""
    old_keys, new_keys = entry_keys(old), entry_keys(new)
    for field in ENTRY_KEYS:
        if old_keys == _field_keys(old, field) and new_keys == _field_keys(new, field):
            return old_keys, new_keys
    return [str(i) for i in range(len(old))], [str(i) for i in range(len(new))]


def _field_keys(entries: list[Any], field: str) -> list[str]:
    return [str(e.get(field)) if isinstance(e, dict) else "" for e in entries]


def _union(a: Iterable[str], b: Iterable[str]) -> list[str]:
    seen = list(a)
    return seen + [k for k in b if k not in seen]


def _change(
    steps: tuple[Step, ...], kind: Kind, old: Any, new: Any, reads: bool, figure: bool
) -> FigureChange:
    return FigureChange(format_path(steps), steps, kind, old, new, reads, figure)


# ---------------------------------------------------------------------------
# Applying a subset of the changes
# ---------------------------------------------------------------------------


class SubsetInvalid(ValueError):
    """Applying only some changes gives an invalid scenario."""

    def __init__(self, applied: Sequence[str], problems: list[Problem]) -> None:
        self.applied = list(applied)
        self.problems = problems
        lines = "; ".join(f"{p.location}: {p.message}" if p.location else p.message
                          for p in problems[:4])
        super().__init__(
            f"applying only {', '.join(self.applied) or 'no change'} to the base gives an "
            f"invalid scenario ({lines}); group these changes so they are applied together "
            "(--group NAME=PATTERN, or group = \"...\" in the update)"
        )


def apply_changes(
    base: Scenario, changes: Sequence[FigureChange], labels: Sequence[str] = ()
) -> Scenario:
    """``base`` with ``changes`` applied, re-validated; :class:`SubsetInvalid` if it fails.

    Changes are applied in the order given (the diff's order), so applying all
    of them reproduces the new scenario, list and dict order included.
    """
    data = base.model_dump(mode="json")
    drops = [c for c in changes if c.kind == "dropped"]
    for change in changes:
        if change.kind != "dropped":
            set_at(data, change.steps, copy.deepcopy(change.new))
    for change in drops:
        delete_at(data, change.steps)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        problems = [
            Problem("", _loc(err["loc"]), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        raise SubsetInvalid(labels or [c.path for c in changes], problems) from None


def _loc(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif not str(part).startswith(("function-", "lax-")):
            out += f".{part}" if out else str(part)
    return out


# ---------------------------------------------------------------------------
# Content keys: what the model reads, for caching plans and runs
# ---------------------------------------------------------------------------


def model_content(scenario: Scenario) -> dict[str, Any]:
    """The scenario's JSON data without the fields the model never reads."""
    stripped = _strip(scenario.model_dump(mode="json"), Scenario)
    assert isinstance(stripped, dict)
    return stripped


def _strip(data: Any, ann: Any) -> Any:
    if strip_annotation(ann) is Figure and isinstance(data, dict):
        return {"value": data.get("value"), "range": data.get("range")}
    cls = model_class(ann)
    if cls is not None and isinstance(data, dict):
        return {
            k: _strip(v, cls.model_fields[k].annotation)
            for k, v in data.items()
            if k in cls.model_fields and k not in DESCRIPTIVE_FIELDS
        }
    inner = container_item(ann)
    if inner is not None and isinstance(data, dict):
        return {k: _strip(v, inner[1]) for k, v in data.items()}
    if inner is not None and isinstance(data, list):
        return [_strip(v, inner[1]) for v in data]
    return data


def content_key(content: dict[str, Any], drop: Sequence[tuple[str, ...]] = ()) -> str:
    """SHA-256 of the content, without the fields at the paths in ``drop``."""
    payload = copy.deepcopy(content) if drop else content
    for path in drop:
        node: Any = payload
        for name in path[:-1]:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict):
            node.pop(path[-1], None)
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def plan_key(scenario: Scenario) -> str:
    """Scenarios with the same plan key get the same plan (the planner reads nothing else)."""
    return content_key(model_content(scenario), SIMULATION_ONLY)


def run_key(scenario: Scenario) -> str:
    """Scenarios with the same run key simulate identically (same seed and settings)."""
    return content_key(model_content(scenario))
