"""The aiohttp applications of a node: the viewer port and its separate admin port.

A node is composed, not subclassed: its state lives in one `NodeContext` under an `AppKey`,
opened and closed by a cleanup context. The admin app shares that context but listens on its own
port, so nothing a viewer sends can reach it (DESIGN.md, "Errors, bad input, safety").
"""

from __future__ import annotations

import asyncio
import hmac
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web

from edge.config import Config, Node
from edge.http.invalidation import invalidation_matcher, pattern_error
from edge.node.access_log import AccessLog
from edge.node.context import NodeContext
from edge.node.upstream import Upstream, new_session
from edge.node.viewer import handle

CONTEXT = web.AppKey("context", NodeContext)
# aiohttp refuses longer lines itself (400); ours must pass so the node can answer 413 (spec §0).
HANDLER_ARGS = {"max_line_size": 65536, "max_field_size": 65536}


def node_app(config: Config, node: Node, clock: Callable[[], float] = time.time) -> web.Application:
    app = web.Application(handler_args=HANDLER_ARGS)

    async def lifecycle(app: web.Application) -> AsyncIterator[None]:
        session = new_session()
        log = AccessLog(str(Path(config.log_dir) / node.id), config.distribution.id, node.id)
        ctx = NodeContext.build(config, node, Upstream(session), log, clock)
        app[CONTEXT] = ctx
        flusher = asyncio.get_running_loop().create_task(_flush_every_second(log))
        yield
        flusher.cancel()
        await ctx.close()
        await session.close()
        log.close()

    async def viewer(request: web.Request) -> web.StreamResponse:
        return await handle(request.app[CONTEXT], request)

    app.cleanup_ctx.append(lifecycle)
    app.router.add_route("*", "/{path:.*}", viewer)
    return app


async def _flush_every_second(log: AccessLog) -> None:
    while True:
        await asyncio.sleep(1.0)
        log.flush()


def admin_app(node: web.Application, token: str) -> web.Application:
    """Health (open), stats and invalidation (bearer token) for one node."""

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
        ctx = node[CONTEXT]
        return web.json_response({"id": ctx.node.id, "kind": ctx.node.kind, "status": "ok"})

    async def stats(request: web.Request) -> web.Response:
        ctx = node[CONTEXT]
        store = ctx.store
        return web.json_response({
            "id": ctx.node.id,
            **ctx.stats.as_dict(),
            "cache": {"objects": store.count, "bytes": store.size_bytes,
                      "max_bytes": store.max_bytes, "evictions": store.evictions},
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
        ctx = node[CONTEXT]
        removed = sum(ctx.store.invalidate(invalidation_matcher(p)) for p in paths)
        return web.json_response({"id": ctx.node.id, "paths": paths, "removed": removed})

    app = web.Application(middlewares=[require_token])
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    app.router.add_post("/invalidations", invalidate)
    return app
