"""Great-circle distance, the one input of every simulated link's latency."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

__all__ = ["EARTH_RADIUS_KM", "LatLon", "haversine_km"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean radius
LatLon = tuple[float, float]  # degrees: latitude, longitude


def haversine_km(a: LatLon, b: LatLon) -> float:
    """Distance over the Earth's surface; a sphere is close enough for latency (≤ 0.5 % off)."""
    lat1, lon1 = radians(a[0]), radians(a[1])
    lat2, lon2 = radians(b[0]), radians(b[1])
    h = sin((lat2 - lat1) / 2) ** 2 + cos(lat1) * cos(lat2) * sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(min(1.0, sqrt(h)))
