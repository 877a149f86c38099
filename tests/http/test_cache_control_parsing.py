"""Parsing `Cache-Control` (RFC 9111 §5.2) into one value."""

import pytest

from edge.http.cache_control import DELTA_SECONDS_MAX, CacheControl, parse_cache_control


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param([], CacheControl(), id="absent"),
        pytest.param(["max-age=60"], CacheControl(max_age=60), id="max-age"),
        pytest.param(["public, max-age=60", "s-maxage=30"],
                     CacheControl(public=True, max_age=60, s_maxage=30),
                     id="rfc9110-5.3-several-lines-are-one-list"),
        pytest.param(["MAX-AGE=60, No-Store"], CacheControl(max_age=60, no_store=True),
                     id="rfc9111-5.2-names-case-insensitive"),
        pytest.param(['max-age="60"'], CacheControl(max_age=60), id="quoted-number-accepted"),
        pytest.param(['foo="a, max-age=1", max-age=60'], CacheControl(max_age=60),
                     id="comma-inside-quoted-string"),
        pytest.param(["max-age=60, max-age=60"], CacheControl(max_age=60),
                     id="identical-duplicate"),
        pytest.param(["max-age=60, max-age=120"], CacheControl(max_age=0),
                     id="rfc9111-4.2.1-conflicting-duplicate-is-stale"),
        pytest.param(["max-age=60", "max-age=120"], CacheControl(max_age=0),
                     id="rfc9111-4.2.1-conflict-across-lines"),
        pytest.param(["s-maxage=ten"], CacheControl(s_maxage=0),
                     id="rfc9111-4.2.1-invalid-freshness-is-stale"),
        pytest.param(["max-age=-1"], CacheControl(max_age=0), id="negative-is-invalid"),
        pytest.param(["max-age=99999999999"], CacheControl(max_age=DELTA_SECONDS_MAX),
                     id="rfc9111-1.2.2-overflow-is-2^31"),
        pytest.param(["max-stale"], CacheControl(max_stale=DELTA_SECONDS_MAX),
                     id="rfc9111-5.2.1.2-max-stale-without-value"),
        pytest.param(["max-stale=30, min-fresh=5"], CacheControl(max_stale=30, min_fresh=5),
                     id="request-directives"),
        pytest.param(["stale-while-revalidate=30, stale-if-error=abc, stale-if-error=60"],
                     CacheControl(stale_while_revalidate=30, stale_if_error=60),
                     id="rfc5861-first-valid-value"),
        pytest.param(['no-cache="Set-Cookie, X-Id"'],
                     CacheControl(no_cache=True, no_cache_fields=("set-cookie", "x-id")),
                     id="rfc9111-5.2.2.4-qualified-no-cache"),
        pytest.param(['private="X-Id"'], CacheControl(private=True, private_fields=("x-id",)),
                     id="rfc9111-5.2.2.7-qualified-private"),
        pytest.param(["must-revalidate, proxy-revalidate, no-transform, immutable, only-if-cached"],
                     CacheControl(must_revalidate=True, proxy_revalidate=True, no_transform=True,
                                  immutable=True, only_if_cached=True), id="flags"),
        pytest.param([", ,max-age=5,, unknown-ext=1, garbage=="],
                     CacheControl(max_age=5), id="empty-elements-and-junk-skipped"),
    ],
)
def test_parse_cache_control(lines, expected):
    assert parse_cache_control(lines) == expected
