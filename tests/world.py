"""A whole small edge network inside the test process: origin, regional cache, PoP.

Every piece is the real application on 127.0.0.1 with an ephemeral port; only the process
boundary is skipped (DESIGN.md: tests may start the node applications in one process).
"""

from __future__ import annotations

import copy
import socket
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.config import Config, default_config_path, parse_config
from edge.node.app import ViewerPort, admin_app
from edge.node.context import NodeContext
from origin.app import make_app

TOKEN = "test-token"

# Prepended to the default behaviors: `/t/*` keys on and forwards every query string, so the
# origin's per-request knobs (`?cc=...&status=...`) reach it and each URL caches on its own;
# `/api/echo/plain*` shows what reaches the origin with no origin request policy.
TEST_POLICY = {
    "min_ttl": 0,
    "default_ttl": 0,
    "max_ttl": 31536000,
    "enable_accept_encoding_gzip": True,
    "enable_accept_encoding_brotli": True,
    "query_strings": {"behavior": "all"},
}


def free_port() -> int:
    """A port free now, for another process to bind. Between this and its bind any socket may
    take it; servers in this process use `reserve_port` instead."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def free_node_port() -> int:
    """A free port with its admin port (1000 above) free too, as a node in another process
    needs."""
    port = reserve_node_port()
    release_node_port(port)
    return port


# Ports reserved by this process: each socket stays bound and listening until `site` hands it
# to its server, so no client's ephemeral port or later pick can take it in between.
_RESERVED: dict[int, socket.socket] = {}


def _reserve(port: int) -> socket.socket | None:
    sock = socket.socket()
    # As asyncio's own sites: the connections it accepts inherit the option, so a server
    # stopped with connections open can be started again on the port at once.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        return None
    sock.listen(128)
    _RESERVED[sock.getsockname()[1]] = sock
    return sock


def reserve_port() -> int:
    """A port held for a server this process will start on it with `site`."""
    sock = _reserve(0)
    assert sock is not None
    return int(sock.getsockname()[1])


def reserve_node_port() -> int:
    """A reserved port with its admin port (1000 above) reserved too, as a node needs."""
    for _ in range(100):
        sock = _reserve(0)
        assert sock is not None
        port = int(sock.getsockname()[1])
        if port <= 64535 and _reserve(port + 1000) is not None:
            return port
        _RESERVED.pop(port).close()
    raise RuntimeError("no free pair of ports")


def release_node_port(port: int) -> None:
    """Give back a reserved node port that no server will use."""
    for held in (port, port + 1000):
        sock = _RESERVED.pop(held, None)
        if sock is not None:
            sock.close()


def site(runner: web.BaseRunner, port: int) -> web.BaseSite:
    """The site serving `runner` on `port`: on the reserved socket if there is one."""
    sock = _RESERVED.pop(port, None)
    if sock is None:
        return web.TCPSite(runner, "127.0.0.1", port)
    return web.SockSite(runner, sock)


@dataclass
class World:
    config: Config
    origin_url: str
    document: dict[str, Any]  # the config as a TOML document: edit it, then reload
    runners: dict[str, web.AppRunner] = field(default_factory=dict)  # origin, admin:<node id>
    viewers: dict[str, ViewerPort] = field(default_factory=dict)
    session: aiohttp.ClientSession | None = None

    def url(self, node_id: str, path: str) -> str:
        return f"http://127.0.0.1:{self.config.nodes[node_id].port}{path}"

    @property
    def pop(self) -> str:
        return self.config.pops[0].id

    @property
    def rec(self) -> str:
        return self.config.regional_caches[0].id

    def context(self, node_id: str) -> NodeContext:
        return self.viewers[node_id].context

    async def get(self, path: str, node_id: str | None = None, **kw: Any) -> aiohttp.ClientResponse:
        assert self.session is not None
        response = await self.session.get(self.url(node_id or self.pop, path), **kw)
        await response.read()
        return response

    async def origin_stats(self) -> dict[str, Any]:
        assert self.session is not None
        async with self.session.get(f"{self.origin_url}/_origin/stats") as r:
            return await r.json()

    async def origin_count(self, path: str) -> int:
        stats = await self.origin_stats()
        return sum(stats["by_path"].get(path, {}).values())

    async def invalidate(self, *paths: str) -> dict[str, int]:
        assert self.session is not None
        removed = {}
        for node_id, runner in self.runners.items():
            if not node_id.startswith("admin:"):
                continue
            port = runner.addresses[0][1]
            async with self.session.post(
                f"http://127.0.0.1:{port}/invalidations",
                json={"paths": list(paths)},
                headers={"Authorization": f"Bearer {TOKEN}"},
            ) as r:
                removed[node_id.removeprefix("admin:")] = (await r.json())["removed"]
        return removed

    async def admin(self, node_id: str, method: str, path: str,
                    **kw: Any) -> tuple[int, dict[str, Any]]:
        """A call to a node's admin API with the token: (status, JSON body)."""
        assert self.session is not None
        port = self.config.nodes[node_id].port + 1000
        async with self.session.request(
            method, f"http://127.0.0.1:{port}{path}",
            headers={"Authorization": f"Bearer {TOKEN}"}, **kw,
        ) as r:
            return r.status, await r.json()

    async def stop_origin(self) -> None:
        await self.runners.pop("origin").cleanup()

    async def start_origin(self, content: Path | None = None) -> None:
        """The sample origin on the world's origin port; `content` replaces its site folder."""
        runner = web.AppRunner(make_app(content), access_log=None)
        await runner.setup()
        await site(runner, int(self.origin_url.rsplit(":", 1)[1])).start()
        self.runners["origin"] = runner

    async def stop_node(self, node_id: str) -> None:
        await self.runners.pop(f"admin:{node_id}").cleanup()
        await self.viewers.pop(node_id).cleanup()

    async def close(self) -> None:
        if self.session is not None:
            await self.session.close()
        for node_id in reversed(list(self.viewers)):
            await self.stop_node(node_id)
        for runner in reversed(list(self.runners.values())):
            await runner.cleanup()


