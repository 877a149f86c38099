"""A rough, printed (never asserted) cost of a warm invocation through `invoke`, isolated and
inline; `bench/` holds the real benchmark. Run with `-s` to see the numbers."""

from __future__ import annotations

import time

import pytest

from edge.runtime.function import Mode
from edge.runtime.runner import invoke
from edge.runtime.testing import viewer_request_event
from edge.runtime.validation import AcceptedRequest
from tests.runtime.conftest import Deploy

ROUNDS = 300


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_warm_invocations_are_accepted_and_their_cost_printed(
    deploy: Deploy, mode: Mode
) -> None:
    function = deploy("ok", name=f"cost-{mode}", mode=mode)
    event = viewer_request_event("/page")
    await invoke(function, event)  # the cold start
    cpu, wall = time.process_time(), time.perf_counter()
    results = [await invoke(function, event) for _ in range(ROUNDS)]
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert all(isinstance(result.outcome, AcceptedRequest) for result in results)
    print(
        f"\n{mode}: {wall / ROUNDS * 1e6:.0f} µs wall, "
        f"{cpu / ROUNDS * 1e6:.0f} µs node CPU per warm invocation"
    )
