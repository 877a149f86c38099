"""The dashboard's coastlines: TopoJSON arcs decoded and joined as world-atlas encodes them, land
that crosses the 180th meridian or goes round a pole drawn without a line across the map, and
the committed `land.json` in the shape the dashboard reads."""

from __future__ import annotations

import importlib.util
import itertools
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "geo-data" / "coastlines.py"
LAND = ROOT / "edge" / "control" / "static" / "land.json"


@pytest.fixture(scope="module")
def coastlines() -> ModuleType:
    spec = importlib.util.spec_from_file_location("geo_coastlines", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def land(geometry: dict[str, Any], arcs: list[Any], transform: Any = None) -> dict[str, Any]:
    topology = {"type": "Topology", "arcs": arcs,
                "objects": {"land": {"type": "GeometryCollection", "geometries": [geometry]}}}
    if transform is not None:
        topology["transform"] = transform
    return topology


def test_quantized_arcs_are_decoded_and_joined_into_rings(coastlines: ModuleType) -> None:
    # Two arcs from (0, 0) to (10, 10): along the bottom and right sides, and along the left
    # and top sides; the square is the first, then the second backwards (~1).
    transform = {"scale": [0.5, 0.5], "translate": [-5, -5]}
    arcs = [[[10, 10], [20, 0], [0, 20]], [[10, 10], [0, 20], [20, 0]]]

    out = coastlines.coastlines(land({"type": "Polygon", "arcs": [[0, ~1]]}, arcs, transform))

    assert out["unit"] == 0.1
    assert out["polygons"] == [[[0, 0, 100, 0, 100, 100, 0, 100, 0, 0]]]


def test_land_across_the_180th_meridian_is_drawn_on_both_sides(
    coastlines: ModuleType,
) -> None:
    arcs = [[[170, 0], [-170, 0], [-170, 10], [170, 10], [170, 0]]]

    out = coastlines.coastlines(land({"type": "MultiPolygon", "arcs": [[[0]]]}, arcs))

    # Continuous longitudes, once past +180 and once past -180: never a jump across the map.
    assert out["polygons"] == [
        [[1700, 0, 1900, 0, 1900, 100, 1700, 100, 1700, 0]],
        [[-1900, 0, -1700, 0, -1700, 100, -1900, 100, -1900, 0]],
    ]


def test_a_ring_round_a_pole_is_closed_along_it(coastlines: ModuleType) -> None:
    arcs = [[[0, -70], [120, -70], [-120, -70], [0, -70]]]

    out = coastlines.coastlines(land({"type": "Polygon", "arcs": [[0]]}, arcs))

    ring = [0, -700, 1200, -700, 2400, -700, 3600, -700, 3600, -900, 0, -900]
    assert out["polygons"] == [[ring], [[x - 3600 * (i % 2 == 0) for i, x in enumerate(ring)]]]


def test_the_committed_land_is_what_the_dashboard_draws() -> None:
    data = json.loads(LAND.read_text(encoding="utf-8"))

    assert "Natural Earth" in data["source"] and data["unit"] == 0.1
    assert 100 < len(data["polygons"]) < 1000
    assert LAND.stat().st_size < 300_000
    for outer, *holes in data["polygons"]:
        west, east = min(outer[0::2]), max(outer[0::2])
        assert west < 1800 and east > -1800  # somewhere on the map
        for ring in (outer, *holes):
            assert len(ring) % 2 == 0 and len(ring) >= 6
            assert all(isinstance(v, int) for v in ring)
            assert west <= min(ring[0::2]) and max(ring[0::2]) <= east  # holes inside
            points = list(zip(ring[0::2], ring[1::2], strict=True))
            assert all(-900 <= lat <= 900 for _, lat in points)
            # Never a line from one side of the map to the other but along a pole
            # (Antarctica's edge, off the map).
            assert all(abs(lon2 - lon1) < 1800 or lat1 == lat2 == -900
                       for (lon1, lat1), (lon2, lat2) in itertools.pairwise(points))
