"""The documented Lambda@Edge use cases of `functions/`, each through a running PoP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from edge.runtime.testing import invoke, origin_response_event, viewer_request_event
from origin.app import make_app
from tests.functions.example_worlds import FUNCTIONS, example_world, handler
from tests.world import reserve_port, site

# `/t/*` (in place of the test world's own): the origin's knobs reach it, every query string
# is in the cache key.
PAGE = "/t/page?size=100&cc=max-age%3D60"


def keyed_on(*headers: str, query_strings: str = "all") -> dict[str, Any]:
    return {
        "min_ttl": 0, "default_ttl": 60, "max_ttl": 3600,
        "headers": {"behavior": "whitelist", "items": list(headers)} if headers
        else {"behavior": "none"},
        "cookies": {"behavior": "none"},
        "query_strings": {"behavior": query_strings},
    }


def city(name: str) -> dict[str, str]:
    return {"X-Edgesim-Viewer-City": name}


# -- directory index (the README's first example) -------------------------------------------------


def test_directory_urls_get_their_index() -> None:
    """The README's own test of `functions/index_html.py`, as a user would write it."""
    request = invoke(handler("index_html.py"), viewer_request_event("/docs/")).request
    assert request["uri"] == "/docs/index.html"
    kept = invoke(handler("index_html.py"), viewer_request_event("/docs/a.html")).request
    assert kept["uri"] == "/docs/a.html"


# -- security headers -----------------------------------------------------------------------------

SECURITY_HEADERS = ("Strict-Transport-Security", "X-Content-Type-Options", "X-Frame-Options",
                    "Referrer-Policy", "Content-Security-Policy")


async def test_security_headers_are_cached_with_the_object_and_on_errors(tmp_path: Path) -> None:
    world = await example_world(tmp_path, {
        "path_pattern": "/t/*", "cache_policy": "Test",
        "functions": {"origin-response": {"handler": handler("security_headers.py")}},
    })
    try:
        miss, hit = await world.get(PAGE), await world.get(PAGE)
        missing = await world.get("/t/gone?status=404")
        assert hit.headers["X-Cache"] == "Hit from cloudfront"
        for response in (miss, hit, missing):
            assert all(name in response.headers for name in SECURITY_HEADERS)
        assert hit.headers["Strict-Transport-Security"].startswith("max-age=63072000")
        assert hit.headers["X-Frame-Options"] == "DENY"
        # Added once, at the regional cache, for the two origin answers.
        readings = world.context(world.rec).functions.readings()
        assert readings["security_headers"]["invocations"] == 2
        assert world.context(world.pop).functions.readings() == {}
    finally:
        await world.close()


def test_security_headers_keep_the_origins_own_values() -> None:
    event = origin_response_event("/", response_headers=(
        ("Content-Security-Policy", "default-src 'none'"), ("X-Frame-Options", "SAMEORIGIN")))
    response = invoke(handler("security_headers.py"), event).response
    assert response["headers"]["content-security-policy"][0]["value"] == "default-src 'none'"
    assert response["headers"]["x-frame-options"][0]["value"] == "SAMEORIGIN"
    assert response["headers"]["x-content-type-options"][0]["value"] == "nosniff"


# -- redirect by country --------------------------------------------------------------------------


async def test_viewers_from_listed_countries_are_redirected_per_country(tmp_path: Path) -> None:
    world = await example_world(tmp_path, {
        "path_pattern": "/t/*", "cache_policy": "ByCountry",
        "functions": {"origin-request": {"handler": handler("redirect_by_country.py")}},
    }, cache_policies={"ByCountry": keyed_on("CloudFront-Viewer-Country")})
    try:
        for viewer, site in (("Frankfurt", "https://www.example.de"),
                             ("Vienna", "https://www.example.de"),  # Austria shares it
                             ("Tokyo", "https://www.example.jp"), ("Sydney", None)):
            for x_cache in ("Miss from cloudfront", "Hit from cloudfront"):
                response = await world.get(PAGE, headers=city(viewer), allow_redirects=False)
                assert response.headers["X-Cache"] == x_cache
                if site is None:
                    assert response.status == 200  # served here
                else:
                    assert response.status == 302
                    assert response.headers["Location"] == site + PAGE
        assert await world.origin_count("/t/page") == 1  # only the Australian viewer's
    finally:
        await world.close()


# -- device variants ------------------------------------------------------------------------------

AGENTS = {
    "desktop": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/126.0",
    "mobile": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) Mobile/15E148",
    "tablet": "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15",
}


async def test_mobile_and_tablet_viewers_get_objects_of_their_own(tmp_path: Path) -> None:
    world = await example_world(tmp_path, {
        "path_pattern": "/t/*", "cache_policy": "ByDevice",
        "functions": {"origin-request": {"handler": handler("device_variant.py")}},
    }, cache_policies={"ByDevice": keyed_on("CloudFront-Is-Mobile-Viewer",
                                            "CloudFront-Is-Tablet-Viewer")})
    try:
        for device in ("desktop", "mobile", "tablet", "desktop"):
            response = await world.get(PAGE, headers={"User-Agent": AGENTS[device]})
            assert response.status == 200
        hits = await world.get(PAGE, headers={"User-Agent": AGENTS["mobile"]})
        assert hits.headers["X-Cache"] == "Hit from cloudfront"
        by_path = (await world.origin_stats())["by_path"]
        assert by_path == {"/t/page": {"GET": 1}, "/mobile/t/page": {"GET": 1},
                           "/tablet/t/page": {"GET": 1}}
    finally:
        await world.close()


# -- normalised query strings ---------------------------------------------------------------------


