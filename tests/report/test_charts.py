"""Each chart function on the flagship: the expected marks, fields, titles and numbers.

Charts are Vega-Lite specs, so they are checked as data, without a browser;
the numbers in them are checked against the plan's own tables and against
figures worked out by hand from the README's sustain-phase table.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from forceplan.plan import PlanResult
from forceplan.report import charts


def spec(chart: Any) -> dict[str, Any]:
    return chart.to_dict()


def rows(chart_spec: dict[str, Any]) -> list[dict[str, Any]]:
    """Every inline data row of a spec (Altair puts them under 'datasets')."""
    return [r for values in chart_spec.get("datasets", {}).values() for r in values]


def marks(node: Any) -> list[str]:
    """Every mark type anywhere in a spec."""
    found: list[str] = []
    if isinstance(node, dict):
        mark = node.get("mark")
        if mark is not None:
            found.append(mark if isinstance(mark, str) else mark["type"])
        for value in node.values():
            found += marks(value)
    elif isinstance(node, list):
        for value in node:
            found += marks(value)
    return found


def test_who_sends_what(flagship_plan: PlanResult) -> None:
    s = spec(charts.who_sends_what(flagship_plan))
    assert s["title"] == "Who sends what: reassurance_2025"
    assert s["facet"]["field"] == "phase" and marks(s) == ["bar"]
    encoding = s["spec"]["encoding"]
    assert encoding["color"]["field"] == "mission" and encoding["y"]["field"] == "nation"
    frame = pd.DataFrame(rows(s))
    sustain = frame[frame.phase == "sustain"].groupby("nation")["personnel"].sum()
    # README, sustain phase per nation: GBR 7,820 and TUR 5,000 deployed
    assert sustain["GBR"] == 7820 and sustain["TUR"] == 5000
    assert frame["personnel"].sum() == flagship_plan.allocations["personnel"].sum()


def test_deployed_over_time_stacks_nations_month_by_month(flagship_plan: PlanResult) -> None:
    s = spec(charts.deployed_over_time(flagship_plan))
    assert s["title"] == "Deployed and tied up over time, by nation"
    assert s["spec"]["encoding"]["color"]["field"] == "nation"
    assert s["spec"]["encoding"]["y"]["stack"] == "zero"
    frame = pd.DataFrame(rows(s))
    gbr = frame[(frame.nation == "GBR") & (frame.phase == "sustain")].set_index("measure")
    # sustain runs months 7-36; 7,820 deployed tie up 3 x 7,820 = 23,460 under the rule of three
    assert gbr.loc["deployed", "personnel"] == 7820
    assert gbr.loc["tied up by rotation", "personnel"] == 23460
    assert (gbr["from_month"].unique().tolist(), gbr["to_month"].unique().tolist()) == ([7], [37])
    assert "DEU" not in set(frame.nation)  # nations that send nothing are left out


def test_coverage_shows_the_backstop_filling_the_isr_gap(flagship_plan: PlanResult) -> None:
    s = spec(charts.coverage_by_mission(flagship_plan))
    assert s["title"] == "Coverage per mission line"
    frame = pd.DataFrame(rows(s))
    enablers = frame[(frame.phase == "sustain") & (frame.mission == "enablers")]
    by = enablers.set_index("filled by")["units"]
    # README: enablers need 3 ISR + 2 airlift + 7 logistics + 4 medical = 16 units; the
    # coalition sends 15 and the US backstop the missing ISR detachment
    assert (by["coalition"], by["backstop"], by["unmet"]) == (15, 1, 0)


def test_cost_against_gdp_and_budget(flagship_plan: PlanResult) -> None:
    s = spec(charts.cost_vs_gdp(flagship_plan))
    assert s["title"] == "Who pays, sustain phase"
    assert [c["title"] for c in s["hconcat"]] == [
        "Cost share against GDP share", "Cost against defence budget"]
    frame = pd.DataFrame(rows(s))
    fra = frame[(frame.nation == "FRA") & frame["share of"].notna()].set_index("share of")
    # README sustain table: France 37.8% of the cost, 31.7% of the GDP
    assert round(fra.loc["coalition cost", "share"], 3) == 0.378
    assert round(fra.loc["contributors' GDP", "share"], 3) == 0.317


def test_flank_drain(flagship_plan: PlanResult) -> None:
    s = spec(charts.flank_drain(flagship_plan))
    assert "Eastern-flank drain" in s["title"]
    assert sorted(marks(s)) == ["rect", "text"]
    frame = pd.DataFrame(rows(s))
    assert len(frame) == len(flagship_plan.flank)
    # the flagship pushes no commitment below its floor (README)
    assert "below floor" not in set(frame.state)


def test_fan_charts(flagship_simulation: xr.Dataset) -> None:
    s = spec(charts.fan_charts(flagship_simulation))
    assert s["title"].startswith("Monte Carlo fan charts over 1,000 kept draws")
    assert [p["title"] for p in s["vconcat"]] == [t for t, _ in charts.FANS.values()]
    assert all(marks(p) == ["area", "area", "line"] for p in s["vconcat"])
    frame = charts.fan_frame(flagship_simulation)
    assert len(frame) == 4 * 60
    ordered = frame[["p05", "p25", "p50", "p75", "p95"]].to_numpy()
    assert (np.diff(ordered, axis=1) >= 0).all()
    cost = frame[frame.series == "cumulative_cost"]["p50"].to_numpy()
    assert (np.diff(cost) >= 0).all()  # a cumulative cost never falls
    p_end = frame[(frame.series == "p_offensive") & (frame.month == 60)]["p50"].item()
    kept = flagship_simulation["p_offensive"].isel(month=-1).values
    assert p_end == pytest.approx(float(np.median(kept)))


def test_drivers_tornado(flagship_simulation: xr.Dataset) -> None:
    from forceplan.simulate.drivers import drivers

    s = spec(charts.drivers_tornado(flagship_simulation, top=5))
    assert s["title"].startswith("What drives P(renewed offensive by end)")
    bars = [r for r in rows(s) if "uncertainty" in r]
    expected = drivers(flagship_simulation, ["p_offensive_end"]).head(5)
    assert [b["uncertainty"] for b in bars] == list(expected.index)
    assert [b["rho"] for b in bars] == pytest.approx(expected["p_offensive_end"].tolist())


def test_compare_side_by_side(comparison: pd.DataFrame) -> None:
    s = spec(charts.compare_side_by_side(comparison))
    assert s["title"].startswith("Side by side") and "300 paired draws" in s["title"]
    assert s["resolve"]["scale"]["x"] == "independent"
    frame = pd.DataFrame(rows(s))
    assert set(frame.scenario) == {"flagship", "small"} and len(frame) == 16
    cost = frame[(frame.scenario == "small") & (frame.outcome == "total_cost_usd_m")]
    expected = comparison[(comparison.scenario == "small")
                          & (comparison.outcome == "total_cost_usd_m")]["p50"].item()
    assert cost["p50"].item() == expected
    assert cost["label"].item() == "Total cost (US$ m)"


def test_static_export_needs_no_browser(flagship_plan: PlanResult) -> None:
    chart = charts.flank_drain(flagship_plan)
    png = charts.to_png(chart, scale=1)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert width > 400 and height > 200
    svg = charts.to_svg(chart)
    assert svg.startswith("<svg") and "Eastern-flank drain" in svg


def test_a_scenario_with_no_force_still_charts_and_reports() -> None:
    from forceplan import load_scenario, plan
    from forceplan.report.html import html_report
    from forceplan.report.model import ReportRun
    from forceplan.simulate import simulate_plan

    scenario = load_scenario("no-force")
    result = plan(scenario)
    ds = simulate_plan(scenario, result, 200, 1, keep_draws=50)
    made = charts.run_charts([(scenario.name, result)], ds)
    assert set(made) == {"who-sends-what", "deployed-over-time", "coverage", "cost-vs-gdp",
                         "flank-drain", "fan-charts", "drivers"}
    assert rows(spec(made["deployed-over-time"])) == []  # nobody deployed, nothing stacked
    assert charts.to_svg(made["deployed-over-time"]).startswith("<svg")
    text = html_report([ReportRun({"kind": "simulate"}, [("no-force", scenario)],
                                  [("no-force", result)], ds)])
    assert "Run record" in text
