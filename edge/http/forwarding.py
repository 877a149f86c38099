"""What reaches the next tier up: request headers and query string (spec §4.6), and the
`Vary` and cookie rules for what goes back to the viewer (spec §4.9).

`forwarded_request_headers` is idempotent: a regional cache applies it again to what the PoP
sent (with the PoP's last `X-Forwarded-For` hop as client) and must forward the same headers,
so `X-Forwarded-For` and `Via` are appended only when their last element differs.

CloudFront forwards a fixed set of standard headers, rebuilds a few, and otherwise only what
the cache policy or origin request policy names; other viewer headers (custom `X-…` ones
included) are removed, as "none" in a policy means "not included in origin requests".
Hop-by-hop headers never travel, `Transfer-Encoding` included (the node re-frames bodies, and
its HTTP client sets `Connection: keep-alive` itself).
"""

from __future__ import annotations

from multidict import CIMultiDict

from edge.config import Behavior
from edge.http.key_parameters import (
    cookie_pairs,
    normalized_accept_encoding,
    query_pairs,
    selects_cookie_or_query,
    selects_header,
)
from edge.http.message import Headers, RequestHead

__all__ = [
    "CLOUDFRONT_USER_AGENT",
    "HOP_BY_HOP",
    "cloudfront_headers_named",
    "cookies_forwarded",
    "forwarded_query",
    "forwarded_request_headers",
    "hop_by_hop",
    "viewer_vary",
]

# RFC 9110 §7.6.1, plus the Proxy-* family (spec §4.6: removed). `Connection` also names more.
HOP_BY_HOP = frozenset({"connection", "keep-alive", "te", "trailer", "transfer-encoding",
                        "upgrade", "proxy-connection", "proxy-authenticate",
                        "proxy-authorization"})
# Spec §4.6: forwarded whatever the policies say.
_CLOUDFRONT_FORWARDED = frozenset({"cache-control", "pragma", "range", "request-range", "origin",
                                   "date", "from", "warning", "max-forwards"})
_CLOUDFRONT_FORWARDED_PREFIXES = ("content-", "if-")
# Spec §4.6: removed even when a policy names them.
_CLOUDFRONT_REMOVED = frozenset({"x-forwarded-proto", "x-real-ip"})
_CLOUDFRONT_REMOVED_PREFIXES = ("x-edge-", "proxy-")
# Rebuilt below rather than copied.
_REBUILT = frozenset({"x-forwarded-for", "via", "x-amz-cf-id", "cookie"})
_RFC9111_NOT_COPIED = frozenset({"x-forwarded-for", "via", "x-amz-cf-id", "host"})
_ALL_VIEWER_HEADERS = frozenset({"allViewer", "allViewerAndWhitelistCloudFront", "allExcept"})
_DEVICE_HEADERS = tuple(f"cloudfront-is-{d}-viewer"
                        for d in ("desktop", "mobile", "tablet", "smarttv", "android", "ios"))
CLOUDFRONT_USER_AGENT = "Amazon CloudFront"


def _named(behavior: Behavior, name: str) -> bool:
    """The cache policy or the origin request policy forwards this header (names lower-case)."""
    key_headers = behavior.cache_policy.headers
    if key_headers.behavior == "whitelist" and name in key_headers.items:
        return True
    orp = behavior.origin_request_policy
    if orp is None:
        return False
    if name == "authorization":
        # Spec §4.6: only in the cache key, or with all viewer headers in the request policy.
        return orp.headers.behavior in _ALL_VIEWER_HEADERS and selects_header(orp.headers, name)
    return selects_header(orp.headers, name)


def cloudfront_headers_named(behavior: Behavior) -> frozenset[str]:
    """The `CloudFront-*` headers (lower-case) either policy names: those CloudFront adds to the
    request after the viewer-request function (spec §0 step 6, §5.2); only named ones are."""
    orp = behavior.origin_request_policy
    listed = behavior.cache_policy.headers.items + (orp.headers.items if orp is not None else ())
    return frozenset(name for name in listed
                     if name.startswith("cloudfront-") and _named(behavior, name))


def hop_by_hop(headers: Headers) -> frozenset[str]:
    """The headers of one message that stop at this hop: the fixed set and what Connection names."""
    listed = {n.strip().lower() for line in headers.getall("Connection", [])
              for n in line.split(",") if n.strip()}
    return HOP_BY_HOP | listed


