"""Invalidations through the control plane: they reach every node, report each node's progress,
wait for a node that is down until it is back, and give up on it at their deadline."""

from __future__ import annotations

import re
from typing import Any

from tests.control.plane import PlaneServer, eventually, start_node, start_plane
from tests.world import World


async def _finished(plane: PlaneServer, invalidation_id: str) -> dict[str, Any]:
    async def done() -> dict[str, Any] | None:
        state = await plane.get(f"/api/invalidations/{invalidation_id}")
        return state if state["status"] != "InProgress" else None

    return await eventually(done)


async def test_an_invalidation_reaches_every_node(world: World, plane: PlaneServer) -> None:
    assert (await world.get("/index.html")).headers["X-Cache"] == "Miss from cloudfront"
    assert (await world.get("/index.html")).headers["X-Cache"] == "Hit from cloudfront"

    status, made = await plane.call("POST", "/api/invalidations", json={"paths": ["/index*"]})
    assert status == 201
    assert re.fullmatch(r"I[A-Z0-9]{13}", made["id"])
    assert made["paths"] == ["/index*"] and made["status"] == "InProgress"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", made["created"])

    state = await _finished(plane, made["id"])
    assert state["status"] == "Completed" and state["completed"] is not None
    assert state["nodes"] == {
        world.rec: {"status": "Completed", "removed": 1, "error": None},
        world.pop: {"status": "Completed", "removed": 1, "error": None},
    }
    assert (await world.get("/index.html")).headers["X-Cache"] == "Miss from cloudfront"
    listed = (await plane.get("/api/invalidations"))["invalidations"]
    assert [i["id"] for i in listed] == [made["id"]] and listed[0]["status"] == "Completed"


async def test_bad_paths_are_refused_with_the_reason_for_each(plane: PlaneServer) -> None:
    status, body = await plane.call("POST", "/api/invalidations",
                                    json={"paths": ["/ok", "images/*", "/a*b"]})
    assert status == 400
    assert body["paths"] == {
        "images/*": "invalidation path must start with '/'",
        "/a*b": "'*' is only allowed as the last character of an invalidation path",
    }
    for bad in ({"paths": []}, {"paths": "/x"}, {"path": ["/x"]}, ["/x"]):
        status, body = await plane.call("POST", "/api/invalidations", json=bad)
        assert status == 400 and "paths" in body["error"], bad
    assert (await plane.get("/api/invalidations"))["invalidations"] == []


async def test_a_node_that_is_down_is_retried_until_it_answers(world: World,
                                                               plane: PlaneServer) -> None:
    await world.get("/index.html")
    await world.stop_node(world.rec)
    _, made = await plane.call("POST", "/api/invalidations", json={"paths": ["/index.html"]})

    async def waiting_for_the_rec() -> dict[str, Any] | None:
        state = await plane.get(f"/api/invalidations/{made['id']}")
        rec, pop = state["nodes"][world.rec], state["nodes"][world.pop]
        return state if pop["status"] == "Completed" and rec["error"] else None

    state = await eventually(waiting_for_the_rec)
    assert state["status"] == "InProgress"
    assert state["nodes"][world.rec]["status"] == "InProgress"
    assert "trying again" in state["nodes"][world.rec]["error"]
    assert state["nodes"][world.pop]["removed"] == 1

    await start_node(world, world.rec)
    state = await _finished(plane, made["id"])
    assert state["status"] == "Completed"
    assert state["nodes"][world.rec] == {"status": "Completed", "removed": 0, "error": None}


async def test_a_node_still_down_at_the_deadline_fails_the_invalidation(world: World) -> None:
    plane = await start_plane(world, deadline_s=1.5)
    try:
        await world.stop_node(world.rec)
        _, made = await plane.call("POST", "/api/invalidations", json={"paths": ["/x"]})
        state = await _finished(plane, made["id"])
        assert state["status"] == "Failed"
        assert state["nodes"][world.pop]["status"] == "Completed"
        rec = state["nodes"][world.rec]
        assert rec["status"] == "Failed" and rec["removed"] is None
        assert rec["error"].startswith("did not answer within 1.5 s")
    finally:
        await plane.close()
