"""An execution environment's process: import the handler once, then serve one event at a time.

Started as `python -m edge.runtime.worker FD`, FD being its end of a Unix socket pair. The node
sends an init frame (handler, function settings, import path); the worker caps its address
space, imports the handler and answers `ready`, then for each `invoke` frame streams the
handler's output as `output` frames and ends with one `patch` frame (what the handler changed
in the request or response of its event: see `changes`), `return` frame (a value that is
neither) or `error` frame. When the handler calls `sys.exit` the worker sends an `exit` frame
(its peak memory) and exits with its code, as Lambda's runtime does, and the node sees the
environment die. Only the standard library is loaded, to keep cold starts short.
"""

from __future__ import annotations

import os
import resource
import signal
import socket
import sys
import time
from typing import Any

from edge.runtime import capture
from edge.runtime.changes import patch
from edge.runtime.context import context_class
from edge.runtime.framing import copy, dumps, pack, unpack_from_node
from edge.runtime.handler import (
    Exited,
    Handler,
    HandlerSpec,
    InitError,
    Raised,
    Returned,
    call,
    load,
)
from edge.runtime.memory import MB, memory_status, peak_mb


class _Channel:
    """Blocking frames over the socket: the worker has nothing else to do while it waits."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self._buffer = bytearray()

    def receive(self) -> Any:
        """The next message, or None once the node has closed its end."""
        while (message := unpack_from_node(self._buffer)) is None:
            chunk = self._sock.recv(1 << 16)
            if not chunk:
                return None
            self._buffer += chunk
        return message

    def send(self, message: Any) -> None:
        self._sock.sendall(pack(message))

    def send_output(self, text: str) -> None:
        self.send(["output", text])


def main() -> int:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the node's to handle
    channel = _Channel(socket.socket(fileno=int(sys.argv[1])))
    init = channel.receive()
    if init is None:
        return 0
    settings = init[1]
    spec = HandlerSpec.parse(settings["handler"])
    sys.path[:] = settings["sys_path"]
    if spec.path is not None:  # the handler's folder plays Lambda's task root
        sys.path.insert(0, os.path.dirname(os.path.abspath(spec.path)))
    _limit_address_space(settings["memory_size"])
    capture.install()
    token = capture.current.set(capture.Capture("", channel.send_output))
    loaded = load(spec)
    sys.stdout.flush()
    capture.current.reset(token)
    if isinstance(loaded, InitError):
        channel.send(
            ["init_error", loaded.error_type, loaded.message, loaded.trace, peak_mb()]
        )
        return 1
    channel.send(["ready", peak_mb()])
    return _serve(channel, loaded, settings)


def _serve(channel: _Channel, handler: Handler, settings: dict[str, Any]) -> int:
    context_of = context_class(
        function_name=settings["function_name"],
        function_version=settings["function_version"],
        memory_size=settings["memory_size"],
        log_stream_name=settings["log_stream_name"],
    )
    while (message := channel.receive()) is not None:
        _, request_id, deadline, event = message
        original = copy(event)  # what the handler changed is told against it
        output = capture.Capture(request_id, channel.send_output)
        token = capture.current.set(output)
        context = context_of(request_id, deadline)
        started = time.perf_counter()
        outcome = call(handler, event, context)
        duration_ms = (time.perf_counter() - started) * 1000
        output.flush()
        capture.current.reset(token)
        memory = peak_mb()
        match outcome:
            case Returned(value):
                try:
                    dumps(value)  # Lambda marshals the value as JSON: what it cannot carry fails
                except (TypeError, ValueError) as error:
                    channel.send(
                        [
                            "error",
                            "Marshal",
                            "Runtime.MarshalError",
                            f"Unable to marshal response: {error}",
                            "",
                            duration_ms,
                            memory,
                        ]
                    )
                    continue
                change = patch(value, original)
                if change is None:
                    channel.send(["return", value, duration_ms, memory])
                else:
                    channel.send(["patch", change, duration_ms, memory])
            case Raised(error_type, text, trace) as raised if raised.out_of_memory:
                channel.send(
                    [
                        "error",
                        "OutOfMemory",
                        "Runtime.OutOfMemory",
                        f"memory size of {settings['memory_size']} MB exceeded "
                        f"({': '.join(filter(None, (error_type, text)))})",
                        trace,
                        duration_ms,
                        settings["memory_size"],  # all of it, as Lambda reports an OOM
                    ]
                )
                return 1  # Lambda would have killed the environment
            case Raised(error_type, text, trace):
                channel.send(["error", "Unhandled", error_type, text, trace, duration_ms, memory])
            case Exited(code):
                channel.send(["exit", memory])  # its peak, which the node cannot read once it exits
                return code
    return 0


def _limit_address_space(memory_size: int) -> None:
    """Let the process's memory in use reach `memory_size` MB, the interpreter's own included,
    as Lambda counts it (and as `Max Memory Used` reports it).

    The bound is on address space (RLIMIT_AS), which is larger than the memory in use by what the
    interpreter has reserved without touching; that reserve, measured now, is allowed on top. An
    approximation of Lambda's limit: address space reserved later and never touched (thread
    stacks, arenas) counts too, so it errs strict.
    """
    sizes = memory_status("VmSize", "VmRSS")
    limit = memory_size * MB + sizes["VmSize"] - sizes["VmRSS"]
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


if __name__ == "__main__":
    sys.exit(main())
