"""A PoP takes a `Host` naming one of edgesim's own addresses (the front door's, a PoP's port) as
the distribution's domain name: one cache entry whichever entry point a viewer used, and an
origin that gets `Host` sees the domain, as from CloudFront (edge.http.host)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.config import with_origin
from edge.frontdoor import FrontDoor, viewer_server
from tests.world import World, access_log_lines, reserve_port, site, start_world

# The `--origin` distribution keys on Host (UseOriginCacheControlHeaders-QueryStrings, as on
# AWS) and forwards what it keys; the echo says what arrived, cacheable for a minute.
ECHO = "/api/echo/page"
CACHEABLE = ECHO + "?cc=max-age=60"
CS_HOST, X_HOST_HEADER = 6, 15  # access-log fields, 0-based (spec §6.6)


@asynccontextmanager
async def app_world_with_front_door(tmp_path: Path) -> AsyncIterator[tuple[World, str]]:
    """The `--origin` world (the sample origin as the app) and its front door's URL; the
    world is closed, its logs written, when the block ends."""
    door_port = reserve_port()

    def front_door(data: dict[str, Any]) -> None:
        data["front_door"] = {"port": door_port}

    world = await start_world(tmp_path / "logs", front_door, prepare=with_origin)
    door = FrontDoor(world.config)
    await door.start()
    runner = web.ServerRunner(viewer_server(door))
    await runner.setup()
    await site(runner, door_port).start()
    try:
        yield world, f"http://127.0.0.1:{door_port}"
    finally:
        await runner.cleanup()
        await door.close()
        await world.close()


def door_port(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


async def echoed_host(response: aiohttp.ClientResponse) -> str:
    received = dict((await response.json())["headers"])
    return str(received["Host"])


async def test_the_front_door_and_every_pop_port_share_one_entry_keyed_on_the_domain_name(
    tmp_path: Path,
) -> None:
    async with app_world_with_front_door(tmp_path) as (world, door_url):
        assert world.session is not None
        domain = world.config.distribution.domain_name
        pop_port = world.config.nodes[world.pop].port
        via_door = await world.session.get(door_url + CACHEABLE)
        assert via_door.headers["X-Cache"] == "Miss from cloudfront"
        assert await echoed_host(via_door) == domain  # what the app gets
        # The same request straight to the PoP (`edgesim load --direct`), by either name.
        for host in (None, f"localhost:{pop_port}", f"[::1]:{door_port(door_url)}"):
            headers = {"Host": host} if host else {}
            direct = await world.get(CACHEABLE, headers=headers)
            assert direct.headers["X-Cache"] == "Hit from cloudfront", host
            assert await echoed_host(direct) == domain
        assert await world.origin_count(ECHO) == 1
        (entry,) = (await world.admin(world.pop, "GET", "/cache?prefix=/api/"))[1]["entries"]
        assert f'host="{domain}"' in entry["key"]
        # An alternate domain name is the viewer's own: kept, keyed and forwarded as sent.
        other = await world.get(CACHEABLE, headers={"Host": "www.example.com"})
        assert other.headers["X-Cache"] == "Miss from cloudfront"
        assert await echoed_host(other) == "www.example.com"
    lines = [line.split("\t") for line in access_log_lines(tmp_path / "logs" / world.pop)]
    assert [line[CS_HOST] for line in lines] == [domain] * 5  # always the distribution's
    assert [line[X_HOST_HEADER] for line in lines] == [domain] * 4 + ["www.example.com"]


async def test_the_app_gets_the_domain_name_from_a_request_sent_straight_to_a_pop(
    tmp_path: Path,
) -> None:
    """Not cached (no max-age) and sent straight to the PoP: the app still sees the domain
    name, never `127.0.0.1:<port>`."""
    async with app_world_with_front_door(tmp_path) as (world, _):
        response = await world.get(ECHO)
        assert await echoed_host(response) == world.config.distribution.domain_name
