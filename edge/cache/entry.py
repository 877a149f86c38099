"""A stored response: what the cache holds for one (cache key, variant)."""

from __future__ import annotations

from dataclasses import dataclass

from multidict import CIMultiDictProxy

from edge.http.semantics import Storage

__all__ = ["ENTRY_OVERHEAD", "CachedResponse", "PreparedHit"]

# Bytes charged per entry on top of body and headers, for the objects around them, so that a
# cache full of tiny objects is still bounded by memory rather than by count.
ENTRY_OVERHEAD = 256


@dataclass(frozen=True, slots=True)
class PreparedHit:
    """The bytes every plain hit on an entry sends that do not change from one hit to the next.

    `head` runs from the status line's code (" 200 OK\r\n", the HTTP version comes first) through
    the last header line that is the same for every hit; the node then writes the few lines
    that change (Age, request id, timing, Connection), the blank line and the body. Made once
    when the node stores the object, so that a hit does not rebuild and serialize the same
    headers again (the node's `edge.node.prepared`).
    """

    head: bytes
    content_type: str | None  # the Content-Type sent, for the access log
    stored: CIMultiDictProxy[str]  # the object's own headers it was made from (an error page's)


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A response as stored; the node refreshes it after a 304 with `dataclasses.replace`.

    `prepared` belongs to the headers it was made from: a refreshed entry gets a new one.
    """

    status: int
    reason: str
    headers: CIMultiDictProxy[str]  # hop-by-hop headers already removed by the node
    body: bytes
    storage: Storage  # how it may be served (TTL, stale windows, revalidation)
    initial_age: float  # its age when stored, by the semantics in force (see edge/http/age.py)
    response_time: float  # node clock when the response was received; age counts from here
    uri: str  # path, plus "?query" when the key has a query; what invalidation matches
    vary: str | None  # the response's Vary value, for variant selection (RFC 9111 §4.1)
    variant: str  # the secondary key it was stored under ("" when the response has no Vary)
    prepared: PreparedHit | None = None  # None: hits take the general path

    @property
    def size(self) -> int:
        """Bytes this entry costs the store: body, header lines and a fixed overhead."""
        header_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        return len(self.body) + header_bytes + ENTRY_OVERHEAD
