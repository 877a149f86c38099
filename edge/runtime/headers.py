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


def cf_headers(pairs: Iterable[tuple[str, str]]) -> dict[str, list[dict[str, str]]]:
    """Headers in an event's shape, in arrival order, without the ones functions never see."""
    headers: dict[str, list[dict[str, str]]] = {}
    for name, value in pairs:
        lower = name.lower()
        if not is_disallowed(lower):
            # A plain str: a multidict's names are `istr`, which `marshal` cannot copy.
            headers.setdefault(lower, []).append({"key": str(name), "value": value})
    return headers