def access_log_lines(node_logs: Path) -> list[str]:
    """The access-log records of one node, in the order they were written: one file per hour,
    whose names sort by hour (a clock may cross an hour between two requests)."""
    return [line for f in sorted(node_logs.glob("*.log"))
            for line in f.read_text().splitlines() if not line.startswith("#")]


def world_document(
    log_dir: Path, origin_port: int, edit: Callable[[dict[str, Any]], None] | None = None,
    tiers: bool = True, example_functions: bool = False,
) -> dict[str, Any]:
    """The default world's config document, small: one regional cache and one PoP. Without
    `example_functions` its behaviors lose the example functions and signed-URL checks of the
    sample site, which the tests that are not about them would otherwise all pay for."""
    with open(default_config_path(), "rb") as f:
        data = tomllib.load(f)
    if not example_functions:
        for behavior in [*data["behaviors"], data["default_behavior"]]:
            behavior.pop("functions", None)
            behavior.pop("trusted_key_groups", None)
    data["log_dir"] = str(log_dir)
    data.pop("origin_server", None)
    data.pop("front_door", None)
    data["latency"]["time_scale"] = 0  # legs reported, never waited for
    data["origins"][0]["url"] = f"http://127.0.0.1:{origin_port}"
    data["origins"][0]["connection_timeout"] = 1
    data["origins"][0]["response_timeout"] = 5
    data["origins"][0]["connection_attempts"] = 1
    data["cache_policies"]["Test"] = dict(TEST_POLICY)
    data["behaviors"][:0] = [
        {"path_pattern": "/t/*", "origin": "site", "cache_policy": "Test"},
        # The echo with no origin request policy: what CloudFront forwards by default.
        {"path_pattern": "/api/echo/plain*", "origin": "site", "cache_policy": "CachingDisabled",
         "allowed_methods": ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]},
    ]
    rec = {**data["regional_caches"][0], "port": reserve_node_port()}
    pop = {**data["pops"][0], "port": reserve_node_port()}
    data["regional_caches"] = [rec]
    data["pops"] = [pop]
    if not tiers:
        data["regional_caches"] = []
        pop.pop("parent", None)
    if edit is not None:
        edit(data)
    kept = {node["port"] for node in [*data.get("pops", []), *data.get("regional_caches", [])]}
    for port in (rec["port"], pop["port"]):
        if port not in kept:
            release_node_port(port)
    return data


def parse_document(data: dict[str, Any]) -> Config:
    return parse_config(copy.deepcopy(data), default_config_path())  # handlers are beside it


async def start_world(
    log_dir: Path, edit: Callable[[dict[str, Any]], None] | None = None, tiers: bool = True,
    clock: Callable[[], float] | None = None, example_functions: bool = False,
    prepare: Callable[[Config, str], Config] | None = None,
) -> World:
    """The world of `world_document`; `prepare` makes the nodes' config of the parsed one and
    the origin's URL, as a command-line option would (`with_origin`)."""
    origin_port = reserve_port()
    origin_url = f"http://127.0.0.1:{origin_port}"
    data = world_document(log_dir, origin_port, edit, tiers, example_functions)

    def load() -> Config:
        config = parse_document(world.document)
        return config if prepare is None else prepare(config, origin_url)

    world = World(parse_document(data), origin_url, data)
    if prepare is not None:
        world.config = prepare(world.config, origin_url)
    await world.start_origin()
    for node in sorted(world.config.nodes.values(), key=lambda n: n.kind != "rec"):
        viewer = ViewerPort(world.config, node, clock) if clock else ViewerPort(world.config, node)
        await viewer.setup()
        await site(viewer.runner, node.port).start()
        world.viewers[node.id] = viewer
        # A reload reads `world.document` again, as a node reads its file again.
        admin = web.AppRunner(admin_app(viewer, TOKEN, load), access_log=None)
        await admin.setup()
        await site(admin, node.port + 1000).start()
        world.runners[f"admin:{node.id}"] = admin
    world.session = aiohttp.ClientSession(auto_decompress=False)
    return world
