"""The two cache semantics a node can run with, as strategy objects chosen once per node.

`CLOUDFRONT` reproduces CloudFront (spec §4.3 TTLs, §4.5 stale content, §6.3 error caching);
`RFC9111` is a strict shared cache (RFC 9111, RFC 9213 `CDN-Cache-Control`, RFC 5861). Both
answer the same three questions for the node: under which key, whether and how to store a
response, and whether a stored response may be served at a given age.

Cache keys are readable strings, shown as they are in the cache inspector, e.g.
``GET /a.css?v=2 | headers host="example.com" | cookies id="7" | accept-encoding br,gzip``:
the method class and the URI (path, then the keyed query) first, then whatever else the policy
keys on. Header and cookie values are JSON-quoted so that no two requests share a key by
accident.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from http import HTTPStatus
from json.encoder import encode_basestring_ascii as _json_string
from typing import Protocol

from edge.config import CachePolicy
from edge.http.age import initial_age, received_age
from edge.http.cache_control import CacheControl, parse_cache_control
from edge.http.dates import parse_http_date
from edge.http.key_parameters import (
    cookie_pairs,
    normalized_accept_encoding,
    query_pairs,
    selects_cookie_or_query,
)
from edge.http.message import COOKIE, Headers, RequestHead

__all__ = [
    "CLOUDFRONT",
    "CLOUDFRONT_ERROR_ALWAYS_CACHED",
    "CLOUDFRONT_ERROR_CACHED_WITH_MAX_AGE",
    "CLOUDFRONT_TTL_STATUSES",
    "DEFAULT_ERROR_CACHING_MIN_TTL",
    "HEURISTICALLY_CACHEABLE_STATUSES",
    "RFC9111",
    "CacheSemantics",
    "Fresh",
    "Stale",
    "Storage",
    "cache_key_uri",
    "cloudfront_ttl",
    "semantics_named",
]


@dataclass(frozen=True, slots=True)
class Storage:
    """How a stored response may be served; decided once, when it is stored."""

    ttl: float  # freshness lifetime, seconds (0 = store, but revalidate every time)
    stale_while_revalidate: float = 0.0
    stale_if_error: float = 0.0
    must_revalidate: bool = False  # never serve stale
    conditional: bool = True  # False: revalidate without If-* (CloudFront `Vary: *`)


@dataclass(frozen=True, slots=True)
class Fresh:
    """Serve the stored response without contacting the origin."""

    age: float


@dataclass(frozen=True, slots=True)
class Stale:
    """Ask the origin first, unless one of the two grace windows applies."""

    age: float
    while_revalidate: bool  # may be served now while a background refresh runs
    if_error: bool  # may be served if the upstream fails (5xx / unreachable / timeout)


class CacheSemantics(Protocol):
    name: str  # "cloudfront" | "rfc9111"

    def cache_key(self, request: RequestHead, policy: CachePolicy) -> str: ...

    def variant_key(self, vary: str | None, request_headers: Headers) -> str | None:
        """Secondary key from the stored response's `Vary`; None = can never match."""
        ...

    def storage(self, request: RequestHead, status: int, response_headers: Headers,
                policy: CachePolicy, error_caching_min_ttl: int | None,
                now: float) -> Storage | None:
        """None = must not be stored."""
        ...

    def freshness(self, request: RequestHead, storage: Storage, age: float) -> Fresh | Stale: ...

    def only_if_cached(self, request: RequestHead) -> bool: ...

    def initial_age(self, headers: Headers, request_time: float, response_time: float) -> float:
        """The age a response arrives with (RFC 9111 §4.2.3), by this semantics' rule."""
        ...


def cache_key_uri(key: str) -> str:
    """The keyed URI (`/path` or `/path?query`) of a cache key, for invalidation (spec §6.1)."""
    return key.partition(" | ")[0].partition(" ")[2]


# ---------------------------------------------------------------------------------------------
# Shared pieces


