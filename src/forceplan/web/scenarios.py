"""The scenario library: bundled scenarios and those made in the browser, validated as on the CLI.

A scenario from the browser (uploaded, pasted, or a copy of another with
figures changed) is written to a temporary file in the scenario folder and
read by :func:`forceplan.scenario.load_scenario`, exactly as ``forceplan
plan FILE`` would read it; it is kept (renamed into place) only if valid.
Before that, the text is checked here for what a shared server must refuse
and the CLI need not: a file too large, bytes that are not UTF-8, nesting
deep enough to exhaust the parser, and an ``extends`` or ``[tables]`` path
that resolves (by the loader's own rules) outside the scenario folders.
TOML is data: parsing it runs nothing.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from forceplan.scenario import Problem, ScenarioError, bundled_scenarios, load_scenario
from forceplan.scenario.loader import resolve_path

if TYPE_CHECKING:
    from forceplan.scenario import Scenario
    from forceplan.web.settings import WebSettings

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
NAME_RULE = "1-64 lower-case letters, digits, '-' or '_', starting with a letter or digit"
MAX_NESTING = 32


class NotFound(LookupError):
    """No scenario of that name."""


@dataclass
class Refused(Exception):
    """A scenario from the browser that is not kept: every problem, located."""

    problems: list[dict[str, Any]] = field(default_factory=list)
    status: int = 422

    def __str__(self) -> str:
        return "; ".join(f"{p['location']}: {p['message']}" for p in self.problems)


@dataclass(frozen=True)
class Entry:
    name: str
    origin: str  # bundled | user
    path: Path


def library(settings: WebSettings) -> list[Entry]:
    """Every scenario: bundled ones first, then the scenario folder's, by name."""
    entries = [Entry(n, "bundled", p) for n, p in bundled_scenarios().items()]
    folder = settings.scenario_dir
    if folder.is_dir():
        for path in sorted(folder.glob("*.toml")):
            if NAME.match(path.stem) and path.stem not in bundled_scenarios():
                entries.append(Entry(path.stem, "user", path))
    return entries


def find(settings: WebSettings, name: str) -> Entry:
    for entry in library(settings):
        if entry.name == name:
            return entry
    raise NotFound(name)


def load(settings: WebSettings, name: str) -> Scenario:
    """A library scenario, loaded as the CLI loads it (ScenarioError if it became invalid)."""
    entry = find(settings, name)
    try:
        return load_scenario(entry.path)
    except ScenarioError as exc:
        raise Refused(located(exc.problems, settings, {})) from None


def figures(scenario: Scenario) -> list[dict[str, Any]]:
    """Every figure: field path, value, range, source, note, whether it is an assumption."""
    return [
        {
            "field": path,
            "value": fig.value,
            "low": fig.range[0] if fig.range else None,
            "high": fig.range[1] if fig.range else None,
            "source": fig.source,
            "note": fig.note,
            "assumption": fig.assumption,
        }
        for path, fig in scenario.sources_list()
    ]


# ---------------------------------------------------------------------------
# Keeping a scenario from the browser
# ---------------------------------------------------------------------------


def save(settings: WebSettings, name: str, data: bytes, *, replace: bool = False) -> Scenario:
    """Validate ``data`` as scenario ``name`` and keep it; :class:`Refused` with every problem.

    The name must be new (``replace`` lets a browser-made scenario be replaced;
    a bundled one never is).
    """
    display = f"{name}.toml"
    check_name(settings, name, replace)
    text = decode(data, display, settings.max_scenario_bytes)
    raw = parse(text, display)
    check_references(settings, raw, display, text)
    folder = settings.scenario_dir
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{name}.", suffix=".toml", dir=folder)
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode())
        try:
            scenario = load_scenario(tmp)
        except ScenarioError as exc:
            raise Refused(located(exc.problems, settings, {str(tmp): display}, text)) from None
        os.replace(tmp, folder / display)
    finally:
        tmp.unlink(missing_ok=True)
    return scenario


def check_name(settings: WebSettings, name: str, replace: bool) -> None:
    if not NAME.match(name):
        raise Refused([_problem(f"{name}", "name", f"a scenario name is {NAME_RULE}")])
    if name in bundled_scenarios():
        raise Refused([_problem(name, "name", "is a bundled scenario: choose another name")],
                      status=409)
    if not replace and (settings.scenario_dir / f"{name}.toml").exists():
        raise Refused([_problem(name, "name", "a scenario of that name exists: choose "
                                "another name")], status=409)


