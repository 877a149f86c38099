"""The store stays within its byte budget and evicts by its policy (LRU, LFU, FIFO)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from multidict import CIMultiDict, CIMultiDictProxy

from edge.cache.entry import ENTRY_OVERHEAD, CachedResponse
from edge.cache.store import CacheStore

MakeEntry = Callable[..., CachedResponse]


def _whole(variant: str | None) -> str:
    return ""


def _held(store: CacheStore) -> list[str]:
    return sorted(key for key, _ in store.entries())


def test_entry_size_counts_body_header_lines_and_overhead(make_entry: MakeEntry) -> None:
    entry = make_entry("/a", 1000)
    headers = CIMultiDictProxy(CIMultiDict([("Content-Type", "text/plain"), ("ETag", '"1"')]))
    with_headers = dataclasses.replace(entry, headers=headers)
    body = 1000 - ENTRY_OVERHEAD
    header_lines = len("Content-Type: text/plain\r\n") + len('ETag: "1"\r\n')
    assert entry.size == body + ENTRY_OVERHEAD
    assert with_headers.size == body + header_lines + ENTRY_OVERHEAD


def test_stored_bytes_never_exceed_max_bytes(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    for n in range(50):
        store.store(f"/o{n}", make_entry(f"/o{n}", 700 + 37 * n))
        assert store.size_bytes <= store.max_bytes
    assert store.size_bytes == sum(entry.size for _, entry in store.entries())
    assert store.count == len(list(store.entries()))
    assert store.evictions == 50 - store.count


def test_lru_evicts_the_least_recently_looked_up(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000, eviction="lru")
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    assert store.lookup("/a", _whole) is not None  # /a is now the most recent
    store.store("/d", make_entry("/d"))
    assert _held(store) == ["/a", "/c", "/d"]
    assert store.evictions == 1


def test_lfu_evicts_the_least_often_looked_up(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000, eviction="lfu")
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    for key, lookups in (("/a", 3), ("/b", 1), ("/c", 2)):
        for _ in range(lookups):
            store.lookup(key, _whole)
    store.store("/d", make_entry("/d"))
    assert _held(store) == ["/a", "/c", "/d"]


def test_fifo_evicts_the_oldest_stored_whatever_its_lookups(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000, eviction="fifo")
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    store.lookup("/a", _whole)
    store.store("/d", make_entry("/d"))
    assert _held(store) == ["/b", "/c", "/d"]


def test_a_large_entry_evicts_as_many_as_it_needs(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    store.store("/big", make_entry("/big", 2500))
    assert _held(store) == ["/big"]
    assert (store.evictions, store.size_bytes) == (3, 2500)


def test_an_entry_larger_than_the_store_is_not_stored(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    store.store("/a", make_entry("/a"))
    store.store("/huge", make_entry("/huge", 3001))
    assert _held(store) == ["/a"]
    assert (store.count, store.size_bytes, store.evictions) == (1, 1000, 0)


def test_an_oversize_replacement_drops_the_object_it_supersedes(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    store.store("/a", make_entry("/a"))
    store.store("/a", make_entry("/a", 3001))
    assert store.lookup("/a", _whole) is None
    assert (store.count, store.size_bytes, store.evictions) == (0, 0, 0)


def test_replacing_an_entry_is_not_an_eviction(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    refreshed = make_entry("/a", 1000)
    store.store("/a", refreshed)
    assert store.lookup("/a", _whole) is refreshed
    assert (store.count, store.size_bytes, store.evictions) == (3, 3000, 0)


def test_removal_and_invalidation_are_not_evictions(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    store.remove("/a", "")
    store.remove("/missing", "")
    assert store.invalidate(lambda uri: uri == "/b") == 1
    assert _held(store) == ["/c"]
    assert (store.size_bytes, store.evictions) == (1000, 0)


def test_hits_are_counted_per_object_and_survive_replacement(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000)
    store.store("/a", make_entry("/a"))
    store.store("/b", make_entry("/b"))
    for _ in range(3):
        store.lookup("/a", _whole)
    store.lookup("/nothing", _whole)
    store.store("/a", make_entry("/a"))  # e.g. refreshed after a 304
    assert (store.hits("/a", ""), store.hits("/b", ""), store.hits("/nothing", "")) == (3, 0, 0)
    store.remove("/a", "")
    store.store("/a", make_entry("/a"))
    assert store.hits("/a", "") == 0


def test_listing_entries_does_not_change_the_eviction_order(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000, eviction="lru")
    for key in ("/a", "/b", "/c"):
        store.store(key, make_entry(key))
    store.lookup("/a", _whole)  # recency now /b, /c, /a
    assert [key for key, _ in store.entries()] == ["/a", "/b", "/c"]  # listed, not looked up
    store.store("/d", make_entry("/d"))
    assert _held(store) == ["/a", "/c", "/d"]


def test_repr_summarises_the_store(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=3000, eviction="fifo")
    store.store("/a", make_entry("/a"))
    assert repr(store) == "<CacheStore fifo 1 objects 1000/3000 bytes 0 evictions>"