async def test_equivalent_query_strings_share_one_cached_object(tmp_path: Path) -> None:
    world = await example_world(tmp_path, {
        "path_pattern": "/api/echo/*", "cache_policy": "QueryKeyed",
        "functions": {"viewer-request": {"handler": handler("normalize_query.py")}},
    }, cache_policies={"QueryKeyed": keyed_on()})
    try:
        first = await world.get("/api/echo/list?Page=2&color=red&utm_source=mail")
        echoed = json.loads(await first.read())
        assert echoed["query"] == "color=red&page=2"
        for query in ("color=red&page=2", "PAGE=2&fbclid=x&Color=red", "page=2&color=red&"):
            again = await world.get(f"/api/echo/list?{query}")
            assert again.headers["X-Cache"] == "Hit from cloudfront"
        other = await world.get("/api/echo/list?page=3&color=red")
        assert other.headers["X-Cache"] == "Miss from cloudfront"
        assert await world.origin_count("/api/echo/list") == 2
    finally:
        await world.close()


# -- dynamic origin selection ---------------------------------------------------------------------


async def test_origin_is_chosen_by_country_or_header(tmp_path: Path) -> None:
    eu_port = reserve_port()
    eu_origin = web.AppRunner(make_app(), access_log=None)
    await eu_origin.setup()
    await site(eu_origin, eu_port).start()
    # The function as a user would configure it: its European origin is the one on eu_port.
    source = (FUNCTIONS / "origin_by_country.py").read_text()
    configured = source.replace('"port": 8000', f'"port": {eu_port}')
    assert configured != source
    (tmp_path / "origin_by_country.py").write_text(configured)
    world = await example_world(tmp_path, {
        "path_pattern": "/t/*", "cache_policy": "CachingDisabled",
        "origin_request_policy": "Region",
        "functions": {"origin-request": {"handler": str(tmp_path / "origin_by_country.py")}},
    }, origin_request_policies={"Region": {
        "headers": {"behavior": "whitelist",
                    "items": ["CloudFront-Viewer-Country", "X-Origin-Region"]},
        "cookies": {"behavior": "none"},
        "query_strings": {"behavior": "all"},
    }})
    try:
        for headers in (city("Frankfurt"), city("Dublin"), {"X-Origin-Region": "eu"}):
            echoed = json.loads(await (await world.get("/t/x", headers=headers)).read())
            assert echoed["path"] == "/api/echo/t/x"
            assert dict(echoed["headers"])["Host"] == f"localhost:{eu_port}"
        for headers in (city("Tokyo"), {"X-Origin-Region": "mars"}, {}):
            assert (await world.get("/t/x?size=10", headers=headers)).status == 200
        assert await world.origin_count("/t/x") == 3
        async with aiohttp.ClientSession() as session, \
                session.get(f"http://127.0.0.1:{eu_port}/_origin/stats") as r:
            assert (await r.json())["by_path"] == {"/api/echo/t/x": {"GET": 3}}
    finally:
        await world.close()
        await eu_origin.cleanup()


# -- a response made at the edge ------------------------------------------------------------------


async def test_the_edge_page_is_made_at_the_pop_without_the_origin(tmp_path: Path) -> None:
    world = await example_world(tmp_path, {
        "path_pattern": "/hello", "cache_policy": "CachingDisabled",
        "functions": {"viewer-request": {"handler": handler("edge_page.py")}},
    })
    try:
        local, tokyo = await world.get("/hello"), await world.get("/hello", headers=city("Tokyo"))
        for response in (local, tokyo):
            assert response.status == 200
            assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
            body = (await response.read()).decode()
            assert "Made at the edge" in body
            assert f"Request id: {response.headers['X-Amz-Cf-Id']}" in body
        assert "as the edge saw it: 127.0.0.1." in (await local.read()).decode()
        assert "as the edge saw it: 127.0.0.1." not in (await tokyo.read()).decode()
        assert (await world.origin_stats())["by_path"] == {}
    finally:
        await world.close()


# -- bot blocker ----------------------------------------------------------------------------------


async def test_bots_and_fast_viewers_are_refused(tmp_path: Path) -> None:
    # A window longer than the test, so that the count never restarts under it.
    source = (FUNCTIONS / "bot_blocker.py").read_text()
    configured = source.replace("WINDOW_SECONDS = 10 ", "WINDOW_SECONDS = 3600 ")
    assert configured != source
    (tmp_path / "bot_blocker.py").write_text(configured)
    world = await example_world(tmp_path, {
        "path_pattern": "/t/*", "cache_policy": "Test",
        # One environment, so one count: with more, each would count on its own.
        "functions": {"viewer-request": {"handler": str(tmp_path / "bot_blocker.py"),
                                         "max_concurrency": 1}},
    })
    try:
        bot = await world.get(PAGE, headers={"User-Agent": "Mozilla/5.0 (compatible; "
                                                          "SemrushBot/7~bl)"})
        assert (bot.status, await bot.read()) == (
            403, b"Automated clients are not welcome here.\n")
        anonymous = await world.get(PAGE, skip_auto_headers=["User-Agent"])
        assert anonymous.status == 403
        for _ in range(20):
            assert (await world.get(PAGE, headers=city("Tokyo"))).status == 200
        limited = await world.get(PAGE, headers=city("Tokyo"))
        assert limited.status == 429
        assert 0 < int(limited.headers["Retry-After"]) <= 3600
        assert (await world.get(PAGE, headers=city("Paris"))).status == 200  # another viewer
        assert (await world.get(PAGE)).status == 200
    finally:
        await world.close()
