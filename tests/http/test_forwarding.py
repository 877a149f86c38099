"""Headers and query strings on the way to the parent tier / origin (spec §4.6), cookie
forwarding (§4.9), and idempotence across the PoP → regional cache hop."""

import pytest
from multidict import CIMultiDict

from edge.config import Behavior, CachePolicy, KeyParameters, OriginRequestPolicy
from edge.http.forwarding import cookies_forwarded, forwarded_query, forwarded_request_headers
from edge.http.message import RequestHead
from edge.managed_policies import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES

VIA = "1.1 0123456789abcdef0123456789abcdef.cloudfront.net (CloudFront)"
CF_ID = "req-id-1=="
CLIENT = "203.0.113.7"


def behavior(cache_policy="CachingOptimized", origin_request_policy=None):
    cp = (cache_policy if isinstance(cache_policy, CachePolicy)
          else MANAGED_CACHE_POLICIES[cache_policy])
    orp = (MANAGED_ORIGIN_REQUEST_POLICIES[origin_request_policy]
           if isinstance(origin_request_policy, str) else origin_request_policy)
    return Behavior("*", "origin", cp, orp)


VIEWER_HEADERS = [
    ("Host", "d111.cloudfront.example"),
    ("User-Agent", "Mozilla/5.0"),
    ("Accept", "text/html"),
    ("Accept-Charset", "utf-8"),
    ("Accept-Language", "en-US"),
    ("Accept-Encoding", "gzip, deflate, br"),
    ("Authorization", "Bearer token"),
    ("Referer", "https://example.com/"),
    ("Expect", "100-continue"),
    ("Connection", "keep-alive, X-Hop"),
    ("X-Hop", "1"),
    ("Keep-Alive", "timeout=5"),
    ("TE", "trailers"),
    ("Trailer", "X-Checksum"),
    ("Transfer-Encoding", "chunked"),
    ("Upgrade", "websocket"),
    ("Proxy-Authorization", "Basic x"),
    ("X-Forwarded-Proto", "https"),
    ("X-Real-IP", "1.2.3.4"),
    ("X-HTTP-Method-Override", "DELETE"),
    ("X-Edge-Whatever", "1"),
    ("X-Custom", "mine"),
    ("Cookie", "b=2; a=1"),
    ("Cache-Control", "no-cache"),
    ("Pragma", "no-cache"),
    ("Content-Type", "application/json"),
    ("Content-Length", "12"),
    ("If-None-Match", '"v1"'),
    ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("Range", "bytes=0-9"),
    ("Origin", "https://example.com"),
    ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("From", "bot@example.com"),
    ("Warning", "199 - x"),
    ("CloudFront-Viewer-Country", "JP"),
    ("X-Forwarded-For", "198.51.100.1"),
    ("Via", "1.1 corporate-proxy"),
]


def viewer(method="GET", query="", headers=VIEWER_HEADERS):
    return RequestHead(method, "/a", query, CIMultiDict(headers))


def forward(b, request=None, semantics="cloudfront", client_ip=CLIENT):
    return forwarded_request_headers(request or viewer(), b, client_ip=client_ip,
                                     request_id=CF_ID, via=VIA, semantics=semantics)


EXPECTED_CACHING_OPTIMIZED = CIMultiDict([
    ("Cache-Control", "no-cache"),
    ("Pragma", "no-cache"),
    ("Content-Type", "application/json"),
    ("Content-Length", "12"),
    ("If-None-Match", '"v1"'),
    ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("Range", "bytes=0-9"),
    ("Origin", "https://example.com"),
    ("Date", "Sun, 06 Nov 1994 08:49:37 GMT"),
    ("From", "bot@example.com"),
    ("Warning", "199 - x"),
    ("Accept-Encoding", "br,gzip"),
    ("User-Agent", "Amazon CloudFront"),
    ("X-Forwarded-For", f"198.51.100.1, {CLIENT}"),
    ("Via", f"1.1 corporate-proxy, {VIA}"),
    ("X-Amz-Cf-Id", CF_ID),
])


def test_cloudfront_default_table():
    """spec §4.6, every row: removed, normalised, replaced, appended, added, forwarded.

    Host, Cookie, Authorization, custom and CloudFront-* headers are absent because no policy
    names them; hop-by-hop headers (and what Connection lists) never travel.
    """
    assert forward(behavior()) == EXPECTED_CACHING_OPTIMIZED


@pytest.mark.parametrize(
    ("b", "name", "value"),
    [
        pytest.param(behavior("UseOriginCacheControlHeaders"), "Host",
                     "d111.cloudfront.example", id="host-in-cache-key"),
        pytest.param(behavior("UseOriginCacheControlHeaders"), "Cookie", "a=1; b=2",
                     id="spec-4.2-all-cookies-sorted"),
        pytest.param(behavior("Amplify"), "Authorization", "Bearer token",
                     id="spec-4.6-authorization-in-cache-key"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "Authorization",
                     "Bearer token", id="spec-4.6-authorization-all-viewer"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "User-Agent", "Mozilla/5.0",
                     id="user-agent-forwarded-not-replaced"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "X-Custom", "mine",
                     id="custom-header-all-viewer"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "Accept-Language", "en-US",
                     id="accept-language-all-viewer"),
        pytest.param(behavior("CachingOptimized", "AllViewerAndCloudFrontHeaders-2022-06"),
                     "CloudFront-Viewer-Country", "JP", id="cloudfront-header-listed"),
        pytest.param(behavior("CachingOptimized", "AllViewerExceptHostHeader"), "Referer",
                     "https://example.com/", id="all-except"),
        pytest.param(behavior("CachingOptimized", "UserAgentRefererHeaders"), "Referer",
                     "https://example.com/", id="origin-request-policy-whitelist"),
    ],
)
def test_cloudfront_policies_add_headers(b, name, value):
    assert forward(b).getall(name) == [value]


