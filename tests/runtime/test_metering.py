"""Lambda@Edge billing arithmetic (spec §7.1) and the per-function meter."""

from __future__ import annotations

from collections import Counter

import pytest

from edge.runtime.execution import Cause
from edge.runtime.failures import Failure
from edge.runtime.logs import Report
from edge.runtime.metering import (
    FunctionMeter,
    billed_duration_ms,
    cost_usd,
    gb_seconds,
    percentile,
)


@pytest.mark.parametrize(
    ("duration", "billed"),
    [(0.0, 1), (0.01, 1), (1.0, 1), (1.0001, 2), (4.2, 5), (5000.0, 5000)],
)
def test_duration_is_billed_per_started_millisecond(duration: float, billed: int) -> None:
    assert billed_duration_ms(duration) == billed


def test_gb_seconds_spec_example() -> None:  # §7.1: 128 MB × 5 ms = 0.000625 GB-s
    assert gb_seconds(128, 5) == pytest.approx(0.000625)
    assert cost_usd(0, 0.000625) == pytest.approx(3.1256e-8)


def test_cost_of_a_million_requests() -> None:  # §7.1: $0.60 per 1M requests
    assert cost_usd(1_000_000, 0) == pytest.approx(0.60)
    assert cost_usd(1_000_000, 1000) == pytest.approx(0.60 + 0.05001)


def test_percentiles_by_nearest_rank() -> None:
    counts = Counter(range(1, 101))
    assert [percentile(counts, p) for p in (0.5, 0.9, 0.99, 1.0)] == [50, 90, 99, 100]
    assert percentile(Counter(), 0.5) == 0


def test_meter_counts_invocations_errors_cold_starts_and_gb_seconds() -> None:
    meter = FunctionMeter(memory_size_mb=256)
    meter.record(Report("a", 10.2, 11, 256, 40, init_duration_ms=150.0))
    meter.record(Report("b", 1.5, 2, 256, 40))
    meter.record(Report("c", 500.0, 500, 256, 40), Failure.EXECUTION_ERROR, Cause.TIMEOUT)
    meter.record(Report("d", 0.4, 1, 256, 40), Failure.VALIDATION_ERROR)
    meter.record(None, Failure.LIMIT_EXCEEDED)  # throttled: never ran
    reading = meter.reading()
    assert reading.invocations == 4
    assert reading.cold_starts == 1
    assert reading.errors == {
        "LambdaExecutionError": 1,
        "LambdaValidationError": 1,
        "LambdaLimitExceeded": 1,
    }
    assert reading.execution_errors == {"Timeout": 1}
    assert reading.billed_duration_ms == 514
    assert reading.gb_seconds == pytest.approx(0.25 * 0.514)
    assert reading.cost_usd == pytest.approx(4 * 0.6e-6 + 0.25 * 0.514 * 0.00005001)
    assert (reading.duration_p50_ms, reading.duration_max_ms) == (1.5, 500.0)
