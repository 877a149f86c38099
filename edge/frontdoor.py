"""The front door: one address for every viewer, forwarded to the nearest healthy PoP.

It stands for CloudFront's latency-based DNS (DESIGN.md): it finds where the viewer is (the
trusted `X-Forwarded-For` hop, the socket peer, or the city a browser asks to be seen from),
ranks the PoPs by simulated round-trip time from there, and forwards the request to the first
healthy one with the viewer's address as the last `X-Forwarded-For` hop, so the PoP sees the
viewer the front door saw. Every PoP's health is checked each second, and a PoP that refuses a
connection is skipped at once until it answers again; an idempotent request that could not reach
its PoP is retried once on the next. Responses pass through untouched: `X-Amz-Cf-Pop` names the
PoP that served. A city the world does not have is refused here as a PoP refuses it, since no
PoP can be chosen for a viewer who is nowhere.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal

import aiohttp
from aiohttp import web
from multidict import CIMultiDict

from edge.config import Config, Node
from edge.geo.latency import LatencyModel
from edge.geo.nearest import NearestTable
from edge.http.forwarding import hop_by_hop
from edge.http.message import X_FORWARDED_FOR
from edge.node.admin_errors import unrouted_as_json
from edge.node.app import HANDLER_ARGS
from edge.node.identity import new_request_id
from edge.node.location import (
    TrustedProxies,
    city_ip,
    city_override,
    unknown_city,
    world_database,
)
from edge.node.outcome import Outcome
from edge.node.replies import generated_error
from edge.node.serve import admin_port, start_site
from edge.runstate import is_token, presented_token
from edge.supervisor import watch_parent

__all__ = ["HEALTH_INTERVAL", "FrontDoor", "serve_front_door", "viewer_server"]

HEALTH_INTERVAL = 1.0  # seconds between two rounds of PoP health checks
HEALTH_TIMEOUT = 0.8
# Health checks that go unanswered in time before a PoP counts as down, as DNS health checks
# have a failure threshold: on a busy machine one slow answer is not a dead PoP. A refused
# connection is: it counts at once.
SLOW_CHECKS_TO_DOWN = 2
IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# A new connection to the PoP failed: refused or not accepted in time. The PoP is down.
_REFUSED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)
# The connection broke before an answer: reset or closed. On a pooled keep-alive connection
# that is most often the PoP closing an idle connection as the request went out, so the PoP
# is tried once more (on a new connection) before it counts as down.
_BROKEN = aiohttp.ClientConnectionError


@dataclass(slots=True)
class FrontDoorStats:
    requests: int = 0
    retries: int = 0
    unrouted: int = 0  # answered 503: no PoP was healthy
    by_pop: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, object]:
        return {"requests": self.requests, "retries": self.retries, "unrouted": self.unrouted,
                "by_pop": dict(self.by_pop)}


class FrontDoor:
    """The routing state (PoP health, rankings) and the aiohttp handler that uses it."""

    def __init__(self, config: Config, latency: LatencyModel | None = None) -> None:
        self._config = config
        self._pops: list[Node] = list(config.pops)
        self._healthy: dict[str, bool] = {pop.id: True for pop in self._pops}
        self._slow_checks: dict[str, int] = {pop.id: 0 for pop in self._pops}
        self._latency = latency or LatencyModel()
        self._trusts = TrustedProxies(config.trusted_proxies).trusts
        self._nearest = NearestTable(self._pops, lambda p: (p.latitude, p.longitude),
                                     model=self._latency)
        self._session: aiohttp.ClientSession | None = None
        self._checker: asyncio.Task[None] | None = None
        self.stats = FrontDoorStats()

    # -- lifetime ----------------------------------------------------------------------------

    async def start(self) -> None:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0),
            auto_decompress=False,
            cookie_jar=aiohttp.DummyCookieJar(),
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
        )
        await self._check_all()
        self._checker = asyncio.get_running_loop().create_task(self._check_forever())

    async def close(self) -> None:
        if self._checker is not None:
            self._checker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._checker
        if self._session is not None:
            await self._session.close()

    def healthy(self) -> dict[str, bool]:
        return dict(self._healthy)

    # -- routing -----------------------------------------------------------------------------

    def route(self, viewer_ip: str) -> list[Node]:
        """The healthy PoPs for a viewer, best first; a viewer the world cannot place (a
        browser on this machine) gets the config's order, its first PoP first."""
        found = world_database(self._config.geolite2).lookup(viewer_ip)
        if found is None or found.latitude is None or found.longitude is None:
            ranked = self._pops
        else:
            ranked = [pop for pop, _ in self._nearest.ranked((found.latitude, found.longitude))]
        return [pop for pop in ranked if self._healthy[pop.id]]

    # -- the request -------------------------------------------------------------------------

    async def handle(self, request: web.BaseRequest) -> web.StreamResponse:
        self.stats.requests += 1
        headers = request.headers
        peername = request.transport.get_extra_info("peername") if request.transport else None
        peer = peername[0] if peername else "127.0.0.1"
        chain = ",".join(headers.getall(X_FORWARDED_FOR, ()))
        viewer = peer
        if chain and self._trusts(peer):
            viewer = chain.rpartition(",")[2].strip() or peer
        else:
            chain = ",".join(filter(None, (chain, peer)))
        override = city_override(headers)
        if override is not None:
            city, headers = override
            ip = city_ip(city)
            if ip is None:
                return _unknown_city(city)
            viewer = chain = ip
        pops = self.route(viewer)
        if not pops:
            self.stats.unrouted += 1
            return web.Response(status=503, text="No PoP is answering; try again shortly.\n")
        forwarded = CIMultiDict(
            (name, value) for name, value in headers.items()
            if name.lower() not in hop_by_hop(headers) and name.lower() != "x-forwarded-for")
        forwarded[X_FORWARDED_FOR] = chain  # its last hop is the viewer
        # Read whole (a retry sends it again), without aiohttp's 1 MiB cap: the PoP decides.
        body = await request.content.read() if request.body_exists else None
        # An idempotent request may go out again: to the same PoP after a broken connection,
        # to the next PoP once this one is down. Others are sent once.
        attempts = [pops[0], *pops[:2]] if request.method in IDEMPOTENT else pops[:1]
        down: set[str] = set()
        broken: set[str] = set()
        for pop in attempts:
            if pop.id in down:
                continue
            try:
                return await self._forward(request, pop, forwarded, body)
            except _REFUSED:
                down.add(pop.id)
            except _BROKEN:
                if pop.id in broken:
                    down.add(pop.id)
                broken.add(pop.id)
            except (aiohttp.ClientError, TimeoutError):
                break  # the PoP took the request: sending it again could do it twice
            self.stats.retries += 1
            if pop.id in down:
                self._healthy[pop.id] = False  # until its next health check passes
        self.stats.unrouted += 1
        return web.Response(status=502, text="The PoP for this viewer did not answer.\n")

    async def _forward(
        self, request: web.BaseRequest, pop: Node, headers: CIMultiDict[str], body: bytes | None
    ) -> web.StreamResponse:
        assert self._session is not None
        url = f"http://{self._config.host}:{pop.port}{request.raw_path}"
        async with self._session.request(
            request.method, url, headers=headers, data=body, allow_redirects=False,
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=2.0, sock_read=None),
        ) as upstream:
            self.stats.by_pop[pop.id] += 1
            dropped = hop_by_hop(upstream.headers)
            response = web.StreamResponse(status=upstream.status, reason=upstream.reason)
            for name, value in upstream.headers.items():
                if name.lower() not in dropped and name.lower() != "content-length":
                    response.headers.add(name, value)
            if upstream.content_length is not None:
                response.content_length = upstream.content_length
            await response.prepare(request)
            try:
                async for chunk in _chunks(upstream):
                    await response.write(chunk)
                await response.write_eof()
            except (aiohttp.ClientError, TimeoutError, ConnectionError):
                # Cut short on either side once the answer had started: the viewer sees the
                # transfer end, as it would from the PoP itself.
                response.force_close()
            return response

    # -- health ------------------------------------------------------------------------------

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(HEALTH_INTERVAL)
            await self._check_all()

    async def _check_all(self) -> None:
        results = await asyncio.gather(*(self._check(pop) for pop in self._pops))
        for pop, result in zip(self._pops, results, strict=True):
            slow = self._slow_checks[pop.id] = (
                self._slow_checks[pop.id] + 1 if result == "slow" else 0)
            self._healthy[pop.id] = result == "ok" or (
                result == "slow" and slow < SLOW_CHECKS_TO_DOWN)

    async def _check(self, pop: Node) -> Literal["ok", "slow", "down"]:
        """"ok", "slow" (no answer in time) or "down" (refused, or not healthy)."""
        assert self._session is not None
        url = f"http://{self._config.host}:{admin_port(pop)}/health"
        try:
            async with self._session.get(
                url, timeout=aiohttp.ClientTimeout(total=HEALTH_TIMEOUT)
            ) as response:
                return "ok" if response.status == 200 else "down"
        except TimeoutError:
            return "slow"
        except aiohttp.ClientError:
            return "down"