def decode(data: bytes, display: str, limit: int) -> str:
    if len(data) > limit:
        raise Refused([_problem(display, "", f"the file is {len(data):,} bytes; the most "
                                f"accepted is {limit:,}")], status=413)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise Refused([_problem(display, f"line {line}", f"not UTF-8 text (byte {exc.start} "
                                "cannot be decoded): save the file as UTF-8", line)]) from None


def parse(text: str, display: str) -> dict[str, Any]:
    """The TOML document (data only); nesting beyond :data:`MAX_NESTING` is refused unparsed."""
    depth, line = _nesting(text)
    if depth > MAX_NESTING:
        raise Refused([_problem(display, f"line {line}", f"arrays or tables nested {depth} "
                                f"deep (the most accepted is {MAX_NESTING})", line)])
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"line (\d+)", str(exc))
        at = int(found.group(1)) if found else None
        if at is None and "end of document" in str(exc):
            at = text.count("\n") + 1
        raise Refused([_problem(display, f"line {at}" if at else "",
                                f"TOML syntax error: {exc}", at)]) from None
    except RecursionError:
        raise Refused([_problem(display, "", "nested too deeply to read")]) from None


def _nesting(text: str) -> tuple[int, int]:
    """The deepest bracket/brace nesting outside strings and comments, and its line."""
    depth = deepest = 0
    line = deepest_line = 1
    quote = ""
    k = 0
    while k < len(text):
        ch = text[k]
        if ch == "\n":
            line += 1
            if quote in ('"', "'"):
                quote = ""
        elif quote:
            if text.startswith(quote, k) and (quote == "'" or quote == "'''"
                                              or text[k - 1] != "\\"):
                k += len(quote) - 1
                quote = ""
        elif ch == "#":
            end = text.find("\n", k)
            k = len(text) if end < 0 else end
            continue
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, k) else ch
            k += len(quote) - 1
        elif ch in "[{":
            depth += 1
            if depth > deepest:
                deepest, deepest_line = depth, line
        elif ch in "]}":
            depth = max(depth - 1, 0)
        k += 1
    return deepest, deepest_line


def check_references(
    settings: WebSettings, raw: dict[str, Any], display: str, text: str = ""
) -> None:
    """``extends`` and ``[tables]`` files must resolve inside the scenario folders."""
    folder = settings.scenario_dir
    roots = [folder.resolve(), *{p.parent.resolve() for p in bundled_scenarios().values()}]
    problems = []
    references: list[tuple[str, Any]] = [("extends", raw.get("extends"))]
    tables = raw.get("tables")
    if isinstance(tables, dict):
        references += [(f"tables.{k}", v) for k, v in tables.items()]
    for where, ref in references:
        if ref is None or not isinstance(ref, str):
            continue  # absent, or a type the loader reports itself
        why = _outside(ref, folder, roots, where == "extends")
        if why:
            problems.append(_problem(display, where, why, line_of(text, where)))
    if problems:
        raise Refused(problems)


def _outside(ref: str, folder: Path, roots: list[Path], is_extends: bool) -> str | None:
    if "\x00" in ref or Path(ref).is_absolute() or ".." in Path(ref).parts or "\\" in ref:
        return (f"{ref!r} is outside the scenario folders: name a bundled scenario or "
                "another scenario made here, by name")
    try:
        target = resolve_path(ref, relative_to=folder) if is_extends else folder / ref
    except FileNotFoundError:
        return None  # the loader says it is not found
    resolved = target.resolve()
    if not any(resolved.is_relative_to(root) for root in roots):
        return f"{ref!r} resolves outside the scenario folders"
    return None


# ---------------------------------------------------------------------------
# Copies with changed figures
# ---------------------------------------------------------------------------


def copy_with_changes(
    settings: WebSettings,
    base: str,
    name: str,
    changes: dict[str, dict[str, Any]],
    title: str | None = None,
    *,
    replace: bool = False,
) -> Scenario:
    """Scenario ``base`` with figures changed (by field path), kept as ``name``.

    The copy is the whole scenario written out as TOML, then validated as any
    file is; problems come back with the figure path they belong to.
    """
    import tomli_w

    scenario = load(settings, base)
    doc = scenario.model_dump(mode="json", exclude_none=True)
    known = {path for path, _ in scenario.sources_list()}
    problems = []
    for path, edit in changes.items():
        if path not in known:
            problems.append(_problem(f"{name}.toml", path, "no such figure in " + base))
            continue
        _apply(doc, path, edit)
    if problems:
        raise Refused(problems)
    doc["name"] = identifier(name)
    if title:
        doc["title"] = title
    text = f"# A copy of {base}, made in the forceplan dashboard.\n" + tomli_w.dumps(doc)
    try:
        return save(settings, name, text.encode(), replace=replace)
    except Refused as exc:
        for p in exc.problems:
            p["field"] = _figure_of(p.get("location", ""), known, p.get("message", ""))
            p["line"] = None  # a line of the generated file, which the person never saw
        raise


