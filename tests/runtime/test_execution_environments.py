"""Worker-process environments: cold then warm, state per environment, timeouts and crashes
contained in one environment, memory limits, throttling, idle reclaim."""

from __future__ import annotations

import asyncio

from edge.runtime.events import EventType
from edge.runtime.runner import FunctionError, invoke
from edge.runtime.testing import origin_request_event, viewer_request_event
from edge.runtime.validation import AcceptedRequest, AcceptedResponse
from tests.runtime.conftest import Deploy


def body_of(result_outcome: object) -> bytes | None:
    assert isinstance(result_outcome, AcceptedResponse), result_outcome
    return result_outcome.body


async def test_cold_start_reports_init_duration_only_on_the_first_invocation(
    deploy: Deploy,
) -> None:
    function = deploy("ok")
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert first.report is not None and first.report.init_duration_ms is not None
    assert second.report is not None and second.report.init_duration_ms is None
    assert "Init Duration: " in first.log
    assert "Init Duration" not in second.log
    reading = function.meter.reading()
    assert (reading.invocations, reading.cold_starts) == (2, 1)


async def test_module_state_persists_across_warm_invocations(deploy: Deploy) -> None:
    function = deploy("counter")
    bodies = [body_of((await invoke(function, viewer_request_event())).outcome) for _ in range(3)]
    assert bodies == [b"1", b"2", b"3"]


async def test_module_state_is_not_shared_between_functions(deploy: Deploy) -> None:
    one, other = deploy("counter", name="counter-a"), deploy("counter", name="counter-b")
    await invoke(one, viewer_request_event())
    await invoke(one, viewer_request_event())
    assert body_of((await invoke(other, viewer_request_event())).outcome) == b"1"


async def test_concurrent_requests_get_their_own_environments(deploy: Deploy) -> None:
    function = deploy("counter")
    results = await asyncio.gather(*(invoke(function, viewer_request_event()) for _ in range(2)))
    assert sorted(body_of(result.outcome) for result in results) == [b"1", b"1"]
    assert function.pool.idle == 2  # type: ignore[attr-defined]


async def test_timeout_kills_only_that_environment_and_the_pool_keeps_serving(
    deploy: Deploy,
) -> None:
    function = deploy("sleeps")
    hanging = asyncio.create_task(invoke(function, viewer_request_event(querystring="60")))
    quick = await invoke(function, viewer_request_event(querystring="0"))
    assert isinstance(quick.outcome, AcceptedRequest)  # served while the other one hangs
    timed_out = await hanging
    assert isinstance(timed_out.outcome, FunctionError)
    assert "Task timed out after 0.50 seconds" in timed_out.outcome.reason
    assert function.pool.idle == 1  # type: ignore[attr-defined]  # the hung one was killed
    again = await invoke(function, viewer_request_event(querystring="0"))
    assert isinstance(again.outcome, AcceptedRequest)
    assert again.report is not None and again.report.init_duration_ms is None  # the warm one


async def test_a_crashed_environment_is_replaced_by_a_cold_one(deploy: Deploy) -> None:
    function = deploy("exits")
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert isinstance(first.outcome, FunctionError) and isinstance(second.outcome, FunctionError)
    assert second.report is not None and second.report.init_duration_ms is not None
    assert "about to exit" in second.log  # output printed before sys.exit is kept


async def test_memory_limit_follows_the_memory_size(deploy: Deploy) -> None:
    small = deploy("memory_hog", name="hog-128")
    large = deploy(
        "memory_hog",
        name="hog-512",
        event_type=EventType.ORIGIN_REQUEST,
        memory_size=512,
        timeout=10.0,
    )
    refused = await invoke(small, viewer_request_event())
    allowed = await invoke(large, origin_request_event())
    assert isinstance(refused.outcome, FunctionError)
    assert "memory size of 128 MB exceeded" in refused.outcome.reason
    assert body_of(allowed.outcome) == str(256 * 1024 * 1024).encode()
    assert allowed.report is not None and allowed.report.max_memory_used_mb >= 256


