"""Origin Shield (spec §4.4): every tier fetches the origin through one regional cache, whose
hits for other regional caches are `OriginShieldHit`s and which runs the origin functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.node.functions import handler_file
from tests.world import World, access_log_lines, reserve_node_port, start_world

SHIELD = "REC-eu-central-1"
ORIGIN_REQUEST = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-shielded"] = [{"key": "X-Shielded", "value": "yes"}]
    return request
"""


async def _shielded_world(tmp_path: Path) -> World:
    handler = handler_file(tmp_path, "stamp", ORIGIN_REQUEST)

    def edit(data: dict[str, Any]) -> None:
        data["regional_caches"].append({
            "id": SHIELD, "city": "Frankfurt", "latitude": 50.11, "longitude": 8.68,
            "port": reserve_node_port()})
        data["origins"][0]["origin_shield"] = SHIELD
        data["behaviors"][0]["functions"] = {"origin-request": {"handler": handler}}

    return await start_world(tmp_path / "logs", edit)


def _log_lines(tmp_path: Path, node_id: str) -> list[list[str]]:
    return [line.split("\t") for line in access_log_lines(tmp_path / "logs" / node_id)]


async def test_regional_caches_fetch_through_the_shield(tmp_path: Path) -> None:
    world = await _shielded_world(tmp_path)
    path = "/t/shielded?size=100&cc=max-age%3D600"
    try:
        assert set(world.viewers) == {world.pop, world.rec, SHIELD}
        first = await world.get(path)
        assert first.headers["X-Cache"] == "Miss from cloudfront"
        assert await world.origin_count("/t/shielded") == 1
        # Only the shield contacts the origin, so only it runs the origin-request function.
        assert world.context(SHIELD).functions.readings()["stamp"]["invocations"] == 1
        assert world.context(world.rec).functions.readings() == {}

        # Emptied PoP and regional cache: the shield still has it.
        for node_id in (world.pop, world.rec):
            world.context(node_id).store.invalidate(lambda uri: True)
        again = await world.get(path)
        assert again.headers["X-Cache"] == "Hit from cloudfront"
        assert 'cdn-hit-layer;desc="Origin Shield"' in again.headers["Server-Timing"]
        assert await world.origin_count("/t/shielded") == 1
    finally:
        await world.close()
    shield_results = [fields[28] for fields in _log_lines(tmp_path, SHIELD)]
    assert shield_results == ["Miss", "OriginShieldHit"]
    rec_results = [fields[28] for fields in _log_lines(tmp_path, world.rec)]
    assert rec_results == ["Miss", "Hit"]


async def test_dynamic_requests_skip_the_shield(tmp_path: Path) -> None:
    world = await _shielded_world(tmp_path)
    try:
        assert world.session is not None
        async with world.session.post(world.url(world.pop, "/api/echo/plain"), data=b"x") as r:
            assert r.status == 200
        assert _log_lines(tmp_path, SHIELD) == []
    finally:
        await world.close()
