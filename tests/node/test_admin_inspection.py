"""A node's admin API shows what it serves: recent requests, cached objects, function logs."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.node.access_log import RECENT_LINES
from tests.node.functions import function_world
from tests.world import World, start_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "logs", tiers=False)
    yield w
    await w.close()


async def test_recent_requests_are_the_access_log_lines_after_a_sequence_number(
    world: World,
) -> None:
    await world.get("/t/recent?size=100&cc=max-age=60")
    await world.get("/t/recent?size=100&cc=max-age=60")
    await world.get("/t/missing?status=404")
    status, body = await world.admin(world.pop, "GET", "/recent?after=0")
    assert status == 200 and body["id"] == world.pop and body["next"] == 3
    requests = body["requests"]
    assert [r["seq"] for r in requests] == [1, 2, 3]
    assert [(r["path"], r["status"], r["result_type"]) for r in requests] == [
        ("/t/recent", 200, "Miss"), ("/t/recent", 200, "Hit"), ("/t/missing", 404, "Error")]
    first = requests[0]
    assert first["x_cache"] == "Miss from cloudfront" and first["pop"] == world.pop
    assert first["method"] == "GET" and first["query"] == "size=100&cc=max-age=60"
    assert first["c_ip"] == "127.0.0.1" and first["bytes"] > 0 and first["time_taken_ms"] >= 0

    status, body = await world.admin(world.pop, "GET", "/recent?after=3")
    assert (status, body["requests"], body["next"]) == (200, [], 3)
    await world.get("/t/recent?size=100&cc=max-age=60")
    _, body = await world.admin(world.pop, "GET", "/recent?after=3")
    assert [(r["seq"], r["result_type"]) for r in body["requests"]] == [(4, "Hit")]


async def test_recent_requests_keep_the_last_lines_only(world: World) -> None:
    total = RECENT_LINES + 20
    for i in range(total):
        await world.get(f"/t/many-{i}?size=10")
    _, body = await world.admin(world.pop, "GET", "/recent?after=0")
    seqs = [r["seq"] for r in body["requests"]]
    assert seqs == list(range(total - RECENT_LINES + 1, total + 1))
    assert body["requests"][-1]["path"] == f"/t/many-{total - 1}"


async def test_cache_inspection_lists_objects_by_hits_with_age_and_ttl_left(
    world: World,
) -> None:
    for _ in range(3):
        await world.get("/t/popular?size=100&cc=max-age=600")
    await world.get("/t/once?size=100&cc=max-age=60")
    await world.get("/index.html")
    status, body = await world.admin(world.pop, "GET", "/cache?prefix=/t/")
    assert status == 200 and body["matched"] == 2 and body["objects"] >= 3
    popular, once = body["entries"]
    assert (popular["uri"], popular["hits"]) == ("/t/popular?size=100&cc=max-age=600", 2)
    assert (once["uri"], once["hits"]) == ("/t/once?size=100&cc=max-age=60", 0)
    assert 599 <= popular["ttl_left_s"] <= 600 and 0 <= popular["age_s"] <= 1
    assert popular["status"] == 200 and popular["size"] > 0 and popular["key"]
    assert body["bytes"] >= popular["size"] + once["size"] and body["max_bytes"] > body["bytes"]

    _, body = await world.admin(world.pop, "GET", "/cache?prefix=/t/&limit=1")
    assert body["matched"] == 2 and [e["uri"] for e in body["entries"]] == [popular["uri"]]
    status, body = await world.admin(world.pop, "GET", "/cache?limit=many")
    assert status == 400 and "limit" in body["error"]


async def test_inspection_needs_the_token(world: World) -> None:
    assert world.session is not None
    port = world.config.nodes[world.pop].port + 1000
    for method, path in (("GET", "/recent"), ("GET", "/cache"), ("GET", "/functions"),
                         ("POST", "/config")):
        async with world.session.request(method, f"http://127.0.0.1:{port}{path}") as r:
            assert r.status == 401, path
        async with world.session.request(
            method, f"http://127.0.0.1:{port}{path}",
            headers={"Authorization": "Bearer wrong"},
        ) as r:
            assert r.status == 401, path


async def test_a_path_or_method_the_admin_api_lacks_is_a_json_error(world: World) -> None:
    assert await world.admin(world.pop, "GET", "/nope") == (
        404, {"error": "no such endpoint", "path": "/nope"})
    assert await world.admin(world.pop, "POST", "/stats") == (
        405, {"error": "POST is not allowed here", "path": "/stats", "allowed": ["GET", "HEAD"]})
    assert world.session is not None
    port = world.config.nodes[world.pop].port + 1000
    async with world.session.get(f"http://127.0.0.1:{port}/nope") as r:
        assert r.status == 401  # without the token, nothing is told of what the API has


async def test_admin_paths_on_the_viewer_port_reach_the_origin_not_the_admin_api(
    world: World,
) -> None:
    await world.get("/t/kept?size=100&cc=max-age=600")
    headers = {"Authorization": "Bearer test-token"}
    for path in ("/recent", "/cache", "/functions", "/stats", "/metrics", "/health"):
        response = await world.get(path, headers=headers)
        assert response.status == 404, path  # the sample origin has no such page
        assert response.headers["X-Cache"] == "Error from cloudfront"
    assert world.session is not None
    async with world.session.post(
        world.url(world.pop, "/invalidations"), json={"paths": ["/*"]}, headers=headers,
    ) as r:
        assert r.headers["X-Cache"] != "" and r.status in (403, 404, 405)
    async with world.session.post(world.url(world.pop, "/config"), headers=headers) as r:
        assert r.status in (403, 404, 405)
    kept = await world.get("/t/kept?size=100&cc=max-age=600")
    assert kept.headers["X-Cache"] == "Hit from cloudfront"  # nothing was purged


async def test_function_logs_show_each_functions_last_lines(tmp_path: Path) -> None:
    world = await function_world(tmp_path, {"viewer-request": {"name": "greeter", "source": """
        def handler(event, context):
            print("hello from", event["Records"][0]["cf"]["request"]["uri"])
            return event["Records"][0]["cf"]["request"]
        """}}, tiers=False)
    try:
        for i in range(3):
            await world.get(f"/t/log-{i}?size=10")
        status, body = await world.admin(world.pop, "GET", "/functions?lines=100")
        assert status == 200 and body["functions"]["greeter"]["invocations"] == 3
        lines = body["logs"]["greeter"]
        assert sum(line.startswith("START RequestId:") for line in lines) == 3
        assert any("hello from /t/log-2" in line for line in lines)
        _, body = await world.admin(world.pop, "GET", "/functions?lines=2")
        assert len(body["logs"]["greeter"]) == 2
        assert body["logs"]["greeter"][-1].startswith("REPORT RequestId:")
    finally:
        await world.close()


async def test_a_bad_count_is_a_400_that_names_it(world: World) -> None:
    status, body = await world.admin(world.pop, "GET", "/recent?after=-1")
    assert status == 400 and "after" in body["error"]