def identifier(name: str) -> str:
    """A file name as a scenario's ``name`` (lower-case letters, digits, '_'; a letter first)."""
    ident = name.replace("-", "_")
    return ident if ident[:1].isalpha() else f"s_{ident}"


def _apply(doc: dict[str, Any], path: str, edit: dict[str, Any]) -> None:
    node: Any = doc
    parts = re.findall(r"([^.\[\]]+)|\[([^\]]+)\]", path)
    for k, (name, key) in enumerate(parts):
        last = k == len(parts) - 1
        if name:
            if last:
                node[name] = _figure_doc(node.get(name), edit)
            else:
                node = node[name]
        else:
            node = _entry(node, key)
            if last:  # a figure in a list (not used by the schema today)
                raise KeyError(path)


def _entry(items: list[Any], key: str) -> Any:
    for item in items:
        if isinstance(item, dict) and key in (item.get("iso"), item.get("id")):
            return item
    return items[int(key)]


def _figure_doc(old: Any, edit: dict[str, Any]) -> dict[str, Any]:
    fig = dict(old) if isinstance(old, dict) else {"value": old}
    if "value" in edit:
        fig["value"] = edit["value"]
    if "low" in edit or "high" in edit:
        low, high = edit.get("low"), edit.get("high")
        if low in (None, "") and high in (None, ""):
            fig.pop("range", None)
        else:
            fig["range"] = [fig["value"] if low in (None, "") else low,
                            fig["value"] if high in (None, "") else high]
    for text_field in ("source", "note"):
        if text_field in edit:
            if edit[text_field]:
                fig[text_field] = edit[text_field]
            else:
                fig.pop(text_field, None)
    if "assumption" in edit:
        fig["assumption"] = edit["assumption"]
    return fig


def _figure_of(location: str, known: set[str], message: str = "") -> str | None:
    """The figure path a problem's location belongs to ('nations[2] (GBR).x' -> 'nations[GBR].x');
    for a problem of a whole entry, the figure its message starts with ('army_personnel (...)
    exceeds ...' on nations[1] (FRA) -> 'nations[FRA].army_personnel')."""
    path = re.sub(r"\[\d+\] \(([^)]+)\)", r"[\1]", location)
    first = re.match(r"[a-z_]+", message)
    if first and f"{path}.{first.group(0)}" in known:
        return f"{path}.{first.group(0)}"
    best = None
    for figure in known:
        if (path == figure or path.startswith(figure + ".")) and (
            best is None or len(figure) > len(best)
        ):
            best = figure
    return best


# ---------------------------------------------------------------------------
# Problems as the pages show them
# ---------------------------------------------------------------------------


def _problem(file: str, location: str, message: str, line: int | None = None) -> dict[str, Any]:
    return {"file": file, "location": location, "message": message, "line": line,
            "field": None}


def located(
    problems: list[Problem], settings: WebSettings, rename: dict[str, str], text: str = ""
) -> list[dict[str, Any]]:
    """Problems with server paths replaced by scenario names, and the line each is on."""
    folder = str(settings.scenario_dir) + os.sep
    bundled = {str(p): f"{n}.toml (bundled)" for n, p in bundled_scenarios().items()}
    out = []
    for p in problems:
        file = p.file
        for old, new in {**rename, **bundled}.items():
            file = file.replace(old, new)
        file = file.replace(folder, "")
        out.append(_problem(file, p.location, p.message, line_of(text, p.location)))
    return out


def line_of(text: str, location: str) -> int | None:
    """The line of ``text`` where the field at ``location`` is set, if it can be found.

    ``nations[2] (GBR).gdp_usd_bn`` is looked for as the first ``gdp_usd_bn``
    after the line that names ``GBR``; a plain ``title`` as ``title =``.
    """
    if not text or not location:
        return None
    lines = text.splitlines()
    start = 0
    for key in re.findall(r"\(([^)]+)\)", location):
        hit = _find(lines, re.compile(rf"""["']{re.escape(key)}["']"""), start)
        if hit is not None:
            start = hit
    leaves = re.findall(r"[A-Za-z_][A-Za-z0-9_]*", re.sub(r"\([^)]*\)", "", location))
    for leaf in reversed(leaves):
        hit = _find(lines, re.compile(rf"(^|[\s{{,.]){re.escape(leaf)}\s*="), start)
        if hit is not None:
            return hit + 1
    return start + 1 if start else None


def _find(lines: list[str], pattern: re.Pattern[str], start: int) -> int | None:
    for k in range(start, len(lines)):
        if pattern.search(lines[k]):
            return k
    return None
