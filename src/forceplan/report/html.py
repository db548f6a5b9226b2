"""One self-contained HTML report of one or more runs: charts, tables, assumptions, sources.

The file needs nothing else: the Vega, Vega-Lite and Vega-Embed runtime
(bundled by vl-convert, about 1 MB) and every chart's spec and data are
inlined, so it opens offline and sends no request anywhere. Charts render
as SVG, so the page prints cleanly; print CSS keeps each chart and table
row whole and repeats table headers across pages.
"""

from __future__ import annotations

import json
import math
import numbers
from collections.abc import Sequence
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from forceplan.report import charts
from forceplan.report.model import ReportRun
from forceplan.report.tables import (
    plan_costs,
    references_table,
    simulation_tables,
    sources_table,
    uncertainties_table,
    unit_of,
)

if TYPE_CHECKING:
    from forceplan.plan import PlanResult

DETERRENCE_CAVEAT = (
    "The deterrence model and its parameters are assumptions, not facts: the probability of "
    "a renewed offensive shows how the options compare under a stated, simple model, not a "
    "forecast."
)

CSS = """
:root { --ink: #1d2733; --muted: #5b6b7d; --rule: #d5dbe1; --warn: #fff4e0; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
       color: var(--ink); max-width: 1180px; margin: 0 auto; padding: 24px; }
h1 { font-size: 26px; margin: 0 0 4px; } h2 { border-bottom: 2px solid var(--ink);
  padding-bottom: 4px; margin-top: 40px; } h3 { margin-top: 28px; }
.muted { color: var(--muted); } .caveat { background: var(--warn); border-left: 5px solid
  #f58518; padding: 10px 14px; margin: 16px 0; }
table { border-collapse: collapse; margin: 8px 0 18px; font-size: 13px; }
th, td { border-bottom: 1px solid var(--rule); padding: 3px 8px; text-align: left;
  vertical-align: top; }
th { background: #eef1f4; } td.num { text-align: right; font-variant-numeric: tabular-nums;
  white-space: nowrap; }
.chart { margin: 12px 0 24px; overflow-x: auto; } .chart svg { max-width: 100%; height: auto; }
nav ul { columns: 2; } code { font-size: 12px; }
@media print {
  body { max-width: none; padding: 0; font-size: 11px; } nav { display: none; }
  h2 { break-before: page; } h2:first-of-type { break-before: auto; }
  .chart, tr, .caveat { break-inside: avoid; } thead { display: table-header-group; }
  .chart { overflow: visible; }
}
"""

EMBED = """
document.querySelectorAll("[data-spec]").forEach(function (el) {
  var spec = JSON.parse(document.getElementById(el.dataset.spec).textContent);
  vegaEmbed(el, spec, {renderer: "svg", actions: false}).catch(function (err) {
    el.textContent = "This chart could not be drawn: " + err;
    console.error(err);
  });
});
"""


def vega_bundle() -> str:
    """The Vega/Vega-Lite/Vega-Embed runtime for the Vega-Lite version Altair writes."""
    import altair as alt
    import vl_convert as vlc

    major_minor = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    snippet = "window.vegaEmbed = vegaEmbed; window.vega = vega; window.vegaLite = vegaLite;"
    return str(vlc.javascript_bundle(snippet, vl_version=major_minor))


