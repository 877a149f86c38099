"""Cache hits written from bytes prepared once per stored object.

A hit on an object sends the same status line and headers every time but for a few lines (Age,
the request id, Server-Timing, Connection). aiohttp's `Response` would copy, complete and
serialize the whole header multidict on every request, which costs more than the rest of a hit;
so the node serializes the unchanging part when it stores the object and a plain GET hit writes
that, its own few lines and the body in one piece.
"""

from __future__ import annotations

import re

from aiohttp import HttpVersion10, HttpVersion11, web
from aiohttp.abc import AbstractStreamWriter
from multidict import CIMultiDict, CIMultiDictProxy

from edge.cache.entry import PreparedHit
from edge.config import Behavior
from edge.node.context import NodeContext
from edge.node.outcome import Outcome
from edge.node.response_headers import edge_headers

# Control characters aiohttp refuses in a header line (RFC 9110 §5.5): such a response is left
# to aiohttp, which raises, as it does for any other response.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_NO_BODY_STATUSES = frozenset({204, 304})  # RFC 9110 §6.4.1
_STATUS_LINE_START = {HttpVersion11: b"HTTP/1.1", HttpVersion10: b"HTTP/1.0"}


def prepare_hit(
    ctx: NodeContext, behavior: Behavior, status: int, reason: str,
    stored: CIMultiDictProxy[str], body: bytes,
) -> PreparedHit | None:
    """The unchanging part of a hit's response, as aiohttp would have written it.

    None for what a hit answers differently: errors (a custom error page may replace them),
    responses without a body, and objects without `Date` (aiohttp dates each response itself).
    """
    if not 200 <= status < 400 or status in _NO_BODY_STATUSES or "Date" not in stored:
        return None
    headers = CIMultiDict(stored)
    headers.popall("Content-Length", None)
    headers.popall("X-Amz-Cf-Id", None)  # the viewer's own
    edge_headers(ctx, behavior, headers, Outcome.HIT.x_cache, generated=False)
    if body and "Content-Type" not in headers:
        headers["Content-Type"] = "application/octet-stream"  # aiohttp's default (RFC 9110 §8.3)
    headers["Content-Length"] = str(len(body))
    lines = [f" {status} {reason}", *(f"{name}: {value}" for name, value in headers.items())]
    if any(_FORBIDDEN.search(line) for line in lines):
        return None
    # Characters UTF-8 cannot encode (lone surrogates) are dropped, as aiohttp does.
    head = "".join(f"{line}\r\n" for line in lines).encode("utf-8", "ignore")
    return PreparedHit(head, headers.get("Content-Type"), stored)


def hit_bytes(
    request: web.BaseRequest, prepared: PreparedHit, age: int, request_id: str,
    server_timing: str, body: bytes,
) -> bytes:
    """Status line, headers and body of one hit; `Connection` as aiohttp would set it."""
    version = request.version
    connection = ""
    if request.keep_alive:
        if version == HttpVersion10:
            connection = "Connection: keep-alive\r\n"
    elif version == HttpVersion11:
        connection = "Connection: close\r\n"
    own = (f"Age: {age}\r\nX-Amz-Cf-Id: {request_id}\r\nServer-Timing: {server_timing}\r\n"
           f"{connection}\r\n")
    start = _STATUS_LINE_START.get(version) or f"HTTP/{version.major}.{version.minor}".encode()
    return b"".join((start, prepared.head, own.encode("utf-8", "ignore"), body))


class PreparedResponse(web.StreamResponse):
    """A hit already written to the transport (`send_prepared`), as aiohttp sees it afterwards.

    aiohttp drives every response the same way after the handler returns: `prepare`, then
    `write_eof`, then it keeps the connection open if `keep_alive` says so. Here `prepare` only
    waits for the transport to drain (the back-pressure aiohttp's own write would have applied),
    `write_eof` has nothing left to write, and `keep_alive` is the viewer's, as `hit_bytes` wrote
    it in `Connection`.
    """

    def __init__(self, status: int, reason: str, length: int, keep_alive: bool) -> None:
        super().__init__(status=status, reason=reason)
        self._length = length
        self._viewer_keep_alive = keep_alive

    @property
    def keep_alive(self) -> bool:
        return self._viewer_keep_alive

    @property
    def body_length(self) -> int:
        return self._length

    async def prepare(self, request: web.BaseRequest) -> AbstractStreamWriter | None:
        await request.writer.drain()
        return None

    async def write_eof(self, data: bytes = b"") -> None:
        return None