def _response_directives(headers: Headers) -> CacheControl:
    return parse_cache_control(headers.getall("Cache-Control", []))


def _vary_names(vary: str | None) -> list[str]:
    return sorted({n.strip().lower() for n in (vary or "").split(",") if n.strip()})


def _method_class(method: str) -> str:
    return "GET" if method in ("GET", "HEAD") else method  # GET and HEAD share an object


def _stale(storage: Storage, age: float, *, client_forces: bool = False) -> Stale:
    staleness = age - storage.ttl
    return Stale(
        age,
        while_revalidate=not (client_forces or storage.must_revalidate)
        and 0 <= staleness < storage.stale_while_revalidate,
        # A response still fresh by the origin's rules may cover an upstream failure.
        if_error=staleness < 0
        or (not storage.must_revalidate and staleness < storage.stale_if_error),
    )


# ---------------------------------------------------------------------------------------------
# CloudFront (spec §4.3, §4.5, §6.3)

# Cached by the §4.3 TTL. CloudFront caches 2xx/3xx "as any object" and 410 with them (spec
# §4.9: 3xx are cached, not followed); 206 is never stored (the node fetches whole objects),
# nor the other 2xx/3xx, which describe an action rather than a representation.
CLOUDFRONT_TTL_STATUSES = frozenset({200, 203, 204, 300, 301, 302, 303, 307, 308, 410})
CLOUDFRONT_ERROR_ALWAYS_CACHED = frozenset({404, 414, 500, 501, 502, 503, 504})  # §6.3
CLOUDFRONT_ERROR_CACHED_WITH_MAX_AGE = frozenset({400, 403, 405, 412, 415})  # §6.3
DEFAULT_ERROR_CACHING_MIN_TTL = 10  # §6.3
_CLOUDFRONT_CACHED_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _origin_ttl(cc: CacheControl, headers: Headers, now: float) -> float | None:
    """s-maxage > max-age > Expires (past or invalid → 0); None when the origin said nothing."""
    if cc.s_maxage is not None:
        return float(cc.s_maxage)
    if cc.max_age is not None:
        return float(cc.max_age)
    if "Expires" in headers:
        expires = parse_http_date(headers["Expires"])
        return max(0.0, expires - now) if expires is not None else 0.0
    return None


def cloudfront_ttl(cc: CacheControl, headers: Headers, policy: CachePolicy,
                   now: float) -> float:
    """Spec §4.3, the TTL algorithm, row by row."""
    if cc.no_cache or cc.no_store or cc.private:
        return float(policy.min_ttl)
    origin = _origin_ttl(cc, headers, now)
    if origin is None:
        return float(max(policy.min_ttl, policy.default_ttl))
    return min(max(origin, policy.min_ttl), policy.max_ttl)


def _cloudfront_error_ttl(status: int, cc: CacheControl, headers: Headers,
                          error_caching_min_ttl: int | None, now: float) -> float | None:
    """Spec §6.3: max(ErrorCachingMinTTL, the origin's TTL); None = not cached."""
    minimum = (DEFAULT_ERROR_CACHING_MIN_TTL if error_caching_min_ttl is None
               else error_caching_min_ttl)
    if status in CLOUDFRONT_ERROR_ALWAYS_CACHED:
        origin = _origin_ttl(cc, headers, now)
    elif status in CLOUDFRONT_ERROR_CACHED_WITH_MAX_AGE and \
            (cc.s_maxage is not None or cc.max_age is not None):
        origin = float(cc.s_maxage if cc.s_maxage is not None else cc.max_age or 0)
    else:
        return None
    return max(float(minimum), origin or 0.0) or None


