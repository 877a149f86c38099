"""Request collapsing (spec §4.4): concurrent misses for one cache key wait for one fetch.

The first request for a key leads and fetches; the others follow and await what it shares (the
stored entry). When the leader has nothing to share — the response was not cacheable, was
streamed, or expires at once — followers get None and fetch for themselves, and the key is
remembered as one not to collapse on: CloudFront turns collapsing off per object (spec §4.4), so
later requests for it go upstream at once instead of queueing behind a fetch they cannot use
(Varnish's "hit-for-pass"). The next leader that shares an object forgets it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_PASS_KEYS = 10_000  # keys remembered as not collapsed on; the oldest is forgotten first


class Lead(Generic[T]):
    """Handed to the leader: `share` passes the result to every follower."""

    __slots__ = ("_future",)

    def __init__(self, future: asyncio.Future[T | None] | None) -> None:
        self._future = future

    def share(self, value: T) -> None:
        if self._future is not None and not self._future.done():
            self._future.set_result(value)


class Collapser(Generic[T]):
    def __init__(self) -> None:
        self._inflight: dict[str, asyncio.Future[T | None]] = {}
        self._passes: dict[str, None] = {}  # insertion-ordered: a bounded set, oldest first

    def __len__(self) -> int:
        return len(self._inflight)

    async def follow(self, key: str) -> T | None:
        """Wait for the fetch in flight for `key`; None when there is none, it shared nothing, or
        the last one for `key` shared nothing (then waiting would only add its latency)."""
        future = self._inflight.get(key)
        if future is None or key in self._passes:
            return None
        return await asyncio.shield(future)

    def in_flight(self, key: str) -> bool:
        return key in self._inflight

    @contextmanager
    def leading(self, key: str) -> Iterator[Lead[T]]:
        """Lead the fetch for `key`. A second would-be leader just fetches on its own."""
        if key in self._inflight:
            yield Lead(None)
            return
        future: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        shared = False
        try:
            yield Lead(future)
        finally:
            del self._inflight[key]
            shared = future.done()
            if not shared:
                future.set_result(None)
        # Only a fetch that ended normally says anything about the object.
        self._passes.pop(key, None)
        if not shared:
            self._passes[key] = None
            if len(self._passes) > MAX_PASS_KEYS:
                del self._passes[next(iter(self._passes))]
