"""Update files: a few figures of a scenario changed, each with the report it comes from.

An update is a small TOML file::

    extends = "reassurance-2025"          # the scenario (or earlier update) it changes

    [update]                               # the report: outlet, title, date
    outlet = "The Times"
    title = "Europe divided on a peacekeeping force"
    date = 2025-02-01
    gist = "optional: what the report says, in the analyst's words"

    [changes]
    "nations[DEU].stance" = { value = "opposed", gist = "Berlin is against sending troops" }
    "backstop.units.isr_aircraft" = { value = 3, range = [2, 4] }
    "phases[sustain].multiplier" = 1.2
    "nations[JPN]" = { drop = true }

Each key under ``[changes]`` is a path (see :mod:`forceplan.scenario.paths`);
its value is the new value, or a table with ``value`` (or ``drop = true``) and
optionally ``range``, ``gist``, ``source`` (a citation string, or a table of
outlet/title/date/url when it differs from ``[update]``), ``assumption`` and
``group`` (changes sharing a group are attributed together). A changed figure
gets the report as its ``source`` and the gist as its ``note``. Loading an
update (``load_scenario``) gives its base with the changes applied, validated
like any scenario; an update may extend another update, which is how a chain
of reports is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from forceplan.scenario.errors import Problem, ScenarioError
from forceplan.scenario.files import read_toml
from forceplan.scenario.loader import resolve_path
from forceplan.scenario.model import Figure, Scenario
from forceplan.scenario.paths import (
    ENTRY_KEYS,
    PathError,
    Step,
    annotation_at,
    container_item,
    delete_at,
    entry_keys,
    format_path,
    model_class,
    parse_path,
    set_at,
    strip_annotation,
    suggest,
)

#: top-level keys whose presence makes a TOML file an update
UPDATE_KEYS = ("update", "changes")
TOP_LEVEL_KEYS = ("extends", "update", "changes", "name", "title", "description")
CHANGE_KEYS = ("value", "drop", "range", "gist", "source", "group", "assumption")
SOURCE_KEYS = ("outlet", "title", "date", "url", "gist")


def is_update(raw: dict[str, Any]) -> bool:
    """Whether a parsed TOML file is an update (it has [update] or [changes])."""
    return any(k in raw for k in UPDATE_KEYS)


@dataclass(frozen=True)
class UpdateSource:
    """Where a change comes from: outlet, title, date (ISO), optional address and gist."""

    outlet: str = ""
    title: str = ""
    date: str = ""
    url: str | None = None
    gist: str | None = None

    def citation(self) -> str:
        parts = [self.outlet, f"'{self.title}'" if self.title else "", self.date, self.url or ""]
        return ", ".join(p for p in parts if p)

    def missing(self) -> list[str]:
        return [k for k in ("outlet", "title", "date") if not getattr(self, k)]

    @property
    def label(self) -> str:
        """Short label for tables: outlet and date."""
        return ", ".join(p for p in (self.outlet, self.date) if p) or "(no source)"

    def to_dict(self) -> dict[str, str | None]:
        return {
            "outlet": self.outlet,
            "title": self.title,
            "date": self.date,
            "url": self.url,
            "gist": self.gist,
        }


@dataclass(frozen=True)
class ChangeSpec:
    """One entry of ``[changes]``."""

    path: str
    steps: tuple[Step, ...]
    value: Any = None
    drop: bool = False
    range: tuple[float, float] | None = None
    gist: str | None = None
    source: UpdateSource | str | None = None
    group: str | None = None
    assumption: bool | None = None


@dataclass(frozen=True)
class UpdateSpec:
    """A parsed update file (nothing applied yet)."""

    file: Path
    extends: str
    base_file: Path
    source: UpdateSource | None
    changes: tuple[ChangeSpec, ...]
    identity: dict[str, str] = field(default_factory=dict)
    warnings: tuple[Problem, ...] = ()

    def citation_of(self, change: ChangeSpec) -> str | None:
        """The citation a change carries: its own source, else the update's, else None."""
        if isinstance(change.source, str):
            return change.source or None
        src = change.source or self.source
        if src is None or not (src.outlet or src.title):
            return None
        return src.citation()

    def change_for(self, steps: tuple[Step, ...]) -> ChangeSpec | None:
        """The change whose path is ``steps`` or the nearest enclosing one (last wins)."""
        best: ChangeSpec | None = None
        for change in self.changes:
            n = len(change.steps)
            if steps[:n] == change.steps and (best is None or n >= len(best.steps)):
                best = change
        return best


