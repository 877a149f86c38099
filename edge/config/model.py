"""The distribution and its topology, as frozen dataclasses.

Names follow CloudFront's API in snake_case (`CachePolicyConfig.MinTTL` → `CachePolicy.min_ttl`).
`edge.config.loader` builds them from TOML, checking every value once at start-up, so the
request path never re-reads strings.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Literal

from edge.config.signing import TrustedKeyGroups
from edge.geo.latency import LatencyModel
from edge.runtime.function import EdgeFunction

# ---------------------------------------------------------------------------------------------
# Policies (spec §4.2)

KeyBehavior = Literal["none", "whitelist", "allExcept", "all"]
OriginHeaderBehavior = Literal[
    "none", "whitelist", "allViewer", "allViewerAndWhitelistCloudFront", "allExcept"
]
CacheSemanticsName = Literal["cloudfront", "rfc9111"]


@dataclass(frozen=True, slots=True)
class KeyParameters:
    """One of the headers / cookies / query-strings settings of a policy.

    `items` are the names listed for `whitelist` or `allExcept`; header names are stored
    lower-case (they are case-insensitive), cookie and query-string names as written.
    """

    behavior: str = "none"
    items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class CachePolicy:
    """What goes into the cache key (and so to the origin) and the TTL bounds."""

    name: str
    min_ttl: int = 0
    default_ttl: int = 86400
    max_ttl: int = 31536000
    enable_accept_encoding_gzip: bool = False
    enable_accept_encoding_brotli: bool = False
    headers: KeyParameters = KeyParameters()
    cookies: KeyParameters = KeyParameters()
    query_strings: KeyParameters = KeyParameters()

    @property
    def caching_disabled(self) -> bool:
        """CachingDisabled-like: nothing stored, no collapsing, no compression (spec §4.2)."""
        return self.max_ttl == 0


@dataclass(frozen=True, slots=True)
class OriginRequestPolicy:
    """Values forwarded to the origin without being part of the cache key."""

    name: str
    headers: KeyParameters = KeyParameters()
    cookies: KeyParameters = KeyParameters()
    query_strings: KeyParameters = KeyParameters()


# ---------------------------------------------------------------------------------------------
# Origins (spec §2.3 quotas, §6.2 failover)


@dataclass(frozen=True, slots=True)
class Origin:
    """A custom origin: any HTTP server. `url` is scheme://host:port[/path] with no trailing /."""

    id: str
    url: str
    connection_timeout: float = 10.0
    response_timeout: float = 30.0
    connection_attempts: int = 3
    keepalive_timeout: float = 5.0
    custom_headers: tuple[tuple[str, str], ...] = ()
    # Where it stands, for the simulated latency of the links to it (default: us-east-1).
    city: str = "Ashburn"
    latitude: float = 39.04
    longitude: float = -77.49
    # Origin Shield (spec §4.4): the regional cache every other tier fetches this origin
    # through, as CloudFront's OriginShieldRegion; None: each regional cache goes to the origin.
    origin_shield: str | None = None


@dataclass(frozen=True, slots=True)
class OriginGroup:
    """Primary and secondary origin; failover on the listed statuses, connect errors, timeouts."""

    id: str
    primary: str
    secondary: str
    failover_status_codes: frozenset[int] = frozenset({500, 502, 503, 504})


# ---------------------------------------------------------------------------------------------
# Behaviors and errors (spec §4.1, §6.3)

ALL_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"})
ALLOWED_METHOD_SETS = (
    frozenset({"GET", "HEAD"}),
    frozenset({"GET", "HEAD", "OPTIONS"}),
    ALL_METHODS,
)


@dataclass(frozen=True, slots=True)
class FunctionAssociation:
    """A Lambda@Edge function on one trigger of a behavior (`LambdaFunctionAssociation`)."""

    function: EdgeFunction
    include_body: bool = False  # request triggers only: the body goes into the event


@dataclass(frozen=True, slots=True)
class FunctionAssociations:
    """At most one function per trigger (spec §1.1); read on every request, so attributes."""

    viewer_request: FunctionAssociation | None = None
    origin_request: FunctionAssociation | None = None
    origin_response: FunctionAssociation | None = None
    viewer_response: FunctionAssociation | None = None

    def __iter__(self) -> Iterator[FunctionAssociation]:
        for association in (self.viewer_request, self.origin_request, self.origin_response,
                            self.viewer_response):
            if association is not None:
                yield association


@dataclass(frozen=True, slots=True)
class FunctionLimits:
    """Limits a node applies to all its functions together (spec §2.3: per Region)."""

    concurrency: int = 1000  # concurrent executions on one node, like a Region's quota
    idle_timeout: float = 300.0  # seconds before an idle execution environment is reclaimed


@dataclass(frozen=True, slots=True)
class Behavior:
    """A cache behavior. The last one of a distribution is the default, pattern `*`."""

    path_pattern: str
    target_origin: str  # an Origin id or an OriginGroup id
    cache_policy: CachePolicy
    origin_request_policy: OriginRequestPolicy | None = None
    allowed_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    cached_methods: frozenset[str] = frozenset({"GET", "HEAD"})
    compress: bool = True
    functions: FunctionAssociations = FunctionAssociations()
    # Restricted viewer access (spec §6.5): None serves everyone; else signed URLs or cookies.
    trusted_key_groups: TrustedKeyGroups | None = None


