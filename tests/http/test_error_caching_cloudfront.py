"""CloudFront error caching (spec §6.3): which origin errors are stored, and for how long."""

import pytest
from multidict import CIMultiDict

from edge.http.dates import format_http_date
from edge.http.message import RequestHead
from edge.http.semantics import CLOUDFRONT
from edge.managed_policies import MANAGED_CACHE_POLICIES

NOW = 1_700_000_000.0
GET = RequestHead("GET", "/missing", "", CIMultiDict())
OPTIMIZED = MANAGED_CACHE_POLICIES["CachingOptimized"]


@pytest.mark.parametrize(
    ("status", "headers", "error_caching_min_ttl", "expected"),
    [
        # Always cached: max(ErrorCachingMinTTL, origin max-age/s-maxage/Expires).
        pytest.param(404, {}, None, 10, id="404-default-min-ttl-10"),
        pytest.param(404, {"Cache-Control": "max-age=60"}, None, 60, id="404-max-age-longer"),
        pytest.param(404, {"Cache-Control": "max-age=5"}, 10, 10, id="404-min-ttl-longer"),
        pytest.param(404, {"Cache-Control": "s-maxage=90, max-age=5"}, 10, 90,
                     id="404-s-maxage"),
        pytest.param(503, {"Expires": format_http_date(NOW + 30)}, None, 30, id="503-expires"),
        pytest.param(500, {}, 300, 300, id="500-configured-min-ttl"),
        pytest.param(500, {"Cache-Control": "no-store"}, None, 10,
                     id="500-no-store-still-cached-for-min-ttl"),
        pytest.param(404, {}, 0, None, id="404-min-ttl-0-and-no-headers-not-cached"),
        *(pytest.param(s, {}, None, 10, id=f"{s}-always") for s in (414, 501, 502, 504)),
        # Cached only with max-age / s-maxage.
        pytest.param(403, {}, None, None, id="403-without-max-age"),
        pytest.param(403, {"Expires": format_http_date(NOW + 60)}, None, None,
                     id="403-expires-is-not-enough"),
        pytest.param(403, {"Cache-Control": "max-age=60"}, None, 60, id="403-max-age"),
        pytest.param(403, {"Cache-Control": "s-maxage=5"}, None, 10, id="403-s-maxage-min-ttl"),
        *(pytest.param(s, {"Cache-Control": "max-age=30"}, None, 30, id=f"{s}-with-max-age")
          for s in (400, 405, 412, 415)),
        # Never cached.
        pytest.param(416, {"Cache-Control": "max-age=60"}, None, None, id="416-never"),
        *(pytest.param(s, {"Cache-Control": "max-age=60"}, None, None, id=f"{s}-never")
          for s in (401, 409, 429, 505)),
    ],
)
def test_error_caching(status, headers, error_caching_min_ttl, expected):
    storage = CLOUDFRONT.storage(GET, status, CIMultiDict(headers), OPTIMIZED,
                                 error_caching_min_ttl, NOW)
    if expected is None:
        assert storage is None
    else:
        assert storage is not None
        assert storage.ttl == expected
        assert storage.stale_if_error == 0  # a stale error never covers for a new one


def test_errors_are_cached_even_when_the_policy_disables_caching():
    """spec §6.3: ErrorCachingMinTTL is a distribution setting, not the cache policy's."""
    disabled = MANAGED_CACHE_POLICIES["CachingDisabled"]
    storage = CLOUDFRONT.storage(GET, 502, CIMultiDict(), disabled, None, NOW)
    assert storage is not None and storage.ttl == 10


def test_errors_to_uncached_methods_are_not_stored():
    post = RequestHead("POST", "/missing", "", CIMultiDict())
    assert CLOUDFRONT.storage(post, 404, CIMultiDict(), OPTIMIZED, None, NOW) is None
