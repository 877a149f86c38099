"""A function's log in Lambda's format: START, the handler's output, END, REPORT.

Lines are formatted by pure functions, each as one f-string (they run on every invocation);
`FunctionLog` buffers them like the access log does, so the request path does no file I/O, and
keeps the last invocations' text whole, split into lines only when the admin API asks. The
file is named after the function's log group, `/aws/lambda/us-east-1.<name>` (spec §2.4).
"""

from __future__ import annotations

import time
from collections import deque
from pathlib import Path
from typing import NamedTuple, TextIO

from edge.runtime.execution import Cause, ExecutionFailed

__all__ = [
    "FunctionLog",
    "Report",
    "end_line",
    "error_text",
    "invocation_text",
    "log_file_name",
    "report_line",
    "start_line",
    "timestamp",
]

_FLUSH_AT = 64 * 1024  # characters buffered before a write without waiting for flush()
RECENT_LINES = 200  # a function log's last lines, kept for the admin API


class Report(NamedTuple):
    """The numbers of one invocation, as its REPORT line gives them."""

    request_id: str
    duration_ms: float
    billed_duration_ms: int
    memory_size_mb: int
    max_memory_used_mb: int
    init_duration_ms: float | None = None  # cold starts only


def start_line(request_id: str, version: str) -> str:
    return f"START RequestId: {request_id} Version: {version}"


def end_line(request_id: str) -> str:
    return f"END RequestId: {request_id}"


def report_line(report: Report) -> str:
    """Tab-separated, as Lambda writes it."""
    line = (
        f"REPORT RequestId: {report.request_id}\tDuration: {report.duration_ms:.2f} ms\t"
        f"Billed Duration: {report.billed_duration_ms} ms\tMemory Size: {report.memory_size_mb} MB"
        f"\tMax Memory Used: {report.max_memory_used_mb} MB"
    )
    if report.init_duration_ms is None:
        return line
    return f"{line}\tInit Duration: {report.init_duration_ms:.2f} ms"


def error_text(failure: ExecutionFailed, request_id: str, now: float) -> str:
    """What Lambda's runtime logs for a failed invocation, without a final line break."""
    if failure.cause is Cause.TIMEOUT:
        return f"{timestamp(now)} {request_id} {failure.message}"
    if failure.cause in (Cause.EXIT, Cause.OUT_OF_MEMORY):
        return f"RequestId: {request_id} Error: {failure.message}\n{failure.error_type}"
    text = f"[ERROR] {failure.error_type}: {failure.message}"
    if failure.trace:
        text += "\nTraceback (most recent call last):\n" + failure.trace.rstrip("\n")
    return text


def invocation_text(
    version: str, report: Report, output: str, error: str = "", init_output: str = ""
) -> str:
    """The lines one invocation adds to the log, each ending with a line break: what its
    environment's init phase printed (a cold start's `init_output`) comes before START, as on
    Lambda, where the init phase is logged before the first invocation."""
    if output and output[-1] != "\n":
        output += "\n"
    if error:
        output = f"{output}{error}\n"
    request_id = report.request_id
    text = (
        f"{start_line(request_id, version)}\n{output}{end_line(request_id)}\n"
        f"{report_line(report)}\n"
    )
    if init_output:  # cold starts only: the warm path does no more than this test
        if init_output[-1] != "\n":
            init_output += "\n"
        return init_output + text
    return text


def log_file_name(function_name: str) -> str:
    return f"us-east-1.{function_name}.log"


def timestamp(now: float) -> str:
    """Lambda's log time: UTC, milliseconds, a `Z`."""
    whole = int(now)
    milliseconds = int((now - whole) * 1000)
    return f"{time.strftime('%Y-%m-%dT%H:%M:%S', time.gmtime(whole))}.{milliseconds:03d}Z"


class FunctionLog:
    """One function's log file on this node; the node flushes it every second and on exit."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._file: TextIO = path.open("a", encoding="utf-8", newline="\n")
        self._pending: list[str] = []
        self._pending_chars = 0
        # The last RECENT_LINES non-empty writes hold at least the last RECENT_LINES lines.
        self._recent_texts: deque[str] = deque(maxlen=RECENT_LINES)

    @property
    def recent(self) -> list[str]:
        """The log's last lines (at most RECENT_LINES), for the admin API."""
        lines = [line for text in self._recent_texts for line in text.splitlines()]
        return lines[-RECENT_LINES:]

    def write(self, text: str) -> None:
        if self._file.closed:
            raise ValueError("function log is closed")
        if text:
            self._recent_texts.append(text)
        self._pending.append(text)
        self._pending_chars += len(text)
        if self._pending_chars > _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        pending, self._pending, self._pending_chars = self._pending, [], 0
        self._file.write("".join(pending))
        self._file.flush()

    def close(self) -> None:
        if not self._file.closed:
            self.flush()
            self._file.close()
