"""Charts of results, each a function of a result that returns an Altair (Vega-Lite) chart.

Why Altair/Vega-Lite rather than plotly: a chart is a declarative JSON spec,
so tests check its marks, fields and titles without a browser; vl-convert
renders PNG and SVG from that spec with no browser at all; and the Vega
runtime that the HTML report inlines is about 1 MB, against some 3.5 MB for
plotly.js. See docs/report.md.

Functions of a plan (:class:`forceplan.plan.PlanResult`): :func:`who_sends_what`,
:func:`deployed_over_time`, :func:`coverage_by_mission`, :func:`cost_vs_gdp`,
:func:`flank_drain`. Of a simulation Dataset: :func:`fan_charts`,
:func:`drivers_tornado`. Of a comparison frame (:func:`forceplan.simulate.compare`):
:func:`compare_side_by_side`. :func:`to_png` and :func:`to_svg` export any of them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import altair as alt
    import xarray as xr

    from forceplan.plan import PlanResult

WIDTH = 560
#: one colour per mission line and per nation, the same in every chart
CATEGORY_SCHEME = "tableau20"
BAND_COLOUR = "#4c78a8"


def _alt() -> Any:
    import altair as alt

    return alt


def _phase_order(plan: PlanResult) -> list[str]:
    return [str(p) for p in plan.phases.sort_values("start_month")["phase"]]


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------


def who_sends_what(plan: PlanResult) -> alt.FacetChart:
    """Personnel each nation sends to each mission line, one panel per phase."""
    alt = _alt()
    frame = (
        plan.allocations.groupby(["phase", "nation", "mission"], as_index=False, sort=False)
        .agg(personnel=("personnel", "sum"), units=("units", "sum"))
    )
    order = (
        frame.groupby("nation")["personnel"].sum().sort_values(ascending=False).index.tolist()
    )
    base = alt.Chart(frame).mark_bar().encode(
        x=alt.X("sum(personnel):Q", title="personnel deployed", axis=alt.Axis(format=",.0f")),
        y=alt.Y("nation:N", sort=order, title=None),
        color=alt.Color("mission:N", title="mission line", scale=alt.Scale(
            scheme=CATEGORY_SCHEME)),
        tooltip=["phase:N", "nation:N", "mission:N", "units:Q",
                 alt.Tooltip("personnel:Q", format=",.0f")],
    ).properties(width=170, height=alt.Step(14))
    return base.facet(
        facet=alt.Facet("phase:N", sort=_phase_order(plan), title=None), columns=3
    ).properties(title=f"Who sends what: {plan.scenario_name}")


def _monthly_nations(plan: PlanResult) -> pd.DataFrame:
    """One row per (month, nation, measure): the phase's value held for each of its months."""
    months = {
        str(r["phase"]): (int(r["start_month"]), int(r["end_month"]))
        for r in plan.phases.to_dict(orient="records")
    }
    rows = []
    active = plan.nations[
        plan.nations.groupby("nation")["tied_up_personnel"].transform("max") > 0
    ]
    for rec in active.to_dict(orient="records"):
        start, end = months[str(rec["phase"])]
        for measure, column in (("deployed", "deployed_personnel"),
                                ("tied up by rotation", "tied_up_personnel")):
            rows.append({"nation": rec["nation"], "measure": measure,
                         "personnel": float(rec[column]), "from_month": start,
                         "to_month": end + 1, "phase": rec["phase"]})
    columns = ["nation", "measure", "personnel", "from_month", "to_month", "phase"]
    return pd.DataFrame(rows, columns=columns)


def deployed_over_time(plan: PlanResult) -> alt.FacetChart:
    """Personnel deployed and tied up by rotation, month by month, stacked by nation."""
    alt = _alt()
    frame = _monthly_nations(plan)
    order = (frame[frame.measure == "deployed"].groupby("nation")["personnel"].max()
             .sort_values(ascending=False).index.tolist())
    frame["stack_order"] = frame["nation"].map({n: i for i, n in enumerate(order)})
    chart = alt.Chart(frame).mark_rect(stroke="white", strokeWidth=0.3).encode(
        x=alt.X("from_month:Q", title="month of the mission"),
        x2="to_month:Q",
        y=alt.Y("sum(personnel):Q", stack="zero", title="personnel",
                axis=alt.Axis(format=",.0f")),
        color=alt.Color("nation:N", sort=order, scale=alt.Scale(scheme=CATEGORY_SCHEME)),
        order=alt.Order("stack_order:Q"),
        tooltip=["nation:N", "phase:N", alt.Tooltip("personnel:Q", format=",.0f")],
    ).properties(width=WIDTH, height=170)
    return chart.facet(
        row=alt.Row("measure:N", title=None, sort=["deployed", "tied up by rotation"])
    ).properties(title="Deployed and tied up over time, by nation")


