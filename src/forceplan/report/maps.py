"""A map of where a plan puts its forces: mission lines in Ukraine and on the Black Sea, and
the eastern-flank commitments it draws on. An Altair (Vega-Lite) chart, like the others.

Geometry ships with the package (``data/geo``, from Natural Earth, public
domain; see its README): nothing is fetched at run time. Places are found by
name in ``data/geo/places.toml`` (:func:`locate`); what cannot be placed is
listed by :func:`map_frame` with ``placed`` false, for a page to show beside
the map.
"""

from __future__ import annotations

import json
import math
import tomllib
import unicodedata
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    import altair as alt

    from forceplan.plan import PlanResult
    from forceplan.scenario import Scenario

#: the map's frame (lon min, lat min, lon max, lat max), as the geometry was clipped
FRAME = (12.0, 39.5, 46.5, 60.5)
LAND, UKRAINE, WATER = "#eeeae2", "#fdf3c4", "#d3e4f1"
STATE_COLOURS = {"untouched": "#7a9a7a", "drawn on": "#f28e2b", "below floor": "#e45756"}
SPREAD_DEG = 0.55  # how far apart items at one place are drawn


@cache
def countries() -> dict[str, Any]:
    """The shipped country outlines (GeoJSON FeatureCollection with its attribution)."""
    text = (resources.files("forceplan") / "data" / "geo" / "eastern-europe.geojson").read_text()
    return dict(json.loads(text))


@cache
def places() -> dict[str, dict[str, Any]]:
    """The gazetteer: normalised name -> lon, lat (and assumption, note, line)."""
    text = (resources.files("forceplan") / "data" / "geo" / "places.toml").read_text()
    return {_norm(k): v for k, v in tomllib.loads(text)["places"].items()}


def _norm(name: str) -> str:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return " ".join(folded.casefold().replace("-", " ").split())


def locate(name: str | None) -> list[dict[str, Any]]:
    """The places a region or location names ('Tapa, Estonia' -> Tapa; 'A and B' -> both).

    Each alternative is looked up whole, then part by part from the most
    specific (before the first comma) outwards; an empty list if none is known.
    """
    if not name:
        return []
    known = places()
    found = []
    for alternative in _norm(name).split(" and "):
        plain = alternative.split("(")[0].strip()
        for candidate in (alternative, plain, *(p.strip() for p in plain.split(","))):
            if candidate in known:
                found.append({"place": candidate, **known[candidate]})
                break
    return found


def _on_map(lon: float, lat: float) -> bool:
    return FRAME[0] <= lon <= FRAME[2] and FRAME[1] <= lat <= FRAME[3]


def map_frame(scenario: Scenario, plan: PlanResult, phase: str | None = None) -> pd.DataFrame:
    """One row per mission line and per eastern-flank commitment, with where it is drawn.

    Columns: kind (mission | commitment), name, where (the scenario's words),
    lon, lat, placed (on the map), nation(s), units, personnel, state, detail.
    Missions carry the personnel the plan sends in ``phase`` (default: the
    phase with the most personnel); commitments their units held and drawn.
    """
    phase = phase or _busiest_phase(plan)
    rows = [*_mission_rows(scenario, plan, phase), *_commitment_rows(scenario, plan, phase)]
    frame = pd.DataFrame(rows)
    frame.attrs["phase"] = phase
    return _spread(frame)


def _busiest_phase(plan: PlanResult) -> str:
    per_phase = plan.allocations.groupby("phase", sort=False)["personnel"].sum()
    return str(per_phase.idxmax()) if len(per_phase) else ""


def _mission_rows(scenario: Scenario, plan: PlanResult, phase: str) -> list[dict[str, Any]]:
    alloc = plan.allocations[plan.allocations["phase"] == phase]
    rows = []
    for mission in scenario.missions:
        sent = alloc[alloc["mission"] == mission.id]
        by_nation = sent.groupby("nation", sort=False)["units"].sum()
        nations = ", ".join(f"{n} {int(u)}" for n, u in by_nation.sort_values(
            ascending=False).items())
        spots = locate(mission.region)
        base = {
            "kind": "mission", "name": mission.name, "id": mission.id, "where": mission.region,
            "nations": nations or "none", "units": float(sent["units"].sum()),
            "personnel": float(sent["personnel"].sum()), "state": "mission line",
            "detail": mission.objective,
        }
        rows.extend(_placed(base, spots))
    return rows


def _commitment_rows(scenario: Scenario, plan: PlanResult, phase: str) -> list[dict[str, Any]]:
    flank = plan.flank[plan.flank["phase"] == phase] if len(plan.flank) else plan.flank
    drawn = {(r["nation"], str(r["commitment"])): r for r in flank.to_dict(orient="records")}
    rows = []
    for nation in scenario.nations:
        for c in nation.commitments:
            rec = drawn.get((nation.iso, c.name), {})
            drain = float(rec.get("drain", 0) or 0)
            state = ("below floor" if rec.get("below_floor") else
                     "drawn on" if drain > 0 else "untouched")
            base = {
                "kind": "commitment", "name": c.name, "id": f"{nation.iso}:{c.name}",
                "where": c.location or "", "nations": nation.iso,
                "units": float(c.units.value), "personnel": math.nan, "state": state,
                "detail": f"{c.capability}: {c.units.value:g} held, floor {c.floor.value:g}, "
                          f"{drain:g} drawn in {phase}",
            }
            rows.extend(_placed(base, locate(c.location)))
    return rows


