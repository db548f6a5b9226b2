"""The map: places found by name, items placed where the scenario says, the chart's layers."""

from __future__ import annotations

import json

import pytest

from forceplan.plan import PlanResult
from forceplan.report.maps import FRAME, countries, locate, map_frame, mission_map
from forceplan.scenario import Scenario


@pytest.mark.parametrize(
    ("name", "places"),
    [
        ("Tapa, Estonia", ["tapa"]),
        ("Šiauliai", ["siauliai"]),
        ("Siauliai and Amari", ["siauliai", "amari"]),
        ("United Kingdom (for Estonia)", ["united kingdom"]),
        ("Somewhere, Romania", ["romania"]),
        ("Atlantis", []),
        (None, []),
    ],
)
def test_places_are_found_by_name(name: str | None, places: list[str]) -> None:
    assert [p["place"] for p in locate(name)] == places


def test_the_shipped_outlines_cover_the_frame_and_keep_crimea_in_ukraine() -> None:
    geo = countries()
    names = {f["properties"]["name"] for f in geo["features"]}
    assert {"Ukraine", "Russia", "Poland", "Romania", "Turkey", "Moldova", "Belarus"} <= names
    assert "Natural Earth" in geo["attribution"]
    ukraine = next(f for f in geo["features"] if f["properties"]["name"] == "Ukraine")
    points = [p for poly in ukraine["geometry"]["coordinates"] for ring in poly for p in ring]
    assert min(lat for _, lat in points) < 44.5  # Crimea's southern tip is at about 44.4 N
    for f in geo["features"]:
        flat = json.dumps(f["geometry"]["coordinates"])
        assert flat.count("[") < 20_000  # simplified, small


def test_the_flagship_is_placed_where_its_scenario_says(
    flagship: Scenario, flagship_plan: PlanResult
) -> None:
    frame = map_frame(flagship, flagship_plan, phase="sustain")
    missions = frame[frame.kind == "mission"].set_index("id")
    assert set(missions.index) == {m.id for m in flagship.missions}
    sustain = flagship_plan.allocations[flagship_plan.allocations.phase == "sustain"]
    for mission_id, row in missions.iterrows():
        sent = sustain[sustain.mission == mission_id]
        assert row["personnel"] == sent["personnel"].sum()
    kyiv = missions.loc["command"]
    assert (kyiv["lon"], kyiv["lat"]) == (30.52, 50.45)  # alone at its place: not moved
    flank = frame[frame.kind == "commitment"]
    n_commitments = sum(len(n.commitments) for n in flagship.nations)
    assert len(flank) == n_commitments + 1  # 'Siauliai and Amari' is drawn at both
    assert flank[~flank.placed]["where"].tolist() == ["United Kingdom (for Estonia)"]
    placed = frame[frame.placed]
    assert placed.lon.between(FRAME[0], FRAME[2]).all()
    assert placed.lat.between(FRAME[1], FRAME[3]).all()


def test_the_map_chart_has_land_missions_and_commitments(
    flagship: Scenario, flagship_plan: PlanResult
) -> None:
    spec = mission_map(flagship, flagship_plan).to_dict()
    marks = [layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
             for layer in spec["layer"]]
    assert marks[:2] == ["geoshape", "geoshape"]
    assert {"line", "text", "circle", "square"} <= set(marks)
    assert spec["projection"]["type"] == "conicConformal"
    assert "Natural Earth" in json.dumps(spec["title"])
