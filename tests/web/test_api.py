"""The JSON API on SQLite and on PostgreSQL: scenarios, runs started and followed, results."""

from __future__ import annotations

import json

from conftest import FLAGSHIP, Web

from forceplan import load_scenario, plan_scenario
from forceplan.scenario import scenario_hash


def test_health_names_the_store(web: Web) -> None:
    body = web.client.get("/api/health").json()
    assert body["status"] == "ok" and body["open_reads"] is True
    assert body["store"] == web.store.where


def test_the_library_lists_the_bundled_scenarios(web: Web) -> None:
    names = {s["name"]: s for s in web.client.get("/api/scenarios").json()}
    assert {FLAGSHIP, "iiss-small", "un-100k"} <= set(names)
    assert names[FLAGSHIP]["origin"] == "bundled"
    assert names[FLAGSHIP]["title"].startswith("Coalition of the willing")


def test_a_scenario_lists_every_figure_with_its_source(web: Web) -> None:
    flagship = load_scenario(FLAGSHIP)
    body = web.client.get(f"/api/scenarios/{FLAGSHIP}").json()
    assert body["hash"] == scenario_hash(flagship)
    assert len(body["figures"]) == len(list(flagship.sources_list()))
    figures = {f["field"]: f for f in body["figures"]}
    gdp = figures["nations[GBR].gdp_usd_bn"]
    assert gdp["value"] == 3340.0 and gdp["source"].startswith("World Bank")
    share = figures["nations[GBR].max_army_share"]
    expected = flagship.nation("GBR").max_army_share
    assert expected.range is not None and expected.assumption
    assert (share["value"], share["low"], share["high"], share["assumption"]) == (
        expected.value, *expected.range, True)
    assert web.client.get("/api/scenarios/no-such").status_code == 404


def test_a_plan_started_from_the_api_is_stored_with_the_plans_numbers(web: Web) -> None:
    run_id = web.start(kind="plan", scenarios=[FLAGSHIP])
    run = web.wait(run_id)
    assert run["status"] == "finished", run["error"]
    expected = plan_scenario(load_scenario(FLAGSHIP))
    results = web.client.get(f"/api/runs/{run_id}/results").json()["results"]
    (stored,) = results
    assert stored["kind"] == "plan" and stored["meta"]["status"] == expected.status
    table = stored["tables"]["allocations"]
    personnel = table["columns"].index("personnel")
    assert sum(row[personnel] for row in table["rows"]) == expected.allocations["personnel"].sum()
    listed = web.client.get("/api/runs").json()
    assert run_id in [r["id"] for r in listed["runs"]] and listed["total"] >= 1
    # the stored run is the store's own record, as `forceplan runs` lists it
    assert web.store.get_run(run_id).kind == "plan"


def test_a_simulation_streams_progress_then_done_and_has_charts_and_a_map(web: Web) -> None:
    run_id = web.start(kind="simulate", scenarios=[FLAGSHIP], draws=600, seed=3)
    events = []
    with web.client.stream("GET", f"/api/runs/{run_id}/events") as stream:
        name = None
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
                if name == "done":
                    break
    assert events[-1][0] == "done" and events[-1][1]["status"] == "finished"
    assert all(e[1]["status"] == "running" for e in events[:-1])
    run = web.wait(run_id)
    assert run["seed"] == 3 and run["options"]["draws"] == 600
    assert run["headline"]["p_offensive_end_p50"] is not None
    charts = web.client.get(f"/api/runs/{run_id}/charts").json()["charts"]
    assert {"who-sends-what", "deployed-over-time", "coverage", "cost-vs-gdp", "flank-drain",
            "fan-charts", "drivers"} <= set(charts)
    assert charts["fan-charts"]["$schema"].startswith("https://vega.github.io/schema/vega-lite")
    mapped = web.client.get(f"/api/runs/{run_id}/map").json()
    marks = json.dumps(mapped["spec"])
    assert '"geoshape"' in marks and '"circle"' in marks and '"square"' in marks
    off_map = [i["where"] for i in mapped["items"] if not i["placed"]]
    assert off_map == ["United Kingdom (for Estonia)"]
    # a reload of the finished run's events answers done at once
    with web.client.stream("GET", f"/api/runs/{run_id}/events") as stream:
        assert "event: done" in "".join(stream.iter_lines())


def test_the_report_and_workbook_of_a_run(web: Web) -> None:
    run_id = web.start(kind="plan", scenarios=["iiss-small"])
    assert web.wait(run_id)["status"] == "finished"
    html = web.client.get(f"/runs/{run_id}/report.html")
    assert html.status_code == 200 and f"Run {run_id}: plan of" in html.text
    xlsx = web.client.get(f"/runs/{run_id}/report.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_compare_runs_side_by_side_and_start_a_comparison(web: Web) -> None:
    a = web.start(kind="simulate", scenarios=[FLAGSHIP], draws=200, seed=1)
    b = web.start(kind="simulate", scenarios=["iiss-small"], draws=200, seed=1)
    c = web.start(kind="compare", scenarios=[FLAGSHIP, "iiss-small"], draws=200, seed=1)
    for run_id in (a, b, c):
        assert web.wait(run_id)["status"] == "finished"
    body = web.client.get(f"/api/compare?runs={a}&runs={b}").json()
    assert [r["run"] for r in body["rows"]] == [a, b]
    scenarios = {v["scenario"] for v in body["spec"]["datasets"].values() for v in v}
    names = [load_scenario(n).name for n in (FLAGSHIP, "iiss-small")]
    assert scenarios == {f"run {a}: {names[0]}", f"run {b}: {names[1]}"}
    assert "compare" in web.client.get(f"/api/runs/{c}/charts").json()["charts"]
    assert web.client.get(f"/api/compare?runs={a}").status_code == 422


def test_a_run_can_be_deleted_and_is_gone(web: Web) -> None:
    run_id = web.start(kind="plan", scenarios=["iiss-small"])
    web.wait(run_id)
    assert web.client.delete(f"/api/runs/{run_id}", headers=web.auth).status_code == 204
    assert web.client.get(f"/api/runs/{run_id}").status_code == 404
    assert web.client.delete(f"/api/runs/{run_id}", headers=web.auth).status_code == 404


def test_bad_run_requests_are_refused_before_anything_is_stored(web: Web) -> None:
    before = web.store.count_runs()
    cases = [
        ({"kind": "plan", "scenarios": ["no-such"]}, 404),
        ({"kind": "compare", "scenarios": [FLAGSHIP]}, 422),
        ({"kind": "plan", "scenarios": [FLAGSHIP, "iiss-small"]}, 422),
        ({"kind": "simulate", "scenarios": [FLAGSHIP], "draws": 0}, 422),
        ({"kind": "simulate", "scenarios": [FLAGSHIP], "draws": 10**9}, 422),
        ({"kind": "explode", "scenarios": [FLAGSHIP]}, 422),
    ]
    for body, status in cases:
        assert web.client.post("/api/runs", json=body, headers=web.auth).status_code == status
    assert web.store.count_runs() == before


def test_pages_render(web: Web) -> None:
    assert "Scenario library" in web.client.get("/").text
    page = web.client.get(f"/scenarios/{FLAGSHIP}").text
    assert "nations[GBR].gdp_usd_bn" in page and "World Bank" in page
    assert 'name="value"' in web.client.get(f"/scenarios/{FLAGSHIP}/edit").text
    assert web.client.get("/scenarios/nope").status_code == 404
    assert web.client.get("/runs/999999").status_code == 404
    assert web.client.get("/static/app.js").status_code == 200
