"""Header names reach the viewer as the origin spelled them (`ETag`, not aiohttp's `Etag`), on a
miss, a prepared hit, a 304 and a refresh, through a regional cache or straight from the origin
(as `edgesim pop` runs)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.node.conftest import Clock
from tests.world import World, start_world

PATH = "/t/names?size=10&cc=max-age%3D60&etag=v1"  # the sample origin sends `ETag: "v1"`


def etag_names(response: aiohttp.ClientResponse) -> list[bytes]:
    """The names the response's ETag lines were sent with (aiohttp's `headers` respell them)."""
    return [name for name, _ in response.raw_headers if name.lower() == b"etag"]


@pytest.fixture(params=["tiers", "pop-alone"])
async def any_world(request: pytest.FixtureRequest, tmp_path: Path,
                    clock: Clock) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "logs", tiers=request.param == "tiers", clock=clock)
    yield w
    await w.close()


async def test_the_origins_etag_name_is_kept_on_every_kind_of_reply(
    any_world: World, clock: Clock
) -> None:
    world = any_world
    miss = await world.get(PATH)
    assert miss.headers["X-Cache"] == "Miss from cloudfront"
    assert etag_names(miss) == [b"ETag"]
    hit = await world.get(PATH)  # a plain GET: the prepared hit's bytes
    assert hit.headers["X-Cache"] == "Hit from cloudfront"
    assert etag_names(hit) == [b"ETag"]
    not_modified = await world.get(PATH, headers={"If-None-Match": '"v1"'})
    assert not_modified.status == 304
    assert etag_names(not_modified) == [b"ETag"]
    clock.advance(61)
    refreshed = await world.get(PATH)
    assert refreshed.headers["X-Cache"] == "RefreshHit from cloudfront"
    assert etag_names(refreshed) == [b"ETag"]
    assert etag_names(await world.get(PATH)) == [b"ETag"]  # the refreshed object's hit
