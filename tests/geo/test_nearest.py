"""Nearest-first ordering, used for PoP choice and for each PoP's regional cache parent."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from edge.geo.latency import LatencyModel
from edge.geo.nearest import NearestTable, nearest


@dataclass(frozen=True)
class Site:
    name: str
    latitude: float
    longitude: float


SITES = [
    Site("IAD", 38.9445, -77.4558),
    Site("FRA", 50.0379, 8.5622),
    Site("NRT", 35.7720, 140.3929),
    Site("GRU", -23.4356, -46.4731),
    Site("SYD", -33.9399, 151.1753),
    Site("LHR", 51.4700, -0.4543),
]


def position(site: Site) -> tuple[float, float]:
    return (site.latitude, site.longitude)


@pytest.mark.parametrize(
    ("viewer", "order"),
    [
        ((48.8566, 2.3522), ["LHR", "FRA", "IAD"]),  # Paris
        ((40.7128, -74.0060), ["IAD", "LHR", "FRA"]),  # New York
        ((-23.5505, -46.6333), ["GRU", "IAD", "LHR"]),  # São Paulo
        ((-36.8485, 174.7633), ["SYD", "NRT", "GRU"]),  # Auckland
        ((6.5244, 3.3792), ["FRA", "LHR", "GRU"]),  # Lagos
    ],
)
def test_nearest_orders_by_rtt(viewer: tuple[float, float], order: list[str]) -> None:
    ranked = nearest(SITES, viewer, position)
    assert [site.name for site, _ in ranked[:3]] == order
    assert len(ranked) == len(SITES)
    rtts = [rtt for _, rtt in ranked]
    assert rtts == sorted(rtts)


def test_unhealthy_points_are_skipped() -> None:
    paris = (48.8566, 2.3522)
    ranked = nearest(SITES, paris, position, healthy=lambda site: site.name != "LHR")
    assert [site.name for site, _ in ranked[:2]] == ["FRA", "IAD"]
    assert nearest(SITES, paris, position, healthy=lambda site: False) == []


def test_rtt_comes_from_the_model_and_ties_keep_input_order() -> None:
    model = LatencyModel(base_ms=5.0, inflation=1.0)
    twins = [Site("A", 10.0, 10.0), Site("B", 10.0, 10.0)]
    ranked = nearest(twins, (10.0, 10.0), position, model=model)
    assert [(site.name, rtt) for site, rtt in ranked] == [("A", 5.0), ("B", 5.0)]


@pytest.mark.parametrize("viewer", [(48.8566, 2.3522), (-36.8485, 174.7633), (10.0, 10.0)])
def test_a_table_ranks_as_nearest_does_however_often_it_is_asked(
    viewer: tuple[float, float],
) -> None:
    model = LatencyModel(base_ms=3.0, inflation=2.0)
    table = NearestTable(SITES, position, model=model)
    for _ in range(2):
        assert table.ranked(viewer) == nearest(SITES, viewer, position, model=model)
        assert table.closest(viewer) == nearest(SITES, viewer, position, model=model)[0]


def test_a_table_applies_health_at_each_call() -> None:
    paris = (48.8566, 2.3522)
    table = NearestTable(SITES, position)
    down = {"LHR"}
    closest = table.closest(paris, healthy=lambda site: site.name not in down)
    assert closest is not None and closest[0].name == "FRA"
    down.clear()
    closest = table.closest(paris, healthy=lambda site: site.name not in down)
    assert closest is not None and closest[0].name == "LHR"
    assert table.closest(paris, healthy=lambda site: False) is None
