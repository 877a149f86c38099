"""Run the control plane on its port until SIGINT or SIGTERM (or until `edgesim up` is gone),
then stop cleanly: live streams end, invalidations in progress are dropped, no traceback."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from aiohttp import web

from edge.config import Config
from edge.control.app import control_app
from edge.node.serve import start_site
from edge.supervisor import watch_parent

__all__ = ["serve_control_plane"]


async def serve_control_plane(config: Config, token: str, load: Callable[[], Config],
                              source: str) -> None:
    """Raises PortInUse when the port is taken."""
    assert config.control_plane is not None
    runner = web.AppRunner(control_app(config, token, load, source), handle_signals=False,
                           access_log=None, shutdown_timeout=2.0)
    await runner.setup()
    stop = asyncio.Event()
    watcher = asyncio.get_running_loop().create_task(watch_parent(stop))
    try:
        await start_site(runner, config.host, config.control_plane.port, "the control plane")
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        watcher.cancel()
        await runner.cleanup()
