"""What the control plane shows of the network at work: per-node and aggregate figures and the
recent requests of real requests through a PoP, the event stream's snapshots every second, a
node that stops shown down and then back, the cache inspector, and edge functions' meters."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest

from edge.geo.cities import ip_for
from edge.node.location import world_cities
from tests.control.plane import PlaneServer, eventually, start_node, start_plane
from tests.world import World, start_world

TOKYO = ip_for(world_cities().find("Tokyo"))


async def _three_requests_from_tokyo(world: World) -> list[str]:
    headers = {"X-Forwarded-For": TOKYO}
    return [(await world.get("/index.html", headers=headers)).headers["X-Cache"]
            for _ in range(3)]


async def test_stats_count_the_requests_made_through_a_pop(world: World,
                                                           plane: PlaneServer) -> None:
    assert await _three_requests_from_tokyo(world) == [
        "Miss from cloudfront", "Hit from cloudfront", "Hit from cloudfront"]

    async def counted() -> dict[str, Any] | None:
        stats = await plane.get("/api/stats")
        return stats if stats["nodes"][world.pop]["requests"] == 3 else None

    stats = await eventually(counted)
    pop, rec = stats["nodes"][world.pop], stats["nodes"][world.rec]
    assert pop["up"] and pop["kind"] == "pop" and pop["error"] is None
    assert pop["results"] == {"Miss": 1, "Hit": 2}
    assert pop["cache"]["objects"] == 1 and pop["cache"]["bytes"] > 0
    assert pop["hit_ratio"] == pytest.approx(2 / 3)
    assert 0 < pop["byte_hit_ratio"] < 1 and pop["p99_ms"] >= 0
    assert rec["kind"] == "rec" and rec["requests"] == 1 and rec["results"] == {"Miss": 1}
    aggregate = stats["aggregate"]
    assert aggregate["requests"] == 3  # the PoPs' requests: a regional cache's are theirs too
    assert aggregate["hit_ratio"] == pytest.approx(2 / 3)
    assert aggregate["origin_requests"] is None  # this world's origin is not `up`'s own


async def test_recent_requests_are_merged_newest_first_with_the_viewers_city(
        world: World, plane: PlaneServer) -> None:
    await _three_requests_from_tokyo(world)

    async def listed() -> list[dict[str, Any]] | None:
        requests = (await plane.get("/api/recent?limit=10"))["requests"]
        return requests if len(requests) == 3 else None

    requests = await eventually(listed)
    assert [r["result_type"] for r in requests] == ["Hit", "Hit", "Miss"]
    assert [r["seq"] for r in requests] == [3, 2, 1]
    for record in requests:
        assert record["pop"] == world.pop and record["c_ip"] == TOKYO
        assert (record["method"], record["path"], record["status"]) == ("GET", "/index.html", 200)
        assert record["viewer"]["city"] == "Tokyo" and record["viewer"]["country"] == "JP"
    assert (await plane.get("/api/recent?limit=1"))["requests"] == requests[:1]
    status, body = await plane.call("GET", "/api/recent?limit=many")
    assert status == 400 and "limit" in body["error"]


async def test_snapshots_come_every_second_and_show_a_stopped_node_down_then_back(
        world: World, plane: PlaneServer) -> None:
    seen: list[dict[str, Any]] = []
    phase = "up"
    async for snapshot in plane.snapshots():
        seen.append(snapshot)
        up = snapshot["stats"]["nodes"][world.pop]["up"]
        if phase == "up" and len(seen) >= 3:
            await world.stop_node(world.pop)
            phase = "stopped"
        elif phase == "stopped" and not up:
            assert snapshot["stats"]["nodes"][world.pop]["error"]
            await start_node(world, world.pop)
            phase = "restarted"
        elif phase == "restarted" and up:
            break
        assert len(seen) < 20, "the stopped node never showed down and back up"
    times = [snapshot["time"] for snapshot in seen[1:]]  # the first is what was known
    gaps = [later - earlier for earlier, later in pairwise(times)]
    assert gaps and all(0 < gap <= 1.5 for gap in gaps), gaps
    assert {s["stats"]["nodes"][world.rec]["up"] for s in seen} == {True}


async def test_the_cache_inspector_lists_a_nodes_objects(world: World,
                                                         plane: PlaneServer) -> None:
    for path in ("/index.html", "/index.html", "/about.html"):
        await world.get(path)
    listing = await plane.get(f"/api/nodes/{world.pop}/cache?prefix=/index&limit=5")
    assert listing["id"] == world.pop and listing["objects"] == 2 and listing["matched"] == 1
    (entry,) = listing["entries"]
    assert (entry["uri"], entry["status"], entry["hits"]) == ("/index.html", 200, 1)
    assert entry["size"] > 0 and entry["ttl_left_s"] > 0
    status, body = await plane.call("GET", "/api/nodes/NOPE1-C1/cache")
    assert status == 404 and "NOPE1-C1" in body["error"]
    await world.stop_node(world.rec)
    status, body = await plane.call("GET", f"/api/nodes/{world.rec}/cache")
    assert status == 502 and world.rec in body["error"]


async def test_function_meters_are_summed_over_nodes_and_logs_are_listed(tmp_path) -> None:
    world = await start_world(tmp_path / "logs", example_functions=True)
    plane = await start_plane(world)
    try:
        for _ in range(2):
            assert (await world.get("/hello")).status == 200

        async def metered() -> dict[str, Any] | None:
            functions = (await plane.get("/api/functions"))["functions"]
            edge_page = next((f for name, f in functions.items() if "edge_page" in name), None)
            return functions if edge_page and edge_page["invocations"] == 2 else None

        functions = await eventually(metered)
        name, edge_page = next((n, f) for n, f in functions.items() if "edge_page" in n)
        assert edge_page["event_type"] == "viewer-request"
        assert set(edge_page["nodes"]) == {world.pop}
        assert edge_page["nodes"][world.pop]["invocations"] == 2
        assert edge_page["cold_starts"] == 1 and edge_page["cost_usd"] > 0

        logs = await plane.get(f"/api/functions/logs?name={name}&lines=50")
        assert logs["errors"] == {}
        assert {line["node"] for line in logs["lines"]} == {world.pop}
        assert {line["function"] for line in logs["lines"]} == {name}
        assert sum(line["line"].startswith("REPORT RequestId") for line in logs["lines"]) == 2
    finally:
        await plane.close()
        await world.close()
