from __future__ import annotations

from collections.abc import Iterator

import pytest

from edge.geo.cities import Cities
from edge.geo.locations import GeoDatabase


@pytest.fixture(scope="session")
def world() -> Iterator[GeoDatabase]:
    with GeoDatabase.open() as db:
        yield db


@pytest.fixture(scope="session")
def cities() -> Cities:
    return Cities.load()
