from __future__ import annotations

import pytest

from edge.geo.cities import Cities


@pytest.fixture(scope="session")
def cities() -> Cities:
    return Cities.load()
