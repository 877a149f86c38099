"""Great-circle distances and the RTT model against numbers worked out by hand."""

from __future__ import annotations

import math
import random

import pytest

from edge.geo.distance import EARTH_RADIUS_KM, haversine_km
from edge.geo.latency import LatencyModel

LONDON = (51.5074, -0.1278)
NEW_YORK = (40.7128, -74.0060)
SYDNEY = (-33.8688, 151.2093)
TOKYO = (35.6895, 139.6917)


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        (LONDON, NEW_YORK, 5570.2),
        (TOKYO, SYDNEY, 7826.6),
        (LONDON, LONDON, 0.0),
        ((0.0, 0.0), (0.0, 180.0), math.pi * EARTH_RADIUS_KM),  # half the equator
        ((90.0, 0.0), (-90.0, 0.0), math.pi * EARTH_RADIUS_KM),  # pole to pole
        ((0.0, 0.0), (0.0, 1.0), 2 * math.pi * EARTH_RADIUS_KM / 360),  # one degree
    ],
)
def test_haversine_km(a: tuple[float, float], b: tuple[float, float], km: float) -> None:
    assert haversine_km(a, b) == pytest.approx(km, abs=0.5)
    assert haversine_km(b, a) == pytest.approx(haversine_km(a, b))


def test_rtt_is_base_plus_twice_the_fibre_time_inflated() -> None:
    model = LatencyModel(base_ms=2.0, fibre_km_per_ms=200.0, inflation=1.5)
    # 2 + 2 × 5570.2 / 200 × 1.5 = 85.55
    assert model.rtt_ms(LONDON, NEW_YORK) == pytest.approx(85.55, abs=0.01)
    assert model.rtt_for_km(1000.0) == pytest.approx(17.0)
    assert model.rtt_ms(TOKYO, TOKYO) == 2.0
    assert LatencyModel(base_ms=0.0, inflation=1.0).rtt_for_km(200.0) == pytest.approx(2.0)


def test_jitter_comes_only_from_the_rng_passed_in() -> None:
    model = LatencyModel(base_ms=1.0, jitter_ms=10.0)
    assert model.rtt_for_km(0.0) == 1.0  # no rng: no jitter, exactly reproducible
    draws = [model.rtt_for_km(0.0, random.Random(7)) for _ in range(2)]
    assert draws[0] == draws[1]  # same seed, same jitter
    samples = [model.rtt_for_km(0.0, random.Random(seed)) for seed in range(200)]
    assert all(1.0 <= s < 11.0 for s in samples)
    assert len(set(samples)) > 100
