"""Where a viewer is, end to end: the city override, trusted proxies, the CloudFront-Viewer-*
headers a policy names (spec §5.2–§5.3) and geo restriction (spec §6.4)."""

from __future__ import annotations

import ipaddress
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from multidict import CIMultiDict, CIMultiDictProxy

from edge.config.model import LOOPBACK
from edge.geo.cities import ip_for
from edge.node.location import TrustedProxies, city_override, world_cities
from tests.node.functions import handler_file
from tests.world import World, access_log_lines, start_world

ALL_METHODS = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
# The access log's fields, 0-based (spec §6.6).
C_IP, CS_COOKIE, RESULT_TYPE, DETAILED_RESULT_TYPE = 4, 12, 13, 28


def city_ip(name: str) -> str:
    city = world_cities().find(name)
    assert city is not None
    return ip_for(city)


def with_geo_behaviors(data: dict[str, Any]) -> None:
    """`/api/echo/geo*`: every CloudFront header to the origin (managed origin request policy);
    `/api/echo/keyed*`: cached per viewer country (a cache policy naming the header)."""
    data["cache_policies"]["ByCountry"] = {
        "min_ttl": 0, "default_ttl": 60, "max_ttl": 3600,
        "headers": {"behavior": "whitelist", "items": ["CloudFront-Viewer-Country"]},
    }
    data["behaviors"][:0] = [
        {"path_pattern": "/api/echo/geo*", "origin": "site", "cache_policy": "CachingDisabled",
         "origin_request_policy": "AllViewerAndCloudFrontHeaders-2022-06",
         "allowed_methods": ALL_METHODS},
        {"path_pattern": "/api/echo/keyed*", "origin": "site", "cache_policy": "ByCountry"},
    ]