def coverage_by_mission(plan: PlanResult) -> alt.FacetChart:
    """Each mission line's required units per phase: met by the coalition, by the backstop,
    or unmet."""
    alt = _alt()
    need = plan.allocations.groupby(["phase", "mission"])["units"].sum().rename("coalition")
    short = plan.shortfalls.groupby(["phase", "mission"])[
        ["coalition_units", "backstop_units", "unmet"]].sum()
    frame = need.to_frame().join(short[["backstop_units", "unmet"]], how="outer").fillna(0)
    frame = frame.reset_index().melt(
        id_vars=["phase", "mission"], value_vars=["coalition", "backstop_units", "unmet"],
        var_name="filled by", value_name="units",
    )
    frame["filled by"] = frame["filled by"].replace({"backstop_units": "backstop"})
    chart = alt.Chart(frame).mark_bar().encode(
        x=alt.X("sum(units):Q", stack="normalize", title="share of required units",
                axis=alt.Axis(format="%")),
        y=alt.Y("mission:N", title=None),
        color=alt.Color("filled by:N", sort=["coalition", "backstop", "unmet"],
                        scale=alt.Scale(domain=["coalition", "backstop", "unmet"],
                                        range=["#4c78a8", "#f58518", "#e45756"])),
        tooltip=["phase:N", "mission:N", "filled by:N", "units:Q"],
    ).properties(width=170, height=alt.Step(14))
    return chart.facet(
        facet=alt.Facet("phase:N", sort=_phase_order(plan), title=None), columns=3
    ).properties(title="Coverage per mission line")


def _main_phase(plan: PlanResult) -> str:
    totals = plan.nations.groupby("phase", sort=False)["annual_cost_usd_m"].sum()
    return str(totals.idxmax()) if len(totals) else ""


def cost_vs_gdp(plan: PlanResult, phase: str | None = None) -> alt.HConcatChart:
    """Each contributor's share of the cost against its share of GDP, and cost against its
    defence budget, in ``phase`` (default: the costliest phase)."""
    alt = _alt()
    phase = phase or _main_phase(plan)
    rows = plan.nations[(plan.nations.phase == phase) & (plan.nations.annual_cost_usd_m > 0)]
    order = rows.sort_values("cost_share", ascending=False)["nation"].tolist()
    shares = rows.melt(id_vars=["nation"], value_vars=["cost_share", "gdp_share"],
                       var_name="share of", value_name="share")
    shares["share of"] = shares["share of"].map(
        {"cost_share": "coalition cost", "gdp_share": "contributors' GDP"})
    left = alt.Chart(shares).mark_bar().encode(
        y=alt.Y("nation:N", sort=order, title=None),
        yOffset="share of:N",
        x=alt.X("share:Q", title="share", axis=alt.Axis(format="%")),
        color=alt.Color("share of:N", scale=alt.Scale(range=["#4c78a8", "#bab0ac"])),
        tooltip=["nation:N", "share of:N", alt.Tooltip("share:Q", format=".1%")],
    ).properties(width=260, height=alt.Step(9), title="Cost share against GDP share")
    right = alt.Chart(rows).mark_bar(color="#54a24b").encode(
        y=alt.Y("nation:N", sort=order, title=None),
        x=alt.X("budget_share:Q", title="annual cost / defence budget",
                axis=alt.Axis(format="%")),
        tooltip=["nation:N", alt.Tooltip("annual_cost_usd_m:Q", format=",.0f",
                                         title="annual cost US$m"),
                 alt.Tooltip("budget_share:Q", format=".1%")],
    ).properties(width=200, height=alt.Step(18), title="Cost against defence budget")
    return alt.hconcat(left, right).properties(title=f"Who pays, {phase} phase")


