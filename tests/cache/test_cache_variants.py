"""Vary variants under one cache key (RFC 9111 §4.1): selection, and what a new Vary does."""

from __future__ import annotations

from collections.abc import Callable

from edge.cache.entry import CachedResponse
from edge.cache.store import CacheStore

MakeEntry = Callable[..., CachedResponse]
VariantKey = Callable[[str | None], str | None]


def request(**headers: str) -> VariantKey:
    """The variant key a request with these headers selects under a stored Vary."""

    def variant_key(vary: str | None) -> str | None:
        if vary is None:
            return ""
        if vary.strip() == "*":
            return None
        names = [name.strip().lower().replace("-", "_") for name in vary.split(",")]
        return "&".join(f"{name}={headers.get(name, '')}" for name in names)

    return variant_key


def test_two_variants_under_one_key_are_selected_by_the_request(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    gzip = make_entry("/app.js", vary="Accept-Encoding", variant="accept_encoding=gzip")
    brotli = make_entry("/app.js", vary="Accept-Encoding", variant="accept_encoding=br")
    store.store("/app.js", gzip)
    store.store("/app.js", brotli)
    assert store.lookup("/app.js", request(accept_encoding="gzip")) is gzip
    assert store.lookup("/app.js", request(accept_encoding="br")) is brotli
    assert store.lookup("/app.js", request(accept_encoding="identity")) is None
    assert store.count == 2
    assert (store.hits("/app.js", gzip.variant), store.hits("/app.js", brotli.variant)) == (1, 1)


def test_the_selector_sees_the_vary_of_what_is_stored(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    store.store("/p", make_entry("/p", vary="Accept-Language", variant="accept_language=fr"))
    seen: list[str | None] = []

    def variant_key(vary: str | None) -> str | None:
        seen.append(vary)
        return "accept_language=fr"

    assert store.lookup("/p", variant_key) is not None
    assert seen == ["Accept-Language"]


def test_a_request_that_selects_no_variant_misses(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    store.store("/any", make_entry("/any", vary="*", variant="*"))
    assert store.lookup("/any", request()) is None
    assert store.hits("/any", "*") == 0


def test_a_response_without_vary_is_its_keys_only_variant(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    plain = make_entry("/plain")
    store.store("/plain", plain)
    assert store.lookup("/plain", request(accept_encoding="gzip")) is plain


def test_a_new_vary_drops_the_variants_stored_under_the_old_one(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    store.store("/p", make_entry("/p", vary="Accept-Encoding", variant="accept_encoding=gzip"))
    store.store("/p", make_entry("/p", vary="Accept-Encoding", variant="accept_encoding=br"))
    by_language = make_entry("/p", vary="Accept-Language", variant="accept_language=de")
    store.store("/p", by_language)
    assert [entry for _, entry in store.entries()] == [by_language]
    assert store.lookup("/p", request(accept_encoding="gzip", accept_language="de")) is by_language
    assert (store.count, store.size_bytes, store.evictions) == (1, by_language.size, 0)


def test_a_response_that_stops_varying_replaces_the_variants(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=10_000)
    store.store("/p", make_entry("/p", vary="Accept-Encoding", variant="accept_encoding=gzip"))
    plain = make_entry("/p")
    store.store("/p", plain)
    assert store.lookup("/p", request(accept_encoding="gzip")) is plain
    assert store.count == 1


def test_evicting_a_keys_last_variant_forgets_the_key(make_entry: MakeEntry) -> None:
    store = CacheStore(max_bytes=2000)
    store.store("/p", make_entry("/p", vary="Accept-Encoding", variant="accept_encoding=gzip"))
    store.store("/q", make_entry("/q"))
    store.store("/r", make_entry("/r"))  # evicts /p, the least recently used
    seen: list[str | None] = []

    def variant_key(vary: str | None) -> str:
        seen.append(vary)
        return "accept_encoding=gzip"

    assert store.lookup("/p", variant_key) is None
    assert seen == []  # no Vary is remembered for a key the store no longer holds
    store.store("/p", make_entry("/p", vary="Accept-Language", variant="accept_language=en"))
    assert store.lookup("/p", request(accept_language="en")) is not None
    assert store.evictions == 2
