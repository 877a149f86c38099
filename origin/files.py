"""Large files made on the fly: `/files/{n}MB.bin`, deterministic bytes, never on disk.

Every 64 KiB block starts with a label naming the file and the block number, so a body stitched
together from the wrong ranges or the wrong file is visible; the rest of a block is fixed noise.
Range and conditional requests are answered here (the static site leaves them to FileResponse).
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator

from aiohttp import web
from multidict import CIMultiDict

from edge.http.dates import format_http_date
from edge.http.ranges import ByteRange, Unsatisfiable, content_range
from origin.conditional import not_modified, selected_range
from origin.stats import STATS, MeteredResponse

__all__ = [
    "BLOCK",
    "LAST_MODIFIED",
    "MAX_MEGABYTES",
    "MAX_SIZE",
    "body_chunks",
    "file_etag",
    "generated_response",
    "handle_file",
    "parse_rate",
]

MAX_MEGABYTES = 512
MEGABYTE = 1024 * 1024
MAX_SIZE = MAX_MEGABYTES * MEGABYTE
BLOCK = 64 * 1024
LAST_MODIFIED = 1704067200.0  # 2024-01-01T00:00:00Z: the generator's content never changes
CACHE_CONTROL = "max-age=3600"
GENERATED_NAME = "generated"  # the body behind the `size=` knob
_NOISE = hashlib.shake_256(b"edgesim-origin generated body").digest(BLOCK)
_NO_BODY = frozenset({204, 304})


def block(name: str, index: int) -> bytes:
    label = f"{name} block {index}\n".encode()
    return label + _NOISE[len(label) :]


def body_chunks(name: str, first: int, stop: int, chunk_size: int = BLOCK) -> Iterator[bytes]:
    """Bytes `first` to `stop` (exclusive) of the generated body called `name`."""
    offset = first
    while offset < stop:
        index, skip = divmod(offset, BLOCK)
        piece = block(name, index)[skip : min(BLOCK, skip + stop - offset)]
        for start in range(0, len(piece), chunk_size):
            yield piece[start : start + chunk_size]
        offset += len(piece)


def file_etag(megabytes: int) -> str:
    return f'"edgesim-{megabytes}MB-v1"'


def parse_rate(value: str) -> int:
    """The `rate=` throttle in bytes per second: a whole number of at least 1."""
    if not value.isascii() or not value.isdigit() or int(value) == 0:
        raise ValueError("rate: want bytes per second, a whole number of at least 1")
    return int(value)


async def _stream(
    request: web.Request,
    response: MeteredResponse,
    name: str,
    body: ByteRange | None,
    *,
    rate: int | None = None,
) -> MeteredResponse:
    await response.prepare(request)
    if body is not None and request.method != "HEAD" and response.status not in _NO_BODY:
        chunk_size = BLOCK if rate is None else max(1, min(BLOCK, rate // 10))
        for piece in body_chunks(name, body.start, body.end + 1, chunk_size):
            await response.write(piece)
            if rate is not None:  # throttle so a viewer can see bytes before the transfer ends
                await asyncio.sleep(len(piece) / rate)
    await response.write_eof()
    return response


async def handle_file(request: web.Request) -> web.StreamResponse:
    """GET/HEAD `/files/{n}MB.bin`; `?chunked=1` drops Content-Length, `?rate=` caps bytes/s."""
    megabytes = int(request.match_info["megabytes"])
    if not 1 <= megabytes <= MAX_MEGABYTES:
        raise web.HTTPNotFound(text=f"files go from 1MB.bin to {MAX_MEGABYTES}MB.bin\n")
    chunked = request.query.get("chunked", "0")
    if chunked not in ("0", "1"):
        raise web.HTTPBadRequest(text="chunked: want 1 or 0\n")
    try:
        rate = parse_rate(request.query["rate"]) if "rate" in request.query else None
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"{error}\n") from None
    size = megabytes * MEGABYTE
    headers = CIMultiDict(
        {
            "ETag": file_etag(megabytes),
            "Last-Modified": format_http_date(LAST_MODIFIED),
            "Date": format_http_date(time.time()),  # If-Range by date wants it (RFC 9110 §8.8.2.2)
            "Cache-Control": CACHE_CONTROL,
            "Accept-Ranges": "bytes",
            "Content-Type": "application/octet-stream",
        }
    )
    stats = request.app[STATS]
    if not_modified(request.method, request.headers, headers):
        return await _stream(request, MeteredResponse(stats, status=304, headers=headers), "", None)
    selected = selected_range(request.headers, headers, size)
    if isinstance(selected, Unsatisfiable):  # RFC 9110 §15.5.17
        headers["Content-Range"] = content_range(selected, size)
        response = MeteredResponse(stats, status=416, headers=headers)
        response.content_length = 0
        return await _stream(request, response, "", None)
    status = 200 if selected is None else 206
    body = ByteRange(0, size - 1) if selected is None else selected
    if selected is not None:
        headers["Content-Range"] = content_range(selected, size)
    response = MeteredResponse(stats, status=status, headers=headers)
    if chunked == "1":
        response.enable_chunked_encoding()
    else:
        response.content_length = body.end - body.start + 1
    return await _stream(request, response, f"{megabytes}MB.bin", body, rate=rate)


async def generated_response(
    request: web.Request, status: int, size: int, rate: int | None = None
) -> web.StreamResponse:
    """The `size=` knob: `size` generated bytes with the given status, whatever the path."""
    headers = {"Content-Type": "application/octet-stream"}
    response = MeteredResponse(request.app[STATS], status=status, headers=headers)
    if status in _NO_BODY:
        return await _stream(request, response, GENERATED_NAME, None)
    response.content_length = size
    body = ByteRange(0, size - 1) if size else None
    return await _stream(request, response, GENERATED_NAME, body, rate=rate)
