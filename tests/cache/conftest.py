from __future__ import annotations

from collections.abc import Callable

import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from edge.cache.entry import ENTRY_OVERHEAD, CachedResponse
from edge.http.semantics import Storage

MakeEntry = Callable[..., CachedResponse]


@pytest.fixture
def make_entry() -> MakeEntry:
    """Entries that cost exactly `cost` bytes in the store (no headers: body + overhead)."""

    def make(
        uri: str, cost: int = 1000, *, vary: str | None = None, variant: str = ""
    ) -> CachedResponse:
        return CachedResponse(
            status=200,
            reason="OK",
            headers=CIMultiDictProxy(CIMultiDict()),
            body=b"x" * (cost - ENTRY_OVERHEAD),
            storage=Storage(ttl=60.0),
            initial_age=0.0,
            response_time=1_700_000_000.0,
            uri=uri,
            vary=vary,
            variant=variant,
        )

    return make
