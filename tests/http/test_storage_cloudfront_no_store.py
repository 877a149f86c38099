"""Spec §4.3 note: `no-cache`/`no-store`/`private` under a cache policy with MinTTL > 0."""

from __future__ import annotations

import time

import pytest
from multidict import CIMultiDict

from edge.config import CachePolicy
from edge.http.message import RequestHead
from edge.http.semantics import Fresh, Stale, semantics_named

GET = RequestHead("GET", "/a", "", CIMultiDict())
MIN_TTL_60 = CachePolicy("MinSixty", min_ttl=60, default_ttl=300, max_ttl=3600)
NOW = time.time()


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "private"])
def test_documented_table_caches_for_min_ttl(directive: str) -> None:
    sem = semantics_named("cloudfront", "min_ttl")
    storage = sem.storage(GET, 200, CIMultiDict({"Cache-Control": directive}), MIN_TTL_60,
                          None, NOW)
    assert storage is not None and storage.ttl == 60
    assert sem.freshness(GET, storage, 30) == Fresh(30)


@pytest.mark.parametrize("directive", ["no-cache", "no-store", "private"])
def test_stale_if_unreachable_asks_the_origin_and_keeps_the_copy_for_errors(
    directive: str,
) -> None:
    sem = semantics_named("cloudfront", "stale_if_unreachable")
    storage = sem.storage(GET, 200, CIMultiDict({"Cache-Control": directive}), MIN_TTL_60,
                          None, NOW)
    assert storage is not None and storage.ttl == 0
    state = sem.freshness(GET, storage, 1)
    assert isinstance(state, Stale) and state.if_error and not state.while_revalidate
    assert not sem.freshness(GET, storage, 120).if_error  # beyond MinTTL: gone


def test_min_ttl_zero_never_stores_either_way() -> None:
    for mode in ("min_ttl", "stale_if_unreachable"):
        sem = semantics_named("cloudfront", mode)
        zero = CachePolicy("Zero", min_ttl=0)
        assert sem.storage(GET, 200, CIMultiDict({"Cache-Control": "no-store"}), zero,
                           None, NOW) is None
