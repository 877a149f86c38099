"""End to end through real sockets: origin ← regional edge cache ← PoP, all on 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from tests.node.conftest import Clock
from tests.world import World, access_log_lines, start_world


async def test_miss_then_hit_with_growing_age(world: World, clock: Clock) -> None:
    first = await world.get("/static/css/site.css")
    assert first.status == 200
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert first.headers["X-Amz-Cf-Pop"] == world.pop
    second = await world.get("/static/css/site.css")
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert second.headers["Age"] == "0"
    clock.advance(42)
    third = await world.get("/static/css/site.css")
    assert third.headers["X-Cache"] == "Hit from cloudfront"
    assert int(third.headers["Age"]) == 42
    assert await world.origin_count("/static/css/site.css") == 1


async def test_regional_cache_hit_reported_as_hit_from_rec_layer(world: World) -> None:
    await world.get("/static/js/site.js")
    world.context(world.pop).store.invalidate(lambda uri: True)
    again = await world.get("/static/js/site.js")
    assert again.headers["X-Cache"] == "Hit from cloudfront"
    assert 'cdn-hit-layer;desc="REC"' in again.headers["Server-Timing"]
    assert 'cdn-upstream-layer;desc="REC"' in again.headers["Server-Timing"]
    assert await world.origin_count("/static/js/site.js") == 1


async def test_request_id_is_the_same_in_response_origin_and_every_tier(world: World) -> None:
    response = await world.get("/api/echo/plain/ids", headers={"User-Agent": "viewer/1"})
    echoed = await response.json(content_type=None)
    sent = {name.lower(): value for name, value in echoed["headers"]}
    assert sent["x-amz-cf-id"] == response.headers["X-Amz-Cf-Id"]
    assert len(response.headers["X-Amz-Cf-Id"]) == 56
    assert response.headers["X-Amz-Cf-Id"].endswith("==")
    assert sent["via"].endswith(".cloudfront.net (CloudFront)")
    assert sent["user-agent"] == "Amazon CloudFront"


async def test_expired_object_revalidated_with_304_is_a_refresh_hit(
    world: World, clock: Clock
) -> None:
    filled = await world.get("/static/css/site.css")
    assert filled.headers["Server"] != "CloudFront"  # the origin's
    clock.advance(86400 * 2)  # site.css: max-age=86400
    refreshed = await world.get("/static/css/site.css")
    assert refreshed.headers["X-Cache"] == "RefreshHit from cloudfront"
    assert refreshed.headers["Server"] == filled.headers["Server"]  # a tier's 304 keeps it
    assert refreshed.status == 200
    assert len(await refreshed.read()) > 0
    stats = await world.origin_stats()
    assert stats["by_path"]["/static/css/site.css"]["GET"] == 2  # the fill and one 304
    after = await world.get("/static/css/site.css")
    assert after.headers["X-Cache"] == "Hit from cloudfront"
    assert after.headers["Server"] == filled.headers["Server"]


async def test_thirty_concurrent_misses_make_one_origin_fetch(world: World) -> None:
    path = "/t/collapse?delay=0.5&size=2048&cc=max-age%3D60"
    responses = await asyncio.gather(*(world.get(path) for _ in range(30)))
    assert all(r.status == 200 for r in responses)
    bodies = {await r.read() for r in responses}
    assert len(bodies) == 1
    results = sorted(r.headers["X-Cache"] for r in responses)
    assert results.count("Miss from cloudfront") == 1
    assert results.count("Hit from cloudfront") == 29
    assert await world.origin_count("/t/collapse") == 1


async def test_stale_copy_served_when_origin_is_down_and_stale_if_error_allows(
    world: World, clock: Clock
) -> None:
    path = "/t/sie?size=100&cc=max-age%3D10%2C%20stale-if-error%3D3600"
    fresh = await world.get(path)
    body = await fresh.read()
    await world.stop_origin()
    clock.advance(60)
    stale = await world.get(path)
    assert stale.status == 200
    assert await stale.read() == body
    assert stale.headers["X-Cache"] == "Hit from cloudfront"
    assert int(stale.headers["Age"]) >= 60


async def test_origin_down_without_a_copy_is_502_error_page(world: World) -> None:
    await world.stop_origin()
    response = await world.get("/t/nothing-here?size=10")
    assert response.status == 502
    assert response.headers["X-Cache"] == "Error from cloudfront"
    assert response.headers["Server"] == "CloudFront"
    text = (await response.read()).decode("latin-1")
    assert "The request could not be satisfied" in text
    assert response.headers["X-Amz-Cf-Id"] in text


async def test_origin_timeout_is_504(tmp_path: Path) -> None:
    def short_timeout(data: dict) -> None:
        data["origins"][0]["response_timeout"] = 1

    world = await start_world(tmp_path / "logs", short_timeout)
    try:
        response = await world.get("/t/slow?delay=3&size=10")
        assert response.status == 504
        assert response.headers["X-Cache"] == "Error from cloudfront"
    finally:
        await world.close()


async def test_invalidation_purges_every_tier(world: World) -> None:
    await world.get("/images/coffee.jpg")
    assert (await world.get("/images/coffee.jpg")).headers["X-Cache"] == "Hit from cloudfront"
    removed = await world.invalidate("/images/*")
    assert removed == {world.pop: 1, world.rec: 1}
    after = await world.get("/images/coffee.jpg")
    assert after.headers["X-Cache"] == "Miss from cloudfront"
    assert await world.origin_count("/images/coffee.jpg") == 2


async def test_put_with_body_reaches_origin_intact(world: World) -> None:
    body = bytes(range(256)) * 1200  # 300 KiB of every byte value
    assert world.session is not None
    async with world.session.put(
        world.url(world.pop, "/api/echo/upload?x=1&y=%20z"), data=body,
        headers={"Content-Type": "application/octet-stream", "X-Custom": "kept"},
    ) as response:
        assert response.status == 200
        assert response.headers["X-Cache"] == "Miss from cloudfront"
        echoed = await response.json(content_type=None)
    assert echoed["method"] == "PUT"
    assert echoed["query"] == "x=1&y=%20z"
    assert echoed["body_length"] == len(body)
    assert echoed["body_sha256"] == hashlib.sha256(body).hexdigest()
    assert any(name.lower() == "x-custom" and value == "kept" for name, value in echoed["headers"])


async def test_large_object_streams_through_before_the_origin_finishes(world: World) -> None:
    # 24 MB is over the 16 MiB max_object_size; at 8 MB/s the origin needs about 3 s.
    assert world.session is not None
    async with world.session.get(
        world.url(world.pop, "/t/big?size=24000000&rate=8000000&cc=max-age%3D60")
    ) as response:
        first = await response.content.read(65536)
        assert first
        assert not response.content.at_eof()
        assert await world.origin_count("/t/big") == 1
        rest = await response.read()
    assert len(first) + len(rest) == 24000000
    assert world.context(world.pop).store.count == 0  # streamed, not stored


async def test_access_log_has_every_line_after_shutdown(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs")
    ids = []
    for i in range(25):
        response = await world.get(f"/t/log-{i}?size=10")
        ids.append(response.headers["X-Amz-Cf-Id"])
    await world.close()
    pop_lines = [line.split("\t") for line in access_log_lines(tmp_path / "logs" / world.pop)]
    assert len(pop_lines) == 25
    assert all(len(fields) == 33 for fields in pop_lines)
    assert [fields[14] for fields in pop_lines] == ids
    assert {fields[13] for fields in pop_lines} == {"Miss"}


async def test_no_collapsing_when_the_policy_forwards_cookies(tmp_path: Path) -> None:
    def cookie_keyed(data: dict) -> None:
        data["behaviors"].insert(0, {"path_pattern": "/ck/*", "origin": "site",
                                     "cache_policy": "Amplify"})

    world = await start_world(tmp_path / "logs", cookie_keyed, tiers=False)
    try:
        path = "/ck/cookies?delay=0.3&size=10&cc=max-age%3D60"
        responses = await asyncio.gather(*(world.get(path) for _ in range(5)))
        assert all(r.status == 200 for r in responses)
        assert await world.origin_count("/ck/cookies") == 5
    finally:
        await world.close()


async def test_max_age_zero_objects_are_not_collapsed(world: World) -> None:
    path = "/t/zero?delay=0.3&size=10&cc=max-age%3D0"
    await asyncio.gather(*(world.get(path) for _ in range(5)))
    assert await world.origin_count("/t/zero") == 5
