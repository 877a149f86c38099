"""Fixtures for the control plane's tests: a small world (origin, regional cache, PoP) and the
control plane in front of it, all in this process on reserved ports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.control.plane import PlaneServer, start_plane
from tests.world import World, start_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "logs")
    yield w
    await w.close()


@pytest.fixture
async def plane(world: World) -> AsyncIterator[PlaneServer]:
    server = await start_plane(world)
    yield server
    await server.close()
