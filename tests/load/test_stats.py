"""What came back: histogram percentiles within their documented error, merging across
workers, hit ratios and mixes per region and PoP, throughput by the second, JSON round trips."""

from __future__ import annotations

import json
import math
import random

import pytest

from edge.load.stats import (
    RELATIVE_ERROR,
    LatencyHistogram,
    LoadStats,
    Measurement,
    Tally,
    _bucket,
    _bucket_range,
)


def exact_percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def histogram_of(values: list[float]) -> LatencyHistogram:
    histogram = LatencyHistogram()
    for value in values:
        histogram.record(value)
    return histogram


def latencies(seed: int, n: int = 20_000) -> list[float]:
    rng = random.Random(seed)  # ms, a long tail: median 20 ms, a few seconds at most
    return [rng.lognormvariate(math.log(20), 1.0) for _ in range(n)]


def test_buckets_cover_every_microsecond_once() -> None:
    for value in [*range(0, 5000), *range(10**6, 10**6 + 5000), 2**40 + 12345]:
        low, high = _bucket_range(_bucket(value))
        assert low <= value <= high
        assert high - low + 1 <= max(1, low / 128)


def test_small_latencies_are_exact() -> None:
    histogram = histogram_of([0.001, 0.1, 0.255, 0.0])
    assert [histogram.percentile(f) for f in (0.25, 0.5, 0.75, 1.0)] == [0.0, 0.001, 0.1, 0.255]


@pytest.mark.parametrize("fraction", [0.0, 0.5, 0.9, 0.99, 0.999, 1.0])
def test_percentiles_within_the_documented_error(fraction: float) -> None:
    values = latencies(1)
    exact = exact_percentile(values, fraction)
    read = histogram_of(values).percentile(fraction)
    # 1/256 of the value, and half a microsecond of rounding to whole microseconds.
    assert abs(read - exact) <= exact * RELATIVE_ERROR + 0.0005
    assert RELATIVE_ERROR == 1 / 256


def test_max_is_exact_to_the_microsecond() -> None:
    values = latencies(2)
    histogram = histogram_of(values)
    assert histogram.max_ms == round(max(values) * 1000) / 1000
    assert histogram.percentile(1.0) == histogram.max_ms
    assert histogram.mean_ms == pytest.approx(sum(values) / len(values))


def test_merge_of_two_histograms_is_the_histogram_of_the_union() -> None:
    first, second = latencies(3, 5000), latencies(4, 7000)
    merged = histogram_of(first)
    merged.merge(histogram_of(second))
    union = histogram_of(first + second)
    assert (merged.counts, merged.count, merged.max_us) == (union.counts, union.count,
                                                            union.max_us)
    assert merged.total_ms == pytest.approx(union.total_ms)
    assert merged.summary() == pytest.approx(union.summary())


def test_empty_histogram() -> None:
    assert LatencyHistogram().summary() == {"p50": 0, "p90": 0, "p95": 0, "p99": 0, "max": 0,
                                            "mean": 0}


def m(latency_ms: float, x_cache: str | None = "Hit from cloudfront", status: int = 200,
      size: int = 1000, region: str = "Europe", pop: str | None = "FRA56-C1",
      sent_at: float = 0.0) -> Measurement:
    return Measurement(sent_at, latency_ms, status, x_cache, size, region, pop)


MEASUREMENTS = [
    m(10, sent_at=0.2),
    m(20, "RefreshHit from cloudfront", sent_at=0.5),
    m(30, "Miss from cloudfront", size=3000, sent_at=0.995),  # finishes at 1.025 s
    m(5, "LambdaGeneratedResponse from cloudfront", size=200, region="Asia", pop="NRT57-C1",
      sent_at=1.1),
    m(40, "Error from cloudfront", status=502, size=500, region="Asia", pop="NRT57-C1",
      sent_at=1.5),
    m(3000, None, status=0, size=0, region="Asia", pop=None, sent_at=1.9),
    m(8, None, status=404, size=300, region="Asia", pop="NRT57-C1", sent_at=2.0),
]


def stats_of(measurements: list[Measurement]) -> LoadStats:
    stats = LoadStats()
    for measurement in measurements:
        stats.record(measurement)
    return stats


def test_counts_by_hand() -> None:
    stats = stats_of(MEASUREMENTS)
    total = stats.total
    assert total.requests == 7
    assert total.errors == 2  # the 502 and the request that got no response; a 404 is an answer
    assert total.statuses == {200: 4, 502: 1, 0: 1, 404: 1}
    assert total.x_cache == {"Hit": 1, "RefreshHit": 1, "Miss": 1, "LambdaGeneratedResponse": 1,
                             "Error": 1, "-": 2}
    # Hits 2 of the 3 looked up; bytes 2,000 of 5,000 looked up.
    assert total.hit_ratio == pytest.approx(2 / 3)
    assert total.byte_hit_ratio == pytest.approx(0.4)
    assert total.bytes == 6000
    assert stats.by_region["Europe"].hit_ratio == pytest.approx(2 / 3)
    assert stats.by_region["Asia"].hit_ratio is None  # nothing in Asia was a hit or a miss
    assert {key: t.requests for key, t in stats.by_pop.items()} == {
        "FRA56-C1": 3, "NRT57-C1": 3, "-": 1}
    assert stats.by_region["Asia"].latency.max_ms == 3000


def test_throughput_by_the_second_requests_finished_in() -> None:
    timeline = stats_of(MEASUREMENTS).timeline
    # 0.21, 0.52 | 1.025, 1.105, 1.54 | 2.008 | 4.9 (3 s without an answer)
    assert {second: s.requests for second, s in timeline.items()} == {0: 2, 1: 3, 2: 1, 4: 1}
    assert (timeline[1].hits, timeline[1].misses, timeline[1].errors) == (0, 1, 1)
    assert timeline[0].hits == 2 and timeline[0].bytes == 2000


def test_stats_survive_json() -> None:
    stats = stats_of(MEASUREMENTS)
    assert LoadStats.from_json(json.loads(json.dumps(stats.to_json()))) == stats


def test_merged_worker_stats_equal_the_stats_of_all_requests() -> None:
    rng = random.Random(9)
    measurements = [
        m(rng.uniform(1, 500), rng.choice(["Hit from cloudfront", "Miss from cloudfront", None]),
          rng.choice([200, 200, 304, 503]), rng.randint(0, 10_000),
          rng.choice(["Europe", "Asia", "Oceania"]), rng.choice(["FRA56-C1", "SYD62-C1", None]),
          rng.uniform(0, 30))
        for _ in range(3000)
    ]
    merged = LoadStats()
    for worker in (measurements[:1000], measurements[1000:2500], measurements[2500:]):
        merged.merge(LoadStats.from_json(json.loads(json.dumps(stats_of(worker).to_json()))))
    alone = stats_of(measurements)
    assert merged.to_json()["timeline"] == alone.to_json()["timeline"]
    for mine, theirs in [(merged.total, alone.total),
                         *((merged.by_pop[k], alone.by_pop[k]) for k in alone.by_pop),
                         *((merged.by_region[k], alone.by_region[k]) for k in alone.by_region)]:
        assert_same_tally(mine, theirs)


def assert_same_tally(a: Tally, b: Tally) -> None:
    a_json, b_json = a.to_json(), b.to_json()
    a_total, b_total = a_json["latency"].pop("total_ms"), b_json["latency"].pop("total_ms")
    assert a_json == b_json
    assert a_total == pytest.approx(b_total)  # float sums in another order
