"""Checking that the origin holds a request: it has counted it but not yet answered."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from aiohttp.test_utils import TestClient


async def assert_request_is_held(origin: TestClient, url: str) -> None:
    """GET `url`, wait until the origin's stats count it, and check no answer has come."""
    path = urlsplit(url).path
    pending = asyncio.ensure_future(origin.get(url))
    try:
        for _ in range(200):  # wait until the origin has the request
            stats = await (await origin.get("/_origin/stats")).json()
            if stats["by_path"].get(path):
                break
            await asyncio.sleep(0.01)
        assert stats["by_path"][path] == {"GET": 1}
        assert not pending.done()
    finally:
        pending.cancel()
