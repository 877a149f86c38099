"""Plain GET hits are written from bytes prepared at store time: the same response, on the wire.

HEAD and conditional requests take the general path, so each test compares the two or reads
the raw bytes a viewer gets.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from edge.node.prepared import prepare_hit
from tests.world import World

# What differs from one request to the next; everything else is the object's.
PER_REQUEST = {"Age", "X-Amz-Cf-Id", "Server-Timing"}
PATH = "/t/plain?size=100&cc=max-age%3D3600"


async def read_response(reader: asyncio.StreamReader) -> bytes:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=10)
    length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    return head + await asyncio.wait_for(reader.readexactly(length), timeout=10)


async def exchange(port: int, data: bytes) -> tuple[bytes, bool]:
    """The answer to `data`, and whether the node kept the connection (it answers `data` again)."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    response = await read_response(reader)
    try:
        writer.write(data)
        await writer.drain()
        await read_response(reader)
        kept = True
    except (asyncio.IncompleteReadError, ConnectionError):
        kept = False
    writer.close()
    return response, kept


def header_lines(response: bytes) -> list[str]:
    return response.split(b"\r\n\r\n", 1)[0].decode().split("\r\n")


async def test_a_get_hit_has_the_headers_of_the_general_path(world: World) -> None:
    await world.get(PATH)
    assert world.session is not None
    # A HEAD is answered by the general path, a GET from the prepared bytes.
    head = await world.session.head(world.url(world.pop, PATH))
    get = await world.get(PATH)
    assert get.headers["X-Cache"] == head.headers["X-Cache"] == "Hit from cloudfront"

    def fixed(headers: Mapping[str, str]) -> list[tuple[str, str]]:
        return sorted((k, v) for k, v in headers.items() if k not in PER_REQUEST)

    assert fixed(get.headers) == fixed(head.headers)
    assert get.headers["X-Amz-Cf-Id"] != head.headers["X-Amz-Cf-Id"]
    assert get.headers["Server-Timing"].startswith("cdn-cache-hit,cdn-pop;")
    assert "cdn-hit-layer;desc=\"EDGE\"" in get.headers["Server-Timing"]
    assert int(get.headers["Age"]) >= 0


@pytest.mark.parametrize(
    ("version", "extra", "connection", "kept"),
    [
        (b"HTTP/1.1", b"", None, True),
        (b"HTTP/1.1", b"Connection: close\r\n", "close", False),
        (b"HTTP/1.0", b"", None, False),
        (b"HTTP/1.0", b"Connection: keep-alive\r\n", "keep-alive", True),
    ],
)
async def test_a_prepared_hit_keeps_or_closes_the_connection_as_the_viewer_asked(
    world: World, version: bytes, extra: bytes, connection: str | None, kept: bool
) -> None:
    port = world.config.nodes[world.pop].port
    request = b"GET " + PATH.encode() + b" " + version + b"\r\nHost: x\r\n" + extra + b"\r\n"
    await exchange(port, request)  # the miss that stores the object
    response, was_kept = await exchange(port, request)
    lines = header_lines(response)
    assert lines[0] == version.decode() + " 200 OK"
    assert "X-Cache: Hit from cloudfront" in lines
    sent = [line.split(": ", 1)[1] for line in lines if line.startswith("Connection:")]
    assert sent == ([connection] if connection else [])
    assert was_kept == kept


async def test_a_prepared_hit_is_logged_like_any_hit(world: World) -> None:
    port = world.config.nodes[world.pop].port
    request = b"GET " + PATH.encode() + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    await exchange(port, request)
    response, _ = await exchange(port, request)
    ctx = world.context(world.pop)
    ctx.access_log.flush()
    last = ctx.access_log.path_for(ctx.clock()).read_text().splitlines()[-1].split("\t")
    assert last[13] == last[22] == last[28] == "Hit"  # result types
    assert int(last[3]) == len(response)  # sc-bytes: status line, headers and body
    body = response.split(b"\r\n\r\n", 1)[1]
    assert f"Content-Type: {last[29]}" in header_lines(response)
    assert int(last[30]) == len(body) == 100


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, {"Content-Type": "text/plain"}),  # no Date: aiohttp would date each response
        (404, {"Date": "Mon, 01 Jan 2024 00:00:00 GMT"}),  # an error may get a custom page
        (204, {"Date": "Mon, 01 Jan 2024 00:00:00 GMT"}),  # no body
        (200, {"Date": "Mon, 01 Jan 2024 00:00:00 GMT", "X-Bad": "a\x01b"}),  # aiohttp refuses
    ],
)
async def test_responses_a_hit_answers_differently_are_not_prepared(
    world: World, status: int, headers: dict[str, str]
) -> None:
    ctx = world.context(world.pop)
    behavior = ctx.matcher.match("/t/x")
    assert prepare_hit(ctx, behavior, status, "Reason",
                       CIMultiDictProxy(CIMultiDict(headers)), b"body") is None


async def test_a_prepared_head_is_what_aiohttp_would_complete(world: World) -> None:
    ctx = world.context(world.pop)
    behavior = ctx.matcher.match("/t/x")
    stored = CIMultiDictProxy(CIMultiDict({"Date": "Mon, 01 Jan 2024 00:00:00 GMT",
                                           "Content-Length": "99", "X-Amz-Cf-Id": "from-origin"}))
    prepared = prepare_hit(ctx, behavior, 200, "OK", stored, b"four")
    assert prepared is not None
    lines = prepared.head.decode().split("\r\n")
    assert lines[0] == " 200 OK"
    assert "Content-Length: 4" in lines
    assert "Content-Type: application/octet-stream" in lines  # aiohttp's default for a body
    assert prepared.content_type == "application/octet-stream"
    assert not any(line.startswith("X-Amz-Cf-Id") for line in lines)  # each request's own
    assert f"X-Amz-Cf-Pop: {ctx.node.id}" in lines
    assert "X-Cache: Hit from cloudfront" in lines
