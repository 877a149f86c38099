"""When requests are sent: Poisson schedules at a rate with a linear ramp-up, bounds that
always end a run, and the closed model's pieces."""

from __future__ import annotations

import math
import random
import statistics

import pytest

from edge.load.arrivals import Bounds, ClosedModel, OpenModel
from edge.load.errors import LoadInputError


def test_poisson_count_and_gaps_at_a_steady_rate() -> None:
    """100/s for 100 s: 10,000 arrivals expected, standard deviation √10,000 = 100; the gaps
    are exponential, so their mean and standard deviation are both 1/100 s."""
    times = list(OpenModel(rate=100).schedule(Bounds(duration=100), random.Random(1)))
    assert abs(len(times) - 10_000) < 400
    gaps = [b - a for a, b in zip([0.0, *times], times, strict=False)]
    assert statistics.fmean(gaps) == pytest.approx(0.01, rel=0.04)
    assert statistics.stdev(gaps) == pytest.approx(0.01, rel=0.06)
    assert times == sorted(times) and times[0] >= 0 and times[-1] < 100


def test_ramp_up_is_linear() -> None:
    """100/s after a 20 s ramp: the rate at t is 5t, so the first 10 s hold 5·10²/2 = 250
    arrivals, the next 10 s 750, and each later 10 s a full 1,000 (deviation √n)."""
    model = OpenModel(rate=100, ramp_up=20)
    times = list(model.schedule(Bounds(duration=40), random.Random(2)))
    per_ten = [sum(1 for t in times if start <= t < start + 10) for start in (0, 10, 20, 30)]
    for count, expected in zip(per_ten, (250, 750, 1000, 1000), strict=True):
        assert abs(count - expected) < 4 * math.sqrt(expected)
    assert abs(len(times) - 3000) < 4 * math.sqrt(3000)


def test_expected_requests_by_hand() -> None:
    model = OpenModel(rate=10, ramp_up=4)
    # During the ramp: 10·t²/(2·4); after it: 10·(t − 2).
    assert [model.expected_requests(t) for t in (0, 2, 4, 10)] == [0, 5, 20, 80]
    assert OpenModel(rate=10).expected_requests(3) == 30


def test_request_bound_stops_the_schedule_exactly() -> None:
    times = list(OpenModel(rate=1000).schedule(Bounds(requests=500), random.Random(3)))
    assert len(times) == 500


def test_the_first_bound_reached_ends_the_run() -> None:
    by_count = list(OpenModel(rate=1000).schedule(Bounds(duration=10, requests=50),
                                                  random.Random(4)))
    by_time = list(OpenModel(rate=10).schedule(Bounds(duration=1, requests=10**9),
                                               random.Random(4)))
    assert len(by_count) == 50 and by_count[-1] < 10
    assert by_time and len(by_time) < 40 and by_time[-1] < 1


def test_every_schedule_ends() -> None:
    rng = random.Random(5)
    for seed in range(200):
        rate, ramp = rng.uniform(0.01, 500), rng.choice([0.0, rng.uniform(0, 5)])
        bounds = rng.choice([Bounds(duration=rng.uniform(0.01, 3)),
                             Bounds(requests=rng.randint(1, 300)),
                             Bounds(duration=rng.uniform(0.01, 3), requests=rng.randint(1, 300))])
        times = list(OpenModel(rate, ramp).schedule(bounds, random.Random(seed)))
        assert bounds.requests is None or len(times) <= bounds.requests
        assert bounds.duration is None or all(t < bounds.duration for t in times)


def test_same_seed_same_schedule() -> None:
    model, bounds = OpenModel(rate=50, ramp_up=2), Bounds(duration=5)
    assert list(model.schedule(bounds, random.Random(8))) == \
        list(model.schedule(bounds, random.Random(8)))


def test_bounds_allow() -> None:
    bounds = Bounds(duration=10, requests=3)
    assert bounds.allows(0, 0.0) and bounds.allows(2, 9.99)
    assert not bounds.allows(3, 1.0) and not bounds.allows(0, 10.0)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Bounds(), "a run needs a duration, a number of requests, or both"),
        (lambda: Bounds(duration=0), "the duration must be a number of seconds above 0"),
        (lambda: Bounds(duration=math.inf), "the duration must be"),
        (lambda: Bounds(duration=math.nan), "the duration must be"),
        (lambda: Bounds(requests=0), "the number of requests must be 1 or more"),
        (lambda: OpenModel(rate=0), "the rate must be above 0"),
        (lambda: OpenModel(rate=math.nan), "the rate must be above 0"),
        (lambda: OpenModel(rate=1, ramp_up=-1), "the ramp-up must be 0 seconds or more"),
        (lambda: ClosedModel(users=0), "a closed model needs 1 user or more"),
        (lambda: ClosedModel(users=1, think_min=2, think_max=1), "think time must go from"),
        (lambda: ClosedModel(users=1, ramp_up=math.inf), "the ramp-up must be"),
    ],
)
def test_bad_schedules(make: object, message: str) -> None:
    with pytest.raises(LoadInputError, match=message):
        make()  # type: ignore[operator]


def test_closed_model_starts_users_evenly_over_the_ramp() -> None:
    assert ClosedModel(users=4, ramp_up=2).start_times() == [0.0, 0.5, 1.0, 1.5]
    assert ClosedModel(users=3).start_times() == [0.0, 0.0, 0.0]


def test_closed_model_think_time() -> None:
    model = ClosedModel(users=10, think_min=1.0, think_max=3.0)
    rng = random.Random(6)
    thoughts = [model.think_time(rng) for _ in range(10_000)]
    assert min(thoughts) >= 1.0 and max(thoughts) <= 3.0
    # Uniform on [1, 3]: mean 2, standard deviation 2/√12 ≈ 0.577 (of the mean: 0.0058).
    assert statistics.fmean(thoughts) == pytest.approx(2.0, abs=0.03)
    assert ClosedModel(users=1).think_time(rng) == 0.0
