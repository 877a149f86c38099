"""The control plane's parts, built once its loop runs, and the tick that drives them.

Every second the live view reads every node, and the snapshot of that second goes to each
dashboard that listens (`/api/events`). Invalidations, reloads and the load progress live here
too, so a snapshot can carry all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from typing import Any

import aiohttp

from edge.config import Config
from edge.control.invalidations import DEADLINE_S, Invalidations
from edge.control.live import POLL_INTERVAL, LiveView, Subscribers
from edge.control.nodes import NodeClient
from edge.control.reload import ConfigReloader
from edge.node.location import world_database

__all__ = ["SNAPSHOT_INVALIDATIONS", "Plane"]

SNAPSHOT_INVALIDATIONS = 10  # the newest, in every snapshot


class Plane:
    """What the admin API reads and changes. Build it inside the running loop."""

    def __init__(self, config: Config, token: str, load: Callable[[], Config],
                 source: str | None, *, invalidation_deadline_s: float = DEADLINE_S,
                 clock: Callable[[], float] = time.time) -> None:
        # No pool limit: a slow invalidation or reload must not hold up the second's poll.
        self.session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                             cookie_jar=aiohttp.DummyCookieJar())
        self.client = NodeClient(config, token, self.session)
        self.live = LiveView(config, self.client, self.session, world_database(config.geolite2),
                             clock)
        self.invalidations = Invalidations(self.client, deadline_s=invalidation_deadline_s,
                                           clock=clock)
        self.reloader = ConfigReloader(config, load, source, self.client, clock)
        self.subscribers = Subscribers()
        self.load: dict[str, Any] | None = None  # the latest progress of `edgesim load`
        self._tasks: list[asyncio.Task[None]] = []

    @property
    def config(self) -> Config:
        """The config the network runs now (a reload may have changed it)."""
        return self.reloader.config

    async def start(self) -> None:
        """A first reading of every node, so the API has figures from its first request."""
        await self.live.poll()
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._tick_forever()),
                       loop.create_task(self.reloader.watch())]

    async def close(self) -> None:
        self.subscribers.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.invalidations.close()
        await self.session.close()

    def snapshot(self, recent: list[dict[str, Any]]) -> dict[str, Any]:
        """One second of the network, as `/api/events` sends it."""
        return {
            "time": self.live.time,
            "stats": self.live.stats(),
            "recent": recent,
            "functions": self.live.functions(),
            "load": self.load,
            "config": self.reloader.describe(),
            "invalidations": [i.as_dict() for i in
                              self.invalidations.newest(SNAPSHOT_INVALIDATIONS)],
        }

    async def _tick_forever(self) -> None:
        """A reading every POLL_INTERVAL on a fixed beat: a slow second does not shift the
        next ones, and one that falls far behind skips ahead rather than bursting."""
        loop = asyncio.get_running_loop()
        next_at = loop.time()
        while True:
            next_at += POLL_INTERVAL
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            if loop.time() - next_at > POLL_INTERVAL:
                next_at = loop.time()
            recent = await self.live.poll()
            self.subscribers.publish(self.snapshot(recent))
