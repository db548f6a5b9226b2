"""A commented update file listing the figures of a scenario most often changed by news.

Written by ``forceplan update new``: every change line is commented out, so
the file as written changes nothing and loads as its base. The lists are
read from the schema, so a new per-nation table of figures (such as offers)
appears without code here.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

from pydantic import BaseModel

from forceplan.scenario.model import Figure, Nation, Scenario
from forceplan.scenario.paths import (
    ENTRY_KEYS,
    container_item,
    entry_keys,
    model_class,
    strip_annotation,
)
from forceplan.scenario.update_file import UpdateSource

_DATE = re.compile(r"\b(\d{4}-\d{2}-\d{2})\b")


def parse_source_text(text: str) -> UpdateSource:
    """'Outlet, Title, 2025-04-10' -> UpdateSource (best effort; a missing part stays empty).

    Raises ValueError for a date that does not exist (``2025-13-45``): written
    into the template as it stands it would make the file unreadable TOML.
    """
    match = _DATE.search(text)
    date = match.group(1) if match else ""
    if date:
        try:
            dt.date.fromisoformat(date)
        except ValueError:
            raise ValueError(f"{date} is not a date (YYYY-MM-DD)") from None
    rest = (text[: match.start()] + text[match.end() :]) if match else text
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    outlet = parts[0] if parts else ""
    title = ", ".join(parts[1:]).strip("'\" ")
    return UpdateSource(outlet=outlet, title=title, date=date)


def _toml(value: Any) -> str:
    if isinstance(value, Figure):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        # repr: the shortest text that reads back as the same number ({:g} kept 6 digits,
        # so uncommenting a line of 1234.5678 would have set 1234.57)
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _line(path: str, value: Any) -> str:
    return f'# "{path}" = {{ value = {_toml(value)}, gist = "" }}'


def _entry_lists(cls: type[Nation]) -> list[tuple[str, type[BaseModel]]]:
    """Fields of a nation that are lists of tables (offers, commitments, ...), with their model."""
    out = []
    for name, info in cls.model_fields.items():
        inner = container_item(info.annotation)
        item = model_class(inner[1]) if inner is not None and inner[0] == "list" else None
        if item is not None:
            out.append((name, item))
    return out


def _entry_lines(base: Scenario, field: str, item: type[BaseModel]) -> list[str]:
    """Every figure of every entry (an offer's personnel, a commitment's units and floor)."""
    figures = [n for n, info in item.model_fields.items()
               if strip_annotation(info.annotation) is Figure]
    lines = [f"# --- Nations' {field.replace('_', ' ')} ---"]
    for n in base.nations:
        entries = list(getattr(n, field))
        for key, entry in zip(entry_keys(entries), entries, strict=True):
            for fig_name in figures:
                fig = getattr(entry, fig_name)
                if fig is not None:
                    lines.append(_line(f"nations[{n.iso}].{field}[{key}].{fig_name}", fig))
    example = base.nations[0].iso
    fields = ", ".join(f for f in item.model_fields if f not in ENTRY_KEYS)
    lines.append(
        f'# a new one: [changes."nations[{example}].{field}[NAME]".value] with any of: {fields}'
    )
    return lines


def _figure_tables(cls: type[Nation]) -> list[str]:
    """Fields of a nation that are tables of figures (units, and any added later)."""
    out = []
    for name, info in cls.model_fields.items():
        inner = container_item(info.annotation)
        if inner is not None and inner[0] == "dict" and strip_annotation(inner[1]) is Figure:
            out.append(name)
    return out


def update_template(base: Scenario, extends: str, source: UpdateSource) -> str:
    """The text of a new update file extending ``extends`` (whose scenario is ``base``)."""
    lines = [
        "# forceplan update: what one report changes (see docs/updates.md).",
        "# Uncomment the lines this report changes, set the new value, and say in",
        "# `gist` what the report says, in your own words. Each change carries the",
        "# source under [update] unless it gives its own `source = \"...\"`;",
        "# `range = [low, high]` records where reports disagree; changes sharing a",
        "# `group = \"...\"` are attributed together.",
        f"extends = {json.dumps(extends)}",
        "",
        "[update]",
        f"outlet = {json.dumps(source.outlet)}",
        f"title = {json.dumps(source.title)}",
        f"date = {source.date}" if source.date else 'date = ""  # YYYY-MM-DD',
        '# url = "https://..."',
        '# gist = "The report in one sentence of your own"',
        "",
        "[changes]",
        "# --- Stances: committed / willing / undecided / opposed ---",
    ]
    lines += [_line(f"nations[{n.iso}].stance", n.stance) for n in base.nations]
    for table in _figure_tables(Nation):
        lines.append(f"# --- Nations' {table.replace('_', ' ')} (per capability) ---")
        for n in base.nations:
            if n.stance == "opposed":
                continue
            for cap, fig in getattr(n, table).items():
                lines.append(_line(f"nations[{n.iso}].{table}.{cap}", fig))
    for field, item in _entry_lists(Nation):
        lines += _entry_lines(base, field, item)
    lines.append("# --- Force size: base requirements per mission (scaled by each phase) ---")
    for m in base.missions:
        for cap, fig in m.requirements.items():
            lines.append(_line(f"missions[{m.id}].requirements.{cap}", fig))
    lines.append("# --- Phases: length and size ---")
    for p in base.ordered_phases:
        lines.append(_line(f"phases[{p.id}].multiplier", p.multiplier))
        lines.append(_line(f"phases[{p.id}].end_month", p.end_month))
    if base.backstop is not None:
        lines.append(f"# --- Backstop ({base.backstop.provider}) ---")
        lines.append(_line("backstop.enabled", base.backstop.enabled))
        lines.append(_line("backstop.credibility", base.backstop.credibility))
        if "backstop_credibility" in base.uncertainties:
            lines.append(
                "#   (the simulation draws [uncertainties.backstop_credibility] instead: "
                "change its parameters, e.g. \"uncertainties.backstop_credibility.mode\")"
            )
        for cap, fig in base.backstop.units.items():
            lines.append(_line(f"backstop.units.{cap}", fig))
    lines += [
        "# --- Constraints ---",
        _line("constraints.min_nations_on_ground", base.constraints.min_nations_on_ground),
        _line("constraints.flank_floor", base.constraints.flank_floor),
        "# --- A nation joins or leaves the talks ---",
        f'# "nations[{base.nations[-1].iso}]" = {{ drop = true, gist = "" }}',
        "",
    ]
    return "\n".join(lines)
