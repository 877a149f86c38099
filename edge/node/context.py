"""Everything one node process holds: its configuration, cache, upstream routes and counters.

Built once at start-up from the frozen config, so the request path only looks things up.
"""

from __future__ import annotations

import asyncio
import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field

from yarl import URL

from edge.cache.entry import CachedResponse
from edge.cache.store import CacheStore
from edge.config import Behavior, Config, Latency, Node, Origin
from edge.http.behaviors import BehaviorMatcher
from edge.http.semantics import CacheSemantics, semantics_named
from edge.node.access_log import AccessLog
from edge.node.collapse import Collapser
from edge.node.functions import NodeFunctions
from edge.node.identity import SHIELD_LAYER, via_token
from edge.node.location import ViewerResolver
from edge.node.reloads import Reload, say
from edge.node.upstream import Route, Target, Upstream

UPSTREAM_BUCKETS_MS = (5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)


@dataclass(slots=True)
class NodeStats:
    """Counters for the stats endpoint and the metrics; results by `x-edge-result-type`.

    Upstream first-byte times are kept as a histogram over `UPSTREAM_BUCKETS_MS` (the last
    count is for slower ones), observed once per fetch.
    """

    requests: int = 0
    bytes_sent: int = 0
    upstream_requests: int = 0
    results: Counter[str] = field(default_factory=Counter)
    upstream_counts: list[int] = field(default_factory=lambda: [0] * (len(UPSTREAM_BUCKETS_MS) + 1))
    upstream_ms_total: float = 0.0

    def observe_upstream(self, first_byte_ms: float) -> None:
        self.upstream_counts[bisect_left(UPSTREAM_BUCKETS_MS, first_byte_ms)] += 1
        self.upstream_ms_total += first_byte_ms

    def as_dict(self) -> dict[str, object]:
        return {
            "requests": self.requests,
            "bytes_sent": self.bytes_sent,
            "upstream_requests": self.upstream_requests,
            "results": dict(self.results),
        }


def origin_target(origin: Origin, rtt_ms: float = 0.0) -> Target:
    return Target(
        url=URL(origin.url),
        layer="Origin",
        connection_timeout=origin.connection_timeout,
        response_timeout=origin.response_timeout,
        connection_attempts=origin.connection_attempts,
        custom_headers=origin.custom_headers,
        rtt_ms=rtt_ms,
    )


def parent_target(
    config: Config, parent: Node, rtt_ms: float = 0.0, layer: str = "REC"
) -> Target:
    """A regional cache (as such, or as an Origin Shield) is on our own network: short connect
    timeout, generous read timeout."""
    return Target(
        url=URL.build(scheme="http", host=config.host, port=parent.port),
        layer=layer,
        connection_timeout=2.0,
        response_timeout=125.0,
        connection_attempts=2,
        rtt_ms=rtt_ms,
    )


