"""Whether and how the RFC 9111 semantics stores a response: §3 storability, §4.2 freshness
lifetime and heuristics, RFC 9213 `CDN-Cache-Control`, RFC 5861 directives."""

import pytest
from multidict import CIMultiDict

from edge.http.dates import format_http_date
from edge.http.message import RequestHead
from edge.http.semantics import RFC9111, Storage
from edge.managed_policies import MANAGED_CACHE_POLICIES

NOW = 1_700_000_000.0
DATE = format_http_date(NOW)
DAY = 86400.0
POLICY = MANAGED_CACHE_POLICIES["CachingOptimized"]  # must not matter


def store(status=200, response=None, method="GET", **request_headers):
    req = RequestHead(method, "/a", "",
                      CIMultiDict((k.replace("_", "-"), v) for k, v in request_headers.items()))
    return RFC9111.storage(req, status, CIMultiDict(response or {}), POLICY, 10, NOW)


@pytest.mark.parametrize(
    ("status", "response", "expected_ttl"),
    [
        pytest.param(200, {"Cache-Control": "max-age=60"}, 60, id="4.2.1-max-age"),
        pytest.param(200, {"Cache-Control": "max-age=60, s-maxage=600"}, 600,
                     id="4.2.1-s-maxage-first-in-shared-cache"),
        pytest.param(200, {"Expires": format_http_date(NOW + 120), "Date": DATE}, 120,
                     id="4.2.1-expires-minus-date"),
        pytest.param(200, {"Expires": format_http_date(NOW + 120),
                           "Date": format_http_date(NOW - 30)}, 150,
                     id="4.2.1-expires-minus-origin-date"),
        pytest.param(200, {"Expires": "0", "Date": DATE}, 0, id="5.3-invalid-expires-stale"),
        pytest.param(200, {"Cache-Control": "max-age=60", "Expires": "0"}, 60,
                     id="5.3-max-age-beats-expires"),
        pytest.param(200, {"Date": DATE, "Last-Modified": format_http_date(NOW - 1000)}, 100,
                     id="4.2.2-heuristic-10-percent"),
        pytest.param(200, {"Date": DATE, "Last-Modified": format_http_date(NOW - 100 * DAY)},
                     DAY, id="4.2.2-heuristic-capped-at-a-day"),
        pytest.param(404, {"Date": DATE}, 0, id="4.2.2-heuristically-cacheable-no-validator"),
        pytest.param(302, {"Cache-Control": "public", "Date": DATE,
                           "Last-Modified": format_http_date(NOW - 1000)}, 100,
                     id="4.2.2-public-allows-heuristics"),
        pytest.param(302, {"Cache-Control": "max-age=60"}, 60, id="3-explicit-302"),
        pytest.param(200, {"Cache-Control": "no-cache, max-age=60"}, 0,
                     id="5.2.2.4-no-cache-stored-revalidated"),
        pytest.param(200, {"Cache-Control": "no-store", "CDN-Cache-Control": "max-age=30"}, 30,
                     id="rfc9213-2.1-targeted-field-replaces-cache-control"),
        pytest.param(200, {"Cache-Control": "max-age=60", "CDN-Cache-Control": "max-age=600"},
                     600, id="rfc9213-2.1-cdn-cache-control-wins"),
        pytest.param(200, {"Expires": format_http_date(NOW + 120), "Date": DATE,
                           "CDN-Cache-Control": "public", "Last-Modified": DATE}, 0,
                     id="rfc9213-2.1-expires-ignored-too"),
    ],
)
def test_rfc9111_stored_with_lifetime(status, response, expected_ttl):
    storage = store(status, response)
    assert storage is not None
    assert storage.ttl == expected_ttl


@pytest.mark.parametrize(
    ("status", "response", "method", "request_headers"),
    [
        pytest.param(200, {"Cache-Control": "no-store, max-age=60"}, "GET", {},
                     id="3-response-no-store"),
        pytest.param(200, {"Cache-Control": "max-age=60"}, "GET", {"Cache_Control": "no-store"},
                     id="3-request-no-store"),
        pytest.param(200, {"Cache-Control": "private, max-age=60"}, "GET", {},
                     id="3-private-in-shared-cache"),
        pytest.param(200, {"Cache-Control": 'private="X-Id", max-age=60'}, "GET", {},
                     id="5.2.2.7-qualified-private-treated-as-private"),
        pytest.param(200, {"Cache-Control": "max-age=60", "CDN-Cache-Control": "no-store"},
                     "GET", {}, id="rfc9213-no-store-in-targeted-field"),
        pytest.param(200, {"Cache-Control": "max-age=60"}, "GET", {"Authorization": "Basic x"},
                     id="3.5-authorization-without-permission"),
        pytest.param(302, {}, "GET", {}, id="3-no-explicit-not-heuristic-status"),
        pytest.param(206, {"Cache-Control": "max-age=60"}, "GET", {}, id="206-not-stored"),
        pytest.param(304, {"Cache-Control": "max-age=60"}, "GET", {}, id="304-not-stored"),
        pytest.param(200, {"Cache-Control": "max-age=60"}, "POST", {}, id="3-method"),
        pytest.param(200, {"Cache-Control": "max-age=60"}, "OPTIONS", {}, id="3-options"),
        pytest.param(200, {"Cache-Control": "max-age=60", "Vary": "*"}, "GET", {},
                     id="4.1-vary-star-could-never-match"),
    ],
)
def test_rfc9111_not_stored(status, response, method, request_headers):
    assert store(status, response, method, **request_headers) is None


@pytest.mark.parametrize(
    "directive",
    [pytest.param("public", id="public"), pytest.param("s-maxage=60", id="s-maxage"),
     pytest.param("must-revalidate", id="must-revalidate")],
)
def test_rfc9111_authorization_allowed_by(directive):
    """RFC 9111 §3.5."""
    response = {"Cache-Control": f"max-age=60, {directive}"}
    assert store(200, response, Authorization="Basic x") is not None


@pytest.mark.parametrize(
    ("cache_control", "must_revalidate"),
    [
        pytest.param("max-age=60", False, id="plain"),
        pytest.param("max-age=60, must-revalidate", True, id="5.2.2.2-must-revalidate"),
        pytest.param("max-age=60, proxy-revalidate", True, id="5.2.2.8-proxy-revalidate"),
        pytest.param("s-maxage=60", True, id="5.2.2.10-s-maxage"),
        pytest.param("no-cache", True, id="5.2.2.4-no-cache"),
    ],
)
def test_rfc9111_must_revalidate(cache_control, must_revalidate):
    storage = store(200, {"Cache-Control": cache_control})
    assert storage is not None and storage.must_revalidate == must_revalidate


def test_rfc9111_grace_windows_and_no_policy_ttls():
    """RFC 5861; policy TTLs and ErrorCachingMinTTL do not apply."""
    storage = store(503, {"Cache-Control": "max-age=5, stale-while-revalidate=20, "
                                           "stale-if-error=100"})
    assert storage == Storage(5.0, stale_while_revalidate=20.0, stale_if_error=100.0)
