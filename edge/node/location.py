"""Who and where a node's viewer is: the address CloudFront sees, a city asked for instead, the
countries the distribution refuses (spec §6.4) and the `CloudFront-*` headers its policies name
(spec §5.2).

One `ViewerResolver` per node, built with its context. What the request path asks it is answered
from tables made here, so a request on a behavior that names no CloudFront header, to a
distribution with no geo restriction, costs a dictionary lookup and no geo lookup.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Callable
from urllib.parse import unquote

from multidict import CIMultiDict, CIMultiDictProxy, istr

from edge.config import Config, Node
from edge.config.model import GeoRestriction, IPNetwork
from edge.geo.cities import Cities, ip_for
from edge.geo.device import device_headers
from edge.geo.locations import GeoDatabase
from edge.geo.viewer_headers import viewer_headers
from edge.http.forwarding import cloudfront_headers_named
from edge.http.host import ViewerHost
from edge.http.message import COOKIE, Headers

__all__ = [
    "OVERRIDE_COOKIE",
    "OVERRIDE_HEADER",
    "TrustedProxies",
    "ViewerResolver",
    "city_ip",
    "city_override",
    "unknown_city",
    "with_cloudfront_headers",
    "without_cloudfront_headers",
    "world_cities",
    "world_database",
]

# Ours, not CloudFront's: browse the simulated world as a viewer in a city (README).
OVERRIDE_HEADER = istr("X-Edgesim-Viewer-City")
OVERRIDE_COOKIE = "edgesim-viewer-city"
FORWARDED_PROTO = "CloudFront-Forwarded-Proto"
_RTTS_KEPT = 65_536  # viewer addresses whose round trip a node remembers
_UNKNOWN = object()
_LOOPBACK_V4 = ipaddress.ip_network("127.0.0.0/8")
_LOOPBACK_V6 = ipaddress.ip_network("::1/128")


@functools.cache
def world_database(geolite2: bool = False) -> GeoDatabase:
    """The simulated world's `.mmdb` (and GeoLite2 City for real addresses, when the config
    says so), opened once per process whatever nodes it runs."""
    return GeoDatabase.open(geolite2=geolite2)


@functools.cache
def world_cities() -> Cities:
    """The city table, read on the first city override: half a second nobody else pays."""
    return Cities.load()


def city_ip(query: str) -> str | None:
    """An address in the city `query` names ("Tokyo", "Paris, FR", a GeoNames id), or None
    when the simulated world has no such city: what a city override makes the viewer."""
    text = unquote(query).strip().strip('"').strip()
    cities = world_cities()
    city = cities.get(int(text)) if text.isdigit() else cities.find(text)
    return None if city is None else ip_for(city)


def unknown_city(city: str) -> str:
    """Why a city override the world has no city for is refused (a 400): the reason on the
    error page, the same from a PoP and from the front door."""
    return (f"The simulated world has no city {city!r} (from {OVERRIDE_HEADER} or the cookie "
            f"{OVERRIDE_COOKIE}): give a city name, optionally with its country or region "
            "('Tokyo', 'Paris, FR', 'Portland, Oregon'), or a GeoNames id.")


def _covers(networks: tuple[IPNetwork, ...], block: IPNetwork) -> bool:
    return any(n.version == block.version and block.subnet_of(n) for n in networks)


class TrustedProxies:
    """The peers whose `X-Forwarded-For` names the viewer (config `trusted_proxies`)."""

    def __init__(self, networks: tuple[IPNetwork, ...]) -> None:
        self._networks = networks
        parsed = functools.lru_cache(maxsize=4096)(self._trusts_address)
        self.trusts: Callable[[str], bool] = parsed
        if _covers(networks, _LOOPBACK_V4) and _covers(networks, _LOOPBACK_V6):
            # The front door and the child tiers connect over loopback; a socket's peer is a
            # canonical address, so the usual loopback forms need no parsing (the default).
            def trusts(peer: str) -> bool:
                return peer.startswith("127.") or peer == "::1" or parsed(peer)

            self.trusts = trusts

    def _trusts_address(self, peer: str) -> bool:
        try:
            address = ipaddress.ip_address(peer)
        except ValueError:
            return False
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped  # a dual-stack socket's IPv4 peer
        return any(address in network for network in self._networks)


class ViewerResolver:
    """A node's answers about its viewers.

    Geo restriction and the `CloudFront-*` headers are a PoP's work (spec §0 steps 3 and 6): a
    regional cache believes the headers its PoPs forward and never looks its peer up.
    """

    def __init__(self, config: Config, node: Node) -> None:
        self.trusts = TrustedProxies(config.trusted_proxies).trusts
        self._geolite2 = config.geolite2
        self._here = (node.latitude, node.longitude)
        self._latency = config.latency.model
        self._rtts: dict[str, float | None] = {}  # by viewer address
        dist = config.distribution
        at_pop = node.kind == "pop"
        restriction = dist.geo_restriction
        self.restriction: GeoRestriction | None = (
            restriction if at_pop and restriction.restriction_type != "none" else None)
        # By behavior (its id: behaviors live as long as the config): the CloudFront-* headers
        # to add. A behavior is listed, maybe with none to add, when something could see a
        # viewer's own CloudFront-* headers: a policy naming them, a function, or RFC 9111
        # semantics, which forwards every header; those the viewer sent are removed.
        self.plans: dict[int, frozenset[str]] = {}
        if at_pop:
            for behavior in dist.behaviors:
                names = cloudfront_headers_named(behavior)
                if names or any(behavior.functions) or dist.cache_semantics == "rfc9111":
                    self.plans[id(behavior)] = names
        if self.restriction is not None or any(self.plans.values()):
            world_database(self._geolite2)  # opened now rather than on the first request
        # The Host of a viewer that used one of edgesim's own addresses stands for the
        # distribution's domain name (edge.http.host); a regional cache gets it from its PoPs.
        self.host: ViewerHost | None = None
        if at_pop:
            ports = [pop.port for pop in config.pops]
            if config.front_door is not None:
                ports.append(config.front_door.port)
            self.host = ViewerHost(dist.domain_name, config.host, ports)

    def rtt_ms(self, ip: str) -> float | None:
        """The simulated round trip between this PoP and the viewer at `ip` (no jitter), or
        None when the world cannot place the address (a browser on this machine)."""
        rtts = self._rtts
        known = rtts.get(ip, _UNKNOWN)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        location = world_database(self._geolite2).lookup(ip)
        rtt = None
        if location is not None and location.latitude is not None \
                and location.longitude is not None:
            rtt = self._latency.rtt_ms(self._here, (location.latitude, location.longitude))
        if len(rtts) < _RTTS_KEPT:
            rtts[ip] = rtt
        return rtt

    def blocked(self, ip: str) -> bool:
        """Spec §6.4: the viewer's country is refused (an unknown one never is)."""
        restriction = self.restriction
        if restriction is None:
            return False
        location = world_database(self._geolite2).lookup(ip)
        return restriction.blocks(None if location is None else location.country_code)

    def cloudfront_headers(
        self, names: frozenset[str], ip: str, port: int, http_version: str,
        user_agent: str | None,
    ) -> dict[str, str]:
        """The named headers (lower-case `names`) this viewer has a value for, by their
        canonical names; the database is asked only when a `CloudFront-Viewer-*` is named."""
        values: dict[str, str] = {}
        if any(name.startswith("cloudfront-viewer-") for name in names):
            location = world_database(self._geolite2).lookup(ip)
            values.update(viewer_headers(ip, port, http_version, location))
        if any(name.startswith("cloudfront-is-") for name in names):
            values.update(device_headers(user_agent))
        values[FORWARDED_PROTO] = "http"  # the viewer port speaks plain HTTP
        return {name: value for name, value in values.items() if name.lower() in names}


