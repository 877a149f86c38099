"""The file server never serves a path outside its content folder, and bad input never kills it.

Raw sockets, because HTTP clients normalise `..` and percent-escapes before sending.
"""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient

from tests.origin.raw_http import RawRequest, raw_get, status_of

SECRET = b"TOP SECRET"


@pytest.mark.parametrize(
    "target",
    [
        b"/../secret.txt",
        b"/../../../../etc/passwd",
        b"/sub/../../secret.txt",
        b"/%2e%2e/secret.txt",
        b"/%2E%2E/%2E%2E/etc/passwd",
        b"/.%2e/secret.txt",
        b"/%2e%2e%2fsecret.txt",
        b"/sub/..%2f..%2fsecret.txt",
        b"/sub%2f..%2f..%2fsecret.txt",
        b"/%252e%252e/secret.txt",
        b"/%252e%252e%252fsecret.txt",
        b"/..\\secret.txt",
        b"/sub\\..\\..\\secret.txt",
        b"/%5c..%5csecret.txt",
        b"//etc/passwd",
        b"/%2fetc/passwd",
        b"/%2Fetc%2Fpasswd",
        b"/etc/passwd",
        b"/sub/page.html%00.txt",
        b"/%00",
        b"/leak.txt",
        b"/leakdir/secret.txt",
        b"/.%2e/.%2e/secret.txt",
        b"http://origin/../secret.txt",
    ],
)
async def test_traversal_attempt_is_refused_never_the_file(
    raw_request: RawRequest, target: bytes
) -> None:
    response = await raw_request(raw_get(target))
    assert status_of(response) in (400, 403, 404), response[:200]
    assert SECRET not in response
    assert b"root:" not in response


async def test_symlink_out_of_the_folder_is_403(site_origin: TestClient) -> None:
    assert (await site_origin.get("/leak.txt")).status == 403
    assert (await site_origin.get("/leakdir/secret.txt")).status == 403


async def test_symlink_within_the_folder_is_served(site_origin: TestClient) -> None:
    response = await site_origin.get("/inside.html")
    assert response.status == 200
    assert await response.text() == "<p>page</p>"


async def test_plain_paths_of_a_custom_content_folder_are_served(raw_request: RawRequest) -> None:
    home = await raw_request(raw_get(b"/"))
    assert status_of(home) == 200
    assert home.endswith(b"<h1>home</h1>")
    page = await raw_request(raw_get(b"/sub/page.html"))
    assert page.endswith(b"<p>page</p>")


@pytest.mark.parametrize(
    "data",
    [
        b"garbage\r\n\r\n",
        b"GET\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET / HTTP/1.1\r\nno colon here\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + b"x" * 100_000 + b"\r\n\r\n",
        b"GET /" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS hello on the plain port
        b"POST /api/echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"GET /%zz HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        b"G\x00T / HTTP/1.1\r\n\r\n",
    ],
)
async def test_malformed_request_never_kills_the_server(
    raw_request: RawRequest, site_origin: TestClient, data: bytes
) -> None:
    response = await raw_request(data)
    assert SECRET not in response
    assert (await site_origin.get("/_origin/health")).status == 200
    assert (await site_origin.get("/sub/page.html")).status == 200