@dataclass(frozen=True, slots=True)
class CustomErrorResponse:
    error_code: int
    response_page_path: str | None = None
    response_code: int | None = None
    error_caching_min_ttl: int = 10


@dataclass(frozen=True, slots=True)
class GeoRestriction:
    """Spec §6.4: the countries (ISO 3166-1 alpha-2 codes) the whole distribution serves
    ("whitelist") or refuses ("blacklist")."""

    restriction_type: Literal["none", "whitelist", "blacklist"] = "none"
    items: frozenset[str] = frozenset()

    def blocks(self, country_code: str | None) -> bool:
        """A viewer whose country is unknown is served, as CloudFront serves it."""
        if country_code is None or self.restriction_type == "none":
            return False
        return (country_code in self.items) == (self.restriction_type == "blacklist")


@dataclass(frozen=True, slots=True)
class Distribution:
    id: str
    domain_name: str
    origins: dict[str, Origin]
    origin_groups: dict[str, OriginGroup]
    behaviors: tuple[Behavior, ...]  # in match order; the last is the default (`*`)
    custom_error_responses: dict[int, CustomErrorResponse] = field(default_factory=dict)
    function_limits: FunctionLimits = FunctionLimits()
    geo_restriction: GeoRestriction = GeoRestriction()
    cache_semantics: CacheSemanticsName = "cloudfront"
    # spec §4.3 note: no-cache/no-store/private with MinTTL > 0. "min_ttl": cached for MinTTL
    # (the table); "stale_if_unreachable": always ask the origin, keep the copy for errors.
    no_store_with_min_ttl: Literal["min_ttl", "stale_if_unreachable"] = "min_ttl"


# ---------------------------------------------------------------------------------------------
# Topology


@dataclass(frozen=True, slots=True)
class Node:
    """A PoP or a regional edge cache: one process, one port.

    `parent` is the id of the next tier up (a regional cache), or None for the origin.
    """

    id: str  # "IAD89-C1" for a PoP, "REC-us-east-1" style for a regional cache
    kind: Literal["pop", "rec"]
    city: str
    latitude: float
    longitude: float
    port: int
    parent: str | None = None
    cache_size: int = 256 * 1024 * 1024  # bytes
    max_object_size: int = 16 * 1024 * 1024  # larger bodies stream through uncached
    eviction: Literal["lru", "lfu", "fifo"] = "lru"  # which object goes when the cache is full


@dataclass(frozen=True, slots=True)
class OriginServer:
    """The sample origin started by `edgesim up` (absent when the user brings --origin)."""

    port: int = 8000


@dataclass(frozen=True, slots=True)
class FrontDoor:
    """The one address for browsers, routing each viewer to the nearest healthy PoP."""

    port: int = 8080


@dataclass(frozen=True, slots=True)
class ControlPlane:
    """The dashboard and admin API for the whole network (`edgesim up` starts it last).

    `watch_config`: the config file is checked every second and a change reloads every node,
    as `POST /api/config/reload` does.
    """

    port: int = 8090
    watch_config: bool = True


@dataclass(frozen=True, slots=True)
class Latency:
    """How the simulated links delay requests (DESIGN.md, "Simulated viewers and latency").

    Each node waits out the round trip of the links it uses, and with a bandwidth the time the
    body takes: a PoP its viewer's, every node its upstream's. `time_scale` multiplies the
    waits: 1 is real time, 0 computes and reports the legs in `Server-Timing` without waiting.
    """

    model: LatencyModel = field(default_factory=LatencyModel)
    time_scale: float = 1.0
    bandwidth_mbps: float = 0.0  # of every link; 0 is unlimited

    def transfer_ms(self, size: int) -> float:
        """How long `size` bytes take on a link (0 without a bandwidth)."""
        return size * 8 / (self.bandwidth_mbps * 1000) if self.bandwidth_mbps else 0.0


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
LOOPBACK = (ipaddress.ip_network("127.0.0.0/8"), ipaddress.ip_network("::1/128"))


@dataclass(frozen=True, slots=True)
class Config:
    distribution: Distribution
    nodes: dict[str, Node]  # by id; PoPs and regional caches
    host: str = "127.0.0.1"
    origin_server: OriginServer | None = OriginServer()
    log_dir: str = "logs"
    # Peers whose X-Forwarded-For names the viewer: the front door, a PoP to its regional cache.
    trusted_proxies: tuple[IPNetwork, ...] = LOOPBACK
    front_door: FrontDoor | None = None
    control_plane: ControlPlane | None = None
    latency: Latency = field(default_factory=Latency)
    # Real public addresses located by the GeoLite2 City extra too (simulated ones by ours).
    geolite2: bool = False
    source: str = "<default>"  # the file it came from, for messages
    # What the file said, as a digest: nodes and the control plane compare it after a reload.
    version: str = ""

    @property
    def pops(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "pop"]

    @property
    def regional_caches(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == "rec"]

