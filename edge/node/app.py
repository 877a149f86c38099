"""The aiohttp servers of a node: the viewer port and its separate admin port.

A node is composed, not subclassed: its state lives in one `NodeContext`, opened once the loop
runs and closed after the last request. The admin app reads that context but listens on its own
port, so nothing a viewer sends can reach it (DESIGN.md, "Errors, bad input, safety").
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.config import Config, Node
from edge.http.invalidation import invalidation_matcher, pattern_error
from edge.node.access_log import AccessLog
from edge.node.context import NodeContext
from edge.node.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from edge.node.metrics import node_metrics
from edge.node.upstream import Upstream, new_session
from edge.node.viewer import handle

# aiohttp refuses longer lines itself (400); ours must pass so the node can answer 413 (spec §0).
HANDLER_ARGS = {"max_line_size": 65536, "max_field_size": 65536}


class ViewerPort:
    """A node's viewer port: aiohttp's low-level server, every request handed to `handle`.

    A node answers every path through one pipeline, so `web.Application`'s router and handler
    chain would only add their cost to each request (a tenth of a cache hit). `setup` builds the
    node's context inside the running loop and `cleanup` closes it once the server has let the
    requests in flight finish, as an application's cleanup context would. Sites bind `runner`.
    """

    def __init__(
        self, config: Config, node: Node, clock: Callable[[], float] = time.time,
        *, echo_function_logs: bool = False, **runner_args: Any,
    ) -> None:
        self._config = config
        self._node = node
        self._clock = clock
        self._echo_function_logs = echo_function_logs  # function logs to stdout too
        self._runner_args = runner_args  # e.g. shutdown_timeout, for web.ServerRunner
        self._context: NodeContext | None = None
        self._runner: web.ServerRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._flusher: asyncio.Task[None] | None = None

    @property
    def context(self) -> NodeContext:
        if self._context is None:
            raise RuntimeError(f"the viewer port of {self._node.id} is not set up")
        return self._context

    @property
    def runner(self) -> web.ServerRunner:
        if self._runner is None:
            raise RuntimeError(f"the viewer port of {self._node.id} is not set up")
        return self._runner

    async def setup(self) -> None:
        config, node = self._config, self._node
        self._session = new_session()
        log = AccessLog(str(Path(config.log_dir) / node.id), config.distribution.id, node.id)
        upstream = Upstream(self._session, config.latency)
        ctx = NodeContext.build(config, node, upstream, log, self._clock,
                                echo_function_logs=self._echo_function_logs)
        self._context = ctx
        ctx.functions.start()
        self._flusher = asyncio.get_running_loop().create_task(_flush_every_second(ctx))

        # A partial, not a wrapping coroutine: aiohttp awaits `handle`'s own, one frame fewer.
        server = web.Server(partial(handle, ctx), access_log=None, **HANDLER_ARGS)
        self._runner = web.ServerRunner(server, **self._runner_args)
        await self._runner.setup()

    async def cleanup(self) -> None:
        """Stop listening, let requests in flight finish, then close the context and the log."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._flusher is not None:
            self._flusher.cancel()
        if self._context is not None:
            await self._context.close()
            self._context.access_log.close()
        if self._session is not None:
            await self._session.close()


async def _flush_every_second(ctx: NodeContext) -> None:
    while True:
        await asyncio.sleep(1.0)
        ctx.access_log.flush()
        ctx.functions.flush()


def admin_app(node: ViewerPort, token: str) -> web.Application:
    """Health (open), stats, Prometheus metrics and invalidation (bearer token) for one node."""

    @web.middleware
    async def require_token(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        if request.path != "/health":
            given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(given.encode(), token.encode()):
                return web.json_response({"error": "missing or wrong admin token"}, status=401)
        return await handler(request)

    async def health(request: web.Request) -> web.Response:
        ctx = node.context
        return web.json_response({"id": ctx.node.id, "kind": ctx.node.kind, "status": "ok"})

    async def stats(request: web.Request) -> web.Response:
        ctx = node.context
        store = ctx.store
        return web.json_response({
            "id": ctx.node.id,
            **ctx.stats.as_dict(),
            "cache": {"objects": store.count, "bytes": store.size_bytes,
                      "max_bytes": store.max_bytes, "evictions": store.evictions},
            "functions": ctx.functions.readings(),
        })

    async def invalidate(request: web.Request) -> web.Response:
        try:
            body = await request.json()
            paths = body["paths"]
            if not isinstance(paths, list) or not all(isinstance(p, str) for p in paths):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'expected {"paths": ["/path", ...]}'}, status=400)
        errors = {p: e for p in paths if (e := pattern_error(p)) is not None}
        if errors:
            return web.json_response({"error": "invalid paths", "paths": errors}, status=400)
        ctx = node.context
        removed = sum(ctx.store.invalidate(invalidation_matcher(p)) for p in paths)
        return web.json_response({"id": ctx.node.id, "paths": paths, "removed": removed})

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=node_metrics(node.context),
                            headers={"Content-Type": METRICS_CONTENT_TYPE})

    app = web.Application(middlewares=[require_token])
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    app.router.add_get("/metrics", metrics)
    app.router.add_post("/invalidations", invalidate)
    return app
