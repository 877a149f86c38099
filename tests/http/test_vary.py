"""`Vary` in both semantics: CloudFront's viewer filtering (spec §4.9) and RFC 9111 variant
selection (§4.1)."""

import pytest
from multidict import CIMultiDict

from edge.config import Behavior, CachePolicy, KeyParameters, OriginRequestPolicy
from edge.http.forwarding import viewer_vary
from edge.http.semantics import CLOUDFRONT, RFC9111
from edge.managed_policies import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES


def behavior(cache_policy="CachingOptimized", origin_request_policy=None):
    cp = (cache_policy if isinstance(cache_policy, CachePolicy)
          else MANAGED_CACHE_POLICIES[cache_policy])
    orp = (MANAGED_ORIGIN_REQUEST_POLICIES[origin_request_policy]
           if isinstance(origin_request_policy, str) else origin_request_policy)
    return Behavior("*", "origin", cp, orp)


@pytest.mark.parametrize(
    ("vary", "b", "expected"),
    [
        pytest.param("Accept-Encoding", behavior(), "Accept-Encoding",
                     id="accept-encoding-kept"),
        pytest.param("Accept-Encoding, Accept-Language, X-Foo", behavior(), "Accept-Encoding",
                     id="unforwarded-names-stripped"),
        pytest.param("Accept-Language", behavior(), None, id="nothing-left-is-None"),
        pytest.param(None, behavior(), None, id="absent"),
        pytest.param("*", behavior("CachingOptimized", "AllViewer"), None, id="star-stripped"),
        pytest.param("Cookie", behavior(), None, id="cookie-stripped-without-cookies"),
        pytest.param("Cookie", behavior("Amplify"), "Cookie",
                     id="cookie-kept-with-cookies-forwarded"),
        pytest.param("Origin, Accept-Encoding", behavior("UseOriginCacheControlHeaders"),
                     "Origin, Accept-Encoding", id="cache-policy-header-kept"),
        pytest.param("Referer, user-agent", behavior("CachingOptimized",
                                                     "UserAgentRefererHeaders"),
                     "Referer, user-agent", id="origin-request-policy-headers-kept"),
        pytest.param("X-Anything", behavior("CachingOptimized", "AllViewer"), "X-Anything",
                     id="all-viewer-headers-kept"),
        pytest.param("User-Agent", behavior(
            CachePolicy("devices", headers=KeyParameters(
                "whitelist", ("cloudfront-is-mobile-viewer",)))), "User-Agent",
                     id="user-agent-with-device-headers"),
        pytest.param("User-Agent", behavior(), None, id="user-agent-without-device-headers"),
        pytest.param("Accept-Encoding, accept-encoding", behavior(), "Accept-Encoding",
                     id="duplicates-collapsed"),
    ],
)
def test_cloudfront_viewer_vary(vary, b, expected):
    assert viewer_vary(vary, b) == expected


def test_cloudfront_variant_key_ignores_vary():
    """The cache policy, not Vary, decides CloudFront's key."""
    assert CLOUDFRONT.variant_key("Accept-Language", CIMultiDict({"Accept-Language": "x"})) == ""
    assert CLOUDFRONT.variant_key("*", CIMultiDict()) == ""


@pytest.mark.parametrize(
    ("vary", "one", "other", "same"),
    [
        pytest.param("Accept-Language", {"Accept-Language": "en"}, {"Accept-Language": "fr"},
                     False, id="different-values-differ"),
        pytest.param("Accept-Language", {"Accept-Language": "en,  fr"},
                     {"Accept-Language": "en ,fr"}, True, id="rfc9111-4.1-whitespace-normalised"),
        pytest.param("Accept-Language", [("Accept-Language", "en"), ("Accept-Language", "fr")],
                     {"Accept-Language": "en, fr"}, True, id="rfc9111-4.1-lines-combined"),
        pytest.param("Accept-Language", {}, {"Accept-Language": ""}, False,
                     id="rfc9111-4.1-absent-only-matches-absent"),
        pytest.param("accept-language, X-A", {"X-A": "1", "Accept-Language": "en"},
                     {"accept-language": "en", "x-a": "1"}, True,
                     id="names-case-insensitive-and-unordered"),
        pytest.param("Accept-Language", {"Accept-Language": "EN"}, {"Accept-Language": "en"},
                     False, id="values-case-sensitive"),
        pytest.param(None, {"Accept-Language": "en"}, {"Accept-Language": "fr"}, True,
                     id="no-vary-one-variant"),
    ],
)
def test_rfc9111_variant_keys(vary, one, other, same):
    a = RFC9111.variant_key(vary, CIMultiDict(one))
    b = RFC9111.variant_key(vary, CIMultiDict(other))
    assert a is not None and b is not None
    assert (a == b) == same


def test_rfc9111_vary_star_never_matches():
    """RFC 9111 §4.1: `Vary: *` always fails to match."""
    assert RFC9111.variant_key("Accept, *", CIMultiDict()) is None


def test_vary_only_for_origin_request_policy_names_without_any_policy():
    b = behavior("CachingOptimized", OriginRequestPolicy("none"))
    assert viewer_vary("Origin", b) is None
