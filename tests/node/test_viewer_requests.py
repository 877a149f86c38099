"""What the viewer gets for ranges, validators, HEAD, compression, methods and bad input."""

from __future__ import annotations

import asyncio
import gzip
from pathlib import Path

import brotli
import pytest

from tests.world import World, start_world


async def raw_request(port: int, data: bytes) -> bytes:
    """Bytes on a socket, for requests an HTTP client would tidy up first."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    await writer.drain()
    response = await asyncio.wait_for(reader.read(1 << 20), timeout=10)
    writer.close()
    return response


async def test_range_is_served_from_the_cached_object(world: World) -> None:
    full = await (await world.get("/images/coffee.jpg")).read()
    part = await world.get("/images/coffee.jpg", headers={"Range": "bytes=100-199"})
    assert part.status == 206
    assert part.headers["X-Cache"] == "Hit from cloudfront"
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(full)}"
    assert await part.read() == full[100:200]
    suffix = await world.get("/images/coffee.jpg", headers={"Range": "bytes=-10"})
    assert await suffix.read() == full[-10:]
    assert await world.origin_count("/images/coffee.jpg") == 1


async def test_range_on_a_miss_fetches_whole_object_then_answers_206(world: World) -> None:
    part = await world.get("/images/rocket.jpg", headers={"Range": "bytes=0-9"})
    assert part.status == 206
    assert part.headers["X-Cache"] == "Miss from cloudfront"
    assert len(await part.read()) == 10
    whole = await world.get("/images/rocket.jpg")
    assert whole.headers["X-Cache"] == "Hit from cloudfront"


@pytest.mark.parametrize("value", ["bytes=500-100", "bytes=0-10,5-20", "items=0-1", "bytes=x-y"])
async def test_invalid_range_gets_the_whole_object(world: World, value: str) -> None:
    full = await (await world.get("/images/chelsea.jpg")).read()
    response = await world.get("/images/chelsea.jpg", headers={"Range": value})
    assert response.status == 200
    assert await response.read() == full


async def test_unsatisfiable_range_is_416(world: World) -> None:
    await world.get("/images/chelsea.jpg")
    response = await world.get("/images/chelsea.jpg", headers={"Range": "bytes=99999999-"})
    assert response.status == 416
    assert response.headers["Content-Range"].startswith("bytes */")


async def test_viewer_conditional_get_is_answered_304_from_cache(world: World) -> None:
    first = await world.get("/static/css/site.css")
    etag = first.headers["ETag"]
    response = await world.get("/static/css/site.css", headers={"If-None-Match": etag})
    assert response.status == 304
    assert response.headers["X-Cache"] == "Hit from cloudfront"
    assert response.headers["ETag"] == etag
    assert await response.read() == b""
    assert await world.origin_count("/static/css/site.css") == 1


async def test_head_answers_headers_of_the_cached_object(world: World) -> None:
    full = await (await world.get("/images/astronaut.jpg")).read()
    assert world.session is not None
    async with world.session.head(world.url(world.pop, "/images/astronaut.jpg")) as response:
        assert response.status == 200
        assert response.headers["X-Cache"] == "Hit from cloudfront"
        assert int(response.headers["Content-Length"]) == len(full)


async def test_text_is_compressed_with_brotli_or_gzip_as_the_viewer_accepts(world: World) -> None:
    path = "/t/text?size=20000&content-type=text%2Fplain&cc=max-age%3D60"
    plain = await world.get(path, headers={"Accept-Encoding": "identity"})
    raw = await plain.read()
    assert "Content-Encoding" not in plain.headers
    br = await world.get(path, headers={"Accept-Encoding": "gzip, deflate, br"})
    assert br.headers["Content-Encoding"] == "br"
    assert brotli.decompress(await br.read()) == raw
    gz = await world.get(path, headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(await gz.read()) == raw
    assert "Accept-Encoding" in gz.headers["Vary"]
    again = await world.get(path, headers={"Accept-Encoding": "br, gzip"})
    assert again.headers["X-Cache"] == "Hit from cloudfront"
    assert await world.origin_count("/t/text") == 3  # one per normalised encoding


async def test_set_cookie_stripped_when_cookies_are_not_forwarded(world: World) -> None:
    response = await world.get("/t/cookie?size=10&set-cookie=session%3Dabc&cc=max-age%3D60")
    assert "Set-Cookie" not in response.headers


async def test_set_cookie_kept_when_cookies_are_forwarded(world: World) -> None:
    response = await world.get("/api/echo/c?set-cookie=session%3Dabc")
    assert response.headers["Set-Cookie"] == "session=abc"


async def test_method_not_allowed_by_behavior_is_403(world: World) -> None:
    assert world.session is not None
    async with world.session.post(world.url(world.pop, "/static/css/site.css"), data=b"x") as r:
        assert r.status == 403
        assert r.headers["X-Cache"] == "Error from cloudfront"


async def test_get_with_a_body_is_403(world: World) -> None:
    port = world.config.nodes[world.pop].port
    response = await raw_request(
        port, b"GET /index.html HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
    )
    assert response.startswith(b"HTTP/1.1 403")


async def test_oversized_url_is_413(world: World) -> None:
    port = world.config.nodes[world.pop].port
    long_path = b"/" + b"a" * 9000
    response = await raw_request(port, b"GET " + long_path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 413")
    assert (await world.get("/index.html")).status == 200  # the node still serves


async def test_oversized_headers_are_413(world: World) -> None:
    port = world.config.nodes[world.pop].port
    headers = b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 4000) for i in range(6))
    response = await raw_request(port, b"GET / HTTP/1.1\r\nHost: x\r\n" + headers + b"\r\n")
    assert response.startswith(b"HTTP/1.1 413")


async def test_malformed_request_is_400_and_node_keeps_serving(world: World) -> None:
    port = world.config.nodes[world.pop].port
    response = await raw_request(port, b"THIS IS NOT HTTP\r\n\r\n")
    assert response.startswith(b"HTTP/1.1 400") or response.startswith(b"HTTP/1.0 400")
    assert (await world.get("/index.html")).status == 200


@pytest.mark.parametrize(
    "path",
    [
        b"/../../../../etc/passwd",
        b"/static/../../../etc/passwd",
        b"/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        b"/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        b"/static/%252e%252e/%252e%252e/etc/passwd",
        b"//etc/passwd",
        b"/static/..%5c..%5c..%5cetc%5cpasswd",
    ],
)
async def test_path_traversal_through_the_edge_never_reaches_outside_content(
    world: World, path: bytes
) -> None:
    port = world.config.nodes[world.pop].port
    response = await raw_request(port, b"GET " + path + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status = int(response.split(b" ", 2)[1])
    assert status in (400, 403, 404)
    assert b"root:" not in response


async def test_origin_group_fails_over_to_secondary_on_listed_status(tmp_path: Path) -> None:
    def with_group(data: dict) -> None:
        primary = data["origins"][0]
        data["origins"].append({**primary, "id": "backup"})
        data["origins"][0] = {**primary, "url": primary["url"] + "/nowhere"}
        data["origin_groups"] = [{"id": "group", "primary": "site", "secondary": "backup",
                                  "failover_status_codes": [404]}]
        data["behaviors"][0]["origin"] = "group"

    world = await start_world(tmp_path / "logs", with_group)
    try:
        assert world.session is not None
        fault = {"path_prefix": "/nowhere", "status": 404}
        async with world.session.put(f"{world.origin_url}/_origin/faults", json=fault) as r:
            assert r.status < 300
        response = await world.get("/t/failover?size=10&cc=max-age%3D60")
        assert response.status == 200
        stats = await world.origin_stats()
        assert "/nowhere/t/failover" in stats["by_path"]
        assert "/t/failover" in stats["by_path"]
    finally:
        await world.close()


async def test_custom_error_response_replaces_the_body_and_caches_the_error(
    world: World,
) -> None:
    first = await world.get("/no-such-page.html")
    assert first.status == 404
    assert first.headers["X-Cache"] == "Error from cloudfront"
    assert b"custom error response for 404" in await first.read()
    assert first.headers["Content-Type"].startswith("text/html")
    again = await world.get("/no-such-page.html")
    other = await world.get("/no-other-page.html")
    for response in (again, other):  # the page now a hit in the cache: its type all the same
        assert response.status == 404
        assert b"custom error response for 404" in await response.read()
        assert response.headers["Content-Type"].startswith("text/html")
    assert await world.origin_count("/no-such-page.html") == 1  # error cached (30 s)
    assert await world.origin_count("/errors/404.html") == 1  # the page is cached too


async def test_custom_error_response_can_change_the_status(tmp_path: Path) -> None:
    def error_as_200(data: dict) -> None:
        data["custom_error_responses"] = [{
            "error_code": 503, "response_page_path": "/about.html", "response_code": 200,
        }]

    world = await start_world(tmp_path / "logs", error_as_200)
    try:
        response = await world.get("/t/down?status=503", headers={"Accept-Encoding": "identity"})
        assert response.status == 200
        assert b"About this site" in await response.read()
    finally:
        await world.close()


async def test_origin_custom_headers_reach_the_origin(tmp_path: Path) -> None:
    def with_secret(data: dict) -> None:
        data["origins"][0]["custom_headers"] = {"X-Origin-Verify": "s3cret"}

    world = await start_world(tmp_path / "logs", with_secret)
    try:
        response = await world.get("/api/echo/plain/custom", headers={"X-Origin-Verify": "fake"})
        echoed = await response.json(content_type=None)
        sent = [(name.lower(), value) for name, value in echoed["headers"]]
        assert ("x-origin-verify", "s3cret") in sent
        assert ("x-origin-verify", "fake") not in sent
    finally:
        await world.close()
