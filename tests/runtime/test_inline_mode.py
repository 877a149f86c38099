"""`mode = "inline"`: same results, logs and limits where it can keep them; the handler runs on
the event loop, so a timeout is reported once it returns and invocations never overlap."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from edge.runtime.events import EventConfig, EventType, RequestData, ViewerRequest
from edge.runtime.function import Mode
from edge.runtime.pool import ConcurrencyLimit
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


async def test_inline_timeout_is_reported_after_the_handler_returns(deploy: Deploy) -> None:
    function = deploy("sleeps", mode=Mode.INLINE, timeout=0.2)
    result = await invoke(function, viewer_request_event(querystring="0.3"))
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.response.status == 503
    assert result.outcome.reason == "Sandbox.Timedout: Task timed out after 0.20 seconds"
    assert result.report is not None and result.report.duration_ms >= 300  # the time it took
    after = await invoke(function, viewer_request_event(querystring="0"))
    assert isinstance(after.outcome, AcceptedRequest)
    assert after.report is not None and after.report.init_duration_ms is None  # still loaded


async def test_inline_invocations_run_one_after_another(deploy: Deploy) -> None:
    function = deploy("sleeps", mode=Mode.INLINE, max_concurrency=1, timeout=5.0)
    event = viewer_request_event(querystring="0.05")
    results = await asyncio.gather(*(invoke(function, event) for _ in range(3)))
    assert all(isinstance(result.outcome, AcceptedRequest) for result in results)
    assert function.pool.busy == 0


async def test_inline_is_throttled_by_the_nodes_shared_limit(deploy: Deploy) -> None:
    shared = ConcurrencyLimit(1)
    isolated = deploy("sleeps", name="holds-the-slot", shared_limit=shared, timeout=5.0)
    inline = deploy("ok", mode=Mode.INLINE, shared_limit=shared)
    slow = asyncio.create_task(invoke(isolated, viewer_request_event(querystring="0.3")))
    while shared.in_flight == 0:
        await asyncio.sleep(0.01)
    throttled = await invoke(inline, viewer_request_event())
    assert isinstance(throttled.outcome, FunctionError)
    assert throttled.outcome.reason == "the node is at its concurrency limit of 1"
    assert throttled.report is None
    assert isinstance((await slow).outcome, AcceptedRequest)
    assert isinstance((await invoke(inline, viewer_request_event())).outcome, AcceptedRequest)


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


async def test_inline_handler_changes_its_own_copy_of_the_event(deploy: Deploy) -> None:
    event = viewer_request_event("/page")
    before = json.dumps(event)
    result = await invoke(deploy("ok", mode=Mode.INLINE), event)
    assert isinstance(result.outcome, AcceptedRequest)
    assert json.dumps(event) == before  # the handler added a header to its copy only


TYPE_OF_EVENT_TYPE = """
def handler(event, context):
    event_type = event["Records"][0]["cf"]["config"]["eventType"]
    return {"status": "200", "body": type(event_type).__name__ + " " + event_type}
"""
RETURNS_A_CYCLE = """
def handler(event, context):
    response = {"status": "200"}
    response["self"] = response
    return response
"""


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_str_subclasses_in_the_event_reach_the_handler_as_str(
    deploy: Deploy, tmp_path: Path, mode: Mode
) -> None:
    handler = tmp_path / "type_of_event_type.py"
    handler.write_text(TYPE_OF_EVENT_TYPE)
    event = viewer_request_event()
    event["Records"][0]["cf"]["config"]["eventType"] = EventType.VIEWER_REQUEST  # a StrEnum
    result = await invoke(deploy(handler, mode=mode), event)
    assert isinstance(result.outcome, AcceptedResponse)
    assert result.outcome.body == b"str viewer-request"


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_a_returned_cycle_is_a_marshal_error(
    deploy: Deploy, tmp_path: Path, mode: Mode
) -> None:
    handler = tmp_path / "returns_a_cycle.py"
    handler.write_text(RETURNS_A_CYCLE)
    result = await invoke(deploy(handler, mode=mode), viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.reason == (
        "Runtime.MarshalError: Unable to marshal response: Circular reference detected"
    )


# A node hands an inline handler the event it built for it, and validates against a second build.
TRIGGER = ViewerRequest(
    EventConfig("d111.cloudfront.net", "EDFDVBD6EXAMPLE", "id=="),
    RequestData("203.0.113.178", "GET", "/page", "", (("Host", "d111.cloudfront.net"),)),
)


async def test_changing_the_event_in_place_cannot_change_what_validation_compares_with(
    deploy: Deploy,
) -> None:
    result = await invoke(deploy("drops_host", mode=Mode.INLINE), TRIGGER)
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.reason == "headers['host'] is read-only in viewer-request functions"


async def test_each_invocation_gets_an_event_of_its_own(deploy: Deploy) -> None:
    function = deploy("keeps_events", mode=Mode.INLINE)
    for _ in range(2):
        result = await invoke(function, TRIGGER)
    assert isinstance(result.outcome, AcceptedResponse)
    assert result.outcome.body == b"2 2"  # two events, each changed once: none shared


async def test_a_value_only_equal_to_a_string_is_still_marshalled(deploy: Deploy) -> None:
    result = await invoke(deploy("equal_to_everything", mode=Mode.INLINE), TRIGGER)
    assert isinstance(result.outcome, FunctionError)
    assert result.outcome.reason.startswith("Runtime.MarshalError: Unable to marshal response: ")


@pytest.mark.parametrize(("name", "marshals"), [("plain", True), ("other", False)])
async def test_fields_validation_ignores_must_still_be_json(
    deploy: Deploy, name: str, marshals: bool
) -> None:
    result = await invoke(deploy("extra_fields", name=name, mode=Mode.INLINE), TRIGGER)
    assert isinstance(result.outcome, AcceptedRequest) is marshals, result.outcome
    if not marshals:
        assert isinstance(result.outcome, FunctionError)
        assert "Object of type set is not JSON serializable" in result.outcome.reason
