"""Closest first: which PoP serves a viewer, which regional cache a PoP fetches through."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from edge.geo.distance import LatLon, haversine_km
from edge.geo.latency import LatencyModel

__all__ = ["nearest"]

T = TypeVar("T")

_NO_JITTER = LatencyModel()


def nearest(
    points: Sequence[T],
    location: LatLon,
    key: Callable[[T], LatLon],
    *,
    healthy: Callable[[T], bool] | None = None,
    model: LatencyModel = _NO_JITTER,
) -> list[tuple[T, float]]:
    """The healthy points with their RTT (ms, no jitter) from `location`, lowest first.

    Latency-based routing picks by RTT; without jitter RTT grows with distance, so this is also
    distance order. Equal RTTs keep the order of `points`, so a configured order breaks ties.
    """
    ranked = [
        (point, model.rtt_for_km(haversine_km(location, key(point))))
        for point in points
        if healthy is None or healthy(point)
    ]
    ranked.sort(key=lambda pair: pair[1])
    return ranked