def read_update(path: str | Path) -> UpdateSpec:
    """Parse an update file (base not loaded); raise ScenarioError with located problems."""
    try:
        file = resolve_path(path)
    except FileNotFoundError:
        raise ScenarioError([Problem(str(path), "", "no such file")]) from None
    raw = read_toml(file)
    if not is_update(raw):
        raise ScenarioError(
            [Problem(str(file), "", "not an update: it has neither [update] nor [changes]")]
        )
    return parse_update(file, raw)


def parse_update(file: Path, raw: dict[str, Any]) -> UpdateSpec:
    """Check an update's structure and resolve its base file; nothing is applied."""
    where = str(file)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for key in raw:
        if key not in TOP_LEVEL_KEYS:
            problems.append(
                Problem(
                    where,
                    key,
                    "not allowed at the top of an update: state each change under [changes] "
                    f'as "path" = value (e.g. "{key}[...]..." = ...)'
                    + suggest(key, TOP_LEVEL_KEYS),
                )
            )
    base_ref = raw.get("extends")
    base_file = file
    if not isinstance(base_ref, str) or not base_ref:
        problems.append(Problem(where, "extends", "an update must name the scenario it changes"))
    else:
        try:
            base_file = resolve_path(base_ref, relative_to=file.parent)
        except FileNotFoundError:
            problems.append(Problem(where, "extends", f"base scenario {base_ref!r} not found"))
    source = _parse_source(raw.get("update"), where, "update", problems)
    if source is None:
        warnings.append(
            Problem(where, "update", "no [update] table: the changes carry no source")
        )
    elif source.missing():
        warnings.append(
            Problem(where, "update", f"the source lacks {', '.join(source.missing())}")
        )
    changes = _parse_changes(raw.get("changes", {}), where, problems)
    identity: dict[str, str] = {k: raw[k] for k in ("name", "title", "description") if k in raw}
    for k, v in identity.items():
        if not isinstance(v, str):
            problems.append(Problem(where, k, "must be a string"))
    if problems:
        raise ScenarioError(problems)
    spec = UpdateSpec(
        file=file,
        extends=str(base_ref),
        base_file=base_file,
        source=source,
        changes=tuple(changes),
        identity=identity,
    )
    for change in changes:
        if spec.citation_of(change) is None:
            warnings.append(
                Problem(
                    where,
                    f'changes."{change.path}"',
                    "no source: give [update] an outlet, title and date, or the change "
                    "its own source",
                )
            )
    return UpdateSpec(**{**spec.__dict__, "warnings": tuple(warnings)})


def _parse_source(
    raw: Any, where: str, location: str, problems: list[Problem]
) -> UpdateSource | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        problems.append(Problem(where, location, "must be a table of outlet, title, date"))
        return None
    values: dict[str, str | None] = {}
    for key, value in raw.items():
        if key not in SOURCE_KEYS:
            problems.append(
                Problem(
                    where,
                    f"{location}.{key}",
                    f"unknown key (allowed: {', '.join(SOURCE_KEYS)})" + suggest(key, SOURCE_KEYS),
                )
            )
            continue
        if key == "date":
            value = _date_text(value, where, f"{location}.date", problems)
        elif not isinstance(value, str):
            problems.append(Problem(where, f"{location}.{key}", "must be a string"))
            continue
        values[key] = value
    return UpdateSource(**values)  # type: ignore[arg-type]


def _date_text(value: Any, where: str, location: str, problems: list[Problem]) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            pass
    problems.append(Problem(where, location, f"expected a date such as 2025-04-10, got {value!r}"))
    return ""


def _parse_changes(raw: Any, where: str, problems: list[Problem]) -> list[ChangeSpec]:
    if not isinstance(raw, dict):
        problems.append(Problem(where, "changes", 'must be a table of "path" = value'))
        return []
    out: list[ChangeSpec] = []
    for path, body in _flatten(raw):
        change = _parse_change(path, body, where, problems)
        if change is not None:
            out.append(change)
    return out


