"""Config reload through the control plane: a valid file reaches every node and rules the next
responses, an invalid one or one that moves the topology changes nothing anywhere and says why,
an edit of the watched file is picked up by itself, and requests in flight never fail."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import aiohttp

from edge.config import default_config_path
from tests.control.plane import PlaneServer, eventually, start_plane
from tests.world import World

PAGE = "/t/page?size=100"  # no Cache-Control from the origin: the policy's default TTL rules


def _default_ttl(world: World, seconds: object) -> None:
    world.document["cache_policies"]["Test"]["default_ttl"] = seconds


async def _x_cache(world: World, path: str) -> list[str]:
    return [(await world.get(path)).headers["X-Cache"] for _ in range(2)]


async def _node_versions(world: World) -> set[str]:
    return {(await world.admin(node_id, "GET", "/health"))[1]["config_version"]
            for node_id in world.config.nodes}


async def test_a_valid_file_is_applied_on_every_node(world: World, plane: PlaneServer) -> None:
    assert await _x_cache(world, PAGE) == ["Miss from cloudfront"] * 2  # default TTL 0
    before = await plane.get("/api/config")
    assert before["watching"] is False and before["last_reload"] is None

    _default_ttl(world, 3600)
    world.document["origins"][0]["custom_headers"] = {"X-Origin-Verify": "reloaded"}
    status, body = await plane.call("POST", "/api/config/reload")
    assert status == 200
    assert body["nodes"] == {world.rec: "applied", world.pop: "applied"}
    assert body["config_version"] != before["config_version"]
    assert await _node_versions(world) == {body["config_version"]}

    assert await _x_cache(world, "/t/other?size=100") == ["Miss from cloudfront",
                                                          "Hit from cloudfront"]
    echo = await (await world.get("/api/echo/plain")).json(content_type=None)
    assert ["X-Origin-Verify", "reloaded"] in echo["headers"]
    after = await plane.get("/api/config")
    assert after["config_version"] == body["config_version"]
    assert after["last_reload"]["result"] == "applied" and after["last_reload"]["error"] is None

    async def stats_show_the_new_version() -> bool:
        nodes = (await plane.get("/api/stats"))["nodes"].values()
        return {n["config_version"] for n in nodes} == {body["config_version"]}
    await eventually(stats_show_the_new_version)


async def test_an_invalid_file_changes_nothing_and_says_why(world: World,
                                                            plane: PlaneServer) -> None:
    before = await plane.get("/api/config")
    versions = await _node_versions(world)
    _default_ttl(world, "soon")
    status, body = await plane.call("POST", "/api/config/reload")
    assert status == 400
    assert "cache_policies.Test.default_ttl: expected integer, got string 'soon'" in body["error"]
    assert await _node_versions(world) == versions
    assert await _x_cache(world, PAGE) == ["Miss from cloudfront"] * 2  # still TTL 0
    after = await plane.get("/api/config")
    assert after["config_version"] == before["config_version"]
    assert after["last_reload"]["result"] == "invalid"
    assert after["last_reload"]["error"] == body["error"]


async def test_a_topology_change_needs_a_restart(world: World, plane: PlaneServer) -> None:
    versions = await _node_versions(world)
    pop = world.document["pops"][0]
    pop["port"] += 1
    _default_ttl(world, 3600)
    status, body = await plane.call("POST", "/api/config/reload")
    assert status == 409
    assert body["changes"] == [f"{world.pop}.port: {pop['port'] - 1} -> {pop['port']}"]
    assert "restart" in body["error"] and f"{world.pop}.port" in body["error"]
    assert await _node_versions(world) == versions
    assert (await plane.get("/api/config"))["last_reload"]["result"] == "needs restart"


async def test_a_node_that_is_down_is_named_in_the_result(world: World,
                                                          plane: PlaneServer) -> None:
    await world.stop_node(world.rec)
    _default_ttl(world, 60)
    status, body = await plane.call("POST", "/api/config/reload")
    assert status == 200
    assert body["nodes"][world.pop] == "applied"
    assert body["nodes"][world.rec].startswith("not applied: no answer")
    last = (await plane.get("/api/config"))["last_reload"]
    assert last["result"] == "partly applied" and world.rec in last["error"]


async def test_an_edit_of_the_watched_file_reloads_by_itself(world: World,
                                                             tmp_path: Path) -> None:
    source = tmp_path / "world.toml"
    source.write_text("# stands for the file the nodes read\n")
    plane = await start_plane(world, source=source)
    try:
        before = await plane.get("/api/config")
        assert before["watching"] is True and before["source"] == str(source)
        _default_ttl(world, 3600)
        source.write_text("# edited\n")

        async def reloaded() -> dict[str, Any] | None:
            config = await plane.get("/api/config")
            return config if config["last_reload"] else None

        after = await eventually(reloaded)
        assert after["last_reload"]["result"] == "applied"
        assert after["config_version"] != before["config_version"]
        assert await _x_cache(world, PAGE) == ["Miss from cloudfront", "Hit from cloudfront"]

        os.utime(source, ns=(0, 0))  # touched, and now an invalid config behind it
        _default_ttl(world, -1)

        async def refused() -> dict[str, Any] | None:
            config = await plane.get("/api/config")
            return config if config["last_reload"]["result"] == "invalid" else None

        assert (await eventually(refused))["config_version"] == after["config_version"]
    finally:
        await plane.close()


async def test_reloads_while_requests_run_fail_none(world: World, plane: PlaneServer) -> None:
    """Three reloads (valid, invalid, valid) under a steady stream of requests through the PoP:
    every request is answered 200."""
    statuses: list[int] = []
    stop = asyncio.Event()

    async def viewer(n: int) -> None:
        async with aiohttp.ClientSession() as session:
            i = 0
            while not stop.is_set() and i < 400:
                i += 1
                async with session.get(world.url(world.pop, f"/t/v{n}-{i % 7}?size=2000")) as r:
                    await r.read()
                    statuses.append(r.status)

    viewers = [asyncio.create_task(viewer(n)) for n in range(4)]
    outcomes = []
    for ttl in (3600, "invalid", 60):
        await asyncio.sleep(0.2)
        _default_ttl(world, ttl)
        outcomes.append((await plane.call("POST", "/api/config/reload"))[0])
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.gather(*viewers)
    assert outcomes == [200, 400, 200]
    assert len(statuses) > 100 and set(statuses) == {200}


async def test_the_config_file_is_given_by_its_absolute_path(
    world: World, tmp_path: Path, monkeypatch,
) -> None:
    """`edgesim up --config world.toml` names the file from the directory it runs in; the API
    gives where the file is, as it does for the built-in default world's."""
    (tmp_path / "world.toml").write_text("# stands for the file the nodes read\n")
    monkeypatch.chdir(tmp_path)
    for typed, absolute in ((Path("world.toml"), tmp_path / "world.toml"),
                            (Path(default_config_path()), Path(default_config_path()))):
        plane = await start_plane(world, source=typed)
        try:
            config = await plane.get("/api/config")
        finally:
            await plane.close()
        assert config["source"] == str(absolute) and Path(config["source"]).is_absolute()
        assert config["watching"] is True