def edits(*changes: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        for change in changes:
            change(data)
    return edit


async def echo(world: World, path: str, **kw: Any) -> dict[str, list[str]]:
    """The headers the origin received, by lower-case name (the echo sent uncompressed)."""
    kw["headers"] = {"Accept-Encoding": "identity", **kw.get("headers", {})}
    response = await world.get(path, **kw)
    assert response.status == 200, await response.text()
    received: dict[str, list[str]] = {}
    for name, value in json.loads(await response.read())["headers"]:
        received.setdefault(name.lower(), []).append(value)
    return received


def log_lines(tmp_path: Path, node_id: str) -> list[list[str]]:
    return [line.split("\t") for line in access_log_lines(tmp_path / "logs" / node_id)]


async def test_the_override_header_makes_the_viewer_a_tokyo_address_and_goes_no_further(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs")
    try:
        # `/api/*` forwards every viewer header and cookie: what is missing was removed.
        seen = await echo(world, "/api/echo/x", headers={"X-Edgesim-Viewer-City": "Tokyo"})
        assert seen["x-forwarded-for"] == [city_ip("Tokyo")]
        assert "x-edgesim-viewer-city" not in seen
    finally:
        await world.close()
    [line] = log_lines(tmp_path, world.pop)
    assert line[C_IP] == city_ip("Tokyo")


async def test_the_override_cookie_is_taken_out_of_the_cookies(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs")
    try:
        cookie = "a=1; edgesim-viewer-city=Frankfurt%2C%20DE; b=2"
        seen = await echo(world, "/api/echo/x", headers={"Cookie": cookie})
        assert seen["x-forwarded-for"] == [city_ip("Frankfurt, DE")]
        assert seen["cookie"] == ["a=1; b=2"]
        only = await echo(world, "/api/echo/y", headers={"Cookie": "edgesim-viewer-city=2643743"})
        assert only["x-forwarded-for"] == [city_ip("London, GB")]  # a GeoNames id
        assert "cookie" not in only
    finally:
        await world.close()
    lines = log_lines(tmp_path, world.pop)
    assert [line[CS_COOKIE] for line in lines] == ["a=1;%20b=2", "-"]


async def test_an_unknown_city_is_a_400_that_names_it(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs")
    try:
        response = await world.get("/api/echo/x", headers={"X-Edgesim-Viewer-City": "Atlantis"})
        assert response.status == 400
        assert "Atlantis" in await response.text()
        assert await world.origin_count("/api/echo/x") == 0
    finally:
        await world.close()


async def test_cloudfront_viewer_headers_reach_the_origin_only_when_a_policy_names_them(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs", with_geo_behaviors)
    try:
        tokyo = {"X-Edgesim-Viewer-City": "Tokyo"}
        plain = await echo(world, "/api/echo/x", headers=tokyo)  # AllViewerExceptHostHeader
        assert not [name for name in plain if name.startswith("cloudfront-")]
        seen = await echo(world, "/api/echo/geo", headers=tokyo)
        single = {name: values[0] for name, values in seen.items() if len(values) == 1}
        ip = city_ip("Tokyo")
        assert single["cloudfront-viewer-country"] == "JP"
        assert single["cloudfront-viewer-country-name"] == "Japan"
        assert single["cloudfront-viewer-country-region"] == "13"
        assert single["cloudfront-viewer-country-region-name"] == "Tokyo"
        assert single["cloudfront-viewer-city"] == "Tokyo"
        assert single["cloudfront-viewer-time-zone"] == "Asia/Tokyo"
        assert single["cloudfront-viewer-latitude"] == "35.68950"
        assert single["cloudfront-viewer-longitude"] == "139.69171"
        assert single["cloudfront-viewer-address"].rpartition(":")[0] == ip
        assert single["cloudfront-viewer-asn"].isdigit()
        assert single["cloudfront-viewer-http-version"] == "1.1"
        assert single["cloudfront-forwarded-proto"] == "http"
        assert single["cloudfront-is-desktop-viewer"] == "true"
        assert single["cloudfront-is-mobile-viewer"] == "false"
        assert "cloudfront-viewer-metro-code" not in seen  # US only
        assert "cloudfront-viewer-postal-code" not in seen  # the world has none
        phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
        new_york = await echo(world, "/api/echo/geo",
                              headers={"X-Edgesim-Viewer-City": "New York", "User-Agent": phone})
        assert new_york["cloudfront-viewer-country"] == ["US"]
        assert new_york["cloudfront-viewer-metro-code"] == ["501"]
        assert new_york["cloudfront-is-ios-viewer"] == ["true"]
        assert new_york["cloudfront-is-desktop-viewer"] == ["false"]
    finally:
        await world.close()


async def test_a_viewer_cannot_say_where_it_is(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", with_geo_behaviors)
    try:
        spoofed = {"CloudFront-Viewer-Country": "XX", "CloudFront-Viewer-Asn": "1",
                   "X-Edgesim-Viewer-City": "Frankfurt"}
        seen = await echo(world, "/api/echo/geo", headers=spoofed)
        assert seen["cloudfront-viewer-country"] == ["DE"]
        assert seen["cloudfront-viewer-asn"] != ["1"]
        # From loopback with no override the world knows no location: no country at all.
        unknown = await echo(world, "/api/echo/geo", headers={"CloudFront-Viewer-Country": "XX"})
        assert "cloudfront-viewer-country" not in unknown
        assert unknown["cloudfront-viewer-address"][0].startswith("127.0.0.1:")
    finally:
        await world.close()


async def test_a_cache_policy_naming_the_country_keys_on_it_through_both_tiers(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs", with_geo_behaviors)
    try:
        answers = []
        for city in ("Tokyo", "Osaka", "Frankfurt"):
            response = await world.get("/api/echo/keyed",
                                       headers={"X-Edgesim-Viewer-City": city})
            body = json.loads(await response.read())
            countries = [v for k, v in body["headers"] if k.lower() == "cloudfront-viewer-country"]
            answers.append((response.headers["X-Cache"], countries))
        assert answers == [
            ("Miss from cloudfront", ["JP"]),
            ("Hit from cloudfront", ["JP"]),  # Osaka is in Japan too: the same object
            ("Miss from cloudfront", ["DE"]),  # the regional cache passed the PoP's value on
        ]
        assert await world.origin_count("/api/echo/keyed") == 2
    finally:
        await world.close()


SAW_CLOUDFRONT_HEADERS = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    headers = request["headers"]
    saw = sorted(k for k in headers if k.startswith("cloudfront-"))
    country = headers.get("cloudfront-viewer-country", [{"value": "-"}])[0]["value"]
    for name, value in (("saw", ",".join(saw) or "none"), ("country", country),
                        ("ip", request["clientIp"])):
        headers[f"x-TRIGGER-{name}"] = [{"key": f"X-TRIGGER-{name}", "value": value}]
    REWRITE
    return request
"""


async def test_origin_request_sees_the_headers_and_viewer_request_does_not(
    tmp_path: Path,
) -> None:
    handlers = tmp_path / "handlers"
    handlers.mkdir()
    viewer = SAW_CLOUDFRONT_HEADERS.replace("TRIGGER", "viewer-request").replace(
        "REWRITE", 'request["uri"] = "/api/echo" + request["uri"]')
    origin = SAW_CLOUDFRONT_HEADERS.replace("TRIGGER", "origin-request").replace("REWRITE", "")

    def functions(data: dict[str, Any]) -> None:
        data["behaviors"][0]["origin_request_policy"] = "AllViewerAndCloudFrontHeaders-2022-06"
        data["behaviors"][0]["functions"] = {
            trigger: {"handler": handler_file(handlers, trigger.replace("-", "_"), source),
                      "timeout": 2}
            for trigger, source in (("viewer-request", viewer), ("origin-request", origin))
        }

    world = await start_world(tmp_path / "logs", functions)
    try:
        seen = await echo(world, "/t/page", headers={"X-Edgesim-Viewer-City": "Tokyo",
                                                     "CloudFront-Viewer-Country": "XX"})
        assert seen["x-viewer-request-saw"] == ["none"]  # not even the viewer's own
        assert seen["x-viewer-request-ip"] == [city_ip("Tokyo")]
        assert "cloudfront-viewer-country" in seen["x-origin-request-saw"][0].split(",")
        assert seen["x-origin-request-country"] == ["JP"]
        assert seen["x-origin-request-ip"] == [city_ip("Tokyo")]
        assert seen["cloudfront-viewer-country"] == ["JP"]
        assert "x-edgesim-viewer-city" not in seen
    finally:
        await world.close()


def restrict(kind: str, *countries: str) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        data["distribution"]["geo_restriction"] = {"restriction_type": kind,
                                                   "items": list(countries)}
    return edit


async def test_geo_restriction_refuses_before_the_viewer_request_function(
    tmp_path: Path,
) -> None:
    handlers = tmp_path / "handlers"
    handlers.mkdir()
    counting = handler_file(handlers, "passthrough", """
        def handler(event, context):
            return event["Records"][0]["cf"]["request"]
    """)

    def function(data: dict[str, Any]) -> None:
        data["behaviors"][0]["functions"] = {"viewer-request": {"handler": counting}}

    world = await start_world(tmp_path / "logs", edits(restrict("whitelist", "DE"), function))
    try:
        tokyo = await world.get("/t/a?size=10", headers={"X-Edgesim-Viewer-City": "Tokyo"})
        assert tokyo.status == 403
        assert tokyo.headers["X-Cache"] == "Error from cloudfront"
        assert "block access from your country" in await tokyo.text()
        assert world.context(world.pop).functions.readings() == {}
        frankfurt = await world.get("/t/a?size=10", headers={"X-Edgesim-Viewer-City": "Frankfurt"})
        assert frankfurt.status == 200
        nowhere = await world.get("/t/a?size=10")  # loopback: no country known, so served
        assert nowhere.status == 200
        readings = world.context(world.pop).functions.readings()
        assert readings["passthrough"]["invocations"] == 2
    finally:
        await world.close()
    lines = log_lines(tmp_path, world.pop)
    assert [(line[RESULT_TYPE], line[DETAILED_RESULT_TYPE]) for line in lines] == [
        ("Error", "ClientGeoBlocked"), ("Miss", "Miss"), ("Miss", "Miss")]


async def test_a_blacklist_refuses_the_countries_it_lists(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", restrict("blacklist", "JP", "FR"))
    try:
        statuses = [
            (await world.get("/api/echo/x", headers={"X-Edgesim-Viewer-City": city})).status
            for city in ("Tokyo", "Paris, FR", "Frankfurt")
        ]
        assert statuses == [403, 403, 200]
    finally:
        await world.close()


async def test_the_forwarded_for_of_a_trusted_proxy_names_the_viewer(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", with_geo_behaviors)
    try:
        seen = await echo(world, "/api/echo/geo",
                          headers={"X-Forwarded-For": city_ip("Tokyo")})
        assert seen["cloudfront-viewer-country"] == ["JP"]
        assert seen["x-forwarded-for"] == [city_ip("Tokyo")]
    finally:
        await world.close()
    [line] = log_lines(tmp_path, world.pop)
    assert line[C_IP] == city_ip("Tokyo")


async def test_an_untrusted_peers_forwarded_for_is_ignored(tmp_path: Path) -> None:
    def untrusting(data: dict[str, Any]) -> None:
        data["trusted_proxies"] = ["10.0.0.0/8", "::1"]  # not 127.0.0.1, where the test is

    world = await start_world(tmp_path / "logs", edits(with_geo_behaviors, untrusting),
                              tiers=False)
    try:
        seen = await echo(world, "/api/echo/geo",
                          headers={"X-Forwarded-For": city_ip("Tokyo")})
        assert "cloudfront-viewer-country" not in seen
        assert seen["cloudfront-viewer-address"][0].startswith("127.0.0.1:")
        # CloudFront keeps what the viewer sent and appends the address it saw.
        assert seen["x-forwarded-for"] == [f"{city_ip('Tokyo')}, 127.0.0.1"]
    finally:
        await world.close()
    [line] = log_lines(tmp_path, world.pop)
    assert line[C_IP] == "127.0.0.1"


async def test_hits_on_a_behavior_naming_no_cloudfront_header_do_not_change(
    tmp_path: Path,
) -> None:
    """The hit path with a viewer elsewhere: the override changes the address, not the object."""
    world = await start_world(tmp_path / "logs")
    try:
        async with aiohttp.ClientSession() as session:
            url = world.url(world.pop, "/t/obj?size=10&cc=max-age%3D60")
            caches = []
            for city in ("Tokyo", "Frankfurt"):
                async with session.get(url, headers={"X-Edgesim-Viewer-City": city}) as r:
                    await r.read()
                    caches.append(r.headers["X-Cache"])
        assert caches == ["Miss from cloudfront", "Hit from cloudfront"]
    finally:
        await world.close()


def test_trusted_proxies_match_addresses_in_blocks_and_mapped_ipv4() -> None:
    default = TrustedProxies(LOOPBACK)
    assert default.trusts("127.0.0.1") and default.trusts("127.9.9.9") and default.trusts("::1")
    assert default.trusts("::ffff:127.0.0.1")  # a dual-stack socket's IPv4 peer
    assert not default.trusts("10.0.0.1") and not default.trusts("not an address")
    narrow = TrustedProxies((ipaddress.ip_network("127.0.0.1"), ipaddress.ip_network("fd00::/8")))
    assert narrow.trusts("127.0.0.1") and narrow.trusts("fd00::5")
    assert not narrow.trusts("127.0.0.2") and not narrow.trusts("::1")


def test_the_override_header_wins_over_the_cookie_and_both_go() -> None:
    headers = CIMultiDictProxy(CIMultiDict([
        ("Host", "x"), ("x-edgesim-viewer-city", "Tokyo"),
        ("Cookie", "edgesim-viewer-city=Lima; keep=1"),
    ]))
    assert city_override(headers) == ("Tokyo", CIMultiDict([("Host", "x"), ("Cookie", "keep=1")]))
    # A cookie whose name only contains ours is not ours.
    assert city_override(CIMultiDictProxy(CIMultiDict(Cookie="my-edgesim-viewer-city=Lima"))) \
        is None
    assert city_override(CIMultiDictProxy(CIMultiDict(Host="x"))) is None


async def test_with_geolite2_a_real_public_address_has_its_country(tmp_path: Path) -> None:
    pytest.importorskip("geolite2", reason="the GeoLite2 City extra is not installed")

    def geolite2(data: dict[str, Any]) -> None:
        data["geolite2"] = True

    world = await start_world(tmp_path / "logs", edits(with_geo_behaviors, geolite2))
    try:
        # MaxMind's own test address in their data: Willesden, England.
        received = await echo(world, "/api/echo/geo", headers={"X-Forwarded-For": "81.2.69.142"})
        assert received["cloudfront-viewer-country"] == ["GB"]
        tokyo = await echo(world, "/api/echo/geo", headers={"X-Forwarded-For": city_ip("Tokyo")})
        assert tokyo["cloudfront-viewer-country"] == ["JP"]  # simulated ones still ours
    finally:
        await world.close()


VIEWER_RESPONSE_SAW = """
def handler(event, context):
    cf = event["Records"][0]["cf"]
    seen = cf["request"]["headers"].get("cloudfront-viewer-country", [{"value": "none"}])
    cf["response"]["headers"]["x-viewer-country"] = [
        {"key": "X-Viewer-Country", "value": seen[0]["value"]}]
    return cf["response"]
"""


async def test_viewer_response_sees_the_headers_on_its_request(tmp_path: Path) -> None:
    handler = handler_file(tmp_path, "country", VIEWER_RESPONSE_SAW)

    def functions(data: dict[str, Any]) -> None:
        data["behaviors"][0]["origin_request_policy"] = "AllViewerAndCloudFrontHeaders-2022-06"
        data["behaviors"][0]["functions"] = {"viewer-response": {"handler": handler}}

    world = await start_world(tmp_path / "logs", functions)
    try:
        response = await world.get("/t/page?size=10", headers={"X-Edgesim-Viewer-City": "Lyon"})
        assert response.headers["X-Viewer-Country"] == "FR"
    finally:
        await world.close()
