"""Invalidation by URI (spec §6.1): exact paths and trailing-`*` prefixes, every variant."""

from __future__ import annotations

from collections.abc import Callable

from edge.cache.entry import CachedResponse
from edge.cache.store import CacheStore

MakeEntry = Callable[..., CachedResponse]


def _filled(make_entry: MakeEntry) -> CacheStore:
    store = CacheStore(max_bytes=100_000)
    objects = [
        ("/index.html", "", None),
        ("/images/cat.jpg", "accept=webp", "Accept"),
        ("/images/cat.jpg", "accept=avif", "Accept"),
        ("/images/dog.jpg", "", None),
        ("/images/dog.jpg?w=100", "", None),
        ("/img.png", "", None),
    ]
    for uri, variant, vary in objects:
        store.store(f"GET|{uri}|{variant}", make_entry(uri, vary=vary, variant=variant))
    return store


def _uris(store: CacheStore) -> list[str]:
    return sorted(entry.uri for _, entry in store.entries())


def test_an_exact_path_removes_every_variant_of_that_uri(make_entry: MakeEntry) -> None:
    store = _filled(make_entry)
    assert store.invalidate(lambda uri: uri == "/images/cat.jpg") == 2
    assert _uris(store) == [
        "/images/dog.jpg",
        "/images/dog.jpg?w=100",
        "/img.png",
        "/index.html",
    ]


def test_an_exact_path_without_its_query_leaves_the_keyed_query_variant(
    make_entry: MakeEntry,
) -> None:
    store = _filled(make_entry)
    assert store.invalidate(lambda uri: uri == "/images/dog.jpg") == 1
    assert "/images/dog.jpg?w=100" in _uris(store)
    assert store.invalidate(lambda uri: uri == "/images/dog.jpg?w=100") == 1
    assert "/images/dog.jpg?w=100" not in _uris(store)


def test_a_prefix_removes_everything_under_it(make_entry: MakeEntry) -> None:
    store = _filled(make_entry)
    assert store.invalidate(lambda uri: uri.startswith("/images/")) == 4
    assert _uris(store) == ["/img.png", "/index.html"]
    assert store.invalidate(lambda uri: uri.startswith("/im")) == 1
    assert _uris(store) == ["/index.html"]


def test_invalidation_frees_bytes_and_is_not_counted_as_eviction(make_entry: MakeEntry) -> None:
    store = _filled(make_entry)
    assert store.invalidate(lambda uri: uri.startswith("/")) == 6
    assert (store.count, store.size_bytes, store.evictions) == (0, 0, 0)
    assert store.invalidate(lambda uri: True) == 0