class CloudFrontSemantics:
    """CloudFront: the cache policy decides key and TTL bounds; viewer directives are ignored.

    Viewer `Cache-Control`/`Pragma` cannot force a refresh (spec §4.2), so `freshness` looks at
    the stored response only. Errors are cached by §6.3 even under a caching-disabled policy
    (ErrorCachingMinTTL is a distribution setting) [verify]. After expiry CloudFront serves the
    stale copy when the origin fails (§4.5), unless the origin bounded that with
    `stale-if-error`; how long the node keeps doing so before retrying is ErrorCachingMinTTL.
    """

    __slots__ = ("no_store_with_min_ttl",)
    name = "cloudfront"

    def __init__(self, no_store_with_min_ttl: str = "min_ttl") -> None:
        # Spec §4.3 note: what `no-cache`/`no-store`/`private` mean under MinTTL > 0.
        # "min_ttl": cached for MinTTL (the documented table); "stale_if_unreachable": every
        # request still asks the origin, and the copy is only served when the origin fails.
        self.no_store_with_min_ttl = no_store_with_min_ttl

    def cache_key(self, request: RequestHead, policy: CachePolicy) -> str:
        # Every lookup computes a key: parameters the policy does not key on are not parsed, and
        # most keys are the URI alone, so the parts are appended to it as they come.
        key = f"{_method_class(request.method)} {request.path}"
        if request.query and policy.query_strings.behavior != "none":
            query = "&".join(piece for name, piece in query_pairs(request.query)
                             if selects_cookie_or_query(policy.query_strings, name))
            if query:
                key = f"{key}?{query}"
        headers = request.headers
        if policy.headers.behavior == "whitelist":  # the only header behaviour a cache policy has
            # Sorted after filtering: a request sends few of the names a policy lists.
            present = [name for name in policy.headers.items if name in headers]
            if present:
                present.sort()
                # `encode_basestring_ascii` is what `json.dumps` calls for a str, minus its checks.
                key += " | headers " + " ".join([
                    f"{name}={_json_string(','.join(headers.getall(name)))}" for name in present])
        if policy.cookies.behavior != "none" and COOKIE in headers:
            cookies = sorted(
                ((name, piece) for name, piece in cookie_pairs(headers)
                 if selects_cookie_or_query(policy.cookies, name)),
                key=lambda pair: pair[0],
            )
            if cookies:
                key += " | cookies " + " ".join(
                    f"{name}={_json_string(piece.partition('=')[2])}" for name, piece in cookies)
        encoding = normalized_accept_encoding(headers, policy)
        if encoding not in (None, "identity"):
            key += f" | accept-encoding {encoding}"
        return key

    def variant_key(self, vary: str | None, request_headers: Headers) -> str | None:
        return ""  # the cache policy decides the key, not Vary (spec §4.9)

    def initial_age(self, headers: Headers, request_time: float, response_time: float) -> float:
        # Age counts from when the response was received: the sender's `Age` only, neither the
        # fetch time (every tier would add its own) nor `Date` (see `received_age`).
        return received_age(headers)

    def storage(self, request: RequestHead, status: int, response_headers: Headers,
                policy: CachePolicy, error_caching_min_ttl: int | None,
                now: float) -> Storage | None:
        if request.method not in _CLOUDFRONT_CACHED_METHODS:
            return None
        cc = _response_directives(response_headers)
        if status not in CLOUDFRONT_TTL_STATUSES:
            ttl = _cloudfront_error_ttl(status, cc, response_headers, error_caching_min_ttl, now)
            return Storage(ttl) if ttl is not None else None
        if policy.caching_disabled:
            return None
        if cc.no_cache or cc.no_store or cc.private:
            if policy.min_ttl == 0:
                return None  # §4.3: "0 = not cached"
            if self.no_store_with_min_ttl == "stale_if_unreachable":
                return Storage(0.0, stale_if_error=float(policy.min_ttl))
        stale_if_error = math.inf if cc.stale_if_error is None else float(cc.stale_if_error)
        if policy.min_ttl == 0 and "*" in _vary_names(response_headers.get("Vary")):
            # §4.5: cached, but every request goes to the origin without If-* headers.
            return Storage(0.0, stale_if_error=stale_if_error, conditional=False)
        return Storage(
            cloudfront_ttl(cc, response_headers, policy, now),
            stale_while_revalidate=float(cc.stale_while_revalidate or 0),
            stale_if_error=stale_if_error,
        )

    def freshness(self, request: RequestHead, storage: Storage, age: float) -> Fresh | Stale:
        return Fresh(age) if age < storage.ttl else _stale(storage, age)

    def only_if_cached(self, request: RequestHead) -> bool:
        return False