def flank_drain(plan: PlanResult) -> alt.Chart:
    """Units drawn from each eastern-flank commitment per phase; red where below its floor."""
    alt = _alt()
    frame = plan.flank.copy()
    frame["commitment"] = frame["nation"] + ": " + frame["commitment"].astype(str)
    frame["state"] = np.where(frame["below_floor"], "below floor",
                              np.where(frame["drain"] > 0, "drawn on", "untouched"))
    base = alt.Chart(frame).encode(
        x=alt.X("phase:N", sort=_phase_order(plan), title=None, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("commitment:N", title=None, axis=alt.Axis(labelLimit=320)),
        tooltip=["commitment:N", "capability:N", "phase:N", "units_held:Q", "units_kept:Q",
                 "drain:Q", "floor:Q"],
    )
    cells = base.mark_rect(stroke="white").encode(
        color=alt.Color("state:N", title=None,
                        scale=alt.Scale(domain=["untouched", "drawn on", "below floor"],
                                        range=["#e8f0e8", "#f2c57c", "#e45756"])),
    )
    labels = base.mark_text(fontSize=11).encode(text=alt.Text("drain:Q", format="d"))
    return (cells + labels).properties(
        width=alt.Step(90), height=alt.Step(18),
        title="Eastern-flank drain: units drawn from each standing commitment",
    )


# ---------------------------------------------------------------------------
# Simulations
# ---------------------------------------------------------------------------

#: (title, unit format) of each fan chart, by what is charted
FANS = {
    "deployed": ("Personnel deployed, coalition", ",.0f"),
    "cumulative_cost": ("Cumulative cost, coalition (US$ m)", ",.0f"),
    "p_offensive": ("P(renewed offensive) by month", ".0%"),
    "deterrence_ratio": ("Deterrence ratio, Ukraine + foreign : Russia", ".2f"),
}
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


def _monthly_series(ds: xr.Dataset) -> dict[str, np.ndarray]:
    """(kept draws, month) arrays of what the fan charts show."""
    series = {
        "deployed": ds["deployed_personnel"].sum("nation").values,
        "cumulative_cost": ds["monthly_cost_usd_m"].sum("nation").cumsum("month").values,
        "p_offensive": ds["p_offensive"].values,
        "deterrence_ratio": ds["deterrence_ratio"].values,
    }
    return {k: np.asarray(v, dtype=float) for k, v in series.items()}


def fan_frame(ds: xr.Dataset) -> pd.DataFrame:
    """5/25/50/75/95th percentiles per month over the kept draws, one row per (series, month)."""
    months = ds["month"].values
    rows = []
    for name, values in _monthly_series(ds).items():
        q = np.nanquantile(values, QUANTILES, axis=0) if values.shape[0] else None
        for k, month in enumerate(months):
            rec: dict[str, Any] = {"series": name, "month": int(month)}
            for level, label in zip(QUANTILES, ("p05", "p25", "p50", "p75", "p95"), strict=True):
                rec[label] = float(q[QUANTILES.index(level), k]) if q is not None else np.nan
            rows.append(rec)
    return pd.DataFrame(rows)


def fan_charts(ds: xr.Dataset) -> alt.VConcatChart:
    """Monte Carlo fan charts: median, 25-75th and 5-95th percentile bands by month."""
    alt = _alt()
    frame = fan_frame(ds)
    kept = int(ds.sizes.get("kept_draw", 0))
    panels = []
    for name, (title, fmt) in FANS.items():
        sub = frame[frame.series == name]
        base = alt.Chart(sub).encode(x=alt.X("month:Q", title="month of the mission"))
        outer = base.mark_area(opacity=0.25, color=BAND_COLOUR).encode(
            y=alt.Y("p05:Q", title=None, axis=alt.Axis(format=fmt)), y2="p95:Q")
        inner = base.mark_area(opacity=0.45, color=BAND_COLOUR).encode(y="p25:Q", y2="p75:Q")
        median = base.mark_line(color="#1f3b63").encode(
            y="p50:Q",
            tooltip=["month:Q", alt.Tooltip("p05:Q", format=fmt),
                     alt.Tooltip("p50:Q", format=fmt), alt.Tooltip("p95:Q", format=fmt)],
        )
        panels.append((outer + inner + median).properties(width=WIDTH, height=150,
                                                          title=title))
    return alt.vconcat(*panels).properties(
        title=f"Monte Carlo fan charts over {kept:,} kept draws (median, 25-75th and "
        "5-95th percentiles)"
    )


def drivers_tornado(
    ds: xr.Dataset, outcome: str = "p_offensive_end", top: int = 10
) -> alt.LayerChart:
    """Rank correlation of each declared uncertainty with ``outcome``, strongest first."""
    alt = _alt()
    from forceplan.simulate.compare import OUTCOME_LABELS
    from forceplan.simulate.drivers import drivers, noise_level

    table = drivers(ds, [outcome]).head(top)
    frame = pd.DataFrame({"uncertainty": table.index.astype(str),
                          "rho": table[outcome].to_numpy(dtype=float)})
    noise = noise_level(int(ds.sizes.get("kept_draw", 0)))
    bars = alt.Chart(frame).mark_bar().encode(
        y=alt.Y("uncertainty:N", sort=frame["uncertainty"].tolist(), title=None),
        x=alt.X("rho:Q", title="Spearman rank correlation", scale=alt.Scale(domain=[-1, 1])),
        color=alt.condition(alt.datum.rho > 0, alt.value("#e45756"), alt.value("#4c78a8")),
        tooltip=["uncertainty:N", alt.Tooltip("rho:Q", format="+.2f")],
    )
    band = alt.Chart(pd.DataFrame({"lo": [-noise], "hi": [noise]})).mark_rect(
        opacity=0.15, color="grey").encode(x="lo:Q", x2="hi:Q")
    label = OUTCOME_LABELS.get(outcome, (outcome, ""))[0]
    return (band + bars).properties(
        width=WIDTH - 160, height=alt.Step(18),
        title=f"What drives {label} (grey: |rho| < {noise:.2f}, noise)",
    )


# ---------------------------------------------------------------------------
# Comparisons
# ---------------------------------------------------------------------------


def compare_side_by_side(frame: pd.DataFrame) -> alt.FacetChart:
    """Each outcome's median and 5-95th percentile band per scenario, side by side."""
    alt = _alt()
    from forceplan.simulate.compare import OUTCOME_LABELS

    data = frame[["scenario", "outcome", "p05", "p50", "p95", "mean"]].copy()
    # an outcome a scenario does not have (all draws NaN) has nothing to draw
    data = data[np.isfinite(data[["p05", "p50", "p95"]].to_numpy(dtype=float)).all(axis=1)]
    data["label"] = data["outcome"].map(lambda o: _outcome_title(o, OUTCOME_LABELS))
    scenarios = list(dict.fromkeys(frame["scenario"]))
    base = alt.Chart(data).encode(
        y=alt.Y("scenario:N", sort=scenarios, title=None),
        color=alt.Color("scenario:N", sort=scenarios, legend=None,
                        scale=alt.Scale(scheme=CATEGORY_SCHEME)),
    )
    rule = base.mark_rule(strokeWidth=2).encode(x=alt.X("p05:Q", title=None), x2="p95:Q")
    point = base.mark_point(filled=True, size=60).encode(
        x="p50:Q",
        tooltip=["scenario:N", "label:N", alt.Tooltip("p05:Q", format=",.3~g"),
                 alt.Tooltip("p50:Q", format=",.3~g"), alt.Tooltip("p95:Q", format=",.3~g")],
    )
    return (rule + point).properties(width=230, height=alt.Step(16)).facet(
        facet=alt.Facet("label:N", title=None,
                        sort=[_outcome_title(o, OUTCOME_LABELS) for o in OUTCOME_LABELS]),
        columns=2,
    ).resolve_scale(x="independent").properties(
        title=f"Side by side: median and 5-95th percentile over {frame.attrs.get('draws', 0):,} "
        "paired draws"
    )


def _outcome_title(outcome: str, labels: dict[str, tuple[str, str]]) -> str:
    label, unit = labels.get(outcome, (outcome, ""))
    unit = {"share": "share, 0-1", "probability": "0-1", "US$ m": "US$ m"}.get(unit, unit)
    return f"{label.replace(' (US$)', '')} ({unit})" if unit else label


# ---------------------------------------------------------------------------
# Static export (no browser)
# ---------------------------------------------------------------------------


def to_png(chart: alt.TopLevelMixin, scale: float = 2.0) -> bytes:
    """The chart as PNG, rendered by vl-convert (no browser)."""
    import vl_convert as vlc

    return bytes(vlc.vegalite_to_png(chart.to_dict(), scale=scale))


def to_svg(chart: alt.TopLevelMixin) -> str:
    """The chart as SVG, rendered by vl-convert (no browser)."""
    import vl_convert as vlc

    return str(vlc.vegalite_to_svg(chart.to_dict()))


def run_charts(
    plans: list[tuple[str, PlanResult]],
    dataset: xr.Dataset | None = None,
    comparison: pd.DataFrame | None = None,
) -> dict[str, alt.TopLevelMixin]:
    """Every chart that applies to a run's results, by a file-name-safe name."""
    out: dict[str, Any] = {}
    for label, plan in plans:
        prefix = f"{label}-" if len(plans) > 1 else ""
        out[f"{prefix}who-sends-what"] = who_sends_what(plan)
        out[f"{prefix}deployed-over-time"] = deployed_over_time(plan)
        out[f"{prefix}coverage"] = coverage_by_mission(plan)
        out[f"{prefix}cost-vs-gdp"] = cost_vs_gdp(plan)
        if len(plan.flank):
            out[f"{prefix}flank-drain"] = flank_drain(plan)
    if dataset is not None and int(dataset.sizes.get("kept_draw", 0)):
        out["fan-charts"] = fan_charts(dataset)
        if int(dataset.sizes["kept_draw"]) > 2:
            out["drivers"] = drivers_tornado(dataset)
    if comparison is not None:
        out["compare"] = compare_side_by_side(comparison)
    return out
