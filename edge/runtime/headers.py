"""Lambda@Edge's header name tables (spec §2.1) and the `{lowercase: [{key, value}]}` shape (§1.3).

Names are compared lowercase, as CloudFront keys them in events.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = [
    "DISALLOWED",
    "DISALLOWED_PREFIXES",
    "VIEWER_REQUEST_CANNOT_ADD",
    "cf_headers",
    "header_key",
    "is_cloudfront_generated",
    "is_disallowed",
]

# §2.1: never shown to a function; a function that adds one fails validation.
DISALLOWED = frozenset(
    {
        "connection",
        "expect",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "trailer",
        "upgrade",
        "x-accel-buffering",
        "x-accel-charset",
        "x-accel-limit-rate",
        "x-accel-redirect",
        "x-amzn-auth",
        "x-amzn-cf-billing",
        "x-amzn-cf-id",
        "x-amzn-cf-xff",
        "x-amzn-errortype",
        "x-amzn-fle-profile",
        "x-amzn-header-count",
        "x-amzn-header-order",
        "x-amzn-lambda-integration-tag",
        "x-amzn-requestid",
        "x-cache",
        "x-forwarded-proto",
        "x-real-ip",
    }
)
DISALLOWED_PREFIXES = ("x-amz-cf-", "x-edge-")  # §2.1: X-Amz-Cf-*, X-Edge-*

# §2.1, §5.3: CloudFront adds its own headers after viewer-request, so a viewer-request function
# may not add them (CloudFront-Viewer-Country is the documented case; the family is our reading).
VIEWER_REQUEST_CANNOT_ADD = ("cloudfront-viewer-", "cloudfront-is-", "cloudfront-forwarded-proto")


def is_disallowed(name: str) -> bool:
    """Whether a lowercase header name is on §2.1's disallowed list."""
    return name in DISALLOWED or name.startswith(DISALLOWED_PREFIXES)


def is_cloudfront_generated(name: str) -> bool:
    """Whether a lowercase name is one of the CloudFront-* headers a policy makes CloudFront add."""
    return name.startswith(VIEWER_REQUEST_CANNOT_ADD)


def header_key(name: str) -> str:
    """The `key` Lambda@Edge synthesises for an entry without one: each word capitalised (§1.3)."""
    return "-".join(word[:1].upper() + word[1:] for word in name.split("-"))


# Header names as they arrive → (event name, key), or None for a disallowed one: every event
# is built from them, and a node sees the same few names again and again.
_EVENT_NAMES: dict[str, tuple[str, str] | None] = {}
_EVENT_NAMES_KEPT = 4096  # names made up per request cannot grow the table without end


def _event_name(name: str) -> tuple[str, str] | None:
    lower = name.lower()
    # The key a plain str: a multidict's names are `istr`, which `marshal` cannot copy.
    facts = None if is_disallowed(lower) else (lower, str(name))
    if len(_EVENT_NAMES) < _EVENT_NAMES_KEPT:
        _EVENT_NAMES[str(name)] = facts
    return facts


def cf_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Headers in an event's shape, in arrival order, without the ones functions never see."""
    headers: dict[str, list[dict[str, str]]] = {}
    names = _EVENT_NAMES
    for name, value in pairs:
        facts = names[name] if name in names else _event_name(name)
        if facts is not None:
            lower, key = facts
            entries = headers.get(lower)
            if entries is None:
                headers[lower] = [{"key": key, "value": value}]
            else:
                entries.append({"key": key, "value": value})
    return headers