async def test_the_memory_size_bounds_the_interpreter_and_the_handler_together(
    deploy: Deploy,
) -> None:
    """As on Lambda, the interpreter's own memory counts: 120 MB more does not fit in 128."""
    function = deploy("allocates", name="allocates-128")
    fits = await invoke(function, viewer_request_event(querystring="64"))
    assert body_of(fits.outcome) == str(64 * 1024 * 1024).encode()
    assert fits.report is not None and 64 < fits.report.max_memory_used_mb <= 128
    over = await invoke(function, viewer_request_event(querystring="120"))
    assert isinstance(over.outcome, FunctionError)
    assert "memory size of 128 MB exceeded" in over.outcome.reason
    assert over.report is not None and over.report.max_memory_used_mb == 128


async def test_max_memory_used_is_the_workers_own_whatever_the_nodes(deploy: Deploy) -> None:
    """A worker is forked from the node: what the node holds (its cache) is not the handler's."""
    node_memory = bytearray(300 * 1024 * 1024)  # resident in this process, the node here
    result = await invoke(deploy("ok", name="ok-beside-a-big-node"), viewer_request_event())
    assert isinstance(result.outcome, AcceptedRequest)
    assert result.report is not None and 0 < result.report.max_memory_used_mb < 128
    assert len(node_memory) == 300 * 1024 * 1024


async def test_shared_limit_throttles_across_functions(deploy: Deploy) -> None:
    from edge.runtime.pool import ConcurrencyLimit

    limit = ConcurrencyLimit(1)
    slow = deploy("sleeps", shared_limit=limit, timeout=5.0)
    other = deploy("ok", shared_limit=limit)
    pending = asyncio.create_task(invoke(slow, viewer_request_event(querystring="0.3")))
    while limit.in_flight == 0:
        await asyncio.sleep(0.01)
    throttled = await invoke(other, viewer_request_event())
    assert isinstance(throttled.outcome, FunctionError)
    assert throttled.outcome.reason == "the node is at its concurrency limit of 1"
    assert isinstance((await pending).outcome, AcceptedRequest)
    assert limit.in_flight == 0


async def test_idle_environments_are_reclaimed(deploy: Deploy) -> None:
    function = deploy("counter", idle_timeout=0.05)
    await invoke(function, viewer_request_event())
    for _ in range(500):  # the loop's clock decides; this only bounds the wait
        if function.pool.idle == 0:  # type: ignore[attr-defined]
            break
        await asyncio.sleep(0.01)
    assert function.pool.idle == 0  # type: ignore[attr-defined]
    result = await invoke(function, viewer_request_event())
    assert body_of(result.outcome) == b"1"  # a fresh environment, fresh module state
    assert result.report is not None and result.report.init_duration_ms is not None


async def test_output_is_captured_per_invocation(deploy: Deploy) -> None:
    function = deploy("chatty")
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert "cold start\n" in first.log and "cold start" not in second.log
    assert "hello from chatty\n" in second.log
    assert "[INFO]\t" in second.log and f"\t{second.request_id}\tremaining True\n" in second.log


async def test_context_and_reserved_environment_variables(deploy: Deploy) -> None:
    result = await invoke(deploy("context_echo"), viewer_request_event())
    assert isinstance(result.outcome, AcceptedResponse)
    assert dict(result.outcome.headers) == {
        "X-Arn": "arn:aws:lambda:us-east-1:123456789012:function:context_echo:1",
        "X-Memory": "128",
        "X-Log-Group": "/aws/lambda/us-east-1.context_echo",
        "X-Env-Name": "context_echo",
    }


async def test_module_handler_spec_is_imported_by_name(deploy: Deploy) -> None:
    from edge.runtime.function import EdgeFunction
    from edge.runtime.handler import HandlerSpec
    from edge.runtime.runner import DeployedFunction

    function = DeployedFunction(
        EdgeFunction(
            "by-module",
            HandlerSpec.parse("tests.runtime.handlers.ok"),
            EventType.VIEWER_REQUEST,
        )
    )
    try:
        result = await invoke(function, viewer_request_event("/generated"))
    finally:
        await function.close()
    assert body_of(result.outcome) == b"generated"
