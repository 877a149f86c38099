"""The byte-bounded object store of one node: eviction policy, Vary variants, invalidation.

Rules kept here:
- Objects live under (cache key, variant). For each cache key the store remembers the Vary of
  what it holds; the caller turns that Vary into the variant key of its request (RFC 9111 §4.1).
- A response stored with a different Vary than the one held drops the key's other variants:
  their variant keys were computed from the old header list and can no longer be selected.
- Only capacity pressure counts as eviction; invalidation, removal and replacement do not.
- Hit counts per object are a dict increment on the hit path, read by the cache inspector.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import cachetools

from edge.cache.entry import CachedResponse

__all__ = ["CacheStore", "Eviction"]

Eviction = Literal["lru", "lfu", "fifo"]
Slot = tuple[str, str]  # (cache key, variant)


def _entry_size(entry: CachedResponse) -> int:
    return entry.size


class _EvictionHook:
    """Reports every item cachetools pops for room, so the store's indexes follow it."""

    on_evict: Callable[[Slot], None]

    def popitem(self) -> tuple[Slot, CachedResponse]:
        slot, entry = super().popitem()  # type: ignore[misc]
        self.on_evict(slot)
        return slot, entry


class _LRU(_EvictionHook, cachetools.LRUCache):  # type: ignore[misc]
    pass


class _LFU(_EvictionHook, cachetools.LFUCache):  # type: ignore[misc]
    pass


class _FIFO(_EvictionHook, cachetools.FIFOCache):  # type: ignore[misc]
    pass


_POLICIES: dict[str, type[Any]] = {"lru": _LRU, "lfu": _LFU, "fifo": _FIFO}


@dataclass(slots=True)
class _Variants:
    """What the store holds for one cache key: the Vary it was stored with, and its variants."""

    vary: str | None
    entries: dict[str, CachedResponse] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)


class CacheStore:
    """Holds cached responses within `max_bytes`, evicting by the chosen policy."""

    def __init__(self, max_bytes: int, eviction: Eviction = "lru") -> None:
        self._cache = _POLICIES[eviction](max_bytes, getsizeof=_entry_size)
        self._cache.on_evict = self._evicted
        self._eviction = eviction
        self._keys: dict[str, _Variants] = {}
        self.evictions = 0

    def __repr__(self) -> str:
        return (
            f"<CacheStore {self._eviction} {self.count} objects "
            f"{self.size_bytes}/{self.max_bytes} bytes {self.evictions} evictions>"
        )

    @property
    def max_bytes(self) -> int:
        return int(self._cache.maxsize)

    @property
    def size_bytes(self) -> int:
        return int(self._cache.currsize)

    @property
    def count(self) -> int:
        return len(self._cache)

    def lookup(
        self, key: str, variant_key: Callable[[str | None], str | None]
    ) -> CachedResponse | None:
        """The entry this request selects, or None; touches the eviction order on a hit."""
        variants = self._keys.get(key)
        if variants is None:
            return None
        variant = variant_key(variants.vary)
        if variant is None:
            return None
        if variant not in variants.entries:  # the index follows the cache: no miss to ask it
            return None
        entry: CachedResponse = self._cache[key, variant]  # a read: the policy's order moves
        variants.hits[variant] += 1
        return entry

    def store(self, key: str, entry: CachedResponse) -> None:
        """Store or replace the entry at (key, entry.variant); hit counts survive replacement."""
        if entry.size > self.max_bytes:
            # The new response supersedes the held one even though it does not fit itself.
            self.remove(key, entry.variant)
            return
        held = self._keys.get(key)
        if held is not None and held.vary != entry.vary:
            self._remove_key(key)  # RFC 9111 §4.1: the old variants no longer select
        slot = (key, entry.variant)
        self._cache.pop(slot, None)  # a replacement is not an eviction
        self._cache[slot] = entry  # may evict others, possibly emptying this key's variants
        variants = self._keys.get(key)
        if variants is None:
            variants = self._keys[key] = _Variants(entry.vary)
        variants.entries[entry.variant] = entry
        variants.hits.setdefault(entry.variant, 0)

    def remove(self, key: str, variant: str) -> None:
        """Drop one object if present (the node's choice, not an eviction)."""
        if self._cache.pop((key, variant), None) is not None:
            self._forget((key, variant))

    def invalidate(self, matches: Callable[[str], bool]) -> int:
        """Drop every object whose URI matches (spec §6.1: all variants of a URI); the count."""
        doomed = [
            (key, variant)
            for key, variants in self._keys.items()
            for variant, entry in variants.entries.items()
            if matches(entry.uri)
        ]
        for key, variant in doomed:
            self.remove(key, variant)
        return len(doomed)

    def entries(self) -> Iterator[tuple[str, CachedResponse]]:
        """(cache key, entry) for every object, without touching the eviction order."""
        for key, variants in list(self._keys.items()):
            for entry in list(variants.entries.values()):
                yield key, entry

    def hits(self, key: str, variant: str) -> int:
        """Lookups that found this object since it was first stored (0 when not held)."""
        variants = self._keys.get(key)
        return 0 if variants is None else variants.hits.get(variant, 0)

    def _remove_key(self, key: str) -> None:
        for variant in list(self._keys[key].entries):
            self.remove(key, variant)

    def _evicted(self, slot: Slot) -> None:
        self.evictions += 1
        self._forget(slot)

    def _forget(self, slot: Slot) -> None:
        key, variant = slot
        variants = self._keys[key]
        del variants.entries[variant]
        del variants.hits[variant]
        if not variants.entries:
            del self._keys[key]