def _parse_change(
    path: str, body: Any, where: str, problems: list[Problem]
) -> ChangeSpec | None:
    """One entry of [changes]; None (with the problems recorded) if it is malformed."""
    location = f'changes."{path}"'
    found: list[Problem] = []
    try:
        steps = parse_path(path)
    except PathError as exc:
        problems.append(Problem(where, location, str(exc)))
        return None
    spec = body if _is_spec(body) else {"value": body}
    for k in spec:
        if k not in CHANGE_KEYS:
            hint = suggest(k, CHANGE_KEYS)
            found.append(
                Problem(where, f"{location}.{k}",
                        f"unknown key (allowed: {', '.join(CHANGE_KEYS)}){hint}")
            )
    drop = spec.get("drop", False)
    if not isinstance(drop, bool):
        found.append(Problem(where, f"{location}.drop", "must be true or false"))
    elif drop == ("value" in spec):
        found.append(
            Problem(where, location, "give either value = ... or drop = true (exactly one)")
        )
    rng = spec.get("range")
    if rng is not None and not (
        isinstance(rng, list)
        and len(rng) == 2
        and all(isinstance(x, int | float) and not isinstance(x, bool) for x in rng)
    ):
        found.append(Problem(where, f"{location}.range", "must be [low, high] numbers"))
    src = spec.get("source")
    source: UpdateSource | str | None = None
    if isinstance(src, dict):
        source = _parse_source(src, where, f"{location}.source", found)
    elif src is None or isinstance(src, str):
        source = src
    else:
        found.append(Problem(where, f"{location}.source", "must be a string or a table"))
    for key in ("gist", "group"):
        if key in spec and not isinstance(spec[key], str):
            found.append(Problem(where, f"{location}.{key}", "must be a string"))
    if "assumption" in spec and not isinstance(spec["assumption"], bool):
        found.append(Problem(where, f"{location}.assumption", "must be true or false"))
    problems.extend(found)
    if found:
        return None
    return ChangeSpec(
        path=format_path(steps),
        steps=steps,
        value=spec.get("value"),
        drop=drop,
        range=(float(rng[0]), float(rng[1])) if rng is not None else None,
        gist=spec.get("gist"),
        source=source,
        group=spec.get("group"),
        assumption=spec.get("assumption"),
    )


def _is_spec(body: Any) -> bool:
    return isinstance(body, dict) and ("value" in body or "drop" in body)


def _flatten(raw: dict[str, Any], prefix: str = "") -> list[tuple[str, Any]]:
    """Unquoted dotted keys (``backstop.credibility = ...``) nest tables: join them back."""
    out: list[tuple[str, Any]] = []
    for key, body in raw.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(body, dict) and body and not _is_spec(body) and not any(
            k in CHANGE_KEYS for k in body
        ):
            out.extend(_flatten(body, path))
        else:
            out.append((path, body))
    return out


# ---------------------------------------------------------------------------
# Applying an update to its base
# ---------------------------------------------------------------------------


def apply_update(base: Scenario, spec: UpdateSpec) -> Scenario:
    """The base with every change applied, validated; ScenarioError with located problems."""
    data = base.model_dump(mode="json")
    where = str(spec.file)
    problems: list[Problem] = []
    added_keys: list[tuple[ChangeSpec, str, list[str]]] = []
    for change in spec.changes:
        location = f'changes."{change.path}"'
        try:
            added = _apply_one(data, change, spec.citation_of(change))
        except PathError as exc:
            problems.append(Problem(where, location, str(exc)))
            continue
        if added is not None:
            added_keys.append((change, *added))
    data.update(spec.identity)
    if problems:
        raise ScenarioError(problems)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        from forceplan.scenario.loader import _Origin, _problems_from_validation

        found = [
            Problem(where, p.location, f"after applying the changes: {p.message}")
            for p in _problems_from_validation(exc, data, spec.file, _Origin())
        ]
        for change, key, siblings in added_keys:
            hint = suggest(key, siblings)
            if hint:
                found.append(
                    Problem(where, f'changes."{change.path}"', f"adds a new key {key!r}{hint}")
                )
        raise ScenarioError(found) from None


def _apply_one(
    data: dict[str, Any], change: ChangeSpec, citation: str | None
) -> tuple[str, list[str]] | None:
    """Apply one change to the dump in place; returns (key, existing keys) if it added a key."""
    steps = change.steps
    parent, ann, exists = _resolve(data, steps)
    label = format_path(steps)
    if change.drop:
        if not exists:
            keys = entry_keys(parent) if isinstance(parent, list) else list(parent or {})
            raise PathError(f"nothing to drop at {label}" + suggest(steps[-1].name, keys))
        if isinstance(parent, dict) and _is_model_field(data, steps):
            if not _optional(data, steps):
                raise PathError(f"{label} is required; it cannot be dropped")
            parent[steps[-1].name] = None
        else:
            delete_at(data, steps)
        return None
    value = _new_value(change, ann, citation, label)
    added: tuple[str, list[str]] | None = None
    if not exists and isinstance(parent, dict) and not _is_model_field(data, steps):
        added = (steps[-1].name, [k for k in parent if k != steps[-1].name])
    if steps[-1].item and isinstance(value, dict):
        _check_entry_key(value, ann, steps[-1].name, label)
    set_at(data, steps, value)
    return added


