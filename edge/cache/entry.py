"""A stored response: what the cache holds for one (cache key, variant)."""

from __future__ import annotations

from dataclasses import dataclass

from multidict import CIMultiDictProxy

from edge.http.semantics import Storage

__all__ = ["ENTRY_OVERHEAD", "CachedResponse"]

# Bytes charged per entry on top of body and headers, for the objects around them, so that a
# cache full of tiny objects is still bounded by memory rather than by count.
ENTRY_OVERHEAD = 256


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A response as stored; the node refreshes it after a 304 with `dataclasses.replace`."""

    status: int
    reason: str
    headers: CIMultiDictProxy[str]  # hop-by-hop headers already removed by the node
    body: bytes
    storage: Storage  # how it may be served (TTL, stale windows, revalidation)
    initial_age: float  # RFC 9111 §4.2.3 corrected initial age at store time
    response_time: float  # node clock when the response was received; age counts from here
    uri: str  # path, plus "?query" when the key has a query; what invalidation matches
    vary: str | None  # the response's Vary value, for variant selection (RFC 9111 §4.1)
    variant: str  # the secondary key it was stored under ("" when the response has no Vary)

    @property
    def size(self) -> int:
        """Bytes this entry costs the store: body, header lines and a fixed overhead."""
        header_bytes = sum(len(name) + len(value) + 4 for name, value in self.headers.items())
        return len(self.body) + header_bytes + ENTRY_OVERHEAD
