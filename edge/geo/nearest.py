"""Closest first: which PoP serves a viewer, which regional cache a PoP fetches through."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from edge.geo.distance import LatLon, haversine_km
from edge.geo.latency import LatencyModel

__all__ = ["NearestTable", "nearest"]

T = TypeVar("T")

_NO_JITTER = LatencyModel()
DEFAULT_CACHE_SIZE = 8192  # more places than the simulated world has cities


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


class NearestTable(Generic[T]):
    """`nearest` over points that stay where they are, remembered per location.

    A viewer's PoP depends on its coordinates alone, and viewers come from far fewer places
    than addresses (all of a simulated city's addresses share its coordinates), while one
    ranking costs a great-circle distance per point. Health changes from one call to the next,
    so it is applied to the remembered ranking rather than kept in it.
    """

    def __init__(
        self,
        points: Sequence[T],
        key: Callable[[T], LatLon],
        *,
        model: LatencyModel = _NO_JITTER,
        cache_size: int = DEFAULT_CACHE_SIZE,
    ) -> None:
        self._points = tuple(points)
        self._positions = tuple(key(point) for point in self._points)
        self._model = model
        self._order = functools.lru_cache(maxsize=cache_size)(self._rank)

    def _rank(self, location: LatLon) -> tuple[tuple[int, float], ...]:
        # Indices rather than points: a tuple of numbers is one the garbage collector soon
        # stops visiting, and a node keeps thousands of these.
        return tuple(nearest(range(len(self._positions)), location, self._positions.__getitem__,
                             model=self._model))

    def ranked(self, location: LatLon) -> list[tuple[T, float]]:
        """Every point with its RTT from `location`, lowest first, as `nearest` orders them."""
        return [(self._points[index], rtt) for index, rtt in self._order(location)]

    def closest(
        self, location: LatLon, healthy: Callable[[T], bool] | None = None
    ) -> tuple[T, float] | None:
        """The nearest healthy point with its RTT; None when no point is healthy."""
        for index, rtt in self._order(location):
            point = self._points[index]
            if healthy is None or healthy(point):
                return point, rtt
        return None
