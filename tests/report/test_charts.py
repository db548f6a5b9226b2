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
    charted = frame.groupby(["phase", "nation"])["personnel"].sum()
    nations = flagship_plan.nations.set_index(["phase", "nation"])["deployed_personnel"]
    for key, value in charted.items():  # each bar is the nation's deployment in that phase
        assert value == pytest.approx(nations[key])
    assert set(frame.mission) == set(flagship_plan.allocations.mission)


def test_who_sends_what_by_hand(tiny_plan: PlanResult) -> None:
    frame = pd.DataFrame(rows(spec(charts.who_sends_what(tiny_plan))))
    by = frame.set_index(["phase", "mission"])["personnel"]
    # tests/fixtures/tiny.toml: AAA sends 2 battalions of 600 and 1 squadron of 250 in the
    # sustain phase, 1 battalion and 1 squadron in the drawdown (multiplier 0.5)
    assert by[("sustain", "land")] == 1200 and by[("sustain", "skies")] == 250
    assert by[("drawdown", "land")] == 600 and set(frame.nation) == {"AAA"}


def test_deployed_over_time_stacks_nations_month_by_month(tiny_plan: PlanResult) -> None:
    s = spec(charts.deployed_over_time(tiny_plan))
    assert s["title"] == "Deployed and tied up over time, by nation"
    assert s["spec"]["encoding"]["color"]["field"] == "nation"
    assert s["spec"]["encoding"]["y"]["stack"] == "zero"
    frame = pd.DataFrame(rows(s)).set_index(["phase", "measure"])
    # sustain runs months 1-12: 1,450 deployed tie up 3 x 1,450 = 4,350 (rotation ratio 3);
    # the drawdown (months 13-24) 600 + 250 = 850 deployed
    assert frame.loc[("sustain", "deployed"), "personnel"] == 1450
    assert frame.loc[("sustain", "tied up by rotation"), "personnel"] == 4350
    assert frame.loc[("sustain", "deployed"), ["from_month", "to_month"]].tolist() == [1, 13]
    assert frame.loc[("drawdown", "deployed"), "personnel"] == 850


def test_deployed_over_time_leaves_out_who_sends_nothing(flagship_plan: PlanResult) -> None:
    frame = pd.DataFrame(rows(spec(charts.deployed_over_time(flagship_plan))))
    senders = set(flagship_plan.allocations.nation)
    assert set(frame.nation) == senders


def test_coverage_shows_what_the_backstop_fills(flagship_plan: PlanResult) -> None:
    s = spec(charts.coverage_by_mission(flagship_plan))
    assert s["title"] == "Coverage per mission line"
    frame = pd.DataFrame(rows(s))
    enablers = frame[(frame.phase == "sustain") & (frame.mission == "enablers")]
    by = enablers.set_index("filled by")["units"]
    short = flagship_plan.shortfalls
    gap = short[(short.phase == "sustain") & (short.mission == "enablers")]
    alloc = flagship_plan.allocations
    sent = alloc[(alloc.phase == "sustain") & (alloc.mission == "enablers")]["units"].sum()
    assert by["coalition"] == pytest.approx(sent)
    assert by["backstop"] == gap["backstop_units"].sum() and by["unmet"] == gap["unmet"].sum()


def test_cost_against_gdp_and_budget(flagship_plan: PlanResult) -> None:
    s = spec(charts.cost_vs_gdp(flagship_plan))
    assert s["title"] == "Who pays, sustain phase"  # the costliest phase
    assert [c["title"] for c in s["hconcat"]] == [
        "Cost share against GDP share", "Cost against defence budget"]
    frame = pd.DataFrame(rows(s))
    fra = frame[(frame.nation == "FRA") & frame["share of"].notna()].set_index("share of")
    nations = flagship_plan.nations
    row = nations[(nations.phase == "sustain") & (nations.nation == "FRA")].iloc[0]
    assert fra.loc["coalition cost", "share"] == row["cost_share"]
    assert fra.loc["contributors' GDP", "share"] == row["gdp_share"]


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
    drawn = comparison[comparison[["p05", "p50", "p95"]].notna().all(axis=1)]
    assert set(frame.scenario) == {"flagship", "small"} and len(frame) == len(drawn)
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
    from forceplan import load_scenario, plan_scenario
    from forceplan.report.html import html_report
    from forceplan.report.model import ReportRun
    from forceplan.simulate import simulate_plan

    scenario = load_scenario("no-force")
    result = plan_scenario(scenario)
    ds = simulate_plan(scenario, result, 200, 1, keep_draws=50)
    made = charts.run_charts([(scenario.name, result)], ds)
    assert set(made) == {"who-sends-what", "deployed-over-time", "coverage", "cost-vs-gdp",
                         "flank-drain", "fan-charts", "drivers"}
    assert rows(spec(made["deployed-over-time"])) == []  # nobody deployed, nothing stacked
    assert charts.to_svg(made["deployed-over-time"]).startswith("<svg")
    text = html_report([ReportRun({"kind": "simulate"}, [("no-force", scenario)],
                                  [("no-force", result)], ds)])
    assert "Run record" in text
