"""`Age` through origin ← regional cache ← PoP: CloudFront counts it from when a tier got the
copy, so the time the origin takes to answer is neither on a Miss nor taken off the TTL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.node.conftest import Clock
from tests.world import World, start_world

SLOW = "/t/slow?delay=0.5&size=10&cc=max-age%3D60"


async def fetched_while_the_clock_runs(
    world: World, clock: Clock, path: str, node_id: str | None = None, seconds: float = 30
) -> aiohttp.ClientResponse:
    """A request whose fetch takes `seconds` by the nodes' clock: the clock moves once the
    origin has the request (it counts requests on arrival) and before it answers (`delay`)."""
    stem = path.partition("?")[0]
    before = await world.origin_count(stem)
    response = asyncio.ensure_future(world.get(path, node_id))
    for _ in range(200):
        if await world.origin_count(stem) > before:
            break
        await asyncio.sleep(0.01)
    else:
        raise AssertionError("the request never reached the origin")
    clock.advance(seconds)
    return await response


async def cached(world: World, node_id: str, prefix: str) -> dict:
    status, body = await world.admin(node_id, "GET", f"/cache?prefix={prefix}")
    assert status == 200
    (entry,) = body["entries"]
    return entry


async def test_a_slow_miss_through_the_regional_cache_has_no_age_and_keeps_its_whole_ttl(
    world: World, clock: Clock
) -> None:
    miss = await fetched_while_the_clock_runs(world, clock, SLOW)
    assert miss.headers["X-Cache"] == "Miss from cloudfront"
    assert "Age" not in miss.headers  # was 60: the 30 s fetch counted once per tier
    for node_id in (world.pop, world.rec):
        entry = await cached(world, node_id, "/t/slow")
        assert (entry["age_s"], entry["ttl_left_s"]) == (0, 60)
    hit = await world.get(SLOW)
    assert hit.headers["X-Cache"] == "Hit from cloudfront"
    assert hit.headers["Age"] == "0"
    clock.advance(59)
    later = await world.get(SLOW)
    assert later.headers["X-Cache"] == "Hit from cloudfront"
    assert later.headers["Age"] == "59"
    assert await world.origin_count("/t/slow") == 1


async def test_a_slow_miss_at_the_regional_cache_itself_has_no_age(
    world: World, clock: Clock
) -> None:
    miss = await fetched_while_the_clock_runs(world, clock, SLOW, world.rec)
    assert miss.headers["X-Cache"] == "Miss from cloudfront"
    assert "Age" not in miss.headers
    hit = await world.get(SLOW, world.rec)
    assert hit.headers["X-Cache"] == "Hit from cloudfront"
    assert hit.headers["Age"] == "0"


async def test_a_regional_cache_hit_passes_its_age_to_the_viewer_and_the_pop_copy(
    world: World, clock: Clock
) -> None:
    path = "/t/aged?size=10&cc=max-age%3D60"
    await world.get(path)
    pop_store = world.context(world.pop).store
    pop_store.invalidate(lambda uri: True)
    at_once = await world.get(path)  # a Miss at the PoP, a Hit at its regional cache
    assert at_once.headers["X-Cache"] == "Hit from cloudfront"
    assert 'cdn-hit-layer;desc="REC"' in at_once.headers["Server-Timing"]
    assert at_once.headers["Age"] == "0"  # a hit has an Age, even when it is 0
    pop_store.invalidate(lambda uri: True)
    clock.advance(42)
    later = await world.get(path)
    assert later.headers["X-Cache"] == "Hit from cloudfront"
    assert later.headers["Age"] == "42"  # since the regional cache fetched it from the origin
    entry = await cached(world, world.pop, "/t/aged")
    assert (entry["age_s"], entry["ttl_left_s"]) == (42, 18)
    assert await world.origin_count("/t/aged") == 1


@pytest.fixture
async def impatient_world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    def one_second_timeout(data: dict) -> None:
        data["origins"][0]["response_timeout"] = 1

    w = await start_world(tmp_path / "logs", one_second_timeout, clock=clock)
    yield w
    await w.close()


async def test_an_edge_generated_504_after_an_origin_timeout_has_no_age(
    impatient_world: World, clock: Clock
) -> None:
    timed_out = await fetched_while_the_clock_runs(
        impatient_world, clock, "/t/timeout?delay=3&size=10"
    )
    assert timed_out.status == 504
    assert timed_out.headers["X-Cache"] == "Error from cloudfront"
    assert "Age" not in timed_out.headers  # was 30: the time the regional cache waited


async def test_rfc9111_semantics_still_add_the_fetch_time_at_every_tier(
    rfc_world: World, clock: Clock
) -> None:
    """RFC 9111 §4.2.3: each cache adds its response delay (corrected_age_value)."""
    at_rec = await fetched_while_the_clock_runs(rfc_world, clock, SLOW, rfc_world.rec)
    assert at_rec.headers["Age"] == "30"
    through_pop = await fetched_while_the_clock_runs(
        rfc_world, clock, "/t/slow2?delay=0.5&size=10&cc=max-age%3D60"
    )
    assert through_pop.headers["Age"] == "60"
