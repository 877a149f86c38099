"""When requests are sent: an open model (arrivals at a rate, whatever the answers) or a
closed model (a fixed number of users, each waiting for its answer and then thinking).

Every run is bounded by a duration, a number of requests, or both, and stops at whichever comes
first, so a run always ends by itself.

In the open model the send times are fixed in advance, and latency is measured from each
request's scheduled time, not from when the generator got round to sending it: a slow answer
that delays the next sends then shows in their latency instead of vanishing from it
(coordinated omission). Arrivals are Poisson (independent, exponential gaps), optionally
ramping up linearly from 0 to the full rate.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass

from edge.load.errors import LoadInputError

__all__ = ["Bounds", "ClosedModel", "OpenModel"]


@dataclass(frozen=True, slots=True)
class Bounds:
    """How long a run lasts: `duration` seconds and/or `requests` sent, whichever ends first."""

    duration: float | None = None
    requests: int | None = None

    def __post_init__(self) -> None:
        if self.duration is None and self.requests is None:
            raise LoadInputError("a run needs a duration, a number of requests, or both")
        if self.duration is not None and not (0 < self.duration < math.inf):
            raise LoadInputError(f"the duration must be a number of seconds above 0, "
                                 f"got {self.duration}")
        if self.requests is not None and self.requests < 1:
            raise LoadInputError(f"the number of requests must be 1 or more, got {self.requests}")

    def allows(self, sent: int, elapsed: float) -> bool:
        """Whether another request may start, `sent` having started `elapsed` seconds in."""
        return (self.requests is None or sent < self.requests) and \
            (self.duration is None or elapsed < self.duration)


@dataclass(frozen=True, slots=True)
class OpenModel:
    """Poisson arrivals at `rate` per second, ramping up linearly over `ramp_up` seconds.

    During the ramp the rate at time t is rate × t / ramp_up, so the ramp sends half the
    requests the same time at full rate would.
    """

    rate: float
    ramp_up: float = 0.0

    def __post_init__(self) -> None:
        if not (0 < self.rate < math.inf):
            raise LoadInputError(f"the rate must be above 0 requests per second, got {self.rate}")
        if not (0 <= self.ramp_up < math.inf):
            raise LoadInputError(f"the ramp-up must be 0 seconds or more, got {self.ramp_up}")

    def expected_requests(self, seconds: float) -> float:
        """How many arrivals the first `seconds` hold on average (the integral of the rate)."""
        if seconds <= self.ramp_up:
            return self.rate * seconds * seconds / (2 * self.ramp_up) if self.ramp_up else 0.0
        return self.rate * (seconds - self.ramp_up / 2)

    def schedule(self, bounds: Bounds, rng: random.Random) -> Iterator[float]:
        """The send times, in seconds from the start, until the bounds stop them.

        Arrivals of a unit-rate Poisson process, carried through the inverse of
        `expected_requests`, are exactly the arrivals of the ramped process: no thinning, no
        time steps.
        """
        ramp_requests = self.rate * self.ramp_up / 2  # expected_requests(ramp_up)
        expected, sent = 0.0, 0
        while True:
            expected += rng.expovariate(1.0)
            if expected < ramp_requests:
                at = math.sqrt(2 * self.ramp_up * expected / self.rate)
            else:
                at = expected / self.rate + self.ramp_up / 2
            if not bounds.allows(sent, at):
                return
            yield at
            sent += 1


@dataclass(frozen=True, slots=True)
class ClosedModel:
    """`users` virtual users, each sending a request, waiting for the answer, thinking for a
    time drawn uniformly between `think_min` and `think_max` seconds, and again.

    The runner drives the users (only it sees answers arrive); this gives it when each user
    starts (spread evenly over `ramp_up`) and how long each one thinks.
    """

    users: int
    think_min: float = 0.0
    think_max: float = 0.0
    ramp_up: float = 0.0

    def __post_init__(self) -> None:
        if self.users < 1:
            raise LoadInputError(f"a closed model needs 1 user or more, got {self.users}")
        if not (0 <= self.think_min <= self.think_max < math.inf):
            raise LoadInputError(f"think time must go from 0 or more up to a finite maximum, "
                                 f"got {self.think_min} to {self.think_max}")
        if not (0 <= self.ramp_up < math.inf):
            raise LoadInputError(f"the ramp-up must be 0 seconds or more, got {self.ramp_up}")

    def start_times(self) -> list[float]:
        """When each user sends its first request: user i at i × ramp_up / users."""
        return [user * self.ramp_up / self.users for user in range(self.users)]

    def think_time(self, rng: random.Random) -> float:
        """Seconds a user waits after an answer before its next request."""
        return rng.uniform(self.think_min, self.think_max)
