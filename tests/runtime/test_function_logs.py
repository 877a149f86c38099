"""Lambda's log format: START, output, END, REPORT; error lines; the buffered log file."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.runtime.execution import Cause, ExecutionFailed
from edge.runtime.logs import (
    FunctionLog,
    Report,
    end_line,
    error_text,
    invocation_text,
    log_file_name,
    report_line,
    start_line,
)

REQUEST_ID = "8f507cfc-example-4697-b07a-ac58fc914c95"
WARM = Report(REQUEST_ID, 2.164, 3, 128, 39)
COLD = Report(REQUEST_ID, 2.164, 3, 128, 39, init_duration_ms=120.954)


def failed(cause: Cause, error_type: str, message: str, trace: str = "") -> ExecutionFailed:
    return ExecutionFailed(cause, error_type, message, trace, "", 1.0, 30)


def test_start_and_end_lines() -> None:
    assert start_line(REQUEST_ID, "3") == f"START RequestId: {REQUEST_ID} Version: 3"
    assert end_line(REQUEST_ID) == f"END RequestId: {REQUEST_ID}"


def test_report_line_warm_and_cold() -> None:
    assert report_line(WARM) == (
        f"REPORT RequestId: {REQUEST_ID}\tDuration: 2.16 ms\tBilled Duration: 3 ms\t"
        "Memory Size: 128 MB\tMax Memory Used: 39 MB"
    )
    assert report_line(COLD).endswith("\tMax Memory Used: 39 MB\tInit Duration: 120.95 ms")


def test_invocation_text_frames_the_output() -> None:
    assert invocation_text("1", WARM, "hello\nno newline") == (
        f"START RequestId: {REQUEST_ID} Version: 1\n"
        "hello\nno newline\n"
        f"END RequestId: {REQUEST_ID}\n"
        f"{report_line(WARM)}\n"
    )


@pytest.mark.parametrize(
    ("failure", "text"),
    [
        (
            failed(Cause.TIMEOUT, "Sandbox.Timedout", "Task timed out after 5.00 seconds"),
            f"2023-11-14T22:13:20.250Z {REQUEST_ID} Task timed out after 5.00 seconds",
        ),
        (
            failed(Cause.EXIT, "Runtime.ExitError", "Runtime exited with error: exit status 3"),
            f"RequestId: {REQUEST_ID} Error: Runtime exited with error: exit status 3\n"
            "Runtime.ExitError",
        ),
        (
            failed(Cause.EXCEPTION, "ValueError", "boom", '  File "h.py", line 2, in handler\n'),
            "[ERROR] ValueError: boom\nTraceback (most recent call last):\n"
            '  File "h.py", line 2, in handler',
        ),
        (
            failed(Cause.MARSHAL, "Runtime.MarshalError", "Unable to marshal response"),
            "[ERROR] Runtime.MarshalError: Unable to marshal response",
        ),
    ],
)
def test_error_text_as_lambdas_runtime_writes_it(failure: ExecutionFailed, text: str) -> None:
    assert error_text(failure, REQUEST_ID, 1_700_000_000.25) == text


def test_function_log_is_buffered_until_flushed(tmp_path: Path) -> None:
    path = tmp_path / "logs" / log_file_name("resize")
    assert path.name == "us-east-1.resize.log"
    log = FunctionLog(path)
    log.write(invocation_text("1", WARM, "hello\n"))
    assert path.read_text() == ""
    log.flush()
    assert path.read_text().splitlines()[1] == "hello"
    log.write("more\n")
    log.close()
    assert path.read_text().endswith("more\n")
    with pytest.raises(ValueError, match="closed"):
        log.write("late\n")
