"""Every way a function fails ends in spec §2.4's status and X-Cache: the table, then each
failure kind run for real through `invoke`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from edge.runtime.failures import FAILURE_RESPONSES, Failure
from edge.runtime.runner import FunctionError, invoke
from edge.runtime.testing import viewer_request_event
from tests.runtime.conftest import Deploy


@pytest.mark.parametrize(
    ("failure", "status", "x_cache", "result_type"),
    [
        (
            Failure.VALIDATION_ERROR,
            502,
            "LambdaValidationError from cloudfront",
            "LambdaValidationError",
        ),
        (
            Failure.EXECUTION_ERROR,
            503,
            "LambdaExecutionError from cloudfront",
            "LambdaExecutionError",
        ),
        (Failure.LIMIT_EXCEEDED, 503, "LambdaLimitExceeded from cloudfront", "LambdaLimitExceeded"),
    ],
)
def test_failure_table_is_spec_2_4(
    failure: Failure, status: int, x_cache: str, result_type: str
) -> None:
    response = FAILURE_RESPONSES[failure]
    assert (response.status, response.x_cache, response.result_type) == (
        status,
        x_cache,
        result_type,
    )


@pytest.mark.parametrize(
    ("handler", "status", "x_cache", "reason"),
    [
        ("exception", 503, "LambdaExecutionError from cloudfront", "ValueError: something broke"),
        (
            "sleeps",
            503,
            "LambdaExecutionError from cloudfront",
            "Sandbox.Timedout: Task timed out after 0.50 seconds",
        ),
        ("loops", 503, "LambdaExecutionError from cloudfront", "Task timed out after 0.50 seconds"),
        (
            "exits",
            503,
            "LambdaExecutionError from cloudfront",
            "Runtime.ExitError: Runtime exited with error: exit status 3",
        ),
        (
            "crashes",
            503,
            "LambdaExecutionError from cloudfront",
            "Runtime exited with error: exit status 7",
        ),
        (
            "memory_hog",
            503,
            "LambdaExecutionError from cloudfront",
            "Runtime.OutOfMemory: memory size of 128 MB exceeded (MemoryError)",
        ),
        (
            "unmarshallable",
            503,
            "LambdaExecutionError from cloudfront",
            "Runtime.MarshalError: Unable to marshal response",
        ),
        (
            "bad_headers",
            502,
            "LambdaValidationError from cloudfront",
            "headers['x-foo'] must be a list of {key, value} objects",
        ),
    ],
)
async def test_each_failure_kind_gets_its_status_and_x_cache(
    deploy: Deploy, handler: str, status: int, x_cache: str, reason: str
) -> None:
    result = await invoke(deploy(handler), viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.response.status == status
    assert result.outcome.response.x_cache == x_cache
    assert reason in result.outcome.reason


async def test_over_the_concurrency_limit_is_limit_exceeded(deploy: Deploy) -> None:
    function = deploy("sleeps", max_concurrency=1, timeout=5.0)
    slow = asyncio.create_task(invoke(function, viewer_request_event(querystring="0.3")))
    while function.pool.busy == 0:
        await asyncio.sleep(0.01)
    throttled = await invoke(function, viewer_request_event(querystring="0"))
    assert isinstance(throttled.outcome, FunctionError)
    assert throttled.outcome.response.status == 503
    assert throttled.outcome.response.x_cache == "LambdaLimitExceeded from cloudfront"
    assert "concurrency limit of 1" in throttled.outcome.reason
    assert throttled.report is None  # it never ran: not billed
    assert not isinstance((await slow).outcome, FunctionError)
    reading = function.meter.reading()
    assert (reading.invocations, reading.errors) == (1, {"LambdaLimitExceeded": 1})


async def test_a_handler_that_does_not_import_is_an_execution_error(
    deploy: Deploy, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text("def handler(event, context)\n    return event\n")
    result = await invoke(deploy(broken), viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.response.x_cache == "LambdaExecutionError from cloudfront"
    assert result.outcome.reason.startswith(
        "Runtime.UserCodeSyntaxError: Syntax error in module 'broken': expected ':'"
    )
    assert 'broken.py" Line 1\n    def handler(event, context)' in result.log
