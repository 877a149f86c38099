"""`edgesim up --origin URL` in front of an app: a plain distribution, none of the sample site's
settings (its custom error pages above all) and CloudFront's defaults."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from edge.config import with_origin
from tests.node.conftest import Clock
from tests.world import World, start_world

MISSING = "/no/such/page"


@pytest.fixture
async def app_world(tmp_path: Path, clock: Clock) -> AsyncIterator[World]:
    """The default world's network with the sample origin standing in for the user's app."""
    world = await start_world(tmp_path / "logs", clock=clock, prepare=with_origin)
    yield world
    await world.close()


async def test_the_apps_404_is_its_own_and_is_cached_for_cloudfronts_default_10_seconds(
    app_world: World, clock: Clock
) -> None:
    """Spec §6.3: with no custom error response, an error without Cache-Control is cached for
    10 s. The sample site's `/errors/404.html` (cached 30 s) is no part of the app's
    distribution: the app is never asked for it."""
    first = await app_world.get(MISSING)
    assert first.status == 404
    assert await first.text() == "404: Not Found"  # the app's body, not a page of the site's
    assert await app_world.origin_count(MISSING) == 1
    clock.advance(9)
    assert (await app_world.get(MISSING)).status == 404
    assert await app_world.origin_count(MISSING) == 1  # the cached error
    clock.advance(2)
    assert (await app_world.get(MISSING)).status == 404
    assert await app_world.origin_count(MISSING) == 2  # 11 s later: asked again
    assert await app_world.origin_count("/errors/404.html") == 0

