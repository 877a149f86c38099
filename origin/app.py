"""The sample origin as one aiohttp application: site, API, echo, large files, knobs, faults, stats.

Middlewares run outermost first: count the request, apply a set fault, apply the request's knobs,
then the route's handler. Response headers get their last word in on_response_prepare.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
import time
from pathlib import Path

from aiohttp import web

from edge.supervisor import watch_parent
from origin.api import ITEMS, TIME_COUNTER, ItemStore, api_routes
from origin.echo import echo_routes
from origin.faults import FAULTS, Faults, faults_middleware, faults_routes
from origin.files import handle_file
from origin.knobs import apply_header_knobs, knobs_middleware
from origin.site import CONTENT_ROOT, site_routes
from origin.stats import STATS, Stats, count_body_bytes, stats_middleware, stats_routes

__all__ = ["PACKAGED_CONTENT", "SERVER", "make_app", "serve"]

PACKAGED_CONTENT = Path(__file__).resolve().parent / "content"
SERVER = "edgesim-origin"
CLIENT_MAX_SIZE = 16 * 1024 * 1024  # bodies well past Lambda@Edge's 1 MB include-body limit
SHUTDOWN_GRACE = 2.0  # seconds in-flight requests get to finish on SIGTERM / Ctrl-C

log = logging.getLogger(__name__)


async def health(request: web.Request) -> web.Response:
    return web.Response(text="ok", headers={"Cache-Control": "no-store"})


async def set_server_header(request: web.BaseRequest, response: web.StreamResponse) -> None:
    response.headers["Server"] = SERVER


def make_app(content_dir: Path | None = None) -> web.Application:
    """A fresh origin; `content_dir` replaces the packaged sample site (tests use a temp dir)."""
    app = web.Application(
        middlewares=[stats_middleware, faults_middleware, knobs_middleware],
        client_max_size=CLIENT_MAX_SIZE,
    )
    app[CONTENT_ROOT] = (content_dir or PACKAGED_CONTENT).resolve()
    app[STATS] = Stats()
    app[FAULTS] = Faults()
    app[ITEMS] = ItemStore(created=time.time())
    app[TIME_COUNTER] = itertools.count(1)
    app.on_response_prepare.extend([set_server_header, apply_header_knobs, count_body_bytes])
    app.router.add_get("/_origin/health", health)
    app.router.add_routes(stats_routes())
    app.router.add_routes(faults_routes())
    app.router.add_routes(api_routes())
    app.router.add_routes(echo_routes())
    app.router.add_get(r"/files/{megabytes:\d+}MB.bin", handle_file)
    app.router.add_routes(site_routes())  # the catch-all comes last
    return app


async def serve(host: str, port: int, content_dir: Path | None = None) -> None:
    """Serve until SIGINT or SIGTERM, then close cleanly; OSError if the address is taken."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    runner = web.AppRunner(
        make_app(content_dir),
        access_log=None,
        handle_signals=False,
        handler_cancellation=True,  # a viewer that gives up stops a delayed answer
        shutdown_timeout=SHUTDOWN_GRACE,
    )
    await runner.setup()
    watcher = loop.create_task(watch_parent(stop))  # under `edgesim up`: stop with it
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("%s listening on http://%s:%d", SERVER, host, port)
        await stop.wait()
    finally:
        watcher.cancel()
        await runner.cleanup()
