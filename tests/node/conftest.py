"""Fixtures for the end-to-end node tests: a world of origin, regional cache and PoP."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.world import World, start_world


class Clock:
    """The nodes' clock, moved by the test: ages and expiry without waiting. It starts five
    minutes before an hour turns, so a test that moves it far enough sees what a node does
    across the hour (a new access-log file) every time, not in one run of twelve."""

    def __init__(self) -> None:
        self.now = time.time() // 3600 * 3600 - 300

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "logs", clock=clock)
    yield w
    await w.close()


@pytest.fixture
async def rfc_world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    """The small world under RFC 9111's semantics rather than CloudFront's."""

    def rfc9111(data: dict[str, Any]) -> None:
        data["distribution"]["cache_semantics"] = "rfc9111"

    w = await start_world(tmp_path / "logs", rfc9111, clock=clock)
    yield w
    await w.close()
