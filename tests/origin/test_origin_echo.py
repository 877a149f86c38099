"""`/api/echo` returns the request exactly as received: raw target, raw header names, body."""

from __future__ import annotations

import base64
import hashlib
import io
import json

import pytest
from aiohttp.test_utils import TestClient

from tests.origin.raw_http import send_raw

HEADERS = [
    ("Host", "origin.example"),
    ("x-lower", "one"),
    ("X-MiXeD-CaSe", "two"),
    ("X-Lower", "three"),
    ("Content-Type", "application/octet-stream"),
    ("Content-Length", "7"),
    ("Connection", "close"),
]
BODY = b"\x00\xff\xfe\x10abc"


async def test_echo_is_exact_over_a_raw_socket(origin: TestClient) -> None:
    head = "POST /api/echo/some/Pa%20th/?b=2&a=1&a=%41&flag HTTP/1.1\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in HEADERS) + "\r\n"
    raw = await send_raw(str(origin.server.host), int(origin.server.port), head.encode() + BODY)
    status_line, _, rest = raw.partition(b"\r\n")
    assert status_line == b"HTTP/1.1 200 OK"
    echoed = json.loads(rest.partition(b"\r\n\r\n")[2])
    assert echoed["method"] == "POST"
    assert echoed["path"] == "/api/echo/some/Pa%20th/"
    assert echoed["query"] == "b=2&a=1&a=%41&flag"
    assert echoed["http_version"] == "1.1"
    assert echoed["headers"] == [list(pair) for pair in HEADERS]
    assert echoed["body_encoding"] == "base64"
    assert base64.b64decode(echoed["body"]) == BODY
    assert echoed["body_length"] == len(BODY)
    assert echoed["body_sha256"] == hashlib.sha256(BODY).hexdigest()
    assert echoed["peer"]["host"] == "127.0.0.1"
    assert isinstance(echoed["peer"]["port"], int)


@pytest.mark.parametrize("method", ["GET", "PUT", "PATCH", "DELETE", "OPTIONS"])
async def test_echo_answers_any_method_on_any_sub_path(origin: TestClient, method: str) -> None:
    response = await origin.request(method, "/api/echo/x/y", data="héllo wörld")
    assert response.status == 200
    echoed = await response.json()
    assert echoed["method"] == method
    assert echoed["path"] == "/api/echo/x/y"
    assert echoed["query"] == ""
    assert echoed["body_encoding"] == "utf-8"
    assert echoed["body"] == "héllo wörld"
    assert echoed["body_length"] == len("héllo wörld".encode())


async def test_echo_sends_no_caching_headers_unless_a_knob_asks(origin: TestClient) -> None:
    plain = await origin.get("/api/echo")
    assert not {"Cache-Control", "Expires", "ETag", "Last-Modified"} & set(plain.headers)
    asked = await origin.get("/api/echo?cc=max-age%3D30")
    assert asked.headers["Cache-Control"] == "max-age=30"
    assert (await asked.json())["query"] == "cc=max-age%3D30"


async def test_echo_of_a_large_binary_body(origin: TestClient) -> None:
    body = bytes(range(256)) * 8192  # 2 MiB, past aiohttp's default 1 MiB limit
    echoed = await (await origin.post("/api/echo", data=io.BytesIO(body))).json()
    assert echoed["body_length"] == len(body)
    assert echoed["body_sha256"] == hashlib.sha256(body).hexdigest()