@dataclass(slots=True)
class NodeContext:
    config: Config
    node: Node
    semantics: CacheSemantics
    matcher: BehaviorMatcher
    store: CacheStore
    upstream: Upstream
    access_log: AccessLog
    clock: Callable[[], float]
    origin_routes: dict[str, Route]  # by behavior target id (origin or origin group)
    shield_routes: dict[str, Route]  # by origin id, where an Origin Shield stands in between
    behavior_index: dict[int, int]  # by id(behavior): its place in the distribution's list
    parent: Target | None
    via: str
    layer: str  # this node's name in Server-Timing `cdn-hit-layer` (spec §5.1)
    pop_timing: str  # Server-Timing's `cdn-pop` metric and the start of `cdn-rid`, made once
    functions: NodeFunctions
    latency: Latency  # simulated round trips and transfers, waited out times its time scale
    viewers: ViewerResolver
    collapser: Collapser[CachedResponse] = field(default_factory=Collapser)
    stats: NodeStats = field(default_factory=NodeStats)
    background: set[asyncio.Task[None]] = field(default_factory=set)

    @classmethod
    def build(
        cls,
        config: Config,
        node: Node,
        upstream: Upstream,
        access_log: AccessLog,
        clock: Callable[[], float] = time.time,
        *,
        echo_function_logs: bool = False,
        report_reloads: Callable[[Reload], None] = say,
        store: CacheStore | None = None,
        functions: NodeFunctions | None = None,
    ) -> NodeContext:
        dist = config.distribution
        here = (node.latitude, node.longitude)

        def to(origin: Origin) -> Target:
            return origin_target(origin, config.latency.model.rtt_ms(
                here, (origin.latitude, origin.longitude)))

        routes = {oid: Route((to(o),)) for oid, o in dist.origins.items()}
        for gid, group in dist.origin_groups.items():
            routes[gid] = Route(
                (to(dist.origins[group.primary]), to(dist.origins[group.secondary])),
                group.failover_status_codes,
            )
        parent = config.nodes[node.parent] if node.parent else None
        # Origin Shield: a node that would go to the origin goes through its shield instead,
        # unless it is that shield.
        shields = {}
        if parent is None:
            for oid, origin in dist.origins.items():
                if origin.origin_shield is not None and origin.origin_shield != node.id:
                    shield = config.nodes[origin.origin_shield]
                    rtt = config.latency.model.rtt_ms(here, (shield.latitude, shield.longitude))
                    shields[oid] = Route((parent_target(config, shield, rtt, SHIELD_LAYER),))
        return cls(
            config=config,
            node=node,
            semantics=semantics_named(dist.cache_semantics, dist.no_store_with_min_ttl),
            matcher=BehaviorMatcher(dist.behaviors),
            store=CacheStore(node.cache_size, node.eviction) if store is None else store,
            upstream=upstream,
            access_log=access_log,
            clock=clock,
            origin_routes=routes,
            shield_routes=shields,
            behavior_index={id(b): i for i, b in enumerate(dist.behaviors)},
            parent=parent_target(config, parent, config.latency.model.rtt_ms(
                here, (parent.latitude, parent.longitude))) if parent else None,
            via=via_token(node.id),
            layer="EDGE" if node.kind == "pop" else "REC",
            pop_timing=f'cdn-pop;desc="{node.id}",cdn-rid;desc="',
            latency=config.latency,
            functions=NodeFunctions(config, node, echo=echo_function_logs, clock=clock,
                                    report=report_reloads)
            if functions is None else functions,
            viewers=ViewerResolver(config, node),
        )

    def reconfigured(self, config: Config, upstream: Upstream) -> NodeContext:
        """This node under a reloaded config of the same topology: the same cache, counters,
        access log and fetches being collapsed; the new config's rules, routes and functions.
        Requests in flight finish on this context, so none sees half of each config."""
        ctx = NodeContext.build(
            config, config.nodes[self.node.id], upstream, self.access_log, self.clock,
            store=self.store, functions=self.functions.reconfigured(config),
        )
        ctx.collapser, ctx.stats, ctx.background = self.collapser, self.stats, self.background
        return ctx

    def error_caching_min_ttl(self, status: int) -> int | None:
        custom = self.config.distribution.custom_error_responses.get(status)
        return None if custom is None else custom.error_caching_min_ttl

    def spawn(self, work: Coroutine[None, None, None]) -> None:
        """Run work that outlives its request (a background refresh); cancelled at shutdown."""
        task = asyncio.get_running_loop().create_task(work)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def close(self) -> None:
        for task in list(self.background):
            task.cancel()
        await asyncio.gather(*self.background, return_exceptions=True)
        await self.functions.close()

    def cache_route(self, behavior: Behavior) -> Route:
        """Cacheable requests climb the tiers: the parent cache if there is one, else the
        origin's shield if it has one, else the origin."""
        if self.parent is not None:
            return Route((self.parent,))
        shield = self.shield_routes.get(behavior.target_origin)
        return shield if shield is not None else self.origin_routes[behavior.target_origin]

    def origin_route(self, behavior: Behavior) -> Route:
        """Dynamic requests go from the PoP straight to the origin (spec §4.4)."""
        return self.origin_routes[behavior.target_origin]


class CurrentContext:
    """The context a node's next request starts on: a config reload replaces it between two
    requests, while those in flight keep the one they started on."""

    __slots__ = ("context",)

    def __init__(self, context: NodeContext) -> None:
        self.context = context
