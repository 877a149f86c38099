"""Fixtures for the sample origin: the real app on 127.0.0.1 and a raw-socket client."""

from __future__ import annotations

from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from origin.app import make_app
from tests.origin.raw_http import RawRequest, send_raw


@pytest.fixture
async def origin(aiohttp_client) -> TestClient:
    """The origin with its packaged sample site."""
    return await aiohttp_client(make_app())


@pytest.fixture
def content_dir(tmp_path: Path) -> Path:
    """A content folder with a secret file beside it and symlinks that point out of it."""
    content = tmp_path / "content"
    (content / "sub").mkdir(parents=True)
    (content / "index.html").write_text("<h1>home</h1>")
    (content / "sub" / "page.html").write_text("<p>page</p>")
    (tmp_path / "secret.txt").write_text("TOP SECRET")
    (content / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (content / "leakdir").symlink_to(tmp_path)
    (content / "inside.html").symlink_to(content / "sub" / "page.html")
    return content


@pytest.fixture
async def site_origin(aiohttp_client, content_dir: Path) -> TestClient:
    return await aiohttp_client(make_app(content_dir))


@pytest.fixture
def raw_request(site_origin: TestClient) -> RawRequest:
    """Send bytes as they are, since HTTP clients normalise the paths these tests need."""
    server = site_origin.server

    async def send(data: bytes) -> bytes:
        return await send_raw(str(server.host), int(server.port), data)

    return send