def _appended(headers: Headers, name: str, element: str) -> str:
    elements = [e.strip() for line in headers.getall(name, []) for e in line.split(",")
                if e.strip()]
    if not elements or elements[-1] != element:
        elements.append(element)
    return ", ".join(elements)


def _cloudfront_forwards(behavior: Behavior, name: str, compression_keyed: bool) -> bool:
    if name in _REBUILT or name in _CLOUDFRONT_REMOVED \
            or name.startswith(_CLOUDFRONT_REMOVED_PREFIXES):
        return False
    if name == "accept-encoding" and compression_keyed:
        return False  # replaced by the normalised value
    return name in _CLOUDFRONT_FORWARDED or name.startswith(_CLOUDFRONT_FORWARDED_PREFIXES) \
        or _named(behavior, name)


def forwarded_request_headers(request: RequestHead, behavior: Behavior, *, client_ip: str,
                              request_id: str, via: str, semantics: str) -> CIMultiDict[str]:
    """The headers of the request to the parent tier or origin; `Host` only when forwarded."""
    headers = request.headers
    dropped = hop_by_hop(headers)
    out: CIMultiDict[str] = CIMultiDict()
    if semantics == "rfc9111":
        # End-to-end headers unchanged; Host is the origin's, as for an unnamed Host below.
        for name, value in headers.items():
            lower = name.lower()
            if lower not in dropped and lower not in _RFC9111_NOT_COPIED:
                out.add(name, value)
    else:
        policy = behavior.cache_policy
        compression_keyed = policy.enable_accept_encoding_gzip or \
            policy.enable_accept_encoding_brotli
        for name, value in headers.items():
            lower = name.lower()
            if lower not in dropped and _cloudfront_forwards(behavior, lower, compression_keyed):
                out.add(name, value)
        encoding = normalized_accept_encoding(headers, policy)
        if encoding is not None:
            out["Accept-Encoding"] = encoding
        if not _named(behavior, "user-agent"):
            out["User-Agent"] = CLOUDFRONT_USER_AGENT
        cookies = sorted(
            ((name, piece) for name, piece in cookie_pairs(headers)
             if _cookie_forwarded(behavior, name)),
            key=lambda pair: pair[0],  # spec §4.2: forwarded cookies are sorted by name
        )
        if cookies:
            out["Cookie"] = "; ".join(piece for _, piece in cookies)
    out["X-Forwarded-For"] = _appended(headers, "X-Forwarded-For", client_ip)
    out["Via"] = _appended(headers, "Via", via)
    out["X-Amz-Cf-Id"] = request_id
    return out


def _cookie_forwarded(behavior: Behavior, name: str) -> bool:
    orp = behavior.origin_request_policy
    return selects_cookie_or_query(behavior.cache_policy.cookies, name) or (
        orp is not None and selects_cookie_or_query(orp.cookies, name))


def forwarded_query(request: RequestHead, behavior: Behavior, semantics: str) -> str:
    """The query string sent upstream: what either policy selects, in request order."""
    if semantics == "rfc9111":
        return request.query
    orp = behavior.origin_request_policy
    return "&".join(
        piece for name, piece in query_pairs(request.query)
        if selects_cookie_or_query(behavior.cache_policy.query_strings, name)
        or (orp is not None and selects_cookie_or_query(orp.query_strings, name))
    )


def cookies_forwarded(behavior: Behavior) -> bool:
    """Spec §4.9: without forwarded cookies, `Set-Cookie` is stripped from responses."""
    orp = behavior.origin_request_policy
    return behavior.cache_policy.cookies.behavior != "none" or (
        orp is not None and orp.cookies.behavior != "none")


def viewer_vary(vary: str | None, behavior: Behavior) -> str | None:
    """Spec §4.9: the `Vary` names a viewer may see; None when nothing is left.

    `User-Agent` stays when it is forwarded itself or when device-type headers are.
    """
    devices = any(_named(behavior, name) for name in _DEVICE_HEADERS)
    kept: dict[str, str] = {}
    for name in (n.strip() for n in (vary or "").split(",")):
        lower = name.lower()
        if not name or name == "*" or lower in kept:
            continue
        if lower == "accept-encoding" or _named(behavior, lower) \
                or (lower == "cookie" and cookies_forwarded(behavior)) \
                or (lower == "user-agent" and devices):
            kept[lower] = name
    return ", ".join(kept.values()) or None
