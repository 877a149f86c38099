"""`mode = "inline"`: same results, logs and limits where it can keep them; a timeout is
reported on time even though the handler's thread runs on."""

from __future__ import annotations

from edge.runtime.function import Mode
from edge.runtime.runner import FunctionError, invoke
from edge.runtime.testing import viewer_request_event
from edge.runtime.validation import AcceptedRequest, AcceptedResponse
from tests.runtime.conftest import Deploy


async def test_inline_continues_with_the_modified_request(deploy: Deploy) -> None:
    result = await invoke(deploy("ok", mode=Mode.INLINE), viewer_request_event())
    assert isinstance(result.outcome, AcceptedRequest)
    assert ("X-Handled-By", "ok") in result.outcome.headers


async def test_inline_cold_then_warm_and_module_state(deploy: Deploy) -> None:
    function = deploy("counter", name="inline-counter", mode=Mode.INLINE)
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert isinstance(second.outcome, AcceptedResponse) and second.outcome.body == b"2"
    assert first.report is not None and first.report.init_duration_ms is not None
    assert second.report is not None and second.report.init_duration_ms is None
    assert "Max Memory Used: 0 MB" in second.log  # not measured inline


async def test_inline_state_is_per_function_for_file_handlers(deploy: Deploy) -> None:
    one = deploy("counter", name="inline-a", mode=Mode.INLINE)
    other = deploy("counter", name="inline-b", mode=Mode.INLINE)
    await invoke(one, viewer_request_event())
    result = await invoke(other, viewer_request_event())
    assert isinstance(result.outcome, AcceptedResponse) and result.outcome.body == b"1"


async def test_inline_timeout_is_reported_though_the_code_runs_on(deploy: Deploy) -> None:
    function = deploy("sleeps", mode=Mode.INLINE, timeout=0.2)
    result = await invoke(function, viewer_request_event(querystring="0.6"))
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.response.status == 503
    assert "Task timed out after 0.20 seconds" in result.outcome.reason
    assert function.pool.busy == 1  # the thread still holds its slot


async def test_inline_sys_exit_is_an_execution_error_not_an_exit(deploy: Deploy) -> None:
    result = await invoke(deploy("exits", mode=Mode.INLINE), viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.reason == "Runtime.ExitError: Runtime exited with error: exit status 3"
    assert "about to exit\n" in result.log


async def test_inline_exception_and_validation_error(deploy: Deploy) -> None:
    raised = await invoke(deploy("exception", mode=Mode.INLINE), viewer_request_event())
    invalid = await invoke(deploy("bad_headers", mode=Mode.INLINE), viewer_request_event())
    assert isinstance(raised.outcome, FunctionError) and raised.outcome.response.status == 503
    assert 'exception.py", line 6, in helper' in raised.log
    assert "edge/runtime" not in raised.log  # the traceback is trimmed to the user's frames
    assert isinstance(invalid.outcome, FunctionError) and invalid.outcome.response.status == 502


async def test_inline_output_is_captured_per_invocation(deploy: Deploy) -> None:
    function = deploy("chatty", name="inline-chatty", mode=Mode.INLINE)
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert "cold start\n" in first.log and "cold start" not in second.log
    assert "hello from inline-chatty\n" in second.log
    assert f"\t{second.request_id}\tremaining True\n" in second.log


async def test_inline_marshals_the_return_value_as_json(deploy: Deploy) -> None:
    result = await invoke(deploy("unmarshallable", mode=Mode.INLINE), viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert "Runtime.MarshalError" in result.outcome.reason
