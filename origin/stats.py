"""What reached the origin: request and body-byte counters, so load tests can measure offload.

Every request is counted except the origin's own `/_origin/*` endpoints. `bytes_sent` counts body
bytes (not headers): the declared Content-Length when the response is prepared, or, for the
streamed responses of `files.py`, each chunk as it is written (chunked bodies have no length).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from origin.failures import is_admin

__all__ = [
    "STATS",
    "MeteredResponse",
    "Stats",
    "count_body_bytes",
    "stats_middleware",
    "stats_routes",
]


@dataclass(slots=True)
class Stats:
    requests: int = 0
    bytes_sent: int = 0
    by_path: dict[str, Counter[str]] = field(default_factory=dict)
    by_method: Counter[str] = field(default_factory=Counter)

    def record_request(self, path: str, method: str) -> None:
        self.requests += 1
        self.by_path.setdefault(path, Counter())[method] += 1
        self.by_method[method] += 1

    def record_bytes(self, count: int) -> None:
        self.bytes_sent += count

    def reset(self) -> None:
        self.requests = 0
        self.bytes_sent = 0
        self.by_path.clear()
        self.by_method.clear()

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "by_path": {path: dict(methods) for path, methods in self.by_path.items()},
            "by_method": dict(self.by_method),
        }


STATS = web.AppKey("stats", Stats)


class MeteredResponse(web.StreamResponse):
    """A streamed response that counts its own body bytes as they go out."""

    def __init__(self, stats: Stats, *, status: int, headers: dict[str, str]) -> None:
        super().__init__(status=status, headers=headers)
        self._stats = stats

    async def write(self, data: bytes | bytearray | memoryview) -> None:
        await super().write(data)
        self._stats.record_bytes(len(data))


def _has_body(method: str, status: int) -> bool:
    return method != "HEAD" and status not in (204, 304) and status >= 200  # RFC 9110 §6.4.1


@web.middleware
async def stats_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    if not is_admin(request):
        request.app[STATS].record_request(request.path, request.method)
    return await handler(request)


async def count_body_bytes(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """on_response_prepare: add the declared body length (metered responses count themselves)."""
    if is_admin(request) or isinstance(response, MeteredResponse):
        return
    length = response.content_length
    if length is not None and _has_body(request.method, response.status):
        request.app[STATS].record_bytes(length)


async def get_stats(request: web.Request) -> web.Response:
    return web.json_response(request.app[STATS].as_json(), headers={"Cache-Control": "no-store"})


async def reset_stats(request: web.Request) -> web.Response:
    request.app[STATS].reset()
    return web.json_response(request.app[STATS].as_json(), headers={"Cache-Control": "no-store"})


def stats_routes() -> list[web.RouteDef]:
    return [web.get("/_origin/stats", get_stats), web.post("/_origin/stats/reset", reset_stats)]