def _new_value(change: ChangeSpec, ann: Any, citation: str | None, label: str) -> Any:
    if strip_annotation(ann) is Figure:
        value = change.value
        if isinstance(value, dict):
            return _cite(value, ann, citation)
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise PathError(f"{label} is a figure: its value must be a number, not {value!r}")
        figure: dict[str, Any] = {"value": float(value), "source": citation, "note": change.gist}
        if change.range is not None:
            figure["range"] = list(change.range)
        if change.assumption is not None:
            figure["assumption"] = change.assumption
        return figure
    if change.range is not None:
        raise PathError(f"{label} is not a figure: range applies to figures only")
    return _cite(change.value, ann, citation)


def _check_entry_key(value: dict[str, Any], ann: Any, key: str, label: str) -> None:
    """An entry added as ``list[KEY]`` gets KEY as its iso, id or name (whichever it has)."""
    cls = model_class(ann)
    fields = cls.model_fields if cls is not None else {}
    for field_name in ENTRY_KEYS:
        if field_name in fields:
            if value.get(field_name, key) != key:
                raise PathError(
                    f"{label} adds an entry whose {field_name} is {value.get(field_name)!r}"
                )
            value.setdefault(field_name, key)
            return


def _resolve(data: dict[str, Any], steps: tuple[Step, ...]) -> tuple[Any, Any, bool]:
    """(parent node, annotation of the target, whether the target exists) for a path."""
    node: Any = data
    ann: Any = Scenario
    parent: Any = None
    exists = True
    for i, step in enumerate(steps):
        last = i == len(steps) - 1
        here = format_path(steps[:i]) or "the scenario"
        parent = node
        cls = model_class(ann)
        if cls is Figure:
            raise PathError(
                f"{here} is a figure and is changed as a whole: "
                f'"{here}" = {{ value = ..., range = [..., ...] }}'
            )
        if cls is not None:
            if step.item:
                raise PathError(f"{here} is a table, not a list: no [{step.name}]")
            if step.name not in cls.model_fields:
                raise PathError(
                    f"{here} has no field {step.name!r}" + suggest(step.name, cls.model_fields)
                )
            ann = cls.model_fields[step.name].annotation
            node = node.get(step.name) if isinstance(node, dict) else None
            exists = exists and node is not None
            continue
        inner = container_item(ann)
        if inner is None:
            raise PathError(f"{here} is a plain value: nothing lies below it")
        kind, ann = inner
        if kind == "list":
            if model_class(ann) is None:
                raise PathError(f"{here} is a list of values: change it as a whole")
            if not step.item:
                raise PathError(f"pick an entry of {here} by its key: {here}[...]")
            entries = node if isinstance(node, list) else []
            keys = entry_keys(entries)
            if step.name in keys:
                node = entries[keys.index(step.name)]
            elif last:
                node, exists = None, False
            else:
                raise PathError(f"{here} has no entry [{step.name}]" + suggest(step.name, keys))
        else:
            present = isinstance(node, dict) and step.name in node
            if not present and not last and isinstance(node, dict) and node:
                hint = suggest(step.name, node)
                if hint:
                    raise PathError(f"{here} has no key {step.name!r}{hint}")
            node = node.get(step.name) if present else None
            exists = exists and present
    return parent, ann, exists


def _parent_model(steps: tuple[Step, ...]) -> type[BaseModel] | None:
    """The model class holding the path's last field, or None if it sits in a dict or list."""
    if steps[-1].item:
        return None
    return model_class(annotation_at(Scenario, steps[:-1]))


def _is_model_field(data: dict[str, Any], steps: tuple[Step, ...]) -> bool:
    return _parent_model(steps) is not None


def _optional(data: dict[str, Any], steps: tuple[Step, ...]) -> bool:
    cls = _parent_model(steps)
    assert cls is not None
    info = cls.model_fields[steps[-1].name]
    return not info.is_required() and info.default is None


def _cite(raw: Any, ann: Any, citation: str | None) -> Any:
    """Give every figure inside an added table the change's citation, unless it has one."""
    if citation is None:
        return raw
    if strip_annotation(ann) is Figure:
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            return {"value": raw, "source": citation}
        if isinstance(raw, dict) and not raw.get("source"):
            return {**raw, "source": citation}
        return raw
    cls = model_class(ann)
    if cls is not None and isinstance(raw, dict):
        return {
            k: _cite(v, cls.model_fields[k].annotation, citation) if k in cls.model_fields else v
            for k, v in raw.items()
        }
    inner = container_item(ann)
    if inner is not None and isinstance(raw, dict) and inner[0] == "dict":
        return {k: _cite(v, inner[1], citation) for k, v in raw.items()}
    if inner is not None and isinstance(raw, list) and inner[0] == "list":
        return [_cite(v, inner[1], citation) for v in raw]
    return raw
