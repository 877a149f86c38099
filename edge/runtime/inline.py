"""`mode = "inline"`: a trusted handler run inside the node's process, for speed.

The handler is called right on the event loop's thread, as a plain function call: no thread, no
process, no JSON round trip. The handler gets the event itself (the node builds one for it, and
another to validate against), and what it returns must be something JSON could carry, as Lambda
marshals it (the runner checks). Logs and metering are the same as in a worker. What inline mode
no longer enforces:

- timeouts: a handler cannot be stopped. One that runs past its timeout holds up the whole node
  until it returns; then the invocation is reported as `Sandbox.Timedout` (its value dropped),
  with the duration it really took. The handler's module stays loaded: no new cold start follows.
- concurrency: invocations run one after another on the event loop, so a function's own
  concurrency limit is never reached; the node's shared limit still throttles it when other
  functions have used it up.
- memory: no limit at all, and `Max Memory Used` is reported as 0;
- marshalling: the returned value is checked to be JSON-serialisable but not copied through JSON,
  so it reaches validation as the handler built it: a tuple where CloudFront expects a list, or a
  non-string key, fails validation here where a worker would have turned it into JSON's form;
- isolation: the handler shares the node's interpreter: environment variables, working
  directory, signal handlers, `sys.modules` for `module:function` handlers (file handlers are
  imported under a name of their own), and `os._exit` or a crash in C code stops the node.
  `sys.exit` is reported as an execution error instead of exiting. Output printed from
  threads the handler starts itself goes to the node's own stdout.
"""

from __future__ import annotations

import sys
import time
from typing import Any

from edge.runtime import capture
from edge.runtime.context import context_class
from edge.runtime.execution import Cause, Completed, Execution, ExecutionFailed, Throttled
from edge.runtime.function import EdgeFunction
from edge.runtime.handler import Exited, Handler, InitError, Raised, Returned, call, load
from edge.runtime.pool import ConcurrencyLimit

__all__ = ["InlinePool"]


class InlinePool:
    """The inline counterpart of `FunctionPool`: same `run` and `close`, no processes."""

    hands_over_event = True

    def __init__(
        self, function: EdgeFunction, *, shared_limit: ConcurrencyLimit | None = None
    ) -> None:
        self.function = function
        self._shared_limit = shared_limit
        self._module_name = f"_edge_function_{function.name}"
        self._handler: Handler | None = None
        self._init_duration_ms: float | None = None
        self._init_output = ""
        self._timeout_ms = function.timeout * 1000
        day = time.strftime("%Y/%m/%d", time.gmtime())
        self._context = context_class(
            function_name=function.name,
            function_version=function.version,
            memory_size=function.memory_size,
            log_stream_name=f"{day}/[{function.version}]inline",
        )

    @property
    def busy(self) -> int:
        """Always 0 when anyone can look: an invocation runs to its end without yielding."""
        return 0

    async def run(self, event: dict[str, Any], request_id: str) -> Execution:
        function = self.function
        limit = self._shared_limit
        if limit is not None and limit.in_flight >= limit.limit:
            return Throttled(f"the node is at its concurrency limit of {limit.limit}")
        handler = self._handler
        if handler is None:
            loaded = self._load()
            if isinstance(loaded, ExecutionFailed):
                return loaded
            handler = loaded
        output = capture.Capture(request_id)
        context = self._context(request_id, time.monotonic() + function.timeout)
        capture.install()
        token = capture.current.set(output)
        started = time.perf_counter()
        try:
            outcome = call(handler, event, context)
        finally:
            duration_ms = (time.perf_counter() - started) * 1000
            capture.current.reset(token)
        init_ms = self._init_duration_ms
        text = output.text()
        init_output = ""
        if init_ms is not None:
            self._init_duration_ms = None
            init_output, self._init_output = self._init_output, ""
        if duration_ms > self._timeout_ms:
            return ExecutionFailed(
                Cause.TIMEOUT,
                "Sandbox.Timedout",
                f"Task timed out after {function.timeout:.2f} seconds",
                "",
                text,
                duration_ms,
                0,
                init_ms,
                init_output,
            )
        if type(outcome) is Returned:  # the common case first, without a match
            return Completed(outcome.value, text, duration_ms, 0, init_ms, False, init_output)
        match outcome:
            case Raised(error_type, message, trace):
                cause = Cause.OUT_OF_MEMORY if outcome.out_of_memory else Cause.EXCEPTION
            case Exited(code):
                cause, error_type, trace = Cause.EXIT, "Runtime.ExitError", ""
                message = f"Runtime exited with error: exit status {code}"
        return ExecutionFailed(
            cause, error_type, message, trace, text, duration_ms, 0, init_ms, init_output
        )

    def _load(self) -> Handler | ExecutionFailed:
        output = capture.Capture("")
        capture.install()
        token = capture.current.set(output)
        started = time.perf_counter()
        try:
            loaded = load(self.function.handler, self._module_name)
        finally:
            capture.current.reset(token)
        init_ms = (time.perf_counter() - started) * 1000
        if isinstance(loaded, InitError):
            return ExecutionFailed(
                Cause.INIT,
                loaded.error_type,
                loaded.message,
                loaded.trace,
                "",
                init_ms,
                0,
                init_ms,
                output.text(),  # logged before START, as the init phase's
            )
        self._handler, self._init_duration_ms, self._init_output = loaded, init_ms, output.text()
        return loaded

    async def close(self) -> None:
        sys.modules.pop(self._module_name, None)

    def __repr__(self) -> str:
        return f"<InlinePool {self.function.name}>"