def _placed(base: dict[str, Any], spots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not spots:
        return [{**base, "lon": math.nan, "lat": math.nan, "placed": False, "place": ""}]
    return [
        {**base, "lon": float(s["lon"]), "lat": float(s["lat"]), "place": s["place"],
         "placed": _on_map(float(s["lon"]), float(s["lat"]))}
        for s in spots
    ]


def _spread(frame: pd.DataFrame) -> pd.DataFrame:
    """Items drawn at the same place are set around it on a small circle."""
    if frame.empty:
        return frame
    frame = frame.copy()
    for _, group in frame[frame["placed"]].groupby(["lon", "lat"]):
        n = len(group)
        if n < 2:
            continue
        for k, index in enumerate(group.index):
            angle = 2 * math.pi * k / n
            frame.loc[index, "lon"] += SPREAD_DEG * math.cos(angle) / math.cos(
                math.radians(float(frame.loc[index, "lat"])))
            frame.loc[index, "lat"] += SPREAD_DEG * math.sin(angle)
    return frame


def mission_map(scenario: Scenario, plan: PlanResult, phase: str | None = None) -> alt.LayerChart:
    """Ukraine, its neighbours and the Black Sea, with each mission line (circles sized by the
    personnel sent) and each eastern-flank commitment (squares, coloured by how far it is
    drawn on) where the scenario says it sits."""
    import altair as alt

    frame = map_frame(scenario, plan, phase)
    phase = str(frame.attrs.get("phase", ""))
    shown = frame[frame["placed"]].drop(columns=["placed"]).fillna({"personnel": 0})
    geo = countries()
    outline = alt.Data(values=geo["features"])
    land = alt.Chart(outline).mark_geoshape(stroke="#9a9a9a", strokeWidth=0.6).encode(
        color=alt.condition(alt.datum["properties.name"] == "Ukraine",
                            alt.value(UKRAINE), alt.value(LAND)),
        tooltip=[alt.Tooltip("properties.name:N", title="country")],
    )
    water = alt.Chart(alt.Data(values=[_frame_polygon()])).mark_geoshape(
        fill=WATER, stroke=None)
    layers: list[Any] = [water, land]
    line_rows = [
        {"lon": lon, "lat": lat, "order": k, "region": name}
        for name, spot in places().items() if "line" in spot
        and name in {_norm(w) for w in frame["where"]}
        for k, (lon, lat) in enumerate(spot["line"])
    ]
    if line_rows:
        layers.append(alt.Chart(pd.DataFrame(line_rows)).mark_line(
            color="#b03a2e", strokeDash=[5, 3], strokeWidth=2).encode(
            longitude="lon:Q", latitude="lat:Q", order="order:Q", detail="region:N"))
    sea = pd.DataFrame([{"lon": 34.0, "lat": 42.6, "label": "Black Sea"}])
    layers.append(alt.Chart(sea).mark_text(fontStyle="italic", color="#4a6f8a",
                                           fontSize=13).encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N"))
    tooltip = ["name:N", "where:N", "nations:N", "units:Q",
               alt.Tooltip("personnel:Q", format=",.0f"), "detail:N"]
    missions = shown[shown["kind"] == "mission"]
    if len(missions):
        layers.append(alt.Chart(missions).mark_circle(opacity=0.85, stroke="white").encode(
            longitude="lon:Q", latitude="lat:Q",
            size=alt.Size("personnel:Q", title=f"personnel ({phase})",
                          scale=alt.Scale(range=[60, 900])),
            color=alt.Color("name:N", title="mission line",
                            scale=alt.Scale(scheme="tableau10")),
            tooltip=tooltip,
        ))
    flank = shown[shown["kind"] == "commitment"]
    if len(flank):
        layers.append(alt.Chart(flank).mark_square(size=90, stroke="#333",
                                                   strokeWidth=0.6).encode(
            longitude="lon:Q", latitude="lat:Q",
            fill=alt.Fill("state:N", title="eastern-flank commitment",
                          scale=alt.Scale(domain=list(STATE_COLOURS),
                                          range=list(STATE_COLOURS.values()))),
            tooltip=tooltip,
        ))
    return alt.layer(*layers).resolve_scale(color="independent").project(
        type="conicConformal", rotate=[-28, 0], parallels=[44, 58],
    ).properties(
        width=560, height=520,
        title=alt.TitleParams(
            f"Where the forces sit: mission lines and eastern-flank commitments ({phase})",
            subtitle=["Map data: Natural Earth (public domain); places: data/geo/places.toml. "
                      "Line of contact schematic."],
        ),
    ).configure_view(stroke=None)


def _frame_polygon(steps: int = 24) -> dict[str, Any]:
    """The frame as a GeoJSON polygon (edges densified, so they curve with the projection),
    drawn as the sea under the land."""
    x0, y0, x1, y1 = FRAME
    ring = (
        [(x0 + (x1 - x0) * k / steps, y0) for k in range(steps)]
        + [(x1, y0 + (y1 - y0) * k / steps) for k in range(steps)]
        + [(x1 - (x1 - x0) * k / steps, y1) for k in range(steps)]
        + [(x0, y1 - (y1 - y0) * k / steps) for k in range(steps + 1)]
    )
    # d3-geo wants exterior rings clockwise on the sphere
    return {"type": "Feature", "properties": {"name": "sea"},
            "geometry": {"type": "Polygon", "coordinates": [ring[::-1]]}}
