"""The one boundary between the node and edge functions: `invoke`.

It runs the event in the function's pool, validates what came back, logs and meters the
invocation, and maps every way user code can fail to the row of spec §2.4 it belongs to.
Nothing else in the node needs to know how a handler failed: the result says what to answer.
"""

from __future__ import annotations

import itertools
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from edge.runtime import framing
from edge.runtime.events import Trigger
from edge.runtime.execution import Cause, Completed, ExecutionFailed, Pool, Throttled
from edge.runtime.failures import FAILURE_RESPONSES, Failure, FailureResponse
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.inline import InlinePool
from edge.runtime.logs import FunctionLog, Report, error_text, invocation_text
from edge.runtime.metering import FunctionMeter, billed_duration_ms
from edge.runtime.pool import IDLE_TIMEOUT, ConcurrencyLimit, FunctionPool
from edge.runtime.validation import (
    AcceptedRequest,
    AcceptedResponse,
    ValidationError,
    marshals_as_is,
    validate,
)

__all__ = ["DeployedFunction", "FunctionError", "InvocationResult", "invoke"]

Event = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FunctionError:
    """The function failed: the viewer gets `response` (spec §2.4), the error log `reason`."""

    failure: Failure
    reason: str

    @property
    def response(self) -> FailureResponse:
        return FAILURE_RESPONSES[self.failure]


class InvocationResult(NamedTuple):
    """A NamedTuple rather than a dataclass: one is made per invocation."""

    request_id: str  # Lambda's RequestId, as in the log lines
    outcome: AcceptedRequest | AcceptedResponse | FunctionError
    report: Report | None  # None when the request was throttled and nothing ran
    log: str  # what this invocation added to the function's log


class DeployedFunction:
    """A function on this node: its execution environments, its log and its meter."""

    def __init__(
        self,
        function: EdgeFunction,
        *,
        log: FunctionLog | None = None,
        shared_limit: ConcurrencyLimit | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.function = function
        self.pool: Pool = (
            InlinePool(function, shared_limit=shared_limit)
            if function.mode is Mode.INLINE
            else FunctionPool(function, idle_timeout=idle_timeout, shared_limit=shared_limit)
        )
        self.log = log
        self.meter = FunctionMeter(function.memory_size)
        self.clock = clock  # wall time, for the timestamps Lambda writes into the log
        self.in_flight = 0  # executions in its pool now: a retired version waits for them

    async def close(self) -> None:
        await self.pool.close()
        if self.log is not None:
            self.log.close()

    def __repr__(self) -> str:
        return f"<DeployedFunction {self.function.name} ({self.function.event_type}) {self.pool!r}>"


async def invoke(deployed: DeployedFunction, source: Trigger | Event) -> InvocationResult:
    """Run the event `source` builds (or a given event) through the function; every failure
    comes back in the result."""
    function = deployed.function
    pool = deployed.pool
    request_id = _request_id()
    if isinstance(source, dict):  # a given event: the handler never gets the caller's own
        event, original = (framing.copy(source) if pool.hands_over_event else source), source
    else:
        event = source.event()
        original = None if pool.hands_over_event else event  # else built again when needed
    deployed.in_flight += 1
    try:
        execution = await pool.run(event, request_id)
    finally:
        deployed.in_flight -= 1
    if isinstance(execution, Throttled):
        deployed.meter.record(None, Failure.LIMIT_EXCEEDED)
        error = FunctionError(Failure.LIMIT_EXCEEDED, execution.reason)
        return InvocationResult(request_id, error, None, "")

    outcome: AcceptedRequest | AcceptedResponse | FunctionError
    if isinstance(execution, Completed):
        if original is None:
            original = source.event()  # type: ignore[union-attr]  # a trigger: see above
        judged = _judged(function, execution, original, isinstance(source, dict))
        if isinstance(judged, ExecutionFailed):
            execution = judged
        else:
            outcome = judged
    error = ""
    if isinstance(execution, ExecutionFailed):
        reason = f"{execution.error_type}: {execution.message}"
        outcome = FunctionError(Failure.EXECUTION_ERROR, reason)
        error = error_text(execution, request_id, deployed.clock())
    duration_ms = execution.duration_ms
    report = Report(
        request_id,
        duration_ms,
        billed_duration_ms(duration_ms),
        function.memory_size,
        execution.max_memory_used_mb,
        execution.init_duration_ms,
    )
    if isinstance(outcome, FunctionError):
        cause = execution.cause if isinstance(execution, ExecutionFailed) else None
        deployed.meter.record(report, outcome.failure, cause)
    else:
        deployed.meter.record(report)
    text = invocation_text(
        function.version, report, execution.output, error, execution.init_output
    )
    if deployed.log is not None:
        deployed.log.write(text)
    return InvocationResult(request_id, outcome, report, text)


def _judged(
    function: EdgeFunction, execution: Completed, original: Event, given: bool
) -> AcceptedRequest | AcceptedResponse | FunctionError | ExecutionFailed:
    """What becomes of a returned value: validated against the original event, and, when it
    has not been through JSON yet (inline), marshalled, a failure of which comes first (the
    execution failed, as Lambda's runtime would report it)."""
    value = execution.value
    verdict = validate(function.event_type, value, original["Records"][0]["cf"],
                       built_by_node=not given)
    if not execution.marshalled and not marshals_as_is(value, verdict) and \
            (unmarshallable := _marshal_error(value)) is not None:
        return ExecutionFailed(Cause.MARSHAL, "Runtime.MarshalError", unmarshallable, "",
                               *execution[1:5], execution.init_output)
    if isinstance(verdict, ValidationError):
        return FunctionError(Failure.VALIDATION_ERROR, verdict.reason)
    return verdict


def _marshal_error(value: Any) -> str | None:
    """Why Lambda could not marshal `value` as JSON, in a worker's words; None when it could."""
    try:
        framing.dumps(value)
    except (TypeError, ValueError) as error:
        return f"Unable to marshal response: {error}"
    return None


_UUID4_KEEP = ~((0xF000 << 16) | 0xC000) & ((1 << 80) - 1)
_UUID4_SET = (0x4000 << 16) | 0x8000  # version 4, RFC 4122 variant
_LOW_48 = (1 << 48) - 1


class _RequestIds:
    """Lambda's RequestIds: random (version 4) UUIDs, at a fraction of the cost of 128 random
    bits each time.

    80 bits are drawn once per process (again in a forked child); the last 48 are the
    invocation's number through a permutation drawn with them (multiplying by an odd number is
    one-to-one modulo 2**48), so no two repeat and they do not read as a count. `random` is left
    alone: a handler that seeds it in inline mode changes nothing.
    """

    def __init__(self) -> None:
        self.draw()
        os.register_at_fork(after_in_child=self.draw)

    def draw(self) -> None:
        digits = f"{secrets.randbits(80) & _UUID4_KEEP | _UUID4_SET:020x}"
        self._prefix = f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-"
        self._factor = secrets.randbits(48) | 1
        self._offset = secrets.randbits(48)
        self._count = itertools.count()

    def next(self) -> str:
        number = next(self._count) * self._factor + self._offset
        return f"{self._prefix}{number & _LOW_48:012x}"


_request_id = _RequestIds().next
