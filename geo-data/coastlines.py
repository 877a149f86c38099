"""Rebuild the dashboard's coastlines: `edge/control/static/land.json` from Natural Earth.

The source is `land-110m.json` of the npm package `world-atlas` (Natural Earth 1:110m land as
TopoJSON). The dashboard draws the land as SVG paths, so it wants plain rings of longitude and
latitude, not TopoJSON's shared, delta-encoded arcs; decoding them here keeps the page free of
a TopoJSON library. Coordinates are kept in tenths of a degree, as integers: finer than a pixel
on a map the width of a screen, and a JSON a fraction of the source's size.

    npm pack world-atlas && tar xzf world-atlas-*.tgz
    python geo-data/coastlines.py package/land-110m.json
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "edge" / "control" / "static" / "land.json"
STEPS_PER_DEGREE = 10  # the output's unit: a tenth of a degree

Point = tuple[float, float]


def decoded_arcs(topology: dict[str, Any]) -> list[list[Point]]:
    """Every arc as absolute (longitude, latitude) points: a quantized topology stores each
    point as the integer step from the one before, scaled and translated by its transform."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(x), float(y)) for x, y, *_ in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def ring(indexes: list[int], arcs: list[list[Point]]) -> list[Point]:
    """A closed ring from its arcs: `~i` is arc `i` backwards, and each arc after the first
    starts where the one before ended, so that shared point is kept once."""
    points: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc[1:] if points else arc)
    return points


def polygons(geometry: dict[str, Any], arcs: list[list[Point]]) -> list[list[list[Point]]]:
    """The polygons (outer ring, then holes) of a Polygon, a MultiPolygon or a collection."""
    kind = geometry["type"]
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons(g, arcs)]
    if kind == "Polygon":
        return [[ring(r, arcs) for r in geometry["arcs"]]]
    if kind == "MultiPolygon":
        return [[ring(r, arcs) for r in polygon] for polygon in geometry["arcs"]]
    return []


def unwrapped(points: list[Point]) -> list[Point]:
    """The ring with longitudes made continuous: a ring that crosses the 180th meridian (the
    east of Russia, Fiji) goes on past ±180 instead of jumping to the other side of the map,
    and one that goes round a pole (Antarctica) is closed along it."""
    out = [points[0]]
    for lon, lat in points[1:]:
        previous = out[-1][0]
        lon += 360 * round((previous - lon) / 360)
        out.append((lon, lat))
    turned = out[-1][0] - out[0][0]
    if abs(turned) > 180:
        pole = 90.0 if sum(lat for _, lat in out) > 0 else -90.0
        out += [(out[-1][0], pole), (out[0][0], pole)]
    return out


def aligned(polygon: list[list[Point]]) -> list[list[Point]]:
    """The polygon's rings moved by whole turns: the outer ring to start its span of longitude
    between -180 and 180, each hole to lie inside that span, as unwrapping each ring on its own
    may leave it one turn away (the Caspian Sea in Eurasia, unwrapped from the east of the
    180th meridian)."""
    def west(ring: list[Point]) -> float:
        return min(lon for lon, _ in ring)

    def moved(ring: list[Point], turns: float) -> list[Point]:
        return [(lon + 360 * turns, lat) for lon, lat in ring]

    outer, *holes = polygon
    outer = moved(outer, -((west(outer) + 180) // 360))
    low = west(outer)
    return [outer, *(moved(hole, -((west(hole) - low) // 360)) for hole in holes)]


def copies(polygon: list[list[Point]]) -> list[list[list[Point]]]:
    """The (aligned) polygon, and a copy one turn west when part of it lies past +180: an
    equirectangular map then draws every piece with no clipping code, and the SVG viewport
    cuts what lies outside."""
    east = max(lon for lon, _ in polygon[0])
    shifts = (0, -360) if east > 180 else (0,)
    return [[[(lon + shift, lat) for lon, lat in ring] for ring in polygon] for shift in shifts]


def rounded(points: list[Point]) -> list[int]:
    """A ring as flat integers (x0, y0, x1, y1, ... in tenths of a degree), less the points
    that rounding made equal to the one before."""
    flat: list[int] = []
    for lon, lat in points:
        x, y = round(lon * STEPS_PER_DEGREE), round(lat * STEPS_PER_DEGREE)
        if flat[-2:] != [x, y]:
            flat += [x, y]
    return flat


def coastlines(topology: dict[str, Any], name: str = "land") -> dict[str, Any]:
    """The land of `topology` for the dashboard: polygons, each a list of rings (the outer
    one, then its holes, which an SVG path with the even-odd rule leaves open). A ring that
    rounding leaves under three points goes."""
    arcs = decoded_arcs(topology)
    out = []
    for polygon in polygons(topology["objects"][name], arcs):
        for copy in copies(aligned([unwrapped(ring) for ring in polygon])):
            rings = [r for r in (rounded(ring) for ring in copy) if len(r) >= 6]
            if rings:
                out.append(rings)
    return {
        "source": "Natural Earth 1:110m land (public domain), via the world-atlas package (ISC)",
        "unit": 1 / STEPS_PER_DEGREE,
        "polygons": out,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path, help="world-atlas's land-110m.json")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    land = coastlines(json.loads(args.source.read_text(encoding="utf-8")))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(land, separators=(",", ":")) + "\n", encoding="utf-8")
    points = sum(len(r) // 2 for polygon in land["polygons"] for r in polygon)
    print(f"{args.out}: {len(land['polygons'])} polygons, {points} points, "
          f"{args.out.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
