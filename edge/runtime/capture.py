"""print() and logging output of the invocation running in this context, as Lambda logs it.

`sys.stdout`, `sys.stderr` and a root logging handler are replaced once per process by
routers that write to the current invocation's `Capture` (a context variable), and to the
original stream when no invocation is running. Logging lines take the Lambda Python runtime's
format: `[LEVEL]<TAB>timestamp<TAB>request id<TAB>message`.
"""

from __future__ import annotations

import io
import logging
import sys
import time
from collections.abc import Callable
from contextvars import ContextVar
from typing import TextIO

__all__ = ["Capture", "current", "install"]


class Capture:
    """One invocation's output; with a `sink`, every complete line is handed on at once."""

    __slots__ = ("_parts", "_sink", "request_id")

    def __init__(self, request_id: str, sink: Callable[[str], None] | None = None) -> None:
        self.request_id = request_id
        self._parts: list[str] = []
        self._sink = sink

    def write(self, text: str) -> None:
        self._parts.append(text)
        if self._sink is not None and "\n" in text:
            self.flush()

    def flush(self) -> None:
        if self._sink is not None and self._parts:
            self._sink("".join(self._parts))
            self._parts.clear()

    def text(self) -> str:
        return "".join(self._parts)


current: ContextVar[Capture | None] = ContextVar("edge_function_output", default=None)


class _Router(io.TextIOBase):
    def __init__(self, fallback: TextIO) -> None:
        self._fallback = fallback

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        capture = current.get()
        if capture is None:
            return self._fallback.write(text)
        capture.write(text)
        return len(text)

    def flush(self) -> None:
        capture = current.get()
        if capture is None:
            self._fallback.flush()


class _LambdaFormatter(logging.Formatter):
    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
        return f"{stamp}.{int(record.msecs):03d}Z"

    def format(self, record: logging.LogRecord) -> str:
        capture = current.get()
        request_id = capture.request_id if capture is not None else ""
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        return f"[{record.levelname}]\t{self.formatTime(record)}\t{request_id}\t{message}"


class _Handler(logging.Handler):
    """Only invocations' records: the node's own logging is left to the node's handlers."""

    def emit(self, record: logging.LogRecord) -> None:
        capture = current.get()
        if capture is not None:
            capture.write(self.format(record) + "\n")


_HANDLER = _Handler()
_HANDLER.setFormatter(_LambdaFormatter())


def install() -> None:
    """Route this process's stdout, stderr and root logger through `current`.

    Cheap when already done (it runs on every inline invocation), and redone if something (a
    test runner) swapped the streams back.
    """
    if (
        type(sys.stdout) is _Router
        and type(sys.stderr) is _Router
        and _HANDLER in logging.root.handlers
    ):
        return
    if not isinstance(sys.stdout, _Router):
        sys.stdout = _Router(sys.stdout)
    if not isinstance(sys.stderr, _Router):
        sys.stderr = _Router(sys.stderr)
    root = logging.getLogger()
    if _HANDLER not in root.handlers:
        root.addHandler(_HANDLER)