# ---------------------------------------------------------------------------------------------
# RFC 9111 shared cache

# RFC 9110 §15.1 / RFC 9111 §4.2.2. 206 is left out: the node stores whole objects only.
HEURISTICALLY_CACHEABLE_STATUSES = frozenset({200, 203, 204, 300, 301, 308, 404, 405, 410, 414,
                                              501})
_UNDERSTOOD_STATUSES = frozenset(s.value for s in HTTPStatus if 200 <= s < 600) - {206, 304}
_HEURISTIC_FRACTION = 0.1  # of Date − Last-Modified (RFC 9111 §4.2.2)
_HEURISTIC_CAP = 86400.0
_WHITESPACE = re.compile(r"\s+")


def _request_directives(request: RequestHead) -> CacheControl:
    lines = request.headers.getall("Cache-Control", [])
    if not lines and any("no-cache" in p.lower() for p in request.headers.getall("Pragma", [])):
        return CacheControl(no_cache=True)  # RFC 9111 §5.4: Pragma only without Cache-Control
    return parse_cache_control(lines)


def _targeted_directives(headers: Headers) -> tuple[CacheControl, bool]:
    """RFC 9213 §2.1: a valid `CDN-Cache-Control` replaces `Cache-Control` and `Expires`."""
    targeted = parse_cache_control(headers.getall("CDN-Cache-Control", []))
    if not targeted.is_empty:
        return targeted, True
    return _response_directives(headers), False


def _explicit_lifetime(cc: CacheControl, targeted: bool, headers: Headers,
                       now: float) -> float | None:
    """RFC 9111 §4.2.1: s-maxage, max-age, then Expires − Date."""
    if cc.s_maxage is not None:
        return float(cc.s_maxage)
    if cc.max_age is not None:
        return float(cc.max_age)
    if not targeted and "Expires" in headers:
        expires = parse_http_date(headers["Expires"])
        if expires is None:
            return 0.0  # RFC 9111 §5.3: an invalid Expires is in the past
        date = parse_http_date(headers.get("Date"))
        return max(0.0, expires - (date if date is not None else now))
    return None


def _heuristic_lifetime(headers: Headers, now: float) -> float:
    last_modified = parse_http_date(headers.get("Last-Modified"))
    if last_modified is None:
        return 0.0
    date = parse_http_date(headers.get("Date"))
    since = (date if date is not None else now) - last_modified
    return min(max(0.0, since * _HEURISTIC_FRACTION), _HEURISTIC_CAP)


def _normalized_field(values: list[str]) -> str:
    combined = ",".join(values)
    return ",".join(_WHITESPACE.sub(" ", element.strip()) for element in combined.split(","))


