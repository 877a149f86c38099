"""Which `CloudFront-*` headers a behavior's policies name (spec §5.2): those, and only those,
are added to the request after the viewer-request function."""

from edge.config import Behavior, CachePolicy, KeyParameters, OriginRequestPolicy
from edge.http.forwarding import cloudfront_headers_named
from edge.managed_policies import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES

NONE = KeyParameters()


def behavior(cache_headers=NONE, origin_headers=None):
    orp = None if origin_headers is None else OriginRequestPolicy("orp", origin_headers)
    return Behavior("*", "origin", CachePolicy("cp", headers=cache_headers), orp)


def test_no_policy_naming_them_names_none():
    assert cloudfront_headers_named(behavior()) == frozenset()
    # "All viewer headers" never covers headers CloudFront makes itself.
    assert cloudfront_headers_named(behavior(origin_headers=KeyParameters("allViewer"))) == \
        frozenset()


def test_the_cache_policy_and_the_origin_request_policy_both_name_them():
    named = cloudfront_headers_named(behavior(
        KeyParameters("whitelist", ("cloudfront-viewer-country", "origin")),
        KeyParameters("whitelist", ("cloudfront-is-mobile-viewer", "x-custom")),
    ))
    assert named == {"cloudfront-viewer-country", "cloudfront-is-mobile-viewer"}


def test_all_except_names_no_cloudfront_header():
    excepted = KeyParameters("allExcept", ("cloudfront-viewer-country",))
    assert cloudfront_headers_named(behavior(origin_headers=excepted)) == frozenset()


def test_the_managed_all_viewer_and_cloudfront_policy_names_every_location_header():
    named = cloudfront_headers_named(Behavior(
        "*", "origin", MANAGED_CACHE_POLICIES["CachingDisabled"],
        MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerAndCloudFrontHeaders-2022-06"]))
    assert {"cloudfront-viewer-country", "cloudfront-viewer-city", "cloudfront-viewer-address",
            "cloudfront-viewer-asn", "cloudfront-is-desktop-viewer",
            "cloudfront-forwarded-proto"} <= named
    assert all(name.startswith("cloudfront-") for name in named)
