"""Build src/forceplan/data/geo/eastern-europe.geojson from Natural Earth (run once, by hand).

Input: countries-50m.json of the npm package world-atlas 2.0.2, a TopoJSON
redistribution of Natural Earth 1:50m Admin 0 countries, version 4.1.0
(public domain). Output: the countries that fall within the map's frame,
clipped to it and simplified, as small GeoJSON. Needs shapely (a tool of
this script only; forceplan does not depend on it). Usage:

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/make_map_geometry.py package/countries-50m.json

Natural Earth 4.1.0 draws Crimea as part of Russia (its de facto view);
this map shows Ukraine's internationally recognised borders, so the
Crimean peninsula (and Sevastopol) is moved to Ukraine here.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from shapely.geometry import box, mapping, shape
from shapely.ops import unary_union

FRAME = (12.0, 39.5, 46.5, 60.5)  # lon/lat: Ukraine, its neighbours, the Black Sea, the Baltic
#: the Crimean peninsula, north to the Perekop isthmus; the Kerch strait is its east edge
CRIMEA = box(32.4, 44.3, 36.65, 46.2)
TOLERANCE = 0.02  # degrees (about 2 km): small enough for a page-sized map
OUT = Path(__file__).resolve().parents[1] / "src/forceplan/data/geo/eastern-europe.geojson"


def decode(topology: dict) -> list[tuple[str, dict]]:
    """(name, GeoJSON geometry) of every country of a quantized TopoJSON topology."""
    sx, sy = topology["transform"]["scale"]
    tx, ty = topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)

    def ring(indexes: list[int]) -> list[tuple[float, float]]:
        out: list[tuple[float, float]] = []
        for i in indexes:
            points = arcs[i] if i >= 0 else arcs[~i][::-1]
            out.extend(points if not out else points[1:])
        return out

    found = []
    for g in topology["objects"]["countries"]["geometries"]:
        if g["type"] == "Polygon":
            geometry = {"type": "Polygon", "coordinates": [ring(r) for r in g["arcs"]]}
        elif g["type"] == "MultiPolygon":
            geometry = {"type": "MultiPolygon",
                        "coordinates": [[ring(r) for r in p] for p in g["arcs"]]}
        else:
            continue
        found.append((g["properties"]["name"], geometry))
    return found


def main(path: str) -> None:
    frame = box(*FRAME)
    shapes = {name: shape(geom).buffer(0) for name, geom in decode(json.loads(Path(path).read_text()))}
    crimea = shapes["Russia"].intersection(CRIMEA)
    shapes["Russia"] = shapes["Russia"].difference(CRIMEA)
    shapes["Ukraine"] = unary_union([shapes["Ukraine"], crimea])
    features = []
    for name, geom in sorted(shapes.items()):
        clipped = geom.intersection(frame)
        if clipped.is_empty or clipped.area < 0.01:
            continue
        simple = clipped.simplify(TOLERANCE, preserve_topology=True)
        rounded = json.loads(json.dumps(mapping(simple)), parse_float=lambda s: round(float(s), 3))
        features.append({"type": "Feature", "properties": {"name": name}, "geometry": rounded})
    doc = {
        "type": "FeatureCollection",
        "attribution": "Made with Natural Earth (public domain): 1:50m Admin 0 countries, "
        "version 4.1.0, via the world-atlas 2.0.2 TopoJSON; clipped to "
        f"{FRAME}, simplified to {TOLERANCE} degrees, Crimea shown as part of Ukraine.",
        "features": features,
    }
    OUT.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {OUT} ({OUT.stat().st_size / 1000:.0f} kB, {len(features)} countries)")


if __name__ == "__main__":
    main(sys.argv[1])
