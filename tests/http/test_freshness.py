"""Serving a stored response at a given age, in both semantics: CloudFront (spec §4.2, §4.5)
and RFC 9111 (§4.2, §5.2.1 request directives, RFC 5861 grace windows)."""

import math

import pytest
from multidict import CIMultiDict

from edge.http.message import RequestHead
from edge.http.semantics import CLOUDFRONT, RFC9111, Fresh, Stale, Storage


def request(**headers):
    return RequestHead("GET", "/a", "",
                       CIMultiDict((k.replace("_", "-"), v) for k, v in headers.items()))


PLAIN = request()
SIXTY = Storage(60.0)
GRACE = Storage(60.0, stale_while_revalidate=30.0, stale_if_error=300.0)


# ---------------------------------------------------------------------------------------------
# CloudFront


@pytest.mark.parametrize(
    ("storage", "age", "expected"),
    [
        pytest.param(SIXTY, 0, Fresh(0), id="new"),
        pytest.param(SIXTY, 59.9, Fresh(59.9), id="just-fresh"),
        pytest.param(SIXTY, 60, Stale(60, while_revalidate=False, if_error=False),
                     id="expired-at-ttl-no-grace"),
        pytest.param(Storage(0.0), 0, Stale(0, while_revalidate=False, if_error=False),
                     id="ttl-0-always-revalidated"),
        pytest.param(GRACE, 75, Stale(75, while_revalidate=True, if_error=True),
                     id="spec-4.5-inside-swr-and-sie"),
        pytest.param(GRACE, 90, Stale(90, while_revalidate=False, if_error=True),
                     id="spec-4.5-swr-over-sie-left"),
        pytest.param(GRACE, 360, Stale(360, while_revalidate=False, if_error=False),
                     id="spec-4.5-both-windows-over"),
        pytest.param(Storage(60.0, stale_if_error=math.inf), 10_000,
                     Stale(10_000, while_revalidate=False, if_error=True),
                     id="spec-4.5-5xx-serves-stale-without-sie"),
    ],
)
def test_cloudfront_freshness(storage, age, expected):
    assert CLOUDFRONT.freshness(PLAIN, storage, age) == expected


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param({"Cache-Control": "no-cache"}, id="no-cache"),
        pytest.param({"Cache-Control": "max-age=0"}, id="max-age-0"),
        pytest.param({"Pragma": "no-cache"}, id="pragma"),
        pytest.param({"Cache-Control": "only-if-cached"}, id="only-if-cached"),
    ],
)
def test_cloudfront_ignores_viewer_directives(headers):
    """spec §4.2: viewer Cache-Control/Pragma cannot force a refresh."""
    assert CLOUDFRONT.freshness(request(**headers), SIXTY, 10) == Fresh(10)
    assert not CLOUDFRONT.only_if_cached(request(**headers))


# ---------------------------------------------------------------------------------------------
# RFC 9111


@pytest.mark.parametrize(
    ("headers", "storage", "age", "expected"),
    [
        pytest.param({}, SIXTY, 10, Fresh(10), id="4.2-fresh"),
        pytest.param({}, SIXTY, 60, Stale(60, False, False), id="4.2-stale-at-lifetime"),
        pytest.param({"Cache-Control": "no-cache"}, GRACE, 10, Stale(10, False, True),
                     id="5.2.1.4-no-cache-revalidates-fresh-copy-covers-errors"),
        pytest.param({"Pragma": "no-cache"}, SIXTY, 10, Stale(10, False, True),
                     id="5.4-pragma-without-cache-control"),
        pytest.param({"Pragma": "no-cache", "Cache-Control": "max-stale"}, SIXTY, 10,
                     Fresh(10), id="5.4-pragma-ignored-with-cache-control"),
        pytest.param({"Cache-Control": "max-age=5"}, SIXTY, 10, Stale(10, False, True),
                     id="5.2.1.1-max-age-older-than-wanted"),
        pytest.param({"Cache-Control": "max-age=15"}, SIXTY, 10, Fresh(10),
                     id="5.2.1.1-max-age-young-enough"),
        pytest.param({"Cache-Control": "min-fresh=55"}, SIXTY, 10, Stale(10, False, True),
                     id="5.2.1.3-min-fresh-not-met"),
        pytest.param({"Cache-Control": "min-fresh=30"}, SIXTY, 10, Fresh(10),
                     id="5.2.1.3-min-fresh-met"),
        pytest.param({"Cache-Control": "max-stale=30"}, SIXTY, 80, Fresh(80),
                     id="5.2.1.2-max-stale-accepts"),
        pytest.param({"Cache-Control": "max-stale=10"}, SIXTY, 80, Stale(80, False, False),
                     id="5.2.1.2-max-stale-too-small"),
        pytest.param({"Cache-Control": "max-stale"}, SIXTY, 10**6, Fresh(10**6),
                     id="5.2.1.2-max-stale-any"),
        pytest.param({"Cache-Control": "max-stale"}, Storage(60.0, must_revalidate=True), 80,
                     Stale(80, False, False), id="5.2.2.2-must-revalidate-beats-max-stale"),
        pytest.param({}, GRACE, 75, Stale(75, True, True), id="rfc5861-inside-both-windows"),
        pytest.param({}, GRACE, 100, Stale(100, False, True), id="rfc5861-swr-over"),
        pytest.param({}, GRACE, 400, Stale(400, False, False), id="rfc5861-sie-over"),
        pytest.param({"Cache-Control": "max-age=0"}, GRACE, 75, Stale(75, False, True),
                     id="rfc5861-client-max-age-disables-swr"),
        pytest.param({}, Storage(60.0, 30.0, 300.0, must_revalidate=True), 75,
                     Stale(75, False, False), id="5.2.2.2-must-revalidate-no-grace"),
    ],
)
def test_rfc9111_freshness(headers, storage, age, expected):
    assert RFC9111.freshness(request(**headers), storage, age) == expected


def test_rfc9111_only_if_cached():
    """RFC 9111 §5.2.1.7."""
    assert RFC9111.only_if_cached(request(Cache_Control="only-if-cached"))
    assert not RFC9111.only_if_cached(PLAIN)
