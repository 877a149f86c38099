"""Conditional requests: revalidating a stored response upstream (RFC 9111 §4.3) and answering a
viewer's conditional GET/HEAD from the cache (RFC 9110 §13).
"""

from __future__ import annotations

import re

from multidict import CIMultiDict

from edge.http.dates import parse_http_date
from edge.http.message import Headers

__all__ = [
    "NOT_MODIFIED_HEADERS",
    "freshened_headers",
    "if_range_allows",
    "not_modified",
    "revalidation_headers",
]

# RFC 9110 §15.4.5: what a 304 carries from the stored response (Last-Modified is allowed).
NOT_MODIFIED_HEADERS = frozenset({"cache-control", "content-location", "date", "etag", "expires",
                                  "vary", "last-modified"})
# RFC 9111 §3.2: header fields a 304 must not overwrite in the stored response.
_NOT_FRESHENED = frozenset({"content-length", "content-encoding", "content-range",
                            "transfer-encoding", "connection", "keep-alive", "te", "trailer",
                            "upgrade", "proxy-connection"})
# RFC 9110 §8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE (etagc may be a comma).
_ENTITY_TAG = re.compile(r'\s*(?P<tag>(?:W/)?"[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')
_STRONG_LAST_MODIFIED = 60.0  # RFC 9110 §8.8.2.2: a second-resolution date this old is strong


def _entity_tags(value: str) -> list[str] | None:
    """The tags of an If-None-Match/If-Match list, or None when it does not parse."""
    tags, pos = [], 0
    value = value.strip()
    while pos < len(value):
        m = _ENTITY_TAG.match(value, pos)
        if m is None:
            return None
        tags.append(m["tag"])
        pos = m.end()
    return tags


def _opaque(tag: str) -> str:
    return tag.removeprefix("W/")


def revalidation_headers(stored: Headers) -> dict[str, str]:
    """The validators of the stored response, as request preconditions (RFC 9111 §4.3.1)."""
    headers = {}
    if "ETag" in stored:
        headers["If-None-Match"] = stored["ETag"]
    if "Last-Modified" in stored:
        headers["If-Modified-Since"] = stored["Last-Modified"]
    return headers


def not_modified(request_headers: Headers, stored: Headers) -> bool:
    """True when a viewer's GET/HEAD is answered with 304 from the stored response.

    If-None-Match uses the weak comparison and wins over If-Modified-Since (RFC 9110 §13.2.2);
    without Last-Modified the stored `Date` stands in (RFC 9111 §4.3.2).
    """
    if_none_match = request_headers.getall("If-None-Match", [])
    if if_none_match:
        joined = ", ".join(if_none_match)
        if joined.strip() == "*":
            return True  # a stored representation exists
        tags = _entity_tags(joined)
        etag = stored.get("ETag")
        if tags is None or etag is None:
            return False
        return any(_opaque(tag) == _opaque(etag) for tag in tags)
    since = parse_http_date(request_headers.get("If-Modified-Since"))
    if since is None:
        return False
    modified = parse_http_date(stored.get("Last-Modified") or stored.get("Date"))
    return modified is not None and modified <= since


def if_range_allows(request_headers: Headers, stored: Headers) -> bool:
    """Whether a `Range` may be honoured given `If-Range` (RFC 9110 §13.1.5): strong match only."""
    condition = request_headers.get("If-Range")
    if condition is None:
        return True
    condition = condition.strip()
    if condition.startswith(('"', "W/")):
        etag = stored.get("ETag")
        return etag is not None and not condition.startswith("W/") \
            and not etag.startswith("W/") and condition == etag.strip()
    date = parse_http_date(condition)
    last_modified = parse_http_date(stored.get("Last-Modified"))
    stored_date = parse_http_date(stored.get("Date"))
    return date is not None and last_modified == date and stored_date is not None \
        and stored_date - last_modified >= _STRONG_LAST_MODIFIED


def freshened_headers(stored: Headers, not_modified: Headers) -> CIMultiDict[str]:
    """The stored headers updated from a 304 (RFC 9111 §3.2, §4.3.4)."""
    excluded = _NOT_FRESHENED | {
        n.strip().lower() for line in not_modified.getall("Connection", [])
        for n in line.split(",")
    }
    replaced = {name.lower() for name in not_modified if name.lower() not in excluded}
    merged: CIMultiDict[str] = CIMultiDict(
        (name, value) for name, value in stored.items() if name.lower() not in replaced)
    for name, value in not_modified.items():
        if name.lower() in replaced:
            merged.add(name, value)
    return merged
