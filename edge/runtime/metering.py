"""What a function's invocations would cost on Lambda@Edge (spec §7.1): pure arithmetic.

Duration is billed per millisecond, rounded up; GB-seconds are the memory size in GB (MB/1024)
times the billed seconds. Throttled requests never ran: they count as errors, not invocations.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from edge.runtime.execution import Cause
from edge.runtime.failures import Failure
from edge.runtime.logs import Report

__all__ = [
    "PRICE_PER_GB_SECOND",
    "PRICE_PER_REQUEST",
    "FunctionMeter",
    "MeterReading",
    "billed_duration_ms",
    "cost_usd",
    "gb_seconds",
    "percentile",
]

PRICE_PER_REQUEST = 0.60 / 1_000_000  # USD, §7.1
PRICE_PER_GB_SECOND = 0.00005001  # USD, §7.1


def billed_duration_ms(duration_ms: float) -> int:
    """Lambda bills each started millisecond, and at least one."""
    return max(1, math.ceil(duration_ms))


def gb_seconds(memory_size_mb: int, billed_ms: int) -> float:
    return memory_size_mb / 1024 * billed_ms / 1000


def cost_usd(invocations: int, gb_s: float) -> float:
    return invocations * PRICE_PER_REQUEST + gb_s * PRICE_PER_GB_SECOND


def percentile(counts: Counter[int], fraction: float) -> int:
    """The nearest-rank percentile of a histogram of values (0 when it is empty)."""
    total = counts.total()
    if not total:
        return 0
    rank = max(1, math.ceil(fraction * total))
    seen = 0
    for value in sorted(counts):
        seen += counts[value]
        if seen >= rank:
            return value
    raise AssertionError("unreachable: the ranks add up to the total")


@dataclass(frozen=True, slots=True)
class MeterReading:
    """One function's totals since it was deployed on this node."""

    invocations: int
    cold_starts: int
    errors: dict[str, int]  # by Failure: LambdaValidationError, LambdaExecutionError, ...
    execution_errors: dict[str, int]  # by Cause: Unhandled, Timeout, Exit, ...
    duration_p50_ms: float
    duration_p90_ms: float
    duration_p99_ms: float
    duration_max_ms: float
    billed_duration_ms: int
    gb_seconds: float
    cost_usd: float


class FunctionMeter:
    """Counts invocations; durations are kept as a histogram in microseconds."""

    def __init__(self, memory_size_mb: int) -> None:
        self.memory_size_mb = memory_size_mb
        self._invocations = 0
        self._cold_starts = 0
        self._errors: Counter[str] = Counter()
        self._execution_errors: Counter[str] = Counter()
        self._durations_us: Counter[int] = Counter()
        self._billed_ms = 0

    def record(
        self, report: Report | None, failure: Failure | None = None, cause: Cause | None = None
    ) -> None:
        """One request: `report` is None when it was throttled and never ran."""
        if failure is not None:
            self._errors[failure.value] += 1
        if cause is not None:
            self._execution_errors[cause.value] += 1
        if report is None:
            return
        self._invocations += 1
        self._cold_starts += report.init_duration_ms is not None
        durations, us = self._durations_us, round(report.duration_ms * 1000)
        durations[us] = durations.get(us, 0) + 1  # not `+= 1`: no Counter.__missing__ call
        self._billed_ms += report.billed_duration_ms

    def reading(self) -> MeterReading:
        gb_s = gb_seconds(self.memory_size_mb, self._billed_ms)
        durations = self._durations_us
        return MeterReading(
            invocations=self._invocations,
            cold_starts=self._cold_starts,
            errors=dict(self._errors),
            execution_errors=dict(self._execution_errors),
            duration_p50_ms=percentile(durations, 0.50) / 1000,
            duration_p90_ms=percentile(durations, 0.90) / 1000,
            duration_p99_ms=percentile(durations, 0.99) / 1000,
            duration_max_ms=max(durations, default=0) / 1000,
            billed_duration_ms=self._billed_ms,
            gb_seconds=gb_s,
            cost_usd=cost_usd(self._invocations, gb_s),
        )
