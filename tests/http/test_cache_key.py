"""Cache key composition in both semantics (spec §4.2 key semantics; RFC 9111 §2, §4.1)."""

import pytest
from multidict import CIMultiDict

from edge.config import CachePolicy, KeyParameters
from edge.http.message import RequestHead
from edge.http.semantics import CLOUDFRONT, RFC9111, cache_key_uri
from edge.managed_policies import MANAGED_CACHE_POLICIES


def request(method="GET", path="/a", query="", **headers):
    return RequestHead(method, path, query,
                       CIMultiDict((k.replace("_", "-"), v) for k, v in headers.items()))


def policy(**key_params):
    return CachePolicy("custom", **key_params)


@pytest.mark.parametrize(
    ("query_strings", "query", "expected"),
    [
        pytest.param(KeyParameters(), "b=2&a=1", "GET /a", id="none"),
        pytest.param(KeyParameters("all"), "b=2&a=1", "GET /a?b=2&a=1", id="all-order-kept"),
        pytest.param(KeyParameters("all"), "A=1", "GET /a?A=1", id="all-case-kept"),
        pytest.param(KeyParameters("whitelist", ("a", "c")), "b=2&a=1&c=3&a=0",
                     "GET /a?a=1&c=3&a=0", id="whitelist-in-request-order"),
        pytest.param(KeyParameters("whitelist", ("a",)), "A=1", "GET /a",
                     id="whitelist-names-case-sensitive"),
        pytest.param(KeyParameters("allExcept", ("utm",)), "utm=x&id=7", "GET /a?id=7",
                     id="allExcept"),
        pytest.param(KeyParameters("whitelist", ("a",)), "a=1;b=2", "GET /a?a=1;b=2",
                     id="only-ampersand-delimits"),
        pytest.param(KeyParameters("all"), "a=1&&b=2&", "GET /a?a=1&b=2",
                     id="empty-pieces-dropped"),
        pytest.param(KeyParameters("whitelist", ("a",)), "b=1", "GET /a",
                     id="nothing-selected-no-question-mark"),
    ],
)
def test_cloudfront_key_query_strings(query_strings, query, expected):
    """spec §4.2: query-string order and case matter; only `&` delimits."""
    key = CLOUDFRONT.cache_key(request(query=query), policy(query_strings=query_strings))
    assert key == expected


def test_cloudfront_key_headers_names_case_insensitive_values_as_is():
    """spec §4.2: header names case-insensitive, values case-sensitive."""
    p = policy(headers=KeyParameters("whitelist", ("accept-language", "host", "x-absent")))
    one = CLOUDFRONT.cache_key(request(Host="Example.com", ACCEPT_LANGUAGE="en-US"), p)
    assert one == 'GET /a | headers accept-language="en-US" host="Example.com"'
    other = CLOUDFRONT.cache_key(request(host="example.com", accept_language="en-US"), p)
    assert other != one
    unkeyed = CLOUDFRONT.cache_key(request(Host="Example.com", ACCEPT_LANGUAGE="en-US",
                                           Referer="x"), p)
    assert unkeyed == one


def test_cloudfront_key_header_values_are_quoted_so_keys_cannot_collide():
    p = policy(headers=KeyParameters("whitelist", ("x-a", "x-b")))
    tricky = CLOUDFRONT.cache_key(request(X_A='1" x-b="2'), p)
    plain = CLOUDFRONT.cache_key(request(X_A="1", X_B="2"), p)
    assert tricky != plain


@pytest.mark.parametrize(
    ("cookies", "cookie_header", "expected_part"),
    [
        pytest.param(KeyParameters("all"), "b=2; a=1", 'cookies a="1" b="2"',
                     id="spec-4.2-sorted-by-name"),
        pytest.param(KeyParameters("whitelist", ("session",)), "theme=dark; session=abc",
                     'cookies session="abc"', id="whitelist"),
        pytest.param(KeyParameters("whitelist", ("session",)), "Session=abc", None,
                     id="names-case-sensitive"),
        pytest.param(KeyParameters("allExcept", ("tracking",)), "tracking=1; id=9",
                     'cookies id="9"', id="allExcept"),
        pytest.param(KeyParameters(), "id=9", None, id="none"),
    ],
)
def test_cloudfront_key_cookies(cookies, cookie_header, expected_part):
    key = CLOUDFRONT.cache_key(request(Cookie=cookie_header), policy(cookies=cookies))
    assert key == ("GET /a" if expected_part is None else f"GET /a | {expected_part}")


@pytest.mark.parametrize(
    ("gzip", "br", "accept_encoding", "expected"),
    [
        pytest.param(True, True, "gzip, deflate, br", "br,gzip", id="both"),
        pytest.param(True, True, "gzip", "gzip", id="gzip-only-viewer"),
        pytest.param(True, True, "br;q=1.0, *;q=0.1", "br", id="br-only-viewer"),
        pytest.param(True, True, "deflate", None, id="neither-not-keyed"),
        pytest.param(True, True, None, None, id="absent-not-keyed"),
        pytest.param(True, True, "gzip;q=0, br", "br", id="q-0-refuses"),
        pytest.param(True, False, "gzip, br", "gzip", id="policy-gzip-only"),
        pytest.param(False, True, "gzip, br", "br", id="policy-br-only"),
        pytest.param(False, False, "gzip, br", None, id="policy-neither"),
    ],
)
def test_cloudfront_key_normalizes_accept_encoding(gzip, br, accept_encoding, expected):
    """CloudFront "Cache compressed objects": the normalised header is keyed."""
    headers = {} if accept_encoding is None else {"Accept_Encoding": accept_encoding}
    p = policy(enable_accept_encoding_gzip=gzip, enable_accept_encoding_brotli=br)
    key = CLOUDFRONT.cache_key(request(**headers), p)
    assert key == ("GET /a" if expected is None else f"GET /a | accept-encoding {expected}")


def test_cloudfront_get_and_head_share_a_key_options_does_not():
    """spec §4.9 / task: GET and HEAD share an object; OPTIONS responses key separately."""
    p = MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert CLOUDFRONT.cache_key(request("HEAD"), p) == CLOUDFRONT.cache_key(request("GET"), p)
    assert CLOUDFRONT.cache_key(request("OPTIONS"), p) == "OPTIONS /a"


def test_cloudfront_key_with_everything_is_readable():
    p = MANAGED_CACHE_POLICIES["Amplify"]
    key = CLOUDFRONT.cache_key(
        request(path="/app.js", query="v=2", Host="example.com", Cookie="b=2; a=1",
                Accept_Encoding="gzip, br", Authorization="Bearer t"), p)
    assert key == ('GET /app.js?v=2 | headers authorization="Bearer t" host="example.com" '
                   '| cookies a="1" b="2" | accept-encoding br,gzip')
    assert cache_key_uri(key) == "/app.js?v=2"


def test_rfc9111_key_is_the_uri_and_ignores_the_policy():
    """RFC 9111 §2: the primary key is the method and target URI."""
    p = MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert RFC9111.cache_key(request(query="b=2&a=1", Cookie="x=1"), p) == "GET /a?b=2&a=1"
    assert RFC9111.cache_key(request("HEAD"), p) == RFC9111.cache_key(request("GET"), p)
    assert cache_key_uri(RFC9111.cache_key(request(), p)) == "/a"
