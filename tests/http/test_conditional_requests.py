"""Conditional requests: upstream revalidation (RFC 9111 §4.3) and viewer preconditions
evaluated against the cached copy (RFC 9110 §13)."""

import pytest
from multidict import CIMultiDict

from edge.http.conditional import (
    NOT_MODIFIED_HEADERS,
    freshened_headers,
    if_range_allows,
    not_modified,
    revalidation_headers,
)
from edge.http.dates import format_http_date

NOW = 1_700_000_000.0
MODIFIED = format_http_date(NOW - 3600)
STORED = CIMultiDict({"ETag": '"v1"', "Last-Modified": MODIFIED, "Date": format_http_date(NOW),
                      "Content-Length": "10", "Cache-Control": "max-age=60"})


def test_revalidation_headers_from_stored_validators():
    """RFC 9111 §4.3.1."""
    assert revalidation_headers(STORED) == {"If-None-Match": '"v1"',
                                            "If-Modified-Since": MODIFIED}
    assert revalidation_headers(CIMultiDict({"ETag": 'W/"x"'})) == {"If-None-Match": 'W/"x"'}
    assert revalidation_headers(CIMultiDict()) == {}


@pytest.mark.parametrize(
    ("request_headers", "stored", "expected"),
    [
        pytest.param({"If-None-Match": '"v1"'}, STORED, True, id="13.1.2-match"),
        pytest.param({"If-None-Match": 'W/"v1"'}, STORED, True, id="8.8.3.2-weak-comparison"),
        pytest.param({"If-None-Match": '"v0", "v1"'}, STORED, True, id="13.1.2-list"),
        pytest.param({"If-None-Match": '"a,b"'}, CIMultiDict({"ETag": '"a,b"'}), True,
                     id="comma-inside-entity-tag"),
        pytest.param({"If-None-Match": "*"}, STORED, True, id="13.1.2-star"),
        pytest.param({"If-None-Match": '"v2"'}, STORED, False, id="13.1.2-no-match"),
        pytest.param({"If-None-Match": "v1"}, STORED, False, id="unquoted-is-invalid"),
        pytest.param({"If-None-Match": '"v2"', "If-Modified-Since": format_http_date(NOW)},
                     STORED, False, id="13.2.2-if-none-match-wins-over-ims"),
        pytest.param({"If-None-Match": '"v1"'}, CIMultiDict(), False, id="no-stored-etag"),
        pytest.param({"If-Modified-Since": MODIFIED}, STORED, True, id="13.1.3-same-date"),
        pytest.param({"If-Modified-Since": format_http_date(NOW - 7200)}, STORED, False,
                     id="13.1.3-modified-since"),
        pytest.param({"If-Modified-Since": "yesterday"}, STORED, False,
                     id="13.1.3-invalid-date-ignored"),
        pytest.param({"If-Modified-Since": format_http_date(NOW)},
                     CIMultiDict({"Date": format_http_date(NOW - 10)}), True,
                     id="rfc9111-4.3.2-date-stands-in-for-last-modified"),
        pytest.param({}, STORED, False, id="unconditional"),
    ],
)
def test_not_modified(request_headers, stored, expected):
    assert not_modified(CIMultiDict(request_headers), stored) == expected


@pytest.mark.parametrize(
    ("if_range", "stored", "expected"),
    [
        pytest.param(None, STORED, True, id="absent"),
        pytest.param('"v1"', STORED, True, id="13.1.5-strong-match"),
        pytest.param('W/"v1"', STORED, False, id="13.1.5-weak-never-matches"),
        pytest.param('"v1"', CIMultiDict({"ETag": 'W/"v1"'}), False, id="13.1.5-stored-weak"),
        pytest.param('"v2"', STORED, False, id="13.1.5-different"),
        pytest.param(MODIFIED, STORED, True, id="13.1.5-strong-date"),
        pytest.param(MODIFIED, CIMultiDict({"Last-Modified": MODIFIED,
                                            "Date": format_http_date(NOW - 3590)}), False,
                     id="8.8.2.2-date-too-close-to-be-strong"),
        pytest.param(format_http_date(NOW - 10), STORED, False, id="13.1.5-other-date"),
    ],
)
def test_if_range_allows(if_range, stored, expected):
    headers = CIMultiDict() if if_range is None else CIMultiDict({"If-Range": if_range})
    assert if_range_allows(headers, stored) == expected


def test_freshened_headers_take_the_304s_fields_but_not_its_framing():
    """RFC 9111 §3.2 / §4.3.4."""
    not_modified_response = CIMultiDict([
        ("Cache-Control", "max-age=300"), ("Date", format_http_date(NOW + 60)),
        ("Content-Length", "0"), ("X-New", "1"), ("X-New", "2"), ("Connection", "X-Hop"),
        ("X-Hop", "y"),
    ])
    merged = freshened_headers(STORED, not_modified_response)
    assert list(merged.items()) == [
        ("ETag", '"v1"'), ("Last-Modified", MODIFIED), ("Content-Length", "10"),
        ("Cache-Control", "max-age=300"), ("Date", format_http_date(NOW + 60)),
        ("X-New", "1"), ("X-New", "2"),
    ]


def test_not_modified_headers_are_rfc9110_15_4_5():
    assert {"cache-control", "content-location", "date", "etag", "expires", "vary"} \
        <= NOT_MODIFIED_HEADERS
    assert "content-length" not in NOT_MODIFIED_HEADERS
