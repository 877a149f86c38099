"""An admin API's answer to a request none of its routes takes: JSON, as its other errors are.

aiohttp answers a path no route matches (404), or a method the path's routes do not take (405,
with `Allow`), with a line of text. Every other error of the admin APIs (a node's, the front
door's, the control plane's) is `{"error": ...}`, so a script or the dashboard reading them
would otherwise have to tell a mistyped path from an answer by its content type.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web
from aiohttp.typedefs import Middleware

__all__ = ["unrouted_as_json"]


def unrouted_as_json(prefix: str = "/") -> Middleware:
    """Routing's 404 and 405 for the paths under `prefix` as JSON: `{"error", "path"}`, and
    `"allowed"` (with the `Allow` header) on a 405. Other paths keep aiohttp's answer, as the
    control plane's dashboard files do."""

    @web.middleware
    async def answer_unrouted(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        unrouted = request.match_info.http_exception
        if unrouted is None or not request.path.startswith(prefix):
            return await handler(request)
        if isinstance(unrouted, web.HTTPMethodNotAllowed):
            allowed = sorted(unrouted.allowed_methods)
            return web.json_response(
                {"error": f"{request.method} is not allowed here", "path": request.path,
                 "allowed": allowed},
                status=unrouted.status, headers={"Allow": ",".join(allowed)})
        return web.json_response({"error": "no such endpoint", "path": request.path},
                                 status=unrouted.status)

    return answer_unrouted
