"""Request collapsing (spec §4.4): concurrent misses for one cache key wait for one fetch.

The first request for a key leads and fetches; the others follow and await what it shares (the
stored entry). When the leader has nothing to share — the response was not cacheable, was
streamed, or the fetch failed — followers get None and fetch for themselves, as CloudFront does
for objects it finds it may not cache.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Generic, TypeVar

T = TypeVar("T")


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

    def __len__(self) -> int:
        return len(self._inflight)

    async def follow(self, key: str) -> T | None:
        """Wait for the fetch in flight for `key`; None when there is none or it shared nothing."""
        future = self._inflight.get(key)
        if future is None:
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
        try:
            yield Lead(future)
        finally:
            del self._inflight[key]
            if not future.done():
                future.set_result(None)
