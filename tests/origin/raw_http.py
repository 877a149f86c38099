"""Bytes on a socket, for requests that HTTP clients would normalise before sending."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

RawRequest = Callable[[bytes], Awaitable[bytes]]


async def send_raw(host: str, port: int, data: bytes) -> bytes:
    """Write `data` on a fresh connection and read until the server closes it."""
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data)
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


def raw_get(target: bytes) -> bytes:
    return b"GET " + target + b" HTTP/1.1\r\nHost: origin\r\nConnection: close\r\n\r\n"