class _Page:
    """Collects the HTML of the body and the chart specs it refers to."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.specs: list[str] = []
        self.contents: list[tuple[str, str]] = []

    def add(self, html: str) -> None:
        self.parts.append(html)

    def section(self, title: str) -> None:
        anchor = f"s{len(self.contents) + 1}"
        self.contents.append((anchor, title))
        self.add(f'<h2 id="{anchor}">{escape(title)}</h2>')

    def chart(self, chart: Any) -> None:
        n = len(self.specs) + 1
        # "</" would end the script element early; JSON allows "<\\/" for it
        text = json.dumps(chart.to_dict(), allow_nan=False).replace("</", "<\\/")
        self.specs.append(f'<script type="application/json" id="spec-{n}">{text}</script>')
        self.add(f'<div class="chart" id="chart-{n}" data-spec="spec-{n}"></div>')


def html_report(runs: Sequence[ReportRun], title: str | None = None) -> str:
    """The report of ``runs`` as one HTML document (a string)."""
    from forceplan import __version__

    page = _Page()
    title = title or "forceplan report: " + "; ".join(r.title for r in runs)
    for run in runs:
        _run_sections(page, run)
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<li><a href="#{a}">{escape(t)}</a></li>' for a, t in page.contents)
    return "\n".join([
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)}</title>",
        f"<style>{CSS}</style>",
        f"<script>{vega_bundle()}</script>",
        "</head><body>",
        f"<header><h1>{escape(title)}</h1><p class=\"muted\">Made {generated} by forceplan "
        f"{escape(__version__)}. Every number below can be reproduced with "
        "<code>forceplan rerun RUN</code>.</p></header>",
        f'<div class="caveat"><strong>Read this first.</strong> {escape(DETERRENCE_CAVEAT)} '
        "Costs, coverage and personnel follow from the scenario's sourced figures and "
        "declared assumptions, listed at the end of each run.</div>",
        f"<nav><strong>Contents</strong><ul>{nav}</ul></nav>",
        *page.parts,
        *page.specs,
        f"<script>{EMBED}</script>",
        "</body></html>",
    ])


def _run_sections(page: _Page, run: ReportRun) -> None:
    page.section(run.title)
    page.add(_record(run.record))
    for label, plan in run.plans:
        _plan_section(page, label, plan, several=len(run.plans) > 1)
    if run.dataset is not None:
        _simulation_section(page, run)
    if run.comparison is not None:
        _comparison_section(page, run.comparison)
    _assumptions_section(page, run)
    _sources_section(page, run)


def _record(record: dict[str, Any]) -> str:
    rows = []
    for key, value in record.items():
        if value in (None, {}, []):
            continue
        if isinstance(value, dict | list):
            value = json.dumps(value, default=str)
        rows.append(f"<tr><th>{escape(str(key))}</th><td>{escape(str(value))}</td></tr>")
    return f"<h3>Run record</h3><table>{''.join(rows)}</table>"


# ---------------------------------------------------------------------------
# Sections
# ---------------------------------------------------------------------------


def _plan_section(page: _Page, label: str, plan: PlanResult, several: bool) -> None:
    page.add(f"<h3>Plan{': ' + escape(label) if several else ''}</h3>")
    gap = "n/a" if not math.isfinite(plan.mip_gap) else f"{plan.mip_gap:.2e}"
    page.add(f'<p class="muted">Solver HiGHS: {escape(plan.status)}, gap {gap}; backstop '
             f"{'on' if plan.backstop_enabled else 'off'}; scenario hash "
             f"<code>{escape(plan.scenario_hash[:16])}</code>.</p>")
    page.chart(charts.who_sends_what(plan))
    page.chart(charts.deployed_over_time(plan))
    page.add("<h4>Per nation over the whole plan</h4>" + _table(plan_costs(plan)))
    page.chart(charts.cost_vs_gdp(plan))
    page.chart(charts.coverage_by_mission(plan))
    page.add("<h4>Who sends what, phase by phase</h4>" + _table(_who_table(plan)))
    if len(plan.shortfalls):
        page.add("<h4>Shortfalls the coalition cannot fill</h4>" + _table(plan.shortfalls))
    else:
        page.add("<p>No shortfalls: the coalition meets every requirement.</p>")
    if len(plan.flank):
        page.chart(charts.flank_drain(plan))
        drawn = plan.flank[plan.flank["drain"] > 0]
        if len(drawn):
            page.add("<h4>Commitments drawn on</h4>" + _table(drawn))
        else:
            page.add("<p>No eastern-flank commitment is drawn on.</p>")
    for note in plan.notes:
        page.add(f'<p class="muted">Note: {escape(note)}</p>')


def _who_table(plan: PlanResult) -> pd.DataFrame:
    """One row per (phase, mission, capability): nations with their units, personnel."""
    rows = []
    for (phase, mission, capability), group in plan.allocations.groupby(
        ["phase", "mission", "capability"], sort=False
    ):
        rows.append({
            "phase": phase,
            "mission": mission,
            "capability": capability,
            "nations (units)": ", ".join(f"{n} {u}" for n, u in zip(group["nation"],
                                                                    group["units"],
                                                                    strict=True)),
            "personnel": float(group["personnel"].sum()),
        })
    return pd.DataFrame(rows)


def _simulation_section(page: _Page, run: ReportRun) -> None:
    ds = run.dataset
    assert ds is not None
    attrs = ds.attrs
    page.add("<h3>Simulation</h3>")
    page.add(f'<p class="muted">{int(attrs.get("draws", 0)):,} draws, seed '
             f'{escape(str(attrs.get("seed")))}, {escape(str(attrs.get("months")))} months; '
             f'quantiles {escape(str(attrs.get("quantiles", "")))}.</p>')
    page.add(f'<div class="caveat">{escape(str(attrs.get("deterrence_note", DETERRENCE_CAVEAT)))}'
             "</div>")
    if int(ds.sizes.get("kept_draw", 0)):
        page.chart(charts.fan_charts(ds))
    tables = simulation_tables(ds)
    page.add("<h4>Coalition, year by year: median [5th-95th percentile]</h4>"
             + _table(_yearly_bands(tables["summary"])))
    page.add("<h4>Outcomes over all draws</h4>" + _table(tables["outcomes"]))
    if "drivers" in tables and int(ds.sizes.get("kept_draw", 0)) > 2:
        page.chart(charts.drivers_tornado(ds))


def _yearly_bands(summary: pd.DataFrame) -> pd.DataFrame:
    total = summary[summary["group"] == "total"]
    rows: dict[str, dict[str, str]] = {}
    for rec in total.to_dict(orient="records"):
        cell = (f"{_fmt(rec['p50'], rec['unit'])} [{_fmt(rec['p05'], rec['unit'])}-"
                f"{_fmt(rec['p95'], rec['unit'])}]")
        rows.setdefault(str(rec["label"]), {})[f"year {rec['year']}"] = cell
    return pd.DataFrame.from_dict(rows, orient="index").rename_axis("metric").reset_index()


def _comparison_section(page: _Page, frame: pd.DataFrame) -> None:
    from forceplan.simulate.compare import OUTCOME_LABELS

    page.add("<h3>Comparison</h3>")
    page.chart(charts.compare_side_by_side(frame))
    names = list(dict.fromkeys(frame["scenario"]))
    rows = []
    for outcome, (label, unit) in OUTCOME_LABELS.items():
        row: dict[str, str] = {"outcome": label}
        for k, name in enumerate(names):
            r = frame[(frame.scenario == name) & (frame.outcome == outcome)].iloc[0]
            cell = f"{_fmt(r.p50, unit)} [{_fmt(r.p05, unit)}-{_fmt(r.p95, unit)}]"
            if k:
                cell += f"; paired difference {_fmt(r.diff_p50, unit)}"
            row[name] = cell
        rows.append(row)
    page.add("<h4>Median [5th-95th percentile]; differences paired draw by draw against the "
             f"first scenario</h4>{_table(pd.DataFrame(rows))}")


def _assumptions_section(page: _Page, run: ReportRun) -> None:
    page.add("<h3>Assumptions</h3>")
    page.add(f'<div class="caveat">{escape(DETERRENCE_CAVEAT)}</div>')
    uncertainties = uncertainties_table(run).dropna(axis=1, how="all")
    if len(uncertainties):
        page.add("<h4>Uncertainties sampled (distribution and source)</h4>"
                 + _table(uncertainties))
    for label, scenario in run.scenarios:
        assumed = sources_table(scenario)
        assumed = assumed[assumed["assumption"]].drop(columns=["assumption"])
        if len(assumed):
            page.add(f"<h4>Figures in {escape(label)} that are modelling assumptions</h4>"
                     + _table(assumed.dropna(axis=1, how="all")))


def _sources_section(page: _Page, run: ReportRun) -> None:
    page.add("<h3>Sources</h3>")
    seen: set[str] = set()
    for label, scenario in run.scenarios:
        if scenario.name in seen:
            continue
        seen.add(scenario.name)
        refs = references_table(scenario)
        if len(refs):
            page.add(f"<h4>References ({escape(label)})</h4>" + _table(refs))
        figures = sources_table(scenario)
        page.add(f"<h4>Every figure in {escape(label)} with its source</h4>"
                 + _table(figures.dropna(axis=1, how="all")))


# ---------------------------------------------------------------------------
# Cells
# ---------------------------------------------------------------------------


def _fmt(value: Any, unit: str) -> str:
    """A number for people: percentages, thousands separators, no false precision."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if not isinstance(value, numbers.Real):
        return str(value)
    value = float(value)
    if unit in ("share", "share 0-1", "probability"):
        return f"{100 * value:.1f}%"
    if unit == "ratio":
        return f"{value:.2f}"
    if float(value).is_integer():
        return f"{value:,.0f}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.3g}"


def _table(frame: pd.DataFrame) -> str:
    """An HTML table of a frame: every text escaped, numbers right-aligned with their unit."""
    head = []
    units = [unit_of(str(c)) for c in frame.columns]
    for column, unit in zip(frame.columns, units, strict=True):
        shown = unit if unit not in ("share 0-1", "probability") else "%"
        text = escape(str(column)) + (f' <span class="muted">({escape(shown)})</span>'
                                      if shown else "")
        head.append(f"<th>{text}</th>")
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value, unit in zip(row, units, strict=True):
            numeric = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
            cls = ' class="num"' if numeric else ""
            cells.append(f"<td{cls}>{escape(_fmt(value, unit))}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (f"<table><thead><tr>{''.join(head)}</tr></thead>"
            f"<tbody>{''.join(body)}</tbody></table>")
