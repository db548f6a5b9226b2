"""Read a scenario from TOML (plus optional CSV tables and an ``extends`` base).

Every problem found is reported as a :class:`Problem` naming the file, the
field path and the reason; :class:`ScenarioError` carries all of them at once.

File-level keys handled here, before validation:

``extends = "base.toml"``
    Load that scenario first (path relative to this file, or the name of a
    bundled scenario) and override only what this file states. Tables merge
    key by key; lists of tables with an ``id`` (or ``iso``) merge entry by
    entry, and ``drop = true`` on an entry removes it; other lists replace.

An update file (``[update]`` and ``[changes]``, see
:mod:`forceplan.scenario.update_file`) loads as its base with the changes applied.

``[tables]`` with ``nations = "nations.csv"`` / ``capabilities = "caps.csv"``
    Rows of a CSV file beside the scenario. A column ``x`` sets field ``x``;
    ``source_x`` attaches a citation to it, ``low_x``/``high_x`` a range;
    dotted columns (``units.frigate``) fill nested tables; list fields
    (``caveats``) are separated by ``;``. Entries of the same key in the
    TOML file are merged on top of the CSV rows (see :mod:`forceplan.scenario.tables`
    for what a table may hold).

Limits, each refused with a located message rather than a traceback: only
regular files are read, at most ``MAX_FILE_BYTES`` each, as UTF-8; tables and
arrays nest at most ``MAX_NESTING`` levels; a chain of ``extends`` is at most
``MAX_EXTENDS`` files long; an entry of a keyed list (same ``iso`` or ``id``)
appears at most once per file.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from forceplan.scenario.domains import FieldProblems, did_you_mean
from forceplan.scenario.errors import Problem, ScenarioError
from forceplan.scenario.files import MAX_FILE_BYTES, MAX_NESTING, read_toml
from forceplan.scenario.model import Capability, Nation, Scenario
from forceplan.scenario.tables import read_table
from forceplan.scenario.uncertainty import UNION_TAGS

__all__ = [
    "MAX_EXTENDS",
    "MAX_FILE_BYTES",
    "MAX_NESTING",
    "Problem",
    "ScenarioError",
    "bundled_scenarios",
    "load_scenario",
    "resolve_path",
    "scenario_hash",
]

KEYED_LISTS = {"nations": "iso", "capabilities": "id", "missions": "id", "phases": "id"}
CSV_TABLES = {"nations": "iso", "capabilities": "id"}
CSV_MODELS: dict[str, type[BaseModel]] = {"nations": Nation, "capabilities": Capability}
#: Longest chain of ``extends`` (a variant of a variant of ...) that is followed.
MAX_EXTENDS = 16


@dataclass
class _Origin:
    """Where each keyed-list entry came from, so errors can point at a CSV row."""

    entries: dict[str, dict[str, str]] = field(default_factory=dict)
    # (table, key) -> field -> the TOML file that set it last (variants win over bases)
    fields: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    def record_toml_entries(self, raw: dict[str, Any], file: Path) -> None:
        for table, key in CSV_TABLES.items():
            entries = raw.get(table)
            if not isinstance(entries, list):
                continue
            for entry in entries:
                if isinstance(entry, dict) and key in entry:
                    self.fields.setdefault((table, str(entry[key])), {}).update(
                        {f: str(file) for f in entry if f not in (key, "drop")}
                    )


def bundled_scenarios() -> dict[str, Path]:
    """Bundled scenario names -> paths (shipped as package data)."""
    root = resources.files("forceplan") / "data" / "scenarios"
    out: dict[str, Path] = {}
    for entry in root.iterdir():
        if entry.name.endswith(".toml"):
            out[entry.name.removesuffix(".toml")] = Path(str(entry))
    return dict(sorted(out.items()))


def resolve_path(ref: str | Path, relative_to: Path | None = None) -> Path:
    """A path as given, else relative to ``relative_to``, else a bundled scenario name."""
    p = Path(ref)
    candidates = [p] if p.is_absolute() else []
    if relative_to is not None and not p.is_absolute():
        candidates.append(relative_to / p)
    if not p.is_absolute():
        candidates.append(p)
    for c in candidates:
        if os.path.isfile(c):
            return c
    bundled = bundled_scenarios()
    name = p.name.removesuffix(".toml")
    if name in bundled and len(p.parts) <= 1:
        return bundled[name]
    for c in candidates:
        # a directory, device or pipe of that name: the reader says why it will not do
        if os.path.exists(c):
            return c
    raise FileNotFoundError(str(candidates[0] if candidates else p))


def load_scenario(path: str | Path) -> Scenario:
    """Load, merge and validate a scenario file; raise :class:`ScenarioError` on any problem."""
    try:
        file = resolve_path(path)
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(str(path), "", "no such file (nor a bundled scenario of that name)")]
        ) from None
    return _validated(file, seen=())


def _validated(file: Path, seen: tuple[Path, ...]) -> Scenario:
    origin = _Origin()
    raw = _read_with_bases(file, seen=seen, origin=origin)
    raw.pop("extends", None)
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise ScenarioError(_problems_from_validation(exc, raw, file, origin)) from None
    except RecursionError:  # not reachable within MAX_NESTING; a guard all the same
        raise ScenarioError([Problem(str(file), "", "nested too deeply")]) from None


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated content (so formatting and CSV-vs-TOML do not matter)."""
    payload = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------------------
