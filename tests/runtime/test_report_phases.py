"""What the function log says as Lambda says it: a timeout reported and billed as the timeout
itself, the init phase's output before START, and a peak of memory on every REPORT of a worker
(timeouts, exits and failed inits included)."""

from __future__ import annotations

from pathlib import Path

import pytest

from edge.runtime.execution import Cause
from edge.runtime.function import Mode
from edge.runtime.runner import FunctionError, invoke
from edge.runtime.testing import viewer_request_event
from tests.runtime.conftest import Deploy

FAILS_TO_LOAD = 'print("loading")\nraise RuntimeError("no config")\n'


async def test_a_timeout_is_reported_and_billed_as_the_timeout_itself(deploy: Deploy) -> None:
    function = deploy("loops", timeout=0.5)
    result = await invoke(function, viewer_request_event())
    assert isinstance(result.outcome, FunctionError)
    assert result.report is not None
    assert (result.report.duration_ms, result.report.billed_duration_ms) == (500.0, 500)
    assert "\tDuration: 500.00 ms\tBilled Duration: 500 ms\t" in result.log
    reading = function.meter.reading()
    assert reading.billed_duration_ms == 500 and reading.duration_max_ms == 500.0
    assert reading.execution_errors == {Cause.TIMEOUT.value: 1}


async def test_a_timeout_reports_the_killed_workers_peak_memory(deploy: Deploy) -> None:
    result = await invoke(deploy("loops", timeout=0.5), viewer_request_event())
    assert result.report is not None and result.report.max_memory_used_mb > 0
    assert "\tMax Memory Used: 0 MB" not in result.log


@pytest.mark.parametrize("handler", ["exits", "crashes"])  # sys.exit(3), os._exit(7)
async def test_an_exit_reports_the_workers_peak_memory(deploy: Deploy, handler: str) -> None:
    result = await invoke(deploy(handler), viewer_request_event())
    assert isinstance(result.outcome, FunctionError), result.outcome
    assert "Runtime.ExitError" in result.log
    assert result.report is not None and result.report.max_memory_used_mb > 0


async def test_a_failed_init_reports_the_workers_peak_memory(
    deploy: Deploy, tmp_path: Path
) -> None:
    handler = tmp_path / "fails_to_load.py"
    handler.write_text(FAILS_TO_LOAD)
    result = await invoke(deploy(handler), viewer_request_event())
    assert "[ERROR] RuntimeError: no config" in result.log
    assert result.report is not None and result.report.max_memory_used_mb > 0


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_init_output_comes_before_start(deploy: Deploy, mode: Mode) -> None:
    function = deploy("chatty", name=f"chatty-{mode}", mode=mode)
    first = await invoke(function, viewer_request_event())
    second = await invoke(function, viewer_request_event())
    assert first.log.startswith(f"cold start\nSTART RequestId: {first.request_id} Version: 1\n")
    after_start = first.log.split("\n", 2)[2]
    assert after_start.startswith(f"hello from chatty-{mode}\n")
    assert "cold start" not in after_start
    assert second.log.startswith(f"START RequestId: {second.request_id} ")
    assert "cold start" not in second.log


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_a_failed_inits_output_comes_before_start(
    deploy: Deploy, tmp_path: Path, mode: Mode
) -> None:
    handler = tmp_path / "fails_to_load.py"
    handler.write_text(FAILS_TO_LOAD)
    result = await invoke(deploy(handler, mode=mode), viewer_request_event())
    assert result.log.startswith(f"loading\nSTART RequestId: {result.request_id} ")
    assert result.log.count("loading") == 1
    assert "[ERROR] RuntimeError: no config\n" in result.log.split("START", 1)[1]
