"""The front door: each viewer to the nearest healthy PoP, and elsewhere when that one is down."""

from __future__ import annotations

import asyncio
import json
import time
import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from edge.config import default_config_path
from edge.frontdoor import FrontDoor, admin_app, viewer_server
from tests.world import World, reserve_node_port, reserve_port, site, start_world

CITY = "X-Edgesim-Viewer-City"
POPS = ("IAD89-C1", "GRU3-C1", "FRA56-C1", "JNB50-C1", "NRT57-C1", "SYD62-C1")


def _six_pops(data: dict[str, Any]) -> None:
    with open(default_config_path(), "rb") as f:
        default = {p["id"]: p for p in tomllib.load(f)["pops"]}
    data["regional_caches"] = []
    data["pops"] = [{**default[pop_id], "port": reserve_node_port()} for pop_id in POPS]
    for pop in data["pops"]:
        pop.pop("parent")  # no regional caches here: each PoP goes to the origin


class Door:
    def __init__(self, world: World, door: FrontDoor, url: str) -> None:
        self.world, self.door, self.url = world, door, url

    async def get(self, path: str, city: str | None = None) -> aiohttp.ClientResponse:
        assert self.world.session is not None
        headers = {CITY: city} if city else {}
        response = await self.world.session.get(self.url + path, headers=headers)
        await response.read()
        return response


@pytest.fixture
async def door(tmp_path: Path) -> AsyncIterator[Door]:
    world = await start_world(tmp_path / "logs", _six_pops, tiers=False)
    front = FrontDoor(world.config)
    await front.start()
    runner = web.ServerRunner(viewer_server(front))
    await runner.setup()
    port = reserve_port()
    await site(runner, port).start()
    try:
        yield Door(world, front, f"http://127.0.0.1:{port}")
    finally:
        await runner.cleanup()
        await front.close()
        await world.close()


@pytest.mark.parametrize(("city", "pop"), [
    ("New York", "IAD89-C1"), ("Buenos Aires", "GRU3-C1"), ("Berlin", "FRA56-C1"),
    ("Nairobi", "JNB50-C1"), ("Osaka", "NRT57-C1"), ("Melbourne", "SYD62-C1"),
])
async def test_viewers_on_each_continent_reach_their_nearest_pop(
    door: Door, city: str, pop: str
) -> None:
    response = await door.get("/index.html", city)
    assert response.status == 200
    assert response.headers["X-Amz-Cf-Pop"] == pop


async def test_a_browser_on_this_machine_goes_to_the_first_pop(door: Door) -> None:
    response = await door.get("/index.html")
    assert response.headers["X-Amz-Cf-Pop"] == POPS[0]


async def test_the_override_reaches_the_pop_as_the_viewers_address_only(door: Door) -> None:
    response = await door.get("/api/echo", "Osaka")
    echoed = json.loads(await response.read())
    names = [name.lower() for name, _ in echoed["headers"]]
    assert CITY.lower() not in names
    forwarded = dict(echoed["headers"])["X-Forwarded-For"]
    assert forwarded.startswith("198.")  # a simulated address, in Osaka
    located = await door.get("/index.html", forwarded)  # not a city: refused by the door
    assert located.status == 400


async def test_an_unknown_city_gets_the_error_page_a_pop_gives_it(door: Door) -> None:
    """The same status, page and reason as from a PoP, and CloudFront's headers but those that
    name a PoP: no PoP saw the request."""
    refused = await door.get("/index.html", "Atlantis")
    at_pop = await door.world.get("/index.html", POPS[0], headers={CITY: "Atlantis"})
    assert refused.status == at_pop.status == 400
    assert refused.reason == at_pop.reason == "Bad Request"
    for name in ("Content-Type", "Server", "X-Cache"):
        assert refused.headers[name] == at_pop.headers[name], name
    assert refused.headers["X-Cache"] == "Error from cloudfront"
    assert "X-Amz-Cf-Pop" not in refused.headers and "Via" not in refused.headers
    request_id = refused.headers["X-Amz-Cf-Id"]
    assert request_id != at_pop.headers["X-Amz-Cf-Id"]
    page = await refused.text()
    assert page == (await at_pop.text()).replace(at_pop.headers["X-Amz-Cf-Id"], request_id)
    assert "The simulated world has no city &#x27;Atlantis&#x27;" in page


