"""One execution environment: a worker process that imported the handler once (cold start),
then serves one event at a time (warm) until it times out, dies or is reclaimed.

The node talks to it over a Unix socket pair with `framing`'s frames, read by an asyncio
protocol so a warm invocation costs one write and one wake-up. Timeouts are enforced by
killing the process: nothing the handler does can outlive its environment.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from edge.runtime.changes import patched
from edge.runtime.execution import Cause, Completed, ExecutionFailed
from edge.runtime.framing import pack_for_worker, unpack
from edge.runtime.function import EdgeFunction
from edge.runtime.memory import peak_mb

__all__ = ["INIT_TIMEOUT", "Environment"]

INIT_TIMEOUT = 10.0  # seconds; Lambda's limit on the init phase
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # so the worker finds `edge`
_TIMED_OUT = object()
_RETURNED = frozenset({"patch", "return"})  # the replies of a handler that returned a value


class _Channel(asyncio.Protocol):
    """Frames from the worker: output is collected, the one awaited reply resolves `waiter`.

    It keeps its loop: `asyncio.get_running_loop()` asks the kernel for the process id each
    time, a system call the warm path can do without."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.output: list[str] = []
        self.waiter: asyncio.Future[Any] | None = None
        self._buffer = bytearray()

    def data_received(self, data: bytes) -> None:
        for message in unpack(self._buffer, data):
            if message[0] == "output":
                self.output.append(message[1])
            elif self.waiter is not None and not self.waiter.done():
                self.waiter.set_result(message)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)  # the worker is gone

    def request(self, message: Any) -> asyncio.Future[Any]:
        assert self.transport is not None
        self.waiter = self.loop.create_future()
        self.output = []
        self.transport.write(pack_for_worker(message))
        return self.waiter


