"""Run one node (viewer port + admin port) until SIGINT/SIGTERM, then stop cleanly.

Stopping closes the listening sockets, lets requests in flight finish (up to a few seconds),
and closes the access log, so no line is lost.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
from collections.abc import Callable

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError

from edge.config import Config, Node
from edge.node.app import ViewerPort, admin_app
from edge.node.reloads import Reload, say


class PortInUse(Exception):
    def __init__(self, host: str, port: int, what: str) -> None:
        super().__init__(f"port {port} on {host} is already in use ({what})")
        self.port = port


def admin_port(node: Node) -> int:
    """Each node's admin API listens 1000 above its viewer port."""
    return node.port + 1000


class _UnparsedRequests(logging.Filter):
    """aiohttp answers a request it cannot parse (a line over the limit, a method that is not a
    token) with 400, and logs it with a traceback as if the server had failed. The viewer got
    its answer; the console gets nothing (any client could fill it). A handler's own exception
    is still logged."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return not isinstance(error, HttpProcessingError)


_UNPARSED_REQUESTS = _UnparsedRequests()


async def start_site(runner: web.BaseRunner, host: str, port: int, what: str) -> None:
    logging.getLogger("aiohttp.server").addFilter(_UNPARSED_REQUESTS)  # once: a set of filters
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError as exc:
        raise PortInUse(host, port, what) from exc


async def serve_node(
    config: Config, node: Node, token: str, *, echo_function_logs: bool = False,
    report_reloads: Callable[[Reload], None] = say,
    load_config: Callable[[], Config] | None = None,
) -> None:
    """`load_config` reads the config again for a reload (see `admin_app`); `report_reloads`
    takes what a hot reload of a handler file did (see `edge.node.reloads`)."""
    viewer = ViewerPort(config, node, shutdown_timeout=5.0,
                        echo_function_logs=echo_function_logs, report_reloads=report_reloads)
    admin_runner = web.AppRunner(admin_app(viewer, token, load_config), handle_signals=False,
                                 access_log=None)
    await viewer.setup()
    await admin_runner.setup()
    try:
        await start_site(viewer.runner, config.host, node.port, f"{node.id} viewer port")
        await start_site(admin_runner, config.host, admin_port(node), f"{node.id} admin port")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        # What start-up built (modules, config, context) lives as long as the process: moved out
        # of the collector's reach, a full collection no longer walks it, which otherwise pauses
        # every request in flight for tens of milliseconds (the worst of the p99 spikes).
        gc.freeze()
        await stop.wait()
    finally:
        await admin_runner.cleanup()
        await viewer.cleanup()
