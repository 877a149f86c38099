"""One function association's settings, checked once against Lambda@Edge's quotas (spec §2.3)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from edge.runtime.events import EventType
from edge.runtime.handler import HandlerSpec

__all__ = [
    "DEFAULT_CONCURRENCY",
    "DEFAULT_TIMEOUTS",
    "MAX_MEMORY_SIZES",
    "EdgeFunction",
    "Mode",
]

# §2.3: the default timeout is also the most a trigger allows.
DEFAULT_TIMEOUTS: dict[EventType, float] = {
    EventType.VIEWER_REQUEST: 5.0,
    EventType.VIEWER_RESPONSE: 5.0,
    EventType.ORIGIN_REQUEST: 30.0,
    EventType.ORIGIN_RESPONSE: 30.0,
}
MIN_MEMORY_SIZE = 128
MAX_MEMORY_SIZES: dict[EventType, int] = {
    EventType.VIEWER_REQUEST: 128,
    EventType.VIEWER_RESPONSE: 128,
    EventType.ORIGIN_REQUEST: 10240,
    EventType.ORIGIN_RESPONSE: 10240,
}
DEFAULT_CONCURRENCY = 1000  # §2.3: concurrent executions per Region
_NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # Lambda function names


class Mode(StrEnum):
    """Where the handler runs: its own worker processes, or trusted inside the node."""

    ISOLATED = "isolated"
    INLINE = "inline"


@dataclass(frozen=True, slots=True)
class EdgeFunction:
    """A handler associated with one trigger; `timeout` defaults to the trigger's quota.

    Timeouts may be fractions of a second (Lambda's are whole seconds) so tests stay fast.
    """

    name: str
    handler: HandlerSpec
    event_type: EventType
    memory_size: int = MIN_MEMORY_SIZE  # MB
    timeout: float | None = None  # seconds; None: the trigger's default
    max_concurrency: int = DEFAULT_CONCURRENCY
    mode: Mode = Mode.ISOLATED
    version: str = "1"
    region: str = "us-east-1"  # where this replica runs (`AWS_REGION`): the node deploying it says

    def __post_init__(self) -> None:
        if not _NAME.fullmatch(self.name):
            raise ValueError(
                f"function name {self.name!r}: use 1-64 letters, digits, hyphens or underscores"
            )
        limit = DEFAULT_TIMEOUTS[self.event_type]
        if self.timeout is None:
            object.__setattr__(self, "timeout", limit)
        elif not 0 < self.timeout <= limit:
            raise ValueError(f"timeout {self.timeout:g}: {self.event_type} allows more than 0 "
                             f"and at most {limit:g} s")
        most = MAX_MEMORY_SIZES[self.event_type]
        if not MIN_MEMORY_SIZE <= self.memory_size <= most:
            allowed = f"{most} MB only" if most == MIN_MEMORY_SIZE else \
                f"{MIN_MEMORY_SIZE}-{most} MB"
            raise ValueError(
                f"memory_size {self.memory_size}: {self.event_type} allows {allowed}"
            )
        if self.max_concurrency < 1:
            raise ValueError(f"max_concurrency {self.max_concurrency}: must be at least 1")