# Reading and merging
# ---------------------------------------------------------------------------


def _resolved(file: Path) -> Path:
    try:
        return file.resolve()
    except (OSError, RuntimeError):  # a symlink loop: the reader will say so
        return file.absolute()


def _read_with_bases(file: Path, seen: tuple[Path, ...], origin: _Origin) -> dict[str, Any]:
    resolved = _resolved(file)
    if resolved in seen:
        chain = " -> ".join(str(s) for s in (*seen, resolved))
        raise ScenarioError([Problem(str(file), "extends", f"circular extends: {chain}")])
    if len(seen) >= MAX_EXTENDS:
        raise ScenarioError(
            [
                Problem(
                    str(seen[0]),
                    "extends",
                    f"a chain of more than {MAX_EXTENDS} scenarios (via {seen[-1]}); "
                    "extend a scenario nearer the base",
                )
            ]
        )
    raw = read_toml(file)
    from forceplan.scenario.update_file import apply_update, is_update, parse_update

    if is_update(raw):  # an update file: its base with its [changes] applied
        spec = parse_update(file, raw)
        updated = apply_update(_validated(spec.base_file, (*seen, resolved)), spec)
        return updated.model_dump(mode="json")
    _check_keyed_entries(raw, file)
    own_entries = {t: raw.get(t) for t in CSV_TABLES}
    raw = _expand_tables(raw, file, origin)
    base_ref = raw.get("extends")
    if base_ref is None:
        origin.record_toml_entries(own_entries, file)
        return raw
    if not isinstance(base_ref, str):
        raise ScenarioError([Problem(str(file), "extends", "must be a file path (string)")])
    try:
        base_file = resolve_path(base_ref, relative_to=file.parent)
    except FileNotFoundError:
        raise ScenarioError(
            [Problem(str(file), "extends", f"base scenario {base_ref!r} not found")]
        ) from None
    base = _read_with_bases(base_file, (*seen, resolved), origin)
    base.pop("extends", None)
    merged = _merge(base, raw, str(file))
    origin.record_toml_entries(own_entries, file)  # after the base's, so this file wins
    return merged


def _check_keyed_entries(raw: dict[str, Any], file: Path) -> None:
    """Each entry of a keyed list once per file, keyed by text; ``drop`` true or false."""
    problems: list[Problem] = []
    for table, key in KEYED_LISTS.items():
        entries = raw.get(table)
        if not isinstance(entries, list):
            continue  # the schema check names the wrong type
        first: dict[str, int] = {}
        for j, entry in enumerate(entries):
            if not isinstance(entry, dict) or key not in entry:
                continue
            ident = entry[key]
            if not isinstance(ident, str):
                problems.append(Problem(str(file), f"{table}[{j}].{key}", "must be text"))
                continue
            if "drop" in entry and not isinstance(entry["drop"], bool):
                problems.append(
                    Problem(str(file), f"{table}[{j}] ({ident}).drop", "must be true or false")
                )
            if ident in first:
                problems.append(
                    Problem(
                        str(file),
                        f"{table}[{j}] ({ident})",
                        f"duplicate {key} {ident!r} (also {table}[{first[ident]}]); "
                        "state each entry once",
                    )
                )
            else:
                first[ident] = j
    if problems:
        raise ScenarioError(problems)


def _restates(base: dict[str, Any], over: dict[str, Any]) -> bool:
    """Whether ``over`` states a new figure value or a new distribution for ``base``."""
    if "distribution" in base:
        return "distribution" in over
    return "value" in base and "value" in over


