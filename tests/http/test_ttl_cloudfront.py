"""CloudFront's TTL algorithm (spec §4.3) for every managed cache policy, through
`CLOUDFRONT.storage`, plus what decides whether a 2xx/3xx is stored at all."""

import math

import pytest
from multidict import CIMultiDict

from edge.config import CachePolicy
from edge.http.dates import format_http_date
from edge.http.message import RequestHead
from edge.http.semantics import CLOUDFRONT, Storage
from edge.managed_policies import MANAGED_CACHE_POLICIES

NOW = 1_700_000_000.0
YEAR = 31536000
GET = RequestHead("GET", "/a", "", CIMultiDict())

POLICIES = (
    "CachingOptimized",
    "CachingOptimizedForUncompressedObjects",
    "CachingDisabled",
    "UseOriginCacheControlHeaders",
    "UseOriginCacheControlHeaders-QueryStrings",
    "Amplify",
)

# origin headers → expected TTL per policy, in the order of POLICIES (None = not stored).
# Bounds: CachingOptimized* 1/86400/1y, CachingDisabled 0/0/0, UseOrigin* 0/0/1y, Amplify 2/2/600.
TTL_TABLE = [
    ("none: max(MinTTL, DefaultTTL)", {},
     (86400, 86400, None, 0, 0, 2)),
    ("max-age: clamped to [MinTTL, MaxTTL]", {"Cache-Control": "max-age=3600"},
     (3600, 3600, None, 3600, 3600, 600)),
    ("s-maxage", {"Cache-Control": "s-maxage=120"},
     (120, 120, None, 120, 120, 120)),
    ("s-maxage beats max-age", {"Cache-Control": "max-age=3600, s-maxage=120"},
     (120, 120, None, 120, 120, 120)),
    ("Expires in the future: Expires - now", {"Expires": format_http_date(NOW + 7200)},
     (7200, 7200, None, 7200, 7200, 600)),
    ("Expires in the past: 0, then MinTTL", {"Expires": format_http_date(NOW - 60)},
     (1, 1, None, 0, 0, 2)),
    ("Expires invalid: 0, then MinTTL", {"Expires": "0"},
     (1, 1, None, 0, 0, 2)),
    ("max-age beats Expires",
     {"Cache-Control": "max-age=30", "Expires": format_http_date(NOW + 7200)},
     (30, 30, None, 30, 30, 30)),
    ("no-cache: MinTTL (0 = not stored)", {"Cache-Control": "no-cache"},
     (1, 1, None, None, None, 2)),
    ("no-store: MinTTL (0 = not stored)", {"Cache-Control": "no-store"},
     (1, 1, None, None, None, 2)),
    ("private: MinTTL (0 = not stored)", {"Cache-Control": "private, max-age=600"},
     (1, 1, None, None, None, 2)),
    ("max-age beyond MaxTTL", {"Cache-Control": "max-age=63072000"},
     (YEAR, YEAR, None, YEAR, YEAR, 600)),
    ("max-age=0 below MinTTL", {"Cache-Control": "max-age=0"},
     (1, 1, None, 0, 0, 2)),
    ("max-age=1 below Amplify's MinTTL", {"Cache-Control": "max-age=1"},
     (1, 1, None, 1, 1, 2)),
]


@pytest.mark.parametrize(
    ("policy_name", "headers", "expected"),
    [
        pytest.param(policy, headers, row[i], id=f"spec-4.3-{policy}-{case}")
        for case, headers, row in TTL_TABLE
        for i, policy in enumerate(POLICIES)
    ],
)
def test_ttl_for_managed_policy(policy_name, headers, expected):
    policy = MANAGED_CACHE_POLICIES[policy_name]
    storage = CLOUDFRONT.storage(GET, 200, CIMultiDict(headers), policy, None, NOW)
    if expected is None:
        assert storage is None
    else:
        assert storage is not None
        assert storage.ttl == expected


@pytest.mark.parametrize(
    "status", [200, 203, 204, 300, 301, 302, 303, 307, 308, 410],
)
def test_2xx_3xx_and_410_use_the_ttl_algorithm(status):
    """spec §4.9: 3xx are cached, not followed; 410 is cached like a 2xx."""
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    storage = CLOUDFRONT.storage(GET, status, CIMultiDict({"Cache-Control": "max-age=60"}),
                                 policy, None, NOW)
    assert storage is not None and storage.ttl == 60


@pytest.mark.parametrize(
    "status",
    [pytest.param(206, id="206-node-stores-whole-objects"), 201, 202, 205, 304, 305],
)
def test_other_2xx_3xx_are_not_stored(status):
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert CLOUDFRONT.storage(GET, status, CIMultiDict({"Cache-Control": "max-age=60"}),
                              policy, None, NOW) is None


@pytest.mark.parametrize(
    ("method", "stored"),
    [("GET", True), ("HEAD", True), ("OPTIONS", True), ("POST", False), ("PUT", False),
     ("DELETE", False), ("PATCH", False)],
)
def test_only_get_head_options_are_stored(method, stored):
    """spec §4.9: GET/HEAD always cacheable, OPTIONS optionally, others never."""
    request = RequestHead(method, "/a", "", CIMultiDict())
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert (CLOUDFRONT.storage(request, 200, CIMultiDict(), policy, None, NOW) is not None) \
        == stored


def test_vary_star_with_min_ttl_0_is_stored_unconditional_with_ttl_0():
    """spec §4.5 last bullet: cached, every request to the origin without If-* headers."""
    policy = MANAGED_CACHE_POLICIES["UseOriginCacheControlHeaders"]
    headers = CIMultiDict({"Vary": "Accept, *", "Cache-Control": "max-age=600"})
    storage = CLOUDFRONT.storage(GET, 200, headers, policy, None, NOW)
    assert storage == Storage(0.0, stale_if_error=math.inf, conditional=False)


def test_vary_star_with_min_ttl_above_0_is_an_ordinary_vary():
    """CloudFront custom-origin "Content negotiation": MinTTL > 0 processes Vary normally."""
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    headers = CIMultiDict({"Vary": "*", "Cache-Control": "max-age=600"})
    storage = CLOUDFRONT.storage(GET, 200, headers, policy, None, NOW)
    assert storage is not None and storage.ttl == 600 and storage.conditional


def test_stale_directives_come_from_the_origin():
    """spec §4.5: stale-while-revalidate / stale-if-error honoured from Cache-Control."""
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    headers = CIMultiDict({"Cache-Control": "max-age=60, stale-while-revalidate=30, "
                                            "stale-if-error=300"})
    assert CLOUDFRONT.storage(GET, 200, headers, policy, None, NOW) == Storage(
        60.0, stale_while_revalidate=30.0, stale_if_error=300.0)


def test_stale_if_error_is_unbounded_without_the_directive():
    """spec §4.5 second bullet: after a 5xx/timeout the expired copy is served anyway."""
    policy = MANAGED_CACHE_POLICIES["CachingOptimized"]
    storage = CLOUDFRONT.storage(GET, 200, CIMultiDict(), policy, None, NOW)
    assert storage is not None and storage.stale_if_error == math.inf


def test_custom_policy_without_cache_control_uses_default_ttl_unclamped():
    """spec §4.3: MaxTTL only matters when the origin sent Cache-Control/Expires."""
    policy = CachePolicy("custom", min_ttl=0, default_ttl=900, max_ttl=60)
    storage = CLOUDFRONT.storage(GET, 200, CIMultiDict(), policy, None, NOW)
    assert storage is not None and storage.ttl == 900
