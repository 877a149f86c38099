"""The control plane inside the test process, in front of a `tests.world` World, and what its
tests share: API calls with or without the token, the event stream, a node started again."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
from aiohttp import web

from edge.control.app import PLANE, control_app
from edge.control.invalidations import DEADLINE_S
from edge.control.plane import Plane
from edge.node.app import ViewerPort, admin_app
from tests.world import TOKEN, World, parse_document, reserve_port, site

T = TypeVar("T")


@dataclass
class PlaneServer:
    url: str
    runner: web.AppRunner
    session: aiohttp.ClientSession

    @property
    def plane(self) -> Plane:
        return self.runner.app[PLANE]

    async def call(self, method: str, path: str, *, token: str | None = TOKEN,
                   **kw: Any) -> tuple[int, Any]:
        """(status, JSON body or raw bytes) of one API call, with `token` as a bearer token."""
        headers = {"Authorization": f"Bearer {token}"} if token is not None else {}
        async with self.session.request(method, self.url + path, headers=headers,
                                        **kw) as response:
            body = await response.read()
            if response.content_type == "application/json" and body:
                return response.status, json.loads(body)
            return response.status, body

    async def get(self, path: str, **kw: Any) -> Any:
        """The JSON of a GET that must succeed."""
        status, body = await self.call("GET", path, **kw)
        assert status == 200, (path, status, body)
        return body

    async def snapshots(self) -> AsyncIterator[dict[str, Any]]:
        """The event stream's snapshots, as a browser's EventSource gets them (`?token=`)."""
        async with self.session.get(self.url + "/api/events",
                                    params={"token": TOKEN}) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "text/event-stream"
            event = None
            async for raw in response.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "snapshot":
                    yield json.loads(line.removeprefix("data: "))

    async def close(self) -> None:
        await self.session.close()
        await self.runner.cleanup()


async def start_plane(world: World, *, source: Path | None = None,
                      deadline_s: float = DEADLINE_S) -> PlaneServer:
    """The control plane for `world`; a reload reads `world.document` again, as the nodes do."""
    port = reserve_port()
    app = control_app(world.config, TOKEN, lambda: parse_document(world.document),
                      None if source is None else str(source),
                      invalidation_deadline_s=deadline_s)
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    await site(runner, port).start()
    return PlaneServer(f"http://127.0.0.1:{port}", runner,
                       aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()))


async def start_node(world: World, node_id: str) -> None:
    """A node of `world` (stopped by `world.stop_node`) started again on its ports."""
    node = world.config.nodes[node_id]
    viewer = ViewerPort(world.config, node)
    await viewer.setup()
    await site(viewer.runner, node.port).start()
    world.viewers[node_id] = viewer
    admin = web.AppRunner(admin_app(viewer, TOKEN, lambda: parse_document(world.document)),
                          access_log=None)
    await admin.setup()
    await site(admin, node.port + 1000).start()
    world.runners[f"admin:{node_id}"] = admin


async def eventually(check: Callable[[], Awaitable[T | None]], seconds: float = 10.0) -> T:
    """The first truthy result of `check`, asked every tenth of a second."""
    deadline = time.monotonic() + seconds
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"not so within {seconds} s"
        await asyncio.sleep(0.1)
