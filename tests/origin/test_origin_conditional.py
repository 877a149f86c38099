"""The pure validator, conditional and range rules used by the origin's generated responses."""

from __future__ import annotations

import pytest

from origin.conditional import (
    ByteRange,
    Unsatisfiable,
    http_date,
    if_range_allows,
    not_modified,
    parse_http_date,
    select_range,
)

LM = 1704067200.0  # Mon, 01 Jan 2024 00:00:00 GMT
LM_TEXT = "Mon, 01 Jan 2024 00:00:00 GMT"
EARLIER = "Sun, 31 Dec 2023 23:59:59 GMT"
ETAG = '"abc"'


def test_http_date_round_trips_as_imf_fixdate() -> None:
    assert http_date(LM) == LM_TEXT
    assert parse_http_date(LM_TEXT) == LM


@pytest.mark.parametrize("value", ["", "yesterday", "0", "2024-01-01T00:00:00Z"])
def test_parse_http_date_rejects_what_is_not_a_date(value: str) -> None:
    assert parse_http_date(value) is None


# RFC 9110 §13.2.2: If-None-Match first (weak comparison), If-Modified-Since only without it.
@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {}, False),
        ("GET", {"If-None-Match": ETAG}, True),
        ("HEAD", {"If-None-Match": ETAG}, True),
        ("GET", {"If-None-Match": 'W/"abc"'}, True),  # §13.1.2 weak comparison
        ("GET", {"If-None-Match": '"x", "abc"'}, True),
        ("GET", {"If-None-Match": "*"}, True),
        ("GET", {"If-None-Match": '"other"'}, False),
        ("GET", {"If-None-Match": '"other"', "If-Modified-Since": LM_TEXT}, False),
        ("GET", {"If-Modified-Since": LM_TEXT}, True),
        ("GET", {"If-Modified-Since": EARLIER}, False),
        ("GET", {"If-Modified-Since": "garbage"}, False),
        ("POST", {"If-None-Match": ETAG}, False),
        ("PUT", {"If-Modified-Since": LM_TEXT}, False),
    ],
)
def test_not_modified(method: str, headers: dict[str, str], expected: bool) -> None:
    assert not_modified(method, headers, ETAG, LM) is expected


def test_not_modified_needs_a_validator_to_compare() -> None:
    assert not not_modified("GET", {"If-None-Match": "*"}, None, None)
    assert not not_modified("GET", {"If-Modified-Since": LM_TEXT}, ETAG, None)


SIZE = 1000


# RFC 9110 §14.1.1 range forms; several ranges or bad syntax are ignored (§14.2).
@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=900-", ByteRange(900, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),
        ("bytes=990-5000", ByteRange(990, 999)),
        ("bytes=999-999", ByteRange(999, 999)),
        ("BYTES = 0-0", ByteRange(0, 0)),
        ("bytes=1000-", Unsatisfiable()),
        ("bytes=5000-6000", Unsatisfiable()),
        ("bytes=-0", Unsatisfiable()),
        ("bytes=0-1,5-6", None),
        ("bytes=9-1", None),
        ("bytes=-", None),
        ("bytes=a-b", None),
        ("bytes=²-3", None),
        ("items=0-1", None),
        ("0-1", None),
    ],
)
def test_select_range(header: str | None, expected: object) -> None:
    assert select_range(header, SIZE) == expected


def test_range_headers_for_partial_and_unsatisfiable_answers() -> None:
    assert ByteRange(10, 19).content_range(SIZE) == "bytes 10-19/1000"
    assert ByteRange(10, 19).length == 10
    assert Unsatisfiable().content_range(SIZE) == "bytes */1000"


# RFC 9110 §13.1.5: If-Range needs an exact (strong) match of the current validator.
@pytest.mark.parametrize(
    ("if_range", "etag", "expected"),
    [
        (None, ETAG, True),
        (ETAG, ETAG, True),
        ('"old"', ETAG, False),
        ('W/"abc"', 'W/"abc"', False),
        (LM_TEXT, ETAG, True),
        (EARLIER, ETAG, False),
        ("not a date", ETAG, False),
    ],
)
def test_if_range_allows(if_range: str | None, etag: str, expected: bool) -> None:
    assert if_range_allows(if_range, etag, LM) is expected