async def test_the_admin_port_answers_a_path_it_lacks_in_json(door: Door) -> None:
    runner = web.AppRunner(admin_app(door.door, "test-token"))
    await runner.setup()
    port = reserve_port()
    await site(runner, port).start()
    assert door.world.session is not None
    try:
        async with door.world.session.get(f"http://127.0.0.1:{port}/nope") as response:
            assert response.status == 404
            assert await response.json() == {"error": "no such endpoint", "path": "/nope"}
    finally:
        await runner.cleanup()


async def test_when_a_pop_stops_its_viewers_move_to_the_next_nearest(door: Door) -> None:
    assert (await door.get("/index.html", "Osaka")).headers["X-Amz-Cf-Pop"] == "NRT57-C1"
    await door.world.stop_node("NRT57-C1")
    # At once: the request that finds Tokyo gone is retried on the next nearest PoP.
    moved = await door.get("/index.html", "Osaka")
    assert (moved.status, moved.headers["X-Amz-Cf-Pop"]) == (200, "SYD62-C1")
    assert door.door.stats.retries == 1
    # And the health checks keep it out of the way until it answers again.
    await asyncio.sleep(1.5)
    assert door.door.healthy()["NRT57-C1"] is False
    again = await door.get("/index.html", "Osaka")
    assert again.headers["X-Amz-Cf-Pop"] == "SYD62-C1"
    assert door.door.stats.retries == 1


async def test_with_no_pop_answering_the_door_says_so(door: Door) -> None:
    for pop_id in POPS:
        await door.world.stop_node(pop_id)
    started = time.monotonic()
    response = await door.get("/index.html")
    assert response.status in (502, 503)
    assert time.monotonic() - started < 5


async def test_admin_paths_through_the_door_reach_the_origin_not_an_admin_api(
    door: Door,
) -> None:
    assert door.world.session is not None
    auth = {"Authorization": "Bearer test-token"}
    for path in ("/health", "/stats", "/recent", "/cache", "/metrics", "/api/stats",
                 "/api/topology"):
        async with door.world.session.get(door.url + path, headers=auth) as response:
            assert response.status == 404, path  # the sample origin's answer
            assert response.headers["X-Cache"] == "Error from cloudfront", path
    for path in ("/invalidations", "/config", "/api/invalidations", "/api/config/reload"):
        async with door.world.session.post(door.url + path, headers=auth,
                                           json={"paths": ["/*"]}) as response:
            assert response.status in (403, 404, 405), path
            assert "X-Amz-Cf-Pop" in response.headers, path


async def test_what_is_too_long_is_the_pops_to_answer_and_big_bodies_go_through(
    door: Door,
) -> None:
    """The door has the PoPs' limits: a URL over CloudFront's 8,192 bytes gets the PoP's 413, a
    10 KB header goes through, and so does a body over aiohttp's 1 MiB default."""
    session = door.world.session
    assert session is not None
    too_long = await session.get(door.url + "/about.html?q=" + "a" * 8500)
    assert too_long.status == 413
    assert too_long.headers["X-Cache"] == "Error from cloudfront"
    big_header = await session.get(door.url + "/about.html", headers={"X-Big": "b" * 10_000})
    assert big_header.status == 200
    body = bytes(range(256)) * 5000  # 1.28 MB
    posted = await session.post(door.url + "/api/echo/upload", data=body)
    assert posted.status == 200
    echoed = await posted.json()
    assert echoed["body_length"] == len(body) and echoed["method"] == "POST"
