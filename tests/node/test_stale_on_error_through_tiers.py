"""Stale on error through origin ← regional cache ← PoP: when the regional cache serves its
stale copy because the origin failed, the viewer gets a Hit and the PoP's log names the failure
(README, "Stale on error"), as if the PoP had asked the origin itself."""

from __future__ import annotations

from pathlib import Path

from edge.node.identity import STALE_ON_ERROR_HINT
from tests.node.conftest import Clock
from tests.world import World, access_log_lines

SHORT = "/t/short?size=10&cc=max-age%3D3&etag=v1"  # max-age=3 and an ETag


def last_log_fields(world: World, tmp_path: Path, node_id: str, count: int) -> list[list[str]]:
    world.context(node_id).access_log.flush()
    lines = access_log_lines(tmp_path / "logs" / node_id)[-count:]
    return [line.split("\t") for line in lines]


def results(fields: list[str]) -> tuple[str, str, str, str]:
    """sc-status, x-edge-result-type, x-edge-response-result-type, x-edge-detailed-result-type"""
    return fields[8], fields[13], fields[22], fields[28]


async def test_the_regional_caches_stale_copy_for_a_down_origin_is_a_hit_naming_the_failure(
    world: World, clock: Clock, tmp_path: Path
) -> None:
    body = await (await world.get(SHORT)).read()
    clock.advance(4)
    await world.stop_origin()
    for age in ("4", "5"):
        stale = await world.get(SHORT)
        assert stale.status == 200
        assert await stale.read() == body
        assert stale.headers["X-Cache"] == "Hit from cloudfront"  # was RefreshHit
        assert stale.headers["Age"] == age
        assert stale.headers["ETag"] == '"v1"'
        assert STALE_ON_ERROR_HINT not in stale.headers
        clock.advance(1)
    for fields in last_log_fields(world, tmp_path, world.pop, 2):
        assert results(fields) == ("200", "Hit", "Hit", "OriginConnectError")
    for fields in last_log_fields(world, tmp_path, world.rec, 2):
        assert results(fields) == ("304", "Hit", "Hit", "OriginConnectError")
    # The PoP's copy was served stale, not refreshed: it is still stale, and asks again.
    status, cache = await world.admin(world.pop, "GET", "/cache?prefix=/t/short")
    assert status == 200
    assert cache["entries"][0]["ttl_left_s"] < 0


async def test_a_pop_without_a_copy_logs_the_failure_behind_the_regional_caches_stale_copy(
    world: World, clock: Clock, tmp_path: Path
) -> None:
    await world.get(SHORT)
    world.context(world.pop).store.invalidate(lambda uri: True)
    clock.advance(4)
    await world.stop_origin()
    stale = await world.get(SHORT)
    assert stale.status == 200
    assert stale.headers["X-Cache"] == "Hit from cloudfront"
    assert 'cdn-hit-layer;desc="REC"' in stale.headers["Server-Timing"]
    assert stale.headers["Age"] == "4"
    assert STALE_ON_ERROR_HINT not in stale.headers
    (fields,) = last_log_fields(world, tmp_path, world.pop, 1)
    assert results(fields) == ("200", "Hit", "Hit", "OriginConnectError")
    # Nor is the hint kept with the copy the PoP stored from that answer.
    ((_, entry),) = world.context(world.pop).store.entries()
    assert STALE_ON_ERROR_HINT not in entry.headers
    assert entry.prepared is not None and b"X-Edge" not in entry.prepared.head


async def test_a_viewer_straight_at_the_regional_cache_gets_no_hint(
    world: World, clock: Clock, tmp_path: Path
) -> None:
    await world.get(SHORT, world.rec)
    clock.advance(4)
    await world.stop_origin()
    stale = await world.get(SHORT, world.rec)
    assert stale.status == 200
    assert stale.headers["X-Cache"] == "Hit from cloudfront"
    assert STALE_ON_ERROR_HINT not in stale.headers
    (fields,) = last_log_fields(world, tmp_path, world.rec, 1)
    assert results(fields) == ("200", "Hit", "Hit", "OriginConnectError")
