"""What running a handler once can come to, whichever pool ran it.

Pools report failures as values; the runner alone maps them to CloudFront's answers. They are
NamedTuples rather than dataclasses: one is made per invocation, and a tuple is cheaper to build.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, NamedTuple, Protocol

__all__ = ["Cause", "Completed", "Execution", "ExecutionFailed", "Pool", "Throttled"]


class Cause(StrEnum):
    """Why an execution failed, for the log and the meter."""

    EXCEPTION = "Unhandled"  # the handler raised
    TIMEOUT = "Timeout"  # it ran past its timeout (the environment is killed)
    EXIT = "Exit"  # sys.exit, os._exit, a signal: the environment is gone
    OUT_OF_MEMORY = "OutOfMemory"  # it ran past its memory size (the environment is killed)
    MARSHAL = "Marshal"  # the value it returned is not JSON
    INIT = "Init"  # the handler could not be imported


class Completed(NamedTuple):
    """The handler returned `value`: through JSON, as Lambda marshals it, unless `marshalled`
    is False (inline mode), when the runner checks that JSON could carry it."""

    value: Any
    output: str  # print() and logging during the invocation
    duration_ms: float
    max_memory_used_mb: int
    init_duration_ms: float | None = None  # set on a cold start
    marshalled: bool = True
    init_output: str = ""  # what the module printed when imported (cold start), logged before START


class ExecutionFailed(NamedTuple):
    """The handler did not return a value; `error_type` and `message` are Lambda's."""

    cause: Cause
    error_type: str  # e.g. "ValueError", "Runtime.ExitError", "Sandbox.Timedout"
    message: str
    trace: str  # the traceback trimmed to the handler's own frames; "" when there is none
    output: str
    duration_ms: float
    max_memory_used_mb: int
    init_duration_ms: float | None = None
    init_output: str = ""  # as Completed's


class Throttled(NamedTuple):
    """No execution environment was free: the handler never ran."""

    reason: str


Execution = Completed | ExecutionFailed | Throttled


class Pool(Protocol):
    """Execution environments for one function.

    `hands_over_event`: whether `run` gives the handler the event itself, which it may then
    change (inline mode), rather than a copy (a worker gets it through the socket).
    """

    hands_over_event: bool

    async def run(self, event: dict[str, Any], request_id: str) -> Execution: ...

    async def close(self) -> None: ...
