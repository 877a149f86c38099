"""A node reloads its config between requests: new rules for the next requests, the same cache
and counters, warm functions kept, and nothing changed by a bad or topology-moving file."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.node.functions import function_world, handler_file
from tests.world import World, start_world

PAGE = "/t/page?size=100"  # no Cache-Control: the `/t/*` policy's default TTL decides


def _ttl(world: World, seconds: int) -> None:
    world.document["cache_policies"]["Test"]["default_ttl"] = seconds


async def test_a_reloaded_config_rules_the_next_requests_and_keeps_the_cache(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs", tiers=False)
    try:
        await world.get("/t/kept?size=100&cc=max-age=600")
        assert (await world.get(PAGE)).headers["X-Cache"] == "Miss from cloudfront"
        assert (await world.get(PAGE)).headers["X-Cache"] == "Miss from cloudfront"  # TTL 0
        _, before = await world.admin(world.pop, "GET", "/health")

        _ttl(world, 3600)
        status, body = await world.admin(world.pop, "POST", "/config")
        assert status == 200 and body["config_version"] != before["config_version"]
        _, after = await world.admin(world.pop, "GET", "/health")
        assert after["config_version"] == body["config_version"]

        assert (await world.get(PAGE)).headers["X-Cache"] == "Miss from cloudfront"
        assert (await world.get(PAGE)).headers["X-Cache"] == "Hit from cloudfront"
        kept = await world.get("/t/kept?size=100&cc=max-age=600")
        assert kept.headers["X-Cache"] == "Hit from cloudfront"  # stored before the reload
        _, stats = await world.admin(world.pop, "GET", "/stats")
        assert stats["requests"] == 6  # one set of counters across configs
    finally:
        await world.close()


async def test_an_invalid_file_changes_nothing_and_says_why(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", tiers=False)
    try:
        _, before = await world.admin(world.pop, "GET", "/health")
        world.document["cache_policies"]["Test"]["default_ttl"] = "soon"
        status, body = await world.admin(world.pop, "POST", "/config")
        assert status == 400
        assert "cache_policies.Test.default_ttl" in body["error"] and "soon" in body["error"]
        _, after = await world.admin(world.pop, "GET", "/health")
        assert after["config_version"] == before["config_version"]
        assert (await world.get(PAGE)).status == 200
    finally:
        await world.close()


async def test_a_topology_change_is_refused_with_what_needs_a_restart(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", tiers=False)
    try:
        _, before = await world.admin(world.pop, "GET", "/health")
        pop = world.document["pops"][0]
        pop["port"] += 1
        _ttl(world, 3600)
        status, body = await world.admin(world.pop, "POST", "/config")
        assert status == 409 and f"{world.pop}.port" in body["error"]
        assert "restart" in body["error"]
        _, after = await world.admin(world.pop, "GET", "/health")
        assert after["config_version"] == before["config_version"]
        await world.get(PAGE)
        assert (await world.get(PAGE)).headers["X-Cache"] == "Miss from cloudfront"  # TTL 0
    finally:
        await world.close()


async def test_a_request_in_flight_finishes_under_the_config_it_started_with(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs", tiers=False)
    try:
        slow = asyncio.ensure_future(world.get("/t/slow?size=100&delay=0.5"))
        await asyncio.sleep(0.1)
        # The new config drops the behavior and the origin the slow request is using.
        world.document["behaviors"] = [b for b in world.document["behaviors"]
                                       if b["path_pattern"] != "/t/*"]
        status, _ = await world.admin(world.pop, "POST", "/config")
        assert status == 200
        response = await slow
        assert response.status == 200 and len(await response.read()) == 100
        assert response.headers["X-Cache"] == "Miss from cloudfront"
        # The next request on that path falls to the default behavior, which keys no query.
        assert (await world.get("/t/slow?size=100")).status == 404
    finally:
        await world.close()


UNCHANGED = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-seen"] = [{"key": "X-Seen", "value": "kept"}]
    return request
"""


async def test_an_unchanged_function_stays_warm_and_a_changed_one_is_its_next_version(
    tmp_path: Path,
) -> None:
    world = await function_world(tmp_path, {"viewer-request": {
        "name": "kept", "source": UNCHANGED}}, tiers=False)
    try:
        for i in range(2):
            await world.get(f"/t/warm-{i}?size=10")
        _, body = await world.admin(world.pop, "GET", "/stats")
        assert body["functions"]["kept"]["cold_starts"] == 1

        world.document["cache_policies"]["Test"]["default_ttl"] = 60  # not the function
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        await world.get("/t/warm-2?size=10")
        _, body = await world.admin(world.pop, "GET", "/stats")
        kept = body["functions"]["kept"]
        assert (kept["version"], kept["invocations"], kept["cold_starts"]) == ("1", 3, 1)

        association = world.document["behaviors"][0]["functions"]["viewer-request"]
        association["timeout"] = 3  # the function's settings change: a new version
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        await world.get("/t/warm-3?size=10")
        _, body = await world.admin(world.pop, "GET", "/stats")
        kept = body["functions"]["kept"]
        assert (kept["version"], kept["invocations"], kept["cold_starts"]) == ("2", 4, 2)

        del world.document["behaviors"][0]["functions"]
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        await world.get("/t/warm-4?size=10")
        _, body = await world.admin(world.pop, "GET", "/stats")
        assert body["functions"] == {}
    finally:
        await world.close()


async def test_a_function_added_by_a_reload_runs_on_the_next_request(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", tiers=False)
    try:
        echo = "/api/echo/plain/added"
        assert (await world.get(echo)).headers["X-Cache"] == "Miss from cloudfront"
        handler = handler_file(tmp_path, "added", """
            def handler(event, context):
                return {"status": "200", "body": "made at the edge"}
            """)
        behavior = next(b for b in world.document["behaviors"]
                        if b["path_pattern"] == "/api/echo/plain*")
        behavior["functions"] = {"viewer-request": {"handler": handler, "name": "added"}}
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        response = await world.get(echo)
        assert await response.text() == "made at the edge"
        assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    finally:
        await world.close()


async def test_a_request_in_flight_runs_a_function_the_reload_removed(tmp_path: Path) -> None:
    world = await function_world(tmp_path, {"origin-response": {"name": "stamp", "source": """
        def handler(event, context):
            response = event["Records"][0]["cf"]["response"]
            response["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": "old config"}]
            return response
        """}}, tiers=False)
    try:
        slow = asyncio.ensure_future(world.get("/t/slow-fn?size=10&delay=0.5"))
        await asyncio.sleep(0.1)
        del world.document["behaviors"][0]["functions"]
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        response = await slow
        assert response.status == 200 and response.headers["X-Stamp"] == "old config"
        assert "X-Stamp" not in (await world.get("/t/fresh-fn?size=10")).headers
    finally:
        await world.close()
