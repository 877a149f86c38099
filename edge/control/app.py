"""The control plane's aiohttp application: the dashboard's files and the admin API.

Every `/api/*` path but `/api/health` needs the admin token as `Authorization: Bearer <token>`;
the event stream also takes it as `?token=`, since a browser's EventSource cannot set headers.
No cookie ever carries it: cookies on 127.0.0.1 are shared by every port, so one would reach the
PoPs, the origin and their access logs. The dashboard's files need no token and hold no data.
An `/api/` path or method that is not the API's is a JSON error too, as every API answer is.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from edge.config import Config
from edge.control.invalidations import DEADLINE_S, path_errors
from edge.control.live import sse_event
from edge.control.nodes import QUERY_TIMEOUT, NodeDown, each
from edge.control.plane import Plane
from edge.node.admin_errors import unrouted_as_json
from edge.node.app import query_count
from edge.node.location import world_cities
from edge.runstate import is_token, presented_token

__all__ = ["PLANE", "STATIC_DIR", "control_app"]

STATIC_DIR = Path(__file__).with_name("static")
PLANE = web.AppKey("plane", Plane)
UNAUTHORIZED = {"error": "missing or wrong admin token"}
RECENT_LIMIT = 500
CACHE_LIMIT = 1000
LOG_LINES = 1000
_OPEN = frozenset({"/api/health"})


def control_app(config: Config, token: str, load: Callable[[], Config], source: str | None,
                *, invalidation_deadline_s: float = DEADLINE_S) -> web.Application:
    """The app for `config`'s network; `load` reads the config again as `edgesim up` did, from
    the file `source` (reloads, and the watch of that file)."""

    async def plane_context(app: web.Application) -> AsyncIterator[None]:
        plane = Plane(config, token, load, source,
                      invalidation_deadline_s=invalidation_deadline_s)
        app[PLANE] = plane
        try:
            await plane.start()
            yield
        finally:
            await plane.close()

    async def close_streams(app: web.Application) -> None:
        app[PLANE].subscribers.close()  # before the server waits for handlers to finish

    app = web.Application(middlewares=[_token_middleware(token), unrouted_as_json("/api/")])
    app.cleanup_ctx.append(plane_context)
    app.on_shutdown.append(close_streams)
    app.router.add_get("/", _index)
    app.router.add_get("/static/{path:.+}", _static)
    app.router.add_get("/api/health", _health)
    app.router.add_get("/api/topology", _topology)
    app.router.add_get("/api/stats", _stats)
    app.router.add_get("/api/recent", _recent)
    app.router.add_post("/api/invalidations", _invalidate)
    app.router.add_get("/api/invalidations", _invalidations)
    app.router.add_get("/api/invalidations/{id}", _invalidation)
    app.router.add_get("/api/nodes/{id}/cache", _node_cache)
    app.router.add_get("/api/functions", _functions)
    app.router.add_get("/api/functions/logs", _function_logs)
    app.router.add_post("/api/config/reload", _reload)
    app.router.add_get("/api/config", _config)
    app.router.add_get("/api/cities", _cities)
    app.router.add_get("/api/events", _events)
    app.router.add_put("/api/load", _put_load)
    app.router.add_get("/api/load", _get_load)
    return app


def _token_middleware(token: str) -> Middleware:
    @web.middleware
    async def require_token(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        path = request.path
        if not path.startswith("/api/"):
            return await handler(request)
        if path not in _OPEN:
            given = presented_token(request.headers.get("Authorization", ""))
            if not given and path == "/api/events":
                given = request.query.get("token", "")
            if not is_token(given, token):
                return web.json_response(UNAUTHORIZED, status=401,
                                         headers={"WWW-Authenticate": "Bearer"})
        response = await handler(request)
        if not response.prepared:
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    return require_token


def _plane(request: web.Request) -> Plane:
    return request.app[PLANE]


def _bad_request(error: str) -> web.HTTPBadRequest:
    return web.HTTPBadRequest(text=json.dumps({"error": error}), content_type="application/json")


# -- the dashboard's files -----------------------------------------------------------------------


async def _index(request: web.Request) -> web.StreamResponse:
    return _file(STATIC_DIR / "index.html")


async def _static(request: web.Request) -> web.StreamResponse:
    root = STATIC_DIR.resolve()
    path = (root / request.match_info["path"]).resolve()
    if not path.is_relative_to(root):  # `..`, encoded or not, and links out of the folder
        raise web.HTTPNotFound()
    return _file(path)


def _file(path: Path) -> web.StreamResponse:
    if not path.is_file():
        raise web.HTTPNotFound()
    return web.FileResponse(path, headers={"Cache-Control": "no-cache"})


# -- the API -------------------------------------------------------------------------------------


async def _health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


async def _topology(request: web.Request) -> web.Response:
    plane = _plane(request)
    config = plane.config
    host = config.host
    return web.json_response({
        "distribution": {"id": config.distribution.id,
                         "domain_name": config.distribution.domain_name},
        "front_door": (f"http://{host}:{config.front_door.port}/"
                       if config.front_door is not None else None),
        "nodes": [{"id": n.id, "kind": n.kind, "city": n.city, "latitude": n.latitude,
                   "longitude": n.longitude, "parent": n.parent,
                   "viewer_url": f"http://{host}:{n.port}/",
                   "admin_url": plane.client.admin_url(n)} for n in config.nodes.values()],
        "origins": [{"id": o.id, "url": o.url, "city": o.city, "latitude": o.latitude,
                     "longitude": o.longitude} for o in config.distribution.origins.values()],
        "shields": {o.id: o.origin_shield for o in config.distribution.origins.values()
                    if o.origin_shield is not None},
    })


async def _stats(request: web.Request) -> web.Response:
    return web.json_response(_plane(request).live.stats())


async def _recent(request: web.Request) -> web.Response:
    limit = query_count(request, "limit", 100, 1, RECENT_LIMIT)
    return web.json_response({"requests": _plane(request).live.recent(limit)})


async def _invalidate(request: web.Request) -> web.Response:
    try:
        body = await request.json()
    except ValueError:
        body = None
    paths, errors = path_errors(body)
    if errors:
        error = errors.pop("", "invalid paths")
        return web.json_response({"error": error, "paths": errors}, status=400)
    invalidation = _plane(request).invalidations.create(paths)
    return web.json_response(invalidation.summary(), status=201,
                             headers={"Location": f"/api/invalidations/{invalidation.id}"})


async def _invalidations(request: web.Request) -> web.Response:
    made = _plane(request).invalidations.newest()
    return web.json_response({"invalidations": [i.summary() for i in made]})


async def _invalidation(request: web.Request) -> web.Response:
    invalidation = _plane(request).invalidations.get(request.match_info["id"])
    if invalidation is None:
        return web.json_response({"error": "no such invalidation"}, status=404)
    return web.json_response(invalidation.as_dict())


async def _node_cache(request: web.Request) -> web.Response:
    plane = _plane(request)
    node_id = request.match_info["id"]
    node = plane.client.nodes.get(node_id)
    if node is None:
        return web.json_response({"error": f"no node {node_id!r}"}, status=404)
    params = {"prefix": request.query.get("prefix", ""),
              "limit": str(query_count(request, "limit", 100, 1, CACHE_LIMIT))}
    try:
        listing = await plane.client.get(node, "cache", params=params, timeout=QUERY_TIMEOUT)
    except NodeDown as exc:
        return web.json_response({"error": f"{node_id} did not answer: {exc}"}, status=502)
    return web.json_response(listing)


async def _functions(request: web.Request) -> web.Response:
    return web.json_response(_plane(request).live.functions())


async def _function_logs(request: web.Request) -> web.Response:
    plane = _plane(request)
    name = request.query.get("name", "")
    params = {"lines": str(query_count(request, "lines", 50, 1, LOG_LINES))}
    answers = await each(plane.client.nodes.values(), lambda node: plane.client.get(
        node, "functions", params=params, timeout=QUERY_TIMEOUT))
    lines = []
    errors = {}
    for node_id, answer in answers.items():
        if isinstance(answer, NodeDown):
            errors[node_id] = str(answer)
            continue
        for function, logged in answer["logs"].items():
            if not name or function == name:
                lines += [{"node": node_id, "function": function, "line": line}
                          for line in logged]
    return web.json_response({"lines": lines, "errors": errors})


async def _reload(request: web.Request) -> web.Response:
    outcome = await _plane(request).reloader.reload()
    return web.json_response(outcome.body, status=outcome.status)


async def _config(request: web.Request) -> web.Response:
    return web.json_response(_plane(request).reloader.describe())


async def _cities(request: web.Request) -> web.Response:
    return web.Response(body=_cities_document(), content_type="application/json")


@functools.cache
def _cities_document() -> bytes:
    """The world's cities, most populous first: made once, a few hundred kilobytes."""
    rows = [[c.name, c.country_code, c.latitude, c.longitude, c.population, c.region_code]
            for c in world_cities()]
    return json.dumps({"cities": rows}, separators=(",", ":")).encode()


async def _events(request: web.Request) -> web.StreamResponse:
    """Server-sent events: what is known now at once, then a snapshot every second."""
    plane = _plane(request)
    response = web.StreamResponse(headers={"Content-Type": "text/event-stream",
                                           "Cache-Control": "no-store"})
    await response.prepare(request)
    queue = plane.subscribers.subscribe()
    try:
        await response.write(b"retry: 1000\n\n")
        await response.write(sse_event("snapshot", plane.snapshot(plane.live.recent(100))))
        while (event := await queue.get()) is not None:
            await response.write(event)
    except ConnectionResetError:
        pass  # the browser went away
    finally:
        plane.subscribers.unsubscribe(queue)
    return response


async def _put_load(request: web.Request) -> web.Response:
    try:
        progress = await request.json()
    except ValueError:
        progress = None
    if not isinstance(progress, dict):
        raise _bad_request("expected the load's progress as a JSON object")
    _plane(request).load = progress
    return web.Response(status=204)


async def _get_load(request: web.Request) -> web.Response:
    return web.json_response(_plane(request).load)
