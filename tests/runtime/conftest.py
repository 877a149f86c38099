"""Fixtures for the edge-function runtime tests: deployed functions closed after each test,
and a check that no worker process outlives the test that started it."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from edge.runtime.events import EventType
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.handler import HandlerSpec
from edge.runtime.pool import IDLE_TIMEOUT, ConcurrencyLimit
from edge.runtime.runner import DeployedFunction

HANDLERS = Path(__file__).parent / "handlers"

Deploy = Callable[..., DeployedFunction]


def handler_spec(name: str) -> HandlerSpec:
    return HandlerSpec.parse(str(HANDLERS / f"{name}.py"))


def _worker_children() -> list[int]:
    """Live worker processes started by this process (Linux: /proc's children lists)."""
    children = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:  # threads (the child watcher's) and processes come and go as we read
            pids = (task / "children").read_text().split()
            cmdlines = [(pid, Path(f"/proc/{pid}/cmdline").read_bytes()) for pid in pids]
        except FileNotFoundError:
            continue
        children += [int(pid) for pid, cmdline in cmdlines if b"edge.runtime.worker" in cmdline]
    return children


@pytest.fixture(autouse=True)
def no_worker_left_behind() -> Iterator[None]:
    yield
    assert _worker_children() == []


@pytest.fixture
async def deploy() -> AsyncIterator[Deploy]:
    """Deploy a handler (a name in tests/runtime/handlers, or a file); closed after the test."""
    deployed: list[DeployedFunction] = []

    def make(
        handler: str | Path,
        *,
        name: str | None = None,
        event_type: EventType = EventType.VIEWER_REQUEST,
        timeout: float = 0.5,
        mode: Mode = Mode.ISOLATED,
        shared_limit: ConcurrencyLimit | None = None,
        idle_timeout: float = IDLE_TIMEOUT,
        **settings: Any,
    ) -> DeployedFunction:
        if isinstance(handler, Path):
            spec, default_name = HandlerSpec.parse(str(handler)), handler.stem
        else:
            spec, default_name = handler_spec(handler), handler
        function = EdgeFunction(
            name=name or default_name,
            handler=spec,
            event_type=event_type,
            timeout=timeout,
            mode=mode,
            **settings,
        )
        deployed.append(
            DeployedFunction(function, shared_limit=shared_limit, idle_timeout=idle_timeout)
        )
        return deployed[-1]

    yield make
    for function in deployed:
        await function.close()
