"""Both cache semantics through real sockets: stale rules, error caching, RFC 9111 mode."""

from __future__ import annotations

import asyncio

from tests.node.conftest import Clock
from tests.world import World


async def eventually(check, seconds: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    for _ in range(int(seconds / 0.05)):
        if await check():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_stale_while_revalidate_answers_at_once_and_refreshes_behind(
    world: World, clock: Clock
) -> None:
    path = "/t/swr?size=10&cc=max-age%3D10%2C%20stale-while-revalidate%3D600"
    await world.get(path)
    clock.advance(30)
    stale = await world.get(path)
    assert stale.headers["X-Cache"] == "Hit from cloudfront"
    assert int(stale.headers["Age"]) >= 30
    assert await eventually(lambda: _count_is(world, "/t/swr", 2))


async def _count_is(world: World, path: str, n: int) -> bool:
    return await world.origin_count(path) == n


async def test_origin_500_is_cached_for_the_error_caching_minimum(
    world: World, clock: Clock
) -> None:
    first = await world.get("/t/err500?status=500")
    assert first.status == 500
    assert first.headers["X-Cache"] == "Error from cloudfront"
    again = await world.get("/t/err500?status=500")
    assert again.status == 500
    assert await world.origin_count("/t/err500") == 1
    clock.advance(11)  # ErrorCachingMinTTL default 10 s (spec §6.3)
    await world.get("/t/err500?status=500")
    assert await world.origin_count("/t/err500") == 2


async def test_origin_400_without_max_age_is_not_cached(world: World) -> None:
    await world.get("/t/err400?status=400")
    await world.get("/t/err400?status=400")
    assert await world.origin_count("/t/err400") == 2


async def test_no_store_from_origin_is_never_cached(world: World) -> None:
    for _ in range(3):
        response = await world.get("/t/nostore?size=10&cc=no-store")
        assert response.headers["X-Cache"] == "Miss from cloudfront"
    assert await world.origin_count("/t/nostore") == 3


async def test_rfc9111_keeps_one_variant_per_vary_value(rfc_world: World) -> None:
    path = "/t/vary?size=10&vary=Accept-Language&cc=max-age%3D60"
    english = await rfc_world.get(path, headers={"Accept-Language": "en"})
    french = await rfc_world.get(path, headers={"Accept-Language": "fr"})
    assert english.headers["X-Cache"] == french.headers["X-Cache"] == "Miss from cloudfront"
    for language in ("fr", "en"):
        again = await rfc_world.get(path, headers={"Accept-Language": language})
        assert again.headers["X-Cache"] == "Hit from cloudfront"
        assert again.headers["Vary"] == "Accept-Language"
    assert await rfc_world.origin_count("/t/vary") == 2


async def test_cloudfront_keys_on_the_policy_not_on_vary(world: World) -> None:
    path = "/t/vary?size=10&vary=Accept-Language&cc=max-age%3D60"
    await world.get(path, headers={"Accept-Language": "en"})
    french = await world.get(path, headers={"Accept-Language": "fr"})
    assert french.headers["X-Cache"] == "Hit from cloudfront"
    assert "Vary" not in french.headers  # Accept-Language is not forwarded (spec §4.9)


async def test_rfc9111_request_no_cache_forces_revalidation(rfc_world: World) -> None:
    path = "/static/css/site.css"
    await rfc_world.get(path)
    assert (await rfc_world.get(path)).headers["X-Cache"] == "Hit from cloudfront"
    forced = await rfc_world.get(path, headers={"Cache-Control": "no-cache"})
    assert forced.headers["X-Cache"] == "RefreshHit from cloudfront"


async def test_cloudfront_ignores_viewer_no_cache(world: World) -> None:
    path = "/static/css/site.css"
    await world.get(path)
    ignored = await world.get(path, headers={"Cache-Control": "no-cache", "Pragma": "no-cache"})
    assert ignored.headers["X-Cache"] == "Hit from cloudfront"
