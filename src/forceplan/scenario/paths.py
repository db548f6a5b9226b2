"""Dotted paths to the fields of a scenario, e.g. ``nations[GBR].units.frigate``.

A path is a sequence of steps: a field or dict key (``units``, ``frigate``)
or an entry of a list of tables picked by its key (``[GBR]``): the entry's
``iso``, else its ``id``, else its ``name``, else its position (``[0]``).
The same grammar names a figure in an update file, a line of a figure diff
and a figure in ``forceplan sources``.

Everything here works on plain data (the JSON dump of a validated scenario)
or on the pydantic models generically, so new schema fields need no code.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel

from forceplan.scenario.domains import did_you_mean

#: fields that pick an entry of a list of tables, in order of preference
ENTRY_KEYS = ("iso", "id", "name")


@dataclass(frozen=True)
class Step:
    """One step of a path: a field or dict key, or (``item``) a list entry's key."""

    name: str
    item: bool = False

    def __str__(self) -> str:
        return f"[{self.name}]" if self.item else self.name


class PathError(ValueError):
    """A path that does not parse or does not lead anywhere; the message says why."""


def parse_path(text: str) -> tuple[Step, ...]:
    """``'nations[GBR].units.frigate'`` -> (nations, [GBR], units, frigate)."""
    steps: list[Step] = []
    name = ""
    i = 0
    expect_name = True
    while i < len(text):
        ch = text[i]
        if ch == "[":
            end = text.find("]", i)
            if end < 0:
                raise PathError(f"unclosed '[' in {text!r}")
            if name:
                steps.append(Step(name))
                name = ""
            elif expect_name and not steps:
                raise PathError(f"{text!r} must start with a field name")
            key = text[i + 1 : end].strip()
            if not key:
                raise PathError(f"empty [] in {text!r}")
            steps.append(Step(key, item=True))
            expect_name = False
            i = end + 1
            continue
        if ch == ".":
            if name:
                steps.append(Step(name))
                name = ""
            elif expect_name:
                raise PathError(f"empty field name in {text!r}")
            expect_name = True
            i += 1
            continue
        if ch == "]":
            raise PathError(f"unmatched ']' in {text!r}")
        if not expect_name:
            raise PathError(f"expected '.' after ']' in {text!r}")
        name += ch
        i += 1
    if name:
        steps.append(Step(name.strip()))
    elif expect_name:
        raise PathError(f"{text!r} ends without a field name" if text else "empty path")
    return tuple(steps)


def format_path(steps: Iterable[Step]) -> str:
    out = ""
    for step in steps:
        if step.item:
            out += f"[{step.name}]"
        else:
            out += f".{step.name}" if out else step.name
    return out


def suggest(word: str, choices: Iterable[str]) -> str:
    """' (did you mean 'x'?)' for the nearest choice (case aside), or '' if none is close."""
    known = list(choices)
    hint = did_you_mean(word, known)
    if hint or not known:
        return hint
    lowered = {c.lower(): c for c in known}
    close = difflib.get_close_matches(word.lower(), list(lowered), n=1)
    return f" (did you mean {lowered[close[0]]!r}?)" if close else ""


# ---------------------------------------------------------------------------
# Keys of list entries (on models or on plain data)
# ---------------------------------------------------------------------------


def entry_keys(entries: Sequence[Any]) -> list[str]:
    """The key of every entry: its iso/id/name if all entries have distinct ones, else its index."""
    for field in ENTRY_KEYS:
        keys = [_get(e, field) for e in entries]
        if keys and all(isinstance(k, str) and k for k in keys) and len(set(keys)) == len(keys):
            return [str(k) for k in keys]
    return [str(i) for i in range(len(entries))]


def is_table_list(value: Any) -> bool:
    """A list of tables (models or dicts), as opposed to a list of plain values."""
    return isinstance(value, list | tuple) and all(
        isinstance(e, BaseModel | dict) for e in value
    ) and len(value) > 0


def _get(entry: Any, field: str) -> Any:
    if isinstance(entry, dict):
        return entry.get(field)
    return getattr(entry, field, None)


# ---------------------------------------------------------------------------
# Reading and writing plain data (a scenario's JSON dump) by path
# ---------------------------------------------------------------------------


def get_at(data: Any, steps: Sequence[Step]) -> Any:
    """The value at ``steps`` in plain data; KeyError if it is not there."""
    node = data
    for step in steps:
        node = _child(node, step)
    return node


def _child(node: Any, step: Step) -> Any:
    if isinstance(node, list):
        keys = entry_keys(node)
        if step.name not in keys:
            raise KeyError(step.name)
        return node[keys.index(step.name)]
    if isinstance(node, dict) and step.name in node:
        return node[step.name]
    raise KeyError(step.name)


def set_at(data: Any, steps: Sequence[Step], value: Any) -> None:
    """Set (or add) the value at ``steps``; missing dicts on the way are created."""
    node = data
    for i, step in enumerate(steps[:-1]):
        if isinstance(node, dict) and node.get(step.name) is None:
            node[step.name] = [] if steps[i + 1].item else {}
        node = _child(node, step)
    last = steps[-1]
    if isinstance(node, list):
        keys = entry_keys(node)
        if last.name in keys:
            node[keys.index(last.name)] = value
        else:
            node.append(value)
        return
    if not isinstance(node, dict):
        raise KeyError(last.name)
    node[last.name] = value


def delete_at(data: Any, steps: Sequence[Step]) -> None:
    """Remove a list entry or a dict key; KeyError if it is not there."""
    parent = get_at(data, steps[:-1])
    last = steps[-1]
    if isinstance(parent, list):
        keys = entry_keys(parent)
        if last.name not in keys:
            raise KeyError(last.name)
        del parent[keys.index(last.name)]
    elif isinstance(parent, dict) and last.name in parent:
        del parent[last.name]
    else:
        raise KeyError(last.name)


# ---------------------------------------------------------------------------
# Types of fields, read from the pydantic annotations
# ---------------------------------------------------------------------------


def strip_annotation(ann: Any) -> Any:
    """Drop Annotated[...] and Optional[...] wrappers."""
    while True:
        origin = get_origin(ann)
        if origin is Annotated:
            ann = get_args(ann)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(ann) if a is not type(None)]
            if len(args) == 1:
                ann = args[0]
                continue
        return ann


def model_class(ann: Any) -> type[BaseModel] | None:
    ann = strip_annotation(ann)
    return ann if isinstance(ann, type) and issubclass(ann, BaseModel) else None


def container_item(ann: Any) -> tuple[str, Any] | None:
    """('dict', value type) or ('list', item type) for container annotations, else None."""
    ann = strip_annotation(ann)
    origin = get_origin(ann)
    args = get_args(ann)
    if origin is dict and len(args) == 2:
        return "dict", args[1]
    if origin in (tuple, list) and args:
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            return None  # a fixed-length tuple such as a range is a plain value
        return "list", args[0]
    return None


def field_annotation(cls: type[BaseModel], name: str) -> Any:
    return cls.model_fields[name].annotation


def annotation_at(root: type[BaseModel], steps: Sequence[Step]) -> Any:
    """The annotation of the field a path leads to, from the schema alone."""
    ann: Any = root
    for step in steps:
        cls = model_class(ann)
        if cls is not None:
            if step.name not in cls.model_fields:
                raise PathError(
                    f"{cls.__name__} has no field {step.name!r}"
                    + suggest(step.name, cls.model_fields)
                )
            ann = field_annotation(cls, step.name)
            continue
        inner = container_item(ann)
        if inner is None:
            raise PathError(f"{step} goes below a plain value")
        ann = inner[1]
    return ann
