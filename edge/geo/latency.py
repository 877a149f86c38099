"""Round-trip time of a simulated link, from the distance between its ends (DESIGN.md)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from edge.geo.distance import LatLon, haversine_km

__all__ = ["LatencyModel"]


@dataclass(frozen=True, slots=True)
class LatencyModel:
    """RTT = base + 2 × distance / fibre speed × path inflation + jitter.

    Light in fibre covers about 200 km per ms one way; real paths are longer than the great
    circle (the inflation). Jitter is uniform in [0, jitter_ms) and only drawn from the `rng`
    passed in, so a run without one is exactly reproducible.
    """

    base_ms: float = 2.0
    fibre_km_per_ms: float = 200.0
    inflation: float = 1.5
    jitter_ms: float = 0.0

    def rtt_ms(self, a: LatLon, b: LatLon, rng: random.Random | None = None) -> float:
        return self.rtt_for_km(haversine_km(a, b), rng)

    def rtt_for_km(self, distance_km: float, rng: random.Random | None = None) -> float:
        rtt = self.base_ms + 2 * distance_km / self.fibre_km_per_ms * self.inflation
        if rng is not None and self.jitter_ms > 0:
            rtt += rng.uniform(0, self.jitter_ms)
        return rtt