class Environment:
    """A started worker; `start` answers an `ExecutionFailed` when the handler cannot load."""

    def __init__(
        self,
        function: EdgeFunction,
        process: asyncio.subprocess.Process,
        channel: _Channel,
        init_duration_ms: float,
        init_output: str,
    ) -> None:
        self.function = function
        self._process = process
        self._channel = channel
        self._cold = True
        self._init_duration_ms = init_duration_ms
        self._init_output = init_output
        self._max_memory_used_mb = 0

    @classmethod
    async def start(cls, function: EdgeFunction) -> Environment | ExecutionFailed:
        loop = asyncio.get_running_loop()
        started = loop.time()
        ours, theirs = socket.socketpair()
        channel = _Channel(loop)
        log_stream_name = (
            f"{time.strftime('%Y/%m/%d', time.gmtime())}/[{function.version}]"
            f"{secrets.token_hex(16)}"
        )
        with theirs:
            process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "edge.runtime.worker",
                str(theirs.fileno()),
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                env=_worker_environment(function, log_stream_name),
            )
        # uvloop calls connection_made later and with its own transport class: keep this one.
        channel.transport, _ = await loop.create_unix_connection(lambda: channel, sock=ours)
        settings = {
            "handler": str(function.handler),
            "sys_path": sys.path,
            "function_name": function.name,
            "function_version": function.version,
            "memory_size": function.memory_size,
            "log_stream_name": log_stream_name,
        }
        environment = cls(function, process, channel, 0.0, "")
        reply = await environment._exchange(["init", settings], INIT_TIMEOUT)
        init_ms = (loop.time() - started) * 1000
        output = "".join(channel.output)
        if reply is not None and reply is not _TIMED_OUT and reply[0] == "ready":
            environment._init_duration_ms, environment._init_output = init_ms, output
            environment._max_memory_used_mb = reply[1]  # until an invocation reports its own
            return environment
        memory = 0  # a worker that exited while importing told nothing, and cannot be read
        if reply is _TIMED_OUT:
            memory = _peak_memory_mb(process.pid) or 0  # read before the kill
        elif reply is not None:
            memory = reply[4]
        await environment.kill()
        if reply is _TIMED_OUT:
            error_type, message, trace = (
                "Sandbox.Timedout",
                f"Init timed out after {INIT_TIMEOUT:.2f} seconds",
                "",
            )
        elif reply is None:
            error_type, message, trace = (
                "Runtime.ExitError",
                await environment._exit_message(),
                "",
            )
        else:
            _, error_type, message, trace, _ = reply
        return ExecutionFailed(
            cause=Cause.INIT,
            error_type=error_type,
            message=message,
            trace=trace,
            output="",
            duration_ms=init_ms,
            max_memory_used_mb=memory,
            init_duration_ms=init_ms,
            init_output=output,  # logged before START, as the init phase's
        )

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The loop it was started on, whose clock its pool keeps idle times by."""
        return self._channel.loop

    @property
    def alive(self) -> bool:
        return self._process.returncode is None and not self._channel_closed

    @property
    def _channel_closed(self) -> bool:
        transport = self._channel.transport
        return transport is None or transport.is_closing()

    async def invoke(self, event: dict[str, Any], request_id: str) -> Completed | ExecutionFailed:
        """Run one event; a timeout or a dead worker leaves this environment unusable."""
        timeout = self.function.timeout
        loop = self._channel.loop
        started = loop.time()
        waiter = self._channel.request(["invoke", request_id, time.monotonic() + timeout, event])
        timer = loop.call_later(timeout, _expire, waiter)
        try:
            reply = await waiter
        finally:
            timer.cancel()
        output = "".join(self._channel.output)
        init_ms = None
        init_output = ""
        if self._cold:
            init_ms, self._cold = self._init_duration_ms, False
            init_output, self._init_output = self._init_output, ""
        if reply is not None and reply is not _TIMED_OUT and reply[0] in _RETURNED:
            kind, value, duration_ms, self._max_memory_used_mb = reply
            if kind == "patch":
                value = patched(event, value)
            return Completed(value, output, duration_ms, self._max_memory_used_mb, init_ms,
                             True, init_output)
        if reply is _TIMED_OUT:
            # Lambda reports and bills the timeout itself, whenever the kill lands after it.
            self._max_memory_used_mb = (
                _peak_memory_mb(self._process.pid) or self._max_memory_used_mb
            )  # read before the kill: a reaped process has no /proc entry
            await self.kill()
            message = f"Task timed out after {timeout:.2f} seconds"
            failure = (Cause.TIMEOUT, "Sandbox.Timedout", message, "")
            duration_ms = timeout * 1000
        elif reply is None or reply[0] == "exit":
            # sys.exit's reply carries the worker's peak; os._exit or a signal leaves the last
            # one it reported (the init phase's at least).
            duration_ms = (loop.time() - started) * 1000  # before waiting for the exit status
            if reply is not None:
                self._max_memory_used_mb = reply[1]
            failure = (Cause.EXIT, "Runtime.ExitError", await self._exit_message(), "")
        else:
            _, cause, error_type, message, trace, duration_ms, self._max_memory_used_mb = reply
            failure = (Cause(cause), error_type, message, trace)
            if failure[0] is Cause.OUT_OF_MEMORY:
                await self.kill()
        cause, error_type, message, trace = failure
        return ExecutionFailed(
            cause=cause,
            error_type=error_type,
            message=message,
            trace=trace,
            output=output,
            duration_ms=duration_ms,
            max_memory_used_mb=self._max_memory_used_mb,
            init_duration_ms=init_ms,
            init_output=init_output,
        )

    async def kill(self) -> None:
        """Stop the worker now (SIGKILL: a hung handler gets no say) and reap it."""
        if self._channel.transport is not None:
            self._channel.transport.close()
        if self._process.returncode is None:
            self._process.kill()
        await self._process.wait()

    async def _exchange(self, message: Any, timeout: float) -> Any:
        """Send one frame and wait for the reply: a message, None if the worker died, or
        `_TIMED_OUT`. A timer rather than `wait_for`: it costs less on the warm path."""
        waiter = self._channel.request(message)
        timer = self._channel.loop.call_later(timeout, _expire, waiter)
        try:
            return await waiter
        finally:
            timer.cancel()

    async def _exit_message(self) -> str:
        code = await self._process.wait()
        if code < 0:
            reason = f"signal: {signal.strsignal(-code) or -code}".lower()
        else:
            reason = f"exit status {code}"
        return f"Runtime exited with error: {reason}"

    def __repr__(self) -> str:
        state = "alive" if self.alive else "dead"
        return f"<Environment {self.function.name} pid={self._process.pid} {state}>"


def _peak_memory_mb(pid: int) -> int | None:
    """A live worker's peak (as it reports it itself); None once it has exited."""
    try:
        return peak_mb(pid)
    except OSError:
        return None


def _expire(waiter: asyncio.Future[Any]) -> None:
    if not waiter.done():
        waiter.set_result(_TIMED_OUT)


def _worker_environment(function: EdgeFunction, log_stream_name: str) -> dict[str, str]:
    """Lambda's reserved variables, and nothing of the node's own environment."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": _PACKAGE_ROOT,
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "MALLOC_ARENA_MAX": "2",  # glibc reserves 64 MB of address space per extra arena
        "AWS_REGION": function.region,
        "AWS_DEFAULT_REGION": function.region,
        "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
        "AWS_LAMBDA_FUNCTION_NAME": function.name,
        "AWS_LAMBDA_FUNCTION_VERSION": function.version,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/us-east-1.{function.name}",
        "AWS_LAMBDA_LOG_STREAM_NAME": log_stream_name,
    }
