"""The origin's policy for conditional and range requests, on the rules of `edge.http`.

The rules themselves (RFC 9110 §13, §14) are edge.http's; what is the origin's own is narrower:
preconditions are evaluated for GET/HEAD only, and a single range is served with 206 while
several get the whole body with 200 ("a server MAY ignore the Range header field", §14.2).
`representation` is the header set the origin is about to send (ETag, Last-Modified, Date).
"""

from __future__ import annotations

from edge.http import conditional
from edge.http.message import Headers
from edge.http.ranges import ByteRange, Unsatisfiable, parse_range

__all__ = ["not_modified", "selected_range"]

# RFC 9110 §13.1.2: 304 answers GET/HEAD only; the origin skips the 412 other methods could get.
_PRECONDITION_METHODS = frozenset({"GET", "HEAD"})


def not_modified(method: str, request_headers: Headers, representation: Headers) -> bool:
    """True when a GET/HEAD is answered 304; other methods' preconditions are ignored."""
    return method in _PRECONDITION_METHODS and conditional.not_modified(
        request_headers, representation
    )


def selected_range(
    request_headers: Headers, representation: Headers, size: int
) -> ByteRange | Unsatisfiable | None:
    """The one range to serve (206), UNSATISFIABLE (416), or None for the whole body (200)."""
    if not conditional.if_range_allows(request_headers, representation):
        return None
    ranges = parse_range(request_headers.get("Range"), size)
    if isinstance(ranges, list):
        return ranges[0] if len(ranges) == 1 else None
    return ranges
