"""What came back: latency percentiles, status and `X-Cache` mixes, hit ratios and throughput,
per viewer region and per PoP, mergeable across worker processes.

Latency goes into a log-linear histogram (HdrHistogram's layout) rather than a list of values:
its size stays fixed however long the run, two workers' histograms add up bucket by bucket to
exactly the histogram of all their values, and it travels to the parent as a small JSON dict.

The histogram's precision: values are kept in whole microseconds; below 256 µs every value has
its own bucket, above it each power of two is cut into 128 equal buckets, so a bucket is at most
1/128 of its lower end wide. A percentile is read as the middle of its bucket (clamped to the
largest value recorded), which puts it within 1/256 (0.4 %) of the exact nearest-rank
percentile of the recorded values, give or take the 0.5 µs of rounding.

Counting rules, as CloudFront reports them: hits are `Hit` and `RefreshHit`, misses are `Miss`;
other `X-Cache` values (errors, responses made by functions, none) are in neither, so the hit
ratio is hits / (hits + misses), and the byte hit ratio the same over response bytes. An error
is a request with no response at all (status 0: refused, reset, timed out) or a 5xx; a 4xx is
an answer. Throughput is counted by the second each request finished in.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Self

__all__ = ["RELATIVE_ERROR", "LatencyHistogram", "LoadStats", "Measurement", "Second", "Tally"]

_SUB_BUCKET_BITS = 7
_SUB_BUCKETS = 1 << _SUB_BUCKET_BITS  # 128: buckets per power of two
RELATIVE_ERROR = 1 / (2 * _SUB_BUCKETS)  # of a percentile read from the histogram
HITS = ("Hit", "RefreshHit")
MISS = "Miss"
NO_X_CACHE = "-"
NO_POP = "-"


@dataclass(frozen=True, slots=True)
class Measurement:
    """One request as the load generator saw it."""

    sent_at: float  # seconds from the start of the run: the scheduled time in the open model
    latency_ms: float  # from `sent_at` to the last byte of the response
    status: int  # 0: no response (connection refused or reset, timeout)
    x_cache: str | None  # the response's X-Cache header, e.g. "Hit from cloudfront"
    bytes: int  # response bytes received, headers included (CloudFront's sc-bytes)
    region: str  # the viewer's region
    pop: str | None  # the PoP that answered (X-Amz-Cf-Pop); None without a response

    @property
    def outcome(self) -> str:
        """X-Cache's first word ("Hit", "Miss", "Error" ...), "-" without the header."""
        return self.x_cache.split(" ", 1)[0] if self.x_cache else NO_X_CACHE

    @property
    def failed(self) -> bool:
        return self.status == 0 or self.status >= 500


def _bucket(microseconds: int) -> int:
    """The bucket of a value: exact below 256, then 128 per power of two."""
    shift = max(0, microseconds.bit_length() - _SUB_BUCKET_BITS - 1)
    return (shift << _SUB_BUCKET_BITS) + (microseconds >> shift)


def _bucket_range(index: int) -> tuple[int, int]:
    """The lowest and highest microsecond values that fall in bucket `index`."""
    if index < 2 * _SUB_BUCKETS:
        return index, index
    shift = (index >> _SUB_BUCKET_BITS) - 1
    mantissa = index - (shift << _SUB_BUCKET_BITS)
    return mantissa << shift, ((mantissa + 1) << shift) - 1


