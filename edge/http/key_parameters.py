"""Which query strings, headers and cookies a policy selects (spec §4.2), and `Accept-Encoding`
normalisation. Shared by the cache key, the origin request and the compression decision, so
the three can never disagree about what a policy names.
"""

from __future__ import annotations

from collections.abc import Iterable

from edge.config import CachePolicy, KeyParameters
from edge.http.message import ACCEPT_ENCODING, COOKIE, Headers

__all__ = [
    "accepted_codings",
    "cookie_pairs",
    "normalized_accept_encoding",
    "query_pairs",
    "selects_cookie_or_query",
    "selects_header",
]

_ALL_VIEWER = frozenset({"all", "allViewer", "allViewerAndWhitelistCloudFront"})


def selects_cookie_or_query(params: KeyParameters, name: str) -> bool:
    """Names are case-sensitive for cookies and query strings (spec §4.2)."""
    match params.behavior:
        case "whitelist":
            return name in params.items
        case "allExcept":
            return name not in params.items
        case "all":
            return True
    return False


def selects_header(params: KeyParameters, name: str) -> bool:
    """Header names are case-insensitive; `items` are stored lower-case (edge.config).

    `CloudFront-*` headers are added by CloudFront, not sent by the viewer, so "all viewer
    headers" never covers them: they are selected only when listed by name (spec §5.2).
    """
    lower = name.lower()
    if params.behavior in ("whitelist", "allViewerAndWhitelistCloudFront") and \
            lower in params.items:
        return True
    if lower.startswith("cloudfront-"):
        return False
    if params.behavior == "allExcept":
        return lower not in params.items
    return params.behavior in _ALL_VIEWER


def query_pairs(query: str) -> list[tuple[str, str]]:
    """(name, raw `name=value` piece) in request order; only `&` delimits (spec §4.2)."""
    return [(piece.split("=", 1)[0], piece) for piece in query.split("&") if piece]


def cookie_pairs(headers: Headers) -> list[tuple[str, str]]:
    """(name, `name=value`) of every cookie in every `Cookie` line, in request order."""
    pairs = []
    for line in headers.getall(COOKIE, []):
        for piece in line.split(";"):
            piece = piece.strip()
            if piece:
                pairs.append((piece.split("=", 1)[0].strip(), piece))
    return pairs


def accepted_codings(values: Iterable[str]) -> frozenset[str]:
    """Content codings a viewer accepts, lower-case; `q=0` (or an unreadable q) refuses one."""
    accepted = set()
    for line in values:
        for element in line.split(","):
            coding, *params = (part.strip() for part in element.split(";"))
            quality = 1.0
            for param in params:
                key, _, value = param.partition("=")
                if key.strip().lower() == "q":
                    try:
                        quality = float(value)
                    except ValueError:
                        quality = 0.0
            if coding and quality > 0:
                accepted.add(coding.lower())
    return frozenset(accepted)


def normalized_accept_encoding(headers: Headers, policy: CachePolicy) -> str | None:
    """CloudFront's normalised `Accept-Encoding`: `br,gzip`, `gzip`, `br` or `identity`.

    None when the policy caches neither compressed form (the header is then an ordinary one)
    or the viewer sent no `Accept-Encoding` (then it is neither keyed nor forwarded).
    """
    if not (policy.enable_accept_encoding_gzip or policy.enable_accept_encoding_brotli):
        return None
    values = headers.getall(ACCEPT_ENCODING, [])
    if not values:
        return None
    accepted = accepted_codings(values)
    codings = [
        coding
        for coding, enabled in (("br", policy.enable_accept_encoding_brotli),
                                ("gzip", policy.enable_accept_encoding_gzip))
        if enabled and coding in accepted
    ]
    return ",".join(codings) or "identity"