def city_override(headers: Headers) -> tuple[str, CIMultiDictProxy[str]] | None:
    """The city a request asks to be seen from and its headers without the asking, which no
    one downstream sees; None when it asks none. The header wins over the cookie."""
    if OVERRIDE_HEADER not in headers and not any(
            OVERRIDE_COOKIE in line for line in headers.getall(COOKIE, ())):
        return None
    city = headers.get(OVERRIDE_HEADER)
    kept: CIMultiDict[str] = CIMultiDict()
    for name, value in headers.items():
        lower = name.lower()
        if lower == "x-edgesim-viewer-city":
            continue
        if lower == "cookie":
            pieces = []
            for piece in (p.strip() for p in value.split(";")):
                cookie, _, cookie_value = piece.partition("=")
                if cookie.strip() == OVERRIDE_COOKIE:
                    city = city if city is not None else cookie_value
                elif piece:
                    pieces.append(piece)
            if not pieces:
                continue
            value = "; ".join(pieces)
        kept.add(name, value)
    if city is None:  # the cookie's name was only part of another one's
        return None
    return city, CIMultiDictProxy(kept)


def without_cloudfront_headers(headers: Headers) -> Headers:
    """The request less the `CloudFront-*` headers the viewer sent: only CloudFront says where
    a viewer is."""
    for name in headers:  # a loop, not any(): most requests have none, and pay for no generator
        if name[:11].lower() == "cloudfront-":
            break
    else:
        return headers
    return CIMultiDictProxy(CIMultiDict(
        (name, value) for name, value in headers.items()
        if name[:11].lower() != "cloudfront-"))


def with_cloudfront_headers(
    headers: Headers, names: frozenset[str], values: dict[str, str]
) -> CIMultiDictProxy[str]:
    """`headers` with the named headers set to CloudFront's values (a function's own go)."""
    out = CIMultiDict(headers)
    for name in names:
        out.popall(name, None)
    out.extend(values)
    return CIMultiDictProxy(out)