def test_accept_encoding_is_an_ordinary_header_when_no_encoding_is_keyed():
    """CloudFront "Cache compressed objects", both disabled: forwarded only when named."""
    assert "Accept-Encoding" not in forward(behavior("CachingDisabled"))
    all_viewer = forward(behavior("CachingDisabled", "AllViewer"))
    assert all_viewer.getall("Accept-Encoding") == ["gzip, deflate, br"]


@pytest.mark.parametrize(
    ("b", "name"),
    [
        pytest.param(behavior("CachingOptimized", "AllViewer"), "CloudFront-Viewer-Country",
                     id="cloudfront-headers-are-not-viewer-headers"),
        pytest.param(behavior("CachingOptimized", "AllViewerExceptHostHeader"), "Host",
                     id="spec-4.2-allExcept-host-sends-origin-domain"),
        pytest.param(behavior("CachingOptimized", OriginRequestPolicy(
            "auth", KeyParameters("whitelist", ("authorization",)))), "Authorization",
                     id="spec-4.6-authorization-cannot-be-whitelisted-alone"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "X-Forwarded-Proto",
                     id="removed-even-with-all-viewer"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "X-Hop",
                     id="connection-listed-never-forwarded"),
        pytest.param(behavior("CachingOptimized", "AllViewer"), "Proxy-Authorization",
                     id="proxy-headers-never-forwarded"),
    ],
)
def test_cloudfront_headers_never_forwarded_by_these_policies(b, name):
    assert name not in forward(b)


def test_accept_encoding_without_gzip_or_br_becomes_identity():
    """CloudFront "Cache compressed objects": identity upstream, nothing in the key."""
    request = viewer(headers=[("Accept-Encoding", "deflate")])
    assert forward(behavior(), request)["Accept-Encoding"] == "identity"


def test_accept_encoding_absent_stays_absent():
    assert "Accept-Encoding" not in forward(behavior(), viewer(headers=[]))


def test_cookies_whitelisted_in_either_policy_are_forwarded_sorted():
    """spec §4.2: forwarded cookies are sorted by name; others are dropped."""
    b = behavior(
        CachePolicy("c", cookies=KeyParameters("whitelist", ("z",))),
        OriginRequestPolicy("o", cookies=KeyParameters("whitelist", ("a",))),
    )
    request = viewer(headers=[("Cookie", "z=26; m=13"), ("Cookie", "a=1")])
    assert forward(b, request).getall("Cookie") == ["a=1; z=26"]
    assert cookies_forwarded(b)
    assert not cookies_forwarded(behavior())


def test_x_forwarded_for_created_when_absent():
    assert forward(behavior(), viewer(headers=[]))["X-Forwarded-For"] == CLIENT


@pytest.mark.parametrize(
    ("b", "semantics"),
    [
        pytest.param(behavior(), "cloudfront", id="caching-optimized"),
        pytest.param(behavior("UseOriginCacheControlHeaders-QueryStrings"), "cloudfront",
                     id="use-origin-cache-control"),
        pytest.param(behavior("CachingDisabled", "AllViewer"), "cloudfront", id="all-viewer"),
        pytest.param(behavior("Amplify", "AllViewerAndCloudFrontHeaders-2022-06"),
                     "cloudfront", id="amplify-cloudfront-headers"),
        pytest.param(behavior(), "rfc9111", id="rfc9111"),
    ],
)
def test_forwarding_twice_equals_forwarding_once(b, semantics):
    """The regional cache re-applies the PoP's rules to what the PoP sent (task contract)."""
    once = forward(b, semantics=semantics)
    last_hop = once["X-Forwarded-For"].split(",")[-1].strip()
    pop_to_rec = RequestHead("GET", "/a", "", CIMultiDict(once))
    twice = forward(b, pop_to_rec, semantics=semantics, client_ip=last_hop)
    assert list(twice.items()) == list(once.items())


def test_rfc9111_forwards_end_to_end_headers_unchanged():
    headers = forward(behavior(), semantics="rfc9111")
    hop_by_hop = {"connection", "x-hop", "keep-alive", "te", "trailer", "transfer-encoding",
                  "upgrade", "proxy-authorization"}
    rebuilt = {"host", "x-forwarded-for", "via"}
    expected = [(n, v) for n, v in VIEWER_HEADERS if n.lower() not in hop_by_hop | rebuilt]
    assert list(headers.items()) == [
        *expected,
        ("X-Forwarded-For", f"198.51.100.1, {CLIENT}"),
        ("Via", f"1.1 corporate-proxy, {VIA}"),
        ("X-Amz-Cf-Id", CF_ID),
    ]


@pytest.mark.parametrize(
    ("b", "semantics", "expected"),
    [
        pytest.param(behavior(), "cloudfront", "", id="caching-optimized-none"),
        pytest.param(behavior("Amplify"), "cloudfront", "b=2&a=1&utm=x&A=3",
                     id="all-order-and-case-kept"),
        pytest.param(behavior(CachePolicy("c", query_strings=KeyParameters("whitelist", ("a",))),
                              OriginRequestPolicy("o", query_strings=KeyParameters(
                                  "allExcept", ("utm", "a")))),
                     "cloudfront", "b=2&a=1&A=3", id="union-of-both-policies"),
        pytest.param(behavior(), "rfc9111", "b=2&a=1&utm=x&A=3", id="rfc9111-all"),
    ],
)
def test_forwarded_query(b, semantics, expected):
    assert forwarded_query(viewer(query="b=2&a=1&utm=x&A=3"), b, semantics) == expected
