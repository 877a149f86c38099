"""`mode = "inline"`: a trusted handler run inside the node's process, for speed.

Each invocation runs on a daemon thread, with the event and the returned value passed through
JSON as in a worker, and the same timeout, concurrency limit, logs and metering. What inline
mode no longer enforces:

- memory: no limit at all, and `Max Memory Used` is reported as 0;
- timeouts: the error is reported on time, but the handler keeps running on its thread (its
  result is dropped, and it holds a concurrency slot until it returns);
- isolation: the handler shares the node's interpreter: environment variables, working
  directory, signal handlers, `sys.modules` for `module:function` handlers (file handlers are
  imported under a name of their own), and `os._exit` or a crash in C code stops the node.
  `sys.exit` is reported as an execution error instead of exiting. Output printed from
  threads the handler starts itself goes to the node's own stdout.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any

from edge.runtime import capture
from edge.runtime.context import Context
from edge.runtime.execution import Cause, Completed, Execution, ExecutionFailed, Throttled
from edge.runtime.function import EdgeFunction
from edge.runtime.handler import Exited, Handler, InitError, Raised, Returned, call, load
from edge.runtime.pool import ConcurrencyLimit

__all__ = ["InlinePool"]

_TIMED_OUT = object()


class _Threads:
    """Daemon threads, reused, so a handler that never returns cannot hold up the node's exit."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: SimpleQueue[Callable[[], None] | None] = SimpleQueue()
        self._lock = threading.Lock()
        self._idle = 0
        self._started = 0

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            if self._idle:
                self._idle -= 1
            else:
                self._started += 1
                name = f"{self._name}-{self._started}"
                threading.Thread(target=self._work, name=name, daemon=True).start()
        self._jobs.put(job)

    def _work(self) -> None:
        while (job := self._jobs.get()) is not None:
            job()
            with self._lock:
                self._idle += 1

    def close(self) -> None:
        with self._lock:
            for _ in range(self._started):
                self._jobs.put(None)
            self._started = self._idle = 0


class InlinePool:
    """The inline counterpart of `FunctionPool`: same `run` and `close`, no processes."""

    def __init__(
        self, function: EdgeFunction, *, shared_limit: ConcurrencyLimit | None = None
    ) -> None:
        self.function = function
        self._shared_limit = shared_limit
        self._module_name = f"_edge_function_{function.name}"
        self._handler: Handler | None = None
        self._init_duration_ms: float | None = None
        self._init_output = ""
        self._threads = _Threads(f"edge-function-{function.name}")
        self._in_flight = 0
        self._log_stream_name = (
            f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{function.version}]inline"
        )

    @property
    def busy(self) -> int:
        return self._in_flight

    async def run(self, event: dict[str, Any], request_id: str) -> Execution:
        function = self.function
        if self._in_flight >= function.max_concurrency:
            return Throttled(
                f"{function.name} is at its concurrency limit of {function.max_concurrency}"
            )
        if self._shared_limit is not None and not self._shared_limit.try_acquire():
            return Throttled(f"the node is at its concurrency limit of {self._shared_limit.limit}")
        if self._handler is None:
            failed = self._load()
            if failed is not None:
                if self._shared_limit is not None:
                    self._shared_limit.release()
                return failed
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Any] = loop.create_future()
        output = capture.Capture(request_id)
        context = Context(
            function_name=function.name,
            function_version=function.version,
            memory_size=function.memory_size,
            aws_request_id=request_id,
            log_stream_name=self._log_stream_name,
            deadline=time.monotonic() + function.timeout,
        )
        handler = self._handler
        assert handler is not None
        capture.install()

        def job() -> None:
            token = capture.current.set(output)
            try:
                result = _invoke(handler, event, context)
            finally:
                capture.current.reset(token)
            # The loop may have closed while a timed-out handler was still running.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(self._finished, waiter, result)

        self._in_flight += 1
        started = loop.time()
        self._threads.submit(job)
        timer = loop.call_later(function.timeout, _expire, waiter)
        try:
            reply = await waiter
        finally:
            timer.cancel()
        init_ms, self._init_duration_ms = self._init_duration_ms, None
        text, self._init_output = self._init_output + output.text(), ""
        if reply is _TIMED_OUT:
            return ExecutionFailed(
                cause=Cause.TIMEOUT,
                error_type="Sandbox.Timedout",
                message=f"Task timed out after {function.timeout:.2f} seconds",
                trace="",
                output=text,
                duration_ms=(loop.time() - started) * 1000,
                max_memory_used_mb=0,
                init_duration_ms=init_ms,
            )
        outcome, duration_ms = reply
        match outcome:
            case Returned(value):
                return Completed(value, text, duration_ms, 0, init_ms)
            case Raised(error_type, message, trace):
                cause = Cause.OUT_OF_MEMORY if outcome.out_of_memory else Cause.EXCEPTION
            case Exited(code):
                cause, error_type, trace = Cause.EXIT, "Runtime.ExitError", ""
                message = f"Runtime exited with error: exit status {code}"
            case _MarshalError(message):
                cause, error_type, trace = Cause.MARSHAL, "Runtime.MarshalError", ""
        return ExecutionFailed(cause, error_type, message, trace, text, duration_ms, 0, init_ms)

    def _finished(self, waiter: asyncio.Future[Any], result: Any) -> None:
        self._in_flight -= 1
        if self._shared_limit is not None:
            self._shared_limit.release()
        if not waiter.done():
            waiter.set_result(result)

    def _load(self) -> ExecutionFailed | None:
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
                output.text(),
                init_ms,
                0,
                init_ms,
            )
        self._handler, self._init_duration_ms, self._init_output = loaded, init_ms, output.text()
        return None

    async def close(self) -> None:
        """Let idle threads go; a handler still running keeps its (daemon) thread."""
        self._threads.close()
        sys.modules.pop(self._module_name, None)

    def __repr__(self) -> str:
        return f"<InlinePool {self.function.name}: {self._in_flight} busy>"


@dataclass(frozen=True, slots=True)
class _MarshalError:
    message: str


def _invoke(handler: Handler, event: dict[str, Any], context: Context) -> tuple[Any, float]:
    """Runs on a handler thread: the event and the value cross JSON as they would to a worker."""
    copy = json.loads(json.dumps(event))
    started = time.perf_counter()
    outcome = call(handler, copy, context)
    duration_ms = (time.perf_counter() - started) * 1000
    if isinstance(outcome, Returned):
        try:
            outcome = Returned(json.loads(json.dumps(outcome.value)))
        except (TypeError, ValueError) as error:
            return _MarshalError(f"Unable to marshal response: {error}"), duration_ms
    return outcome, duration_ms


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)
