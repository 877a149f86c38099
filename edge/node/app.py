"""The aiohttp servers of a node: the viewer port and its separate admin port.

A node is composed, not subclassed: its state lives in one `NodeContext`, opened once the loop
runs and closed after the last request. The admin app reads that context but listens on its own
port, so nothing a viewer sends can reach it (DESIGN.md, "Errors, bad input, safety").
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.config import Config, ConfigError, Node, topology_changes
from edge.http.invalidation import invalidation_matcher, pattern_error
from edge.node.access_log import AccessLog
from edge.node.admin_errors import unrouted_as_json
from edge.node.context import CurrentContext, NodeContext
from edge.node.inspection import cache_entries, function_logs, recent_requests
from edge.node.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from edge.node.metrics import node_metrics
from edge.node.reloads import Reload, say
from edge.node.upstream import Upstream, new_session
from edge.node.viewer import handle
from edge.runstate import is_token, presented_token

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
        *, echo_function_logs: bool = False, report_reloads: Callable[[Reload], None] = say,
        **runner_args: Any,
    ) -> None:
        self._config = config
        self._node = node
        self._clock = clock
        self._echo_function_logs = echo_function_logs  # function logs to stdout too
        self._report_reloads = report_reloads  # what hot reload did (see edge.node.reloads)
        self._runner_args = runner_args  # e.g. shutdown_timeout, for web.ServerRunner
        self._current: CurrentContext | None = None
        self._runner: web.ServerRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._flusher: asyncio.Task[None] | None = None

    @property
    def config(self) -> Config:
        return self._config

    @property
    def context(self) -> NodeContext:
        if self._current is None:
            raise RuntimeError(f"the viewer port of {self._node.id} is not set up")
        return self._current.context

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
                                echo_function_logs=self._echo_function_logs,
                                report_reloads=self._report_reloads)
        self._current = current = CurrentContext(ctx)
        ctx.functions.start()
        self._flusher = asyncio.get_running_loop().create_task(_flush_every_second(current))

        # A partial, not a wrapping coroutine: aiohttp awaits `handle`'s own, one frame fewer.
        server = web.Server(partial(handle, current), access_log=None, **HANDLER_ARGS)
        self._runner = web.ServerRunner(server, **self._runner_args)
        await self._runner.setup()

    def reconfigure(self, config: Config) -> None:
        """Serve the next requests under `config`; requests in flight finish under the old one.

        Only what a running node can change changes: a config that moves the topology (nodes,
        ports, parents, the front door...) raises `TopologyChanged`, and nothing changes.
        """
        if (changes := topology_changes(self._config, config)):
            raise TopologyChanged(changes)
        assert self._current is not None and self._session is not None
        ctx = self._current.context.reconfigured(config, Upstream(self._session, config.latency))
        ctx.functions.start()
        self._current.context = ctx
        self._config = config

    async def cleanup(self) -> None:
        """Stop listening, let requests in flight finish, then close the context and the log."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._flusher is not None:
            self._flusher.cancel()
        if self._current is not None:
            await self._current.context.close()
            self._current.context.access_log.close()
        if self._session is not None:
            await self._session.close()


async def _flush_every_second(current: CurrentContext) -> None:
    while True:
        await asyncio.sleep(1.0)
        ctx = current.context
        ctx.access_log.flush()
        ctx.functions.flush()


class TopologyChanged(Exception):
    def __init__(self, changes: list[str]) -> None:
        super().__init__("the new config changes the topology, which only a restart of "
                         "`edgesim up` applies: " + "; ".join(changes))


def admin_app(
    node: ViewerPort, token: str, load_config: Callable[[], Config] | None = None,
) -> web.Application:
    """Health (open), stats, Prometheus metrics, recent requests, cache inspection, function
    logs, invalidation and config reload (bearer token) for one node.

    `load_config` reads the config again as the node was started with it (same file, same
    command-line overrides); without it the node cannot reload.
    """

    @web.middleware
    async def require_token(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        given = presented_token(request.headers.get("Authorization", ""))
        if request.path != "/health" and not is_token(given, token):
            return web.json_response({"error": "missing or wrong admin token"}, status=401)
        return await handler(request)

    async def health(request: web.Request) -> web.Response:
        ctx = node.context
        return web.json_response({"id": ctx.node.id, "kind": ctx.node.kind, "status": "ok",
                                  "config_version": ctx.config.version})

    async def stats(request: web.Request) -> web.Response:
        ctx = node.context
        store = ctx.store
        return web.json_response({
            "id": ctx.node.id,
            "config_version": ctx.config.version,
            **ctx.stats.as_dict(),
            "cache": {"objects": store.count, "bytes": store.size_bytes,
                      "max_bytes": store.max_bytes, "evictions": store.evictions},
            "functions": ctx.functions.readings(),
        })

    async def recent(request: web.Request) -> web.Response:
        ctx = node.context
        after = query_count(request, "after", 0)
        return web.json_response({"id": ctx.node.id, "next": ctx.access_log.written,
                                  "requests": recent_requests(ctx.access_log, after)})

    async def cache(request: web.Request) -> web.Response:
        ctx = node.context
        prefix = request.query.get("prefix", "")
        entries = cache_entries(ctx.store, ctx.clock(), prefix, query_count(request, "limit", 100))
        return web.json_response({"id": ctx.node.id, **entries})

    async def functions(request: web.Request) -> web.Response:
        ctx = node.context
        return web.json_response({
            "id": ctx.node.id,
            "functions": ctx.functions.readings(),
            "logs": function_logs(ctx.functions, query_count(request, "lines", 50)),
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

    async def reload(request: web.Request) -> web.Response:
        if load_config is None:
            return web.json_response(
                {"error": "this node was not started from a config file"}, status=404)
        try:
            # Reading and checking the file (handler files, keys) off the loop: requests go on.
            config = await asyncio.get_running_loop().run_in_executor(None, load_config)
        except ConfigError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        try:
            node.reconfigure(config)
        except TopologyChanged as exc:
            return web.json_response({"error": str(exc)}, status=409)
        return web.json_response({"id": node.context.node.id, "config_version": config.version})

    async def metrics(request: web.Request) -> web.Response:
        return web.Response(body=node_metrics(node.context),
                            headers={"Content-Type": METRICS_CONTENT_TYPE})

    app = web.Application(middlewares=[require_token, unrouted_as_json()])
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    app.router.add_get("/metrics", metrics)
    app.router.add_get("/recent", recent)
    app.router.add_get("/cache", cache)
    app.router.add_get("/functions", functions)
    app.router.add_post("/invalidations", invalidate)
    app.router.add_post("/config", reload)
    return app


def query_count(
    request: web.Request, name: str, default: int, least: int = 0, most: int | None = None,
) -> int:
    """A whole-number query parameter from `least` to `most`; a bad one is a 400 that names it
    (the admin APIs of the nodes and of the control plane)."""
    text = request.query.get(name)
    if text is None:
        return default
    if not text.isdigit() or int(text) < least or (most is not None and int(text) > most):
        wanted = f">= {least}" if most is None else f"from {least} to {most}"
        raise web.HTTPBadRequest(
            text=json.dumps({"error": f"{name}: expected a whole number {wanted}, got {text!r}"}),
            content_type="application/json")
    return int(text)