def _merge(base: Any, over: Any, file: str, path: str = "") -> Any:
    if isinstance(base, dict) and isinstance(over, dict) and _restates(base, over):
        # a new figure (or distribution) replaces the old one whole: the base's source,
        # range, note or parameters belong to the base's value, not to this one
        return over
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, file, f"{path}.{k}" if path else k) if k in base else v
        return out
    key = KEYED_LISTS.get(path)
    if key and isinstance(base, list) and isinstance(over, list):
        out_list: list[Any] = [dict(e) if isinstance(e, dict) else e for e in base]
        index = {
            e[key]: i
            for i, e in enumerate(out_list)
            if isinstance(e, dict) and isinstance(e.get(key), str)
        }
        for j, entry in enumerate(over):
            if not isinstance(entry, dict) or not isinstance(entry.get(key), str):
                raise ScenarioError(
                    [Problem(file, path, f"each entry of a variant's {path} needs its {key!r}")]
                )
            drop = entry.get("drop", False)
            if drop and entry[key] not in index:
                hint = did_you_mean(entry[key], [k for k in index if isinstance(k, str)])
                raise ScenarioError(
                    [
                        Problem(
                            file,
                            f"{path}[{j}] ({entry[key]}).drop",
                            f"the base has no {key} {entry[key]!r} to drop{hint}",
                        )
                    ]
                )
            rest = {k: v for k, v in entry.items() if k != "drop"}
            if entry[key] in index:
                i = index[entry[key]]
                out_list[i] = (
                    None if drop else _merge(out_list[i], rest, file, f"{path}[{entry[key]}]")
                )
            elif not drop:
                index[entry[key]] = len(out_list)
                out_list.append(rest)
        return [e for e in out_list if e is not None]
    return over


def _expand_tables(raw: dict[str, Any], file: Path, origin: _Origin) -> dict[str, Any]:
    tables = raw.pop("tables", None)
    if tables is None:
        return raw
    if not isinstance(tables, dict):
        raise ScenarioError([Problem(str(file), "tables", "must be a table of name = 'file.csv'")])
    problems: list[Problem] = []
    for name, rel in tables.items():
        if name not in CSV_TABLES:
            problems.append(
                Problem(
                    str(file), f"tables.{name}", f"unknown table (allowed: {', '.join(CSV_TABLES)})"
                )
            )
            continue
        if not isinstance(rel, str):
            problems.append(Problem(str(file), f"tables.{name}", "must be a CSV file path"))
            continue
        csv_path = file.parent / rel
        try:
            rows, row_numbers = read_table(csv_path, CSV_TABLES[name], CSV_MODELS[name])
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        for ident, rowno in row_numbers.items():
            origin.entries[ident] = {"file": str(csv_path), "row": str(rowno)}
        overrides = raw.get(name, [])
        if not isinstance(overrides, list):
            problems.append(Problem(str(file), name, "must be an array of tables"))
            continue
        raw[name] = _merge(rows, overrides, str(file), name)
    if problems:
        raise ScenarioError(problems)
    return raw


# ---------------------------------------------------------------------------
# Turning pydantic errors into located problems
# ---------------------------------------------------------------------------


def _problems_from_validation(
    exc: ValidationError, raw: dict[str, Any], file: Path, origin: _Origin
) -> list[Problem]:
    problems: list[Problem] = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        # pydantic puts the Annotated validator chain names into loc; drop them.
        loc = [
            p
            for p in loc
            if not (isinstance(p, str) and (p.startswith(("function-", "lax-")) or p in UNION_TAGS))
        ]
        where_file = str(file)
        path = _format_loc(loc, raw)
        if len(loc) >= 2 and loc[0] in CSV_TABLES and isinstance(loc[1], int):
            entries = raw.get(str(loc[0]))
            if (
                isinstance(entries, list)
                and loc[1] < len(entries)
                and isinstance(entries[loc[1]], dict)
            ):
                key = str(entries[loc[1]].get(CSV_TABLES[str(loc[0])]))
                set_in_toml = origin.fields.get((str(loc[0]), key), {})
                o = origin.entries.get(key)
                if len(loc) > 2 and str(loc[2]) in set_in_toml:
                    where_file = set_in_toml[str(loc[2])]
                elif o is not None:
                    where_file = f"{o['file']} (row {o['row']}) via {file}"
        sub = (err.get("ctx") or {}).get("error")
        if isinstance(sub, FieldProblems):
            for sub_path, reason in sub.items:
                problems.append(
                    Problem(where_file, f"{path}.{sub_path}" if path else sub_path, reason)
                )
            continue
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the scenario schema; check the spelling)"
        elif err["type"] == "missing":
            message = "required field is missing"
        if not loc:  # the scenario's own checks: one "field.path: reason" per line
            for line in message.splitlines():
                field_path, _, reason = line.partition(": ")
                problems.append(Problem(where_file, field_path, reason or line))
            continue
        for line in message.splitlines():
            problems.append(Problem(where_file, path, line))
    return problems


def _format_loc(loc: list[Any], raw: Any) -> str:
    """('nations', 2, 'gdp_usd_bn') -> 'nations[2] (GBR).gdp_usd_bn'."""
    out = ""
    node = raw
    for part in loc:
        if isinstance(part, int):
            label = f"[{part}]"
            if isinstance(node, list) and part < len(node) and isinstance(node[part], dict):
                key = node[part].get("iso") or node[part].get("id")
                if key:
                    label += f" ({key})"
            out += label
            node = node[part] if isinstance(node, list) and part < len(node) else None
        else:
            out += f".{part}" if out else str(part)
            node = node.get(part) if isinstance(node, dict) else None
    return out