@dataclass(slots=True)
class LatencyHistogram:
    """Latencies in milliseconds, kept as counts per log-linear bucket of microseconds."""

    counts: Counter[int] = field(default_factory=Counter)
    count: int = 0
    total_ms: float = 0.0
    max_us: int = 0

    def record(self, latency_ms: float) -> None:
        microseconds = max(0, round(latency_ms * 1000))
        self.counts[_bucket(microseconds)] += 1
        self.count += 1
        self.total_ms += latency_ms
        self.max_us = max(self.max_us, microseconds)

    def merge(self, other: LatencyHistogram) -> None:
        self.counts.update(other.counts)
        self.count += other.count
        self.total_ms += other.total_ms
        self.max_us = max(self.max_us, other.max_us)

    def percentile(self, fraction: float) -> float:
        """The nearest-rank percentile in ms, within `RELATIVE_ERROR` (0 when empty)."""
        if not self.count:
            return 0.0
        rank = max(1, math.ceil(fraction * self.count))
        seen = 0
        for index in sorted(self.counts):
            seen += self.counts[index]
            if seen >= rank:
                low, high = _bucket_range(index)
                return min((low + high) / 2, self.max_us) / 1000
        raise AssertionError("unreachable: the counts add up to `count`")

    @property
    def max_ms(self) -> float:
        return self.max_us / 1000

    @property
    def mean_ms(self) -> float:
        return self.total_ms / self.count if self.count else 0.0

    def summary(self) -> dict[str, float]:
        """The figures a report shows, in ms."""
        return {
            "p50": self.percentile(0.50), "p90": self.percentile(0.90),
            "p95": self.percentile(0.95), "p99": self.percentile(0.99),
            "max": self.max_ms, "mean": self.mean_ms,
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "buckets": sorted(self.counts.items()),
            "count": self.count,
            "total_ms": self.total_ms,
            "max_us": self.max_us,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(Counter({int(index): int(n) for index, n in data["buckets"]}),
                   data["count"], data["total_ms"], data["max_us"])


@dataclass(slots=True)
class Tally:
    """Everything counted for one group of requests (all, one region, one PoP)."""

    requests: int = 0
    errors: int = 0
    bytes: int = 0
    hit_bytes: int = 0
    miss_bytes: int = 0
    latency: LatencyHistogram = field(default_factory=LatencyHistogram)
    statuses: Counter[int] = field(default_factory=Counter)
    x_cache: Counter[str] = field(default_factory=Counter)  # by outcome: "Hit", "Miss" ...

    def record(self, m: Measurement) -> None:
        outcome = m.outcome
        self.requests += 1
        self.errors += m.failed
        self.bytes += m.bytes
        if outcome in HITS:
            self.hit_bytes += m.bytes
        elif outcome == MISS:
            self.miss_bytes += m.bytes
        self.latency.record(m.latency_ms)
        self.statuses[m.status] += 1
        self.x_cache[outcome] += 1

    def merge(self, other: Tally) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.bytes += other.bytes
        self.hit_bytes += other.hit_bytes
        self.miss_bytes += other.miss_bytes
        self.latency.merge(other.latency)
        self.statuses.update(other.statuses)
        self.x_cache.update(other.x_cache)

    @property
    def hits(self) -> int:
        return sum(self.x_cache[outcome] for outcome in HITS)

    @property
    def hit_ratio(self) -> float | None:
        """Hits / (hits + misses); None when no request was either."""
        looked_up = self.hits + self.x_cache[MISS]
        return self.hits / looked_up if looked_up else None

    @property
    def byte_hit_ratio(self) -> float | None:
        looked_up = self.hit_bytes + self.miss_bytes
        return self.hit_bytes / looked_up if looked_up else None

    def to_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "bytes": self.bytes,
            "hit_bytes": self.hit_bytes,
            "miss_bytes": self.miss_bytes,
            "latency": self.latency.to_json(),
            "statuses": {str(status): n for status, n in sorted(self.statuses.items())},
            "x_cache": dict(sorted(self.x_cache.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(
            data["requests"], data["errors"], data["bytes"], data["hit_bytes"],
            data["miss_bytes"], LatencyHistogram.from_json(data["latency"]),
            Counter({int(status): n for status, n in data["statuses"].items()}),
            Counter(data["x_cache"]),
        )


@dataclass(slots=True)
class Second:
    """What finished in one second of the run: throughput and hit ratio over time."""

    requests: int = 0
    errors: int = 0
    hits: int = 0
    misses: int = 0
    bytes: int = 0

    def record(self, m: Measurement) -> None:
        outcome = m.outcome
        self.requests += 1
        self.errors += m.failed
        self.hits += outcome in HITS
        self.misses += outcome == MISS
        self.bytes += m.bytes

    def merge(self, other: Second) -> None:
        self.requests += other.requests
        self.errors += other.errors
        self.hits += other.hits
        self.misses += other.misses
        self.bytes += other.bytes

    def to_json(self) -> dict[str, int]:
        return {"requests": self.requests, "errors": self.errors, "hits": self.hits,
                "misses": self.misses, "bytes": self.bytes}

    @classmethod
    def from_json(cls, data: dict[str, int]) -> Self:
        return cls(**data)


@dataclass(slots=True)
class LoadStats:
    """A run's (or one worker's) figures: in total, per viewer region, per PoP, per second."""

    total: Tally = field(default_factory=Tally)
    by_region: dict[str, Tally] = field(default_factory=dict)
    by_pop: dict[str, Tally] = field(default_factory=dict)
    timeline: dict[int, Second] = field(default_factory=dict)  # second of the run → counts

    def record(self, m: Measurement) -> None:
        self.total.record(m)
        _group(self.by_region, m.region).record(m)
        _group(self.by_pop, m.pop or NO_POP).record(m)
        second = max(0, math.floor(m.sent_at + m.latency_ms / 1000))
        self.timeline.setdefault(second, Second()).record(m)

    def merge(self, other: LoadStats) -> None:
        """Add another worker's figures: the result is as if one process had seen it all."""
        self.total.merge(other.total)
        for key, tally in other.by_region.items():
            _group(self.by_region, key).merge(tally)
        for key, tally in other.by_pop.items():
            _group(self.by_pop, key).merge(tally)
        for second, counts in other.timeline.items():
            self.timeline.setdefault(second, Second()).merge(counts)

    def to_json(self) -> dict[str, Any]:
        return {
            "total": self.total.to_json(),
            "by_region": {key: t.to_json() for key, t in sorted(self.by_region.items())},
            "by_pop": {key: t.to_json() for key, t in sorted(self.by_pop.items())},
            "timeline": [[second, s.to_json()] for second, s in sorted(self.timeline.items())],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Self:
        return cls(
            Tally.from_json(data["total"]),
            {key: Tally.from_json(t) for key, t in data["by_region"].items()},
            {key: Tally.from_json(t) for key, t in data["by_pop"].items()},
            {int(second): Second.from_json(s) for second, s in data["timeline"]},
        )


def _group(groups: dict[str, Tally], key: str) -> Tally:
    tally = groups.get(key)
    if tally is None:
        tally = groups[key] = Tally()
    return tally
