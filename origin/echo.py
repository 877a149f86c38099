"""`/api/echo[/...]`: the request exactly as the origin received it, for any method.

Tests through the edge read this to see what the edge forwarded: the raw target, header names
in their received case and order, and the body byte for byte. Header bytes are decoded as
ISO-8859-1 so that every byte survives into JSON; the body is text only when it is UTF-8.
"""

from __future__ import annotations

import base64
import hashlib
from typing import Any

from aiohttp import web

__all__ = ["describe_body", "echo_routes", "handle_echo"]


def describe_body(body: bytes) -> dict[str, Any]:
    try:
        text, encoding = body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        text, encoding = base64.b64encode(body).decode("ascii"), "base64"
    return {
        "body": text,
        "body_encoding": encoding,
        "body_length": len(body),
        "body_sha256": hashlib.sha256(body).hexdigest(),
    }


async def handle_echo(request: web.Request) -> web.Response:
    body = await request.read()
    path, _, query = request.raw_path.partition("?")
    peername = request.transport.get_extra_info("peername") if request.transport else None
    echoed = {
        "method": request.method,
        "path": path,
        "query": query,
        "http_version": f"{request.version.major}.{request.version.minor}",
        "headers": [
            [name.decode("latin-1"), value.decode("latin-1")] for name, value in request.raw_headers
        ],
        **describe_body(body),
        "peer": {"host": peername[0], "port": peername[1]} if peername else None,
    }
    return web.json_response(echoed)


def echo_routes() -> list[web.RouteDef]:
    return [
        web.route("*", "/api/echo", handle_echo),
        web.route("*", "/api/echo/{tail:.*}", handle_echo),
    ]
