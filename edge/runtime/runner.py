"""The one boundary between the node and edge functions: `invoke`.

It runs the event in the function's pool, validates what came back, logs and meters the
invocation, and maps every way user code can fail to the row of spec §2.4 it belongs to.
Nothing else in the node needs to know how a handler failed: the result says what to answer.
"""

from __future__ import annotations

import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from edge.runtime.execution import Completed, Pool, Throttled
from edge.runtime.failures import FAILURE_RESPONSES, Failure, FailureResponse
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.inline import InlinePool
from edge.runtime.logs import FunctionLog, Report, error_text, invocation_text
from edge.runtime.metering import FunctionMeter, billed_duration_ms
from edge.runtime.pool import IDLE_TIMEOUT, ConcurrencyLimit, FunctionPool
from edge.runtime.validation import AcceptedRequest, AcceptedResponse, ValidationError, validate

__all__ = ["DeployedFunction", "FunctionError", "InvocationResult", "invoke"]

# A random (version 4) UUID per invocation, as Lambda's RequestIds are, from a generator of our
# own: a handler that seeds `random` in inline mode must not make request ids repeat.
_ids = random.Random()
os.register_at_fork(after_in_child=_ids.seed)
_UUID4_KEEP = ~((0xF000 << 64) | (0xC000 << 48)) & ((1 << 128) - 1)
_UUID4_SET = (0x4000 << 64) | (0x8000 << 48)  # version 4, RFC 4122 variant


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

    async def close(self) -> None:
        await self.pool.close()
        if self.log is not None:
            self.log.close()

    def __repr__(self) -> str:
        return f"<DeployedFunction {self.function.name} ({self.function.event_type}) {self.pool!r}>"


async def invoke(deployed: DeployedFunction, event: dict[str, Any]) -> InvocationResult:
    """Run `event` through the function; every failure comes back in the result."""
    function = deployed.function
    request_id = _request_id()
    execution = await deployed.pool.run(event, request_id)
    if isinstance(execution, Throttled):
        deployed.meter.record(None, Failure.LIMIT_EXCEEDED)
        error = FunctionError(Failure.LIMIT_EXCEEDED, execution.reason)
        return InvocationResult(request_id, error, None, "")

    duration_ms = execution.duration_ms
    report = Report(
        request_id,
        duration_ms,
        billed_duration_ms(duration_ms),
        function.memory_size,
        execution.max_memory_used_mb,
        execution.init_duration_ms,
    )
    outcome: AcceptedRequest | AcceptedResponse | FunctionError
    if isinstance(execution, Completed):
        verdict = validate(function.event_type, execution.value, event["Records"][0]["cf"])
        if isinstance(verdict, ValidationError):
            outcome = FunctionError(Failure.VALIDATION_ERROR, verdict.reason)
            deployed.meter.record(report, Failure.VALIDATION_ERROR)
        else:
            outcome = verdict
            deployed.meter.record(report)
        error = ""
    else:
        reason = f"{execution.error_type}: {execution.message}"
        outcome = FunctionError(Failure.EXECUTION_ERROR, reason)
        error = error_text(execution, request_id, deployed.clock())
        deployed.meter.record(report, Failure.EXECUTION_ERROR, execution.cause)
    text = invocation_text(function.version, report, execution.output, error)
    if deployed.log is not None:
        deployed.log.write(text)
    return InvocationResult(request_id, outcome, report, text)


def _request_id() -> str:
    digits = f"{_ids.getrandbits(128) & _UUID4_KEEP | _UUID4_SET:032x}"
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