def _unknown_city(city: str) -> web.Response:
    """The PoPs' 400 for a city the world does not have: CloudFront's error page with the same
    reason, and the headers a PoP gives it but those naming a PoP (`X-Amz-Cf-Pop`, its `Via`
    and `Server-Timing`): no PoP saw the request."""
    request_id = new_request_id()
    reply = generated_error(400, request_id, unknown_city(city))
    headers = CIMultiDict(reply.headers)
    headers["Server"] = "CloudFront"
    headers["X-Cache"] = Outcome.ERROR.x_cache
    headers["X-Amz-Cf-Id"] = request_id
    return web.Response(status=reply.status, reason=reply.reason, headers=headers,
                        body=reply.body)


async def _chunks(upstream: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    async for chunk in upstream.content.iter_chunked(65536):
        yield chunk


def admin_app(door: FrontDoor, token: str) -> web.Application:
    """Health (open) and routing counts (bearer token), on the front door's admin port."""

    async def health(request: web.Request) -> web.Response:
        return web.json_response({"id": "front-door", "kind": "front-door", "status": "ok",
                                  "pops": door.healthy()})

    async def stats(request: web.Request) -> web.Response:
        if not is_token(presented_token(request.headers.get("Authorization", "")), token):
            return web.json_response({"error": "missing or wrong admin token"}, status=401)
        return web.json_response({"id": "front-door", **door.stats.as_dict(),
                                  "pops": door.healthy()})

    app = web.Application(middlewares=[unrouted_as_json()])
    app.router.add_get("/health", health)
    app.router.add_get("/stats", stats)
    return app


def viewer_server(door: FrontDoor) -> web.Server:
    """The front door's viewer port, with the PoPs' own limits on request lines and headers:
    it stands for DNS, so what is too long is the PoP's to answer, as CloudFront would."""
    return web.Server(door.handle, access_log=None, **HANDLER_ARGS)


async def serve_front_door(config: Config, token: str) -> None:
    """Run the front door on its port (admin API 1000 above) until SIGINT or SIGTERM."""
    assert config.front_door is not None
    port = config.front_door.port
    door = FrontDoor(config)
    viewer = web.ServerRunner(viewer_server(door), shutdown_timeout=5.0, handle_signals=False)
    admin = web.AppRunner(admin_app(door, token), handle_signals=False, access_log=None)
    await door.start()
    await viewer.setup()
    await admin.setup()
    try:
        await start_site(viewer, config.host, port, "the front door")
        await start_site(admin, config.host, port + 1000, "the front door's admin port")
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        watcher = loop.create_task(watch_parent(stop))  # under `edgesim up`: stop with it
        try:
            await stop.wait()
        finally:
            watcher.cancel()
    finally:
        await admin.cleanup()
        await viewer.cleanup()
        await door.close()