class Rfc9111Semantics:
    """A shared cache by the RFCs: the URI is the key, `Vary` selects among variants.

    Policy TTLs and ErrorCachingMinTTL do not apply; freshness is the origin's or heuristic.
    Qualified `private="…"`/`no-cache="…"` are treated as unqualified (RFC 9111 §5.2.2.4 allows
    it; §5.2.2.7 lets a cache refuse to store), and a `Vary: *` response is not stored since it
    could never be selected (§4.1).
    """

    __slots__ = ()
    name = "rfc9111"

    def cache_key(self, request: RequestHead, policy: CachePolicy) -> str:
        query = f"?{request.query}" if request.query else ""
        return f"{_method_class(request.method)} {request.path}{query}"

    def initial_age(self, headers: Headers, request_time: float, response_time: float) -> float:
        return initial_age(headers, request_time, response_time)  # the full §4.2.3 rule

    def variant_key(self, vary: str | None, request_headers: Headers) -> str | None:
        names = _vary_names(vary)
        if "*" in names:
            return None
        # RFC 9111 §4.1: absent only matches absent, so it is written without "=".
        return " ".join(
            f"{name}={_json_string(_normalized_field(request_headers.getall(name)))}"
            if name in request_headers else name
            for name in names
        )

    def storage(self, request: RequestHead, status: int, response_headers: Headers,
                policy: CachePolicy, error_caching_min_ttl: int | None,
                now: float) -> Storage | None:
        # RFC 9111 §3: cacheable method, understood final status, no no-store, not private.
        if request.method not in ("GET", "HEAD") or status not in _UNDERSTOOD_STATUSES:
            return None
        cc, targeted = _targeted_directives(response_headers)
        if cc.no_store or cc.private or _request_directives(request).no_store:
            return None
        if "*" in _vary_names(response_headers.get("Vary")):
            return None
        if "Authorization" in request.headers and not (
            cc.public or cc.s_maxage is not None or cc.must_revalidate
        ):
            return None  # RFC 9111 §3.5
        lifetime = _explicit_lifetime(cc, targeted, response_headers, now)
        if lifetime is None:
            if not (cc.public or status in HEURISTICALLY_CACHEABLE_STATUSES):
                return None
            lifetime = _heuristic_lifetime(response_headers, now)
        return Storage(
            0.0 if cc.no_cache else lifetime,  # RFC 9111 §5.2.2.4: store, always revalidate
            stale_while_revalidate=float(cc.stale_while_revalidate or 0),  # RFC 5861 §3
            stale_if_error=float(cc.stale_if_error or 0),  # RFC 5861 §4
            # RFC 9111 §5.2.2.2, §5.2.2.8, §5.2.2.10; no-cache forbids unvalidated reuse.
            must_revalidate=cc.must_revalidate or cc.proxy_revalidate or cc.no_cache
            or cc.s_maxage is not None,
        )

    def freshness(self, request: RequestHead, storage: Storage, age: float) -> Fresh | Stale:
        req = _request_directives(request)
        remaining = storage.ttl - age
        client_forces = (
            req.no_cache  # RFC 9111 §5.2.1.4
            or (req.max_age is not None and age > req.max_age)  # §5.2.1.1
            or (req.min_fresh is not None and remaining < req.min_fresh)  # §5.2.1.3
        )
        if client_forces:
            return _stale(storage, age, client_forces=True)
        if remaining > 0:
            return Fresh(age)
        if req.max_stale is not None and not storage.must_revalidate \
                and -remaining <= req.max_stale:
            return Fresh(age)  # §5.2.1.2: the client accepts this much staleness
        return _stale(storage, age)

    def only_if_cached(self, request: RequestHead) -> bool:
        return _request_directives(request).only_if_cached  # RFC 9111 §5.2.1.7


CLOUDFRONT: CacheSemantics = CloudFrontSemantics()
RFC9111: CacheSemantics = Rfc9111Semantics()
_BY_NAME: dict[str, CacheSemantics] = {s.name: s for s in (CLOUDFRONT, RFC9111)}


def semantics_named(name: str, no_store_with_min_ttl: str = "min_ttl") -> CacheSemantics:
    """The semantics a distribution asks for; the second argument only concerns CloudFront's."""
    if name == "cloudfront" and no_store_with_min_ttl != "min_ttl":
        return CloudFrontSemantics(no_store_with_min_ttl)
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown cache semantics {name!r}; expected one of "
                         f"{', '.join(sorted(_BY_NAME))}") from None
