"""Replies made from a stored object: conditional 304s, byte ranges, HEAD (spec §4.7, RFC 9110).

A viewer's conditional and range headers are answered by the node from the whole object it holds;
they are never what decides whether the object is fetched.
"""

from __future__ import annotations

import secrets

from multidict import CIMultiDict

from edge.cache.entry import CachedResponse
from edge.http.conditional import NOT_MODIFIED_HEADERS, if_range_allows, not_modified
from edge.http.message import IF_MODIFIED_SINCE, IF_NONE_MATCH, RANGE, RequestHead
from edge.http.ranges import Unsatisfiable, content_range, multipart_byteranges, parse_range
from edge.node.error_page import error_page
from edge.node.exchange import Reply


def hit_reply(entry: CachedResponse, age: float, head: RequestHead) -> Reply:
    """A reply from the cache; a plain GET (no validators, no Range) gets the prepared hit.

    Those are the requests `entry_reply` answers with the whole stored object and headers.
    """
    headers = head.headers
    if (entry.prepared is not None and head.method == "GET" and RANGE not in headers
            and IF_NONE_MATCH not in headers and IF_MODIFIED_SINCE not in headers):
        return Reply(entry.status, entry.reason, CIMultiDict(), body=entry.body,
                     prepared=entry.prepared, age=int(age))
    return entry_reply(entry, age, head)


def entry_reply(entry: CachedResponse, age: float | None, head: RequestHead) -> Reply:
    """`age` None: no `Age` (a response just fetched that nobody aged; see `cache_flow`)."""
    headers = CIMultiDict(entry.headers)
    headers.popall("Content-Length", None)  # set by the server from the body actually sent
    if age is not None:
        headers["Age"] = str(int(age))
    if entry.status == 200 and head.method in ("GET", "HEAD"):
        if not_modified(head.headers, entry.headers):
            kept: CIMultiDict[str] = CIMultiDict(
                (k, v) for k, v in headers.items() if k.lower() in NOT_MODIFIED_HEADERS
            )
            if "Age" in headers:
                kept["Age"] = headers["Age"]
            if "Server" in headers:  # the origin's: a tier below freshens its copy with it
                kept["Server"] = headers["Server"]
            return Reply(304, "Not Modified", kept)
        range_header = head.headers.get("Range")
        if range_header and if_range_allows(head.headers, entry.headers):
            return _range_reply(entry, headers, range_header)
    return Reply(entry.status, entry.reason, headers, body=entry.body)


def _range_reply(entry: CachedResponse, headers: CIMultiDict[str], value: str) -> Reply:
    length = len(entry.body)
    ranges = parse_range(value, length)
    if ranges is None:
        return Reply(entry.status, entry.reason, headers, body=entry.body)
    if isinstance(ranges, Unsatisfiable):
        headers["Content-Range"] = content_range(ranges, length)
        headers.popall("Content-Type", None)
        return Reply(416, "Range Not Satisfiable", headers)
    if len(ranges) == 1:
        (r,) = ranges
        headers["Content-Range"] = content_range(r, length)
        return Reply(206, "Partial Content", headers, body=entry.body[r.start : r.end + 1])
    body, content_type = multipart_byteranges(
        entry.body,
        ranges,
        headers.get("Content-Type", "application/octet-stream"),
        length,
        secrets.token_hex(12),
    )
    headers["Content-Type"] = content_type
    return Reply(206, "Partial Content", headers, body=body)


def generated_error(status: int, request_id: str, reason: str | None = None) -> Reply:
    """An error page CloudFront itself makes (spec §2.4): `text/html`, `Server: CloudFront`."""
    headers = CIMultiDict({"Content-Type": "text/html"})
    return Reply(
        status,
        _REASON_PHRASES.get(status, "Error"),
        headers,
        body=error_page(status, request_id, reason),
        generated=True,
    )


_REASON_PHRASES = {
    400: "Bad Request",
    403: "Forbidden",
    413: "Request Entity Too Large",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
