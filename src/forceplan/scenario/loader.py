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
    TOML file are merged on top of the CSV rows.
"""

from __future__ import annotations

import csv
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from forceplan.scenario.model import Scenario

KEYED_LISTS = {"nations": "iso", "capabilities": "id", "missions": "id", "phases": "id"}
CSV_TABLES = {"nations": "iso", "capabilities": "id"}
LIST_COLUMNS = {"caveats"}
BOOL_COLUMNS = {"nato", "black_sea_state", "assumption"}
TEXT_COLUMNS = {"name", "iso", "id", "stance", "domain", "description", "note", "source"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario, located as precisely as we can."""

    file: str
    location: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}: {self.location}" if self.location else self.file
        return f"{where}: {self.message}"


class ScenarioError(Exception):
    """A scenario could not be loaded; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


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
        if c.is_file():
            return c
    bundled = bundled_scenarios()
    name = p.name.removesuffix(".toml")
    if name in bundled and len(p.parts) <= 1:
        return bundled[name]
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


def scenario_hash(scenario: Scenario) -> str:
    """SHA-256 of the validated content (so formatting and CSV-vs-TOML do not matter)."""
    payload = json.dumps(scenario.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


# ---------------------------------------------------------------------------
# Reading and merging
# ---------------------------------------------------------------------------


def _read_toml(file: Path) -> dict[str, Any]:
    try:
        with file.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError([Problem(str(file), "", f"TOML syntax error: {exc}")]) from None
    except OSError as exc:
        raise ScenarioError([Problem(str(file), "", f"cannot read: {exc.strerror}")]) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(file), "", "not UTF-8 text")]) from None


def _read_with_bases(file: Path, seen: tuple[Path, ...], origin: _Origin) -> dict[str, Any]:
    resolved = file.resolve()
    if resolved in seen:
        chain = " -> ".join(str(s) for s in (*seen, resolved))
        raise ScenarioError([Problem(str(file), "extends", f"circular extends: {chain}")])
    raw = _read_toml(file)
    from forceplan.scenario.update_file import apply_update, is_update, parse_update

    if is_update(raw):  # an update file: its base with its [changes] applied
        spec = parse_update(file, raw)
        updated = apply_update(_validated(spec.base_file, (*seen, resolved)), spec)
        return updated.model_dump(mode="json")
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


def _merge(base: Any, over: Any, file: str, path: str = "") -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, file, f"{path}.{k}" if path else k) if k in base else v
        return out
    key = KEYED_LISTS.get(path)
    if key and isinstance(base, list) and isinstance(over, list):
        out_list: list[Any] = [dict(e) if isinstance(e, dict) else e for e in base]
        index = {e.get(key): i for i, e in enumerate(out_list) if isinstance(e, dict)}
        for entry in over:
            if not isinstance(entry, dict) or key not in entry:
                raise ScenarioError(
                    [Problem(file, path, f"each entry of a variant's {path} needs its {key!r}")]
                )
            drop = entry.get("drop", False)
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
            rows = _read_csv(csv_path, CSV_TABLES[name], origin)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        overrides = raw.get(name, [])
        if not isinstance(overrides, list):
            problems.append(Problem(str(file), name, "must be an array of tables"))
            continue
        raw[name] = _merge(rows, overrides, str(file), name)
    if problems:
        raise ScenarioError(problems)
    return raw


def _read_csv(path: Path, key: str, origin: _Origin) -> list[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            rows = list(reader)
            columns = reader.fieldnames or []
    except OSError as exc:
        raise ScenarioError(
            [Problem(str(path), "", f"cannot read CSV table: {exc.strerror}")]
        ) from None
    except UnicodeDecodeError:
        raise ScenarioError([Problem(str(path), "", "not UTF-8 text")]) from None
    if key not in columns:
        raise ScenarioError([Problem(str(path), "header", f"needs a {key!r} column")])
    problems: list[Problem] = []
    out: list[dict[str, Any]] = []
    value_columns = [
        c for c in columns if c and not c.startswith(("source_", "low_", "high_", "note_"))
    ]
    for lineno, row in enumerate(rows, start=2):
        entry: dict[str, Any] = {}
        for col in value_columns:
            cell = (row.get(col) or "").strip()
            if cell == "":
                continue
            try:
                value = _cell_value(col, cell)
            except ValueError as exc:
                problems.append(Problem(str(path), f"row {lineno}, column {col}", str(exc)))
                continue
            src = (row.get(f"source_{col}") or "").strip()
            note = (row.get(f"note_{col}") or "").strip()
            low = (row.get(f"low_{col}") or "").strip()
            high = (row.get(f"high_{col}") or "").strip()
            if isinstance(value, float) and (src or low or high or note):
                fig: dict[str, Any] = {"value": value}
                if src:
                    fig["source"] = src
                if note:
                    fig["note"] = note
                if low or high:
                    try:
                        fig["range"] = [float(low or value), float(high or value)]
                    except ValueError:
                        problems.append(
                            Problem(
                                str(path), f"row {lineno}, column low_/high_{col}", "not a number"
                            )
                        )
                value = fig
            _set_dotted(entry, col, value)
        out.append(entry)
        origin.entries[str(entry.get(key))] = {"file": str(path), "row": str(lineno)}
    if problems:
        raise ScenarioError(problems)
    return out


def _cell_value(col: str, cell: str) -> Any:
    leaf = col.rsplit(".", 1)[-1]
    if leaf in LIST_COLUMNS:
        return [part.strip() for part in cell.split(";") if part.strip()]
    if leaf in BOOL_COLUMNS:
        low = cell.lower()
        if low in ("true", "yes", "1"):
            return True
        if low in ("false", "no", "0"):
            return False
        raise ValueError(f"expected true or false, got {cell!r}")
    if leaf in TEXT_COLUMNS:
        return cell
    try:
        return float(cell.replace(",", "")) if cell[0] in "+-.0123456789" else cell
    except ValueError:
        return cell


def _set_dotted(entry: dict[str, Any], col: str, value: Any) -> None:
    parts = col.split(".")
    node = entry
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    node[parts[-1]] = value


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
        loc = [p for p in loc if not (isinstance(p, str) and p.startswith(("function-", "lax-")))]
        where_file = str(file)
        path = _format_loc(loc, raw)
        if len(loc) >= 2 and loc[0] in CSV_TABLES and isinstance(loc[1], int):
            entries = raw.get(str(loc[0]), [])
            if loc[1] < len(entries):
                key = str(entries[loc[1]].get(CSV_TABLES[str(loc[0])]))
                set_in_toml = origin.fields.get((str(loc[0]), key), {})
                o = origin.entries.get(key)
                if len(loc) > 2 and str(loc[2]) in set_in_toml:
                    where_file = set_in_toml[str(loc[2])]
                elif o is not None:
                    where_file = f"{o['file']} (row {o['row']}) via {file}"
        message = err["msg"]
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "unknown field (not part of the scenario schema; check the spelling)"
        elif err["type"] == "missing":
            message = "required field is missing"
        if "\n" in message and not loc:
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
