"""Range requests against a whole stored object (RFC 9110 §14, spec §4.7)."""

import pytest

from edge.http.ranges import (
    UNSATISFIABLE,
    ByteRange,
    content_range,
    multipart_byteranges,
    parse_range,
)

LENGTH = 1000


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("bytes=0-499", [ByteRange(0, 499)], id="14.1.1-first-last"),
        pytest.param("bytes=500-", [ByteRange(500, 999)], id="14.1.1-open-ended"),
        pytest.param("bytes=-200", [ByteRange(800, 999)], id="14.1.1-suffix"),
        pytest.param("bytes=-5000", [ByteRange(0, 999)], id="14.1.1-suffix-longer-than-object"),
        pytest.param("bytes=900-5000", [ByteRange(900, 999)], id="14.1.1-end-clamped"),
        pytest.param("BYTES = 0-0", [ByteRange(0, 0)], id="unit-case-and-space"),
        pytest.param("bytes=0-9, 20-29,-10",
                     [ByteRange(0, 9), ByteRange(20, 29), ByteRange(990, 999)],
                     id="14.1.1-multiple"),
        pytest.param("bytes=0-9,,20-29", [ByteRange(0, 9), ByteRange(20, 29)],
                     id="5.6.1-empty-elements-ignored"),
        pytest.param("bytes=0-9, 2000-3000", [ByteRange(0, 9)],
                     id="14.1.1-unsatisfiable-member-dropped"),
        pytest.param("bytes=0-9,10-19", [ByteRange(0, 9), ByteRange(10, 19)],
                     id="adjacent-is-not-overlapping"),
        # Ignored: serve the full 200 (spec §4.7).
        pytest.param(None, None, id="absent"),
        pytest.param("items=0-9", None, id="14.1-unknown-unit"),
        pytest.param("0-9", None, id="no-unit"),
        pytest.param("bytes=", None, id="empty-set"),
        pytest.param("bytes=9-0", None, id="spec-4.7-last-before-first"),
        pytest.param("bytes=0-99,50-149", None, id="spec-4.7-overlapping"),
        pytest.param("bytes=0-99,-950", None, id="spec-4.7-overlapping-suffix"),
        pytest.param("bytes=500-599,0-99", None, id="spec-4.7-descending-order"),
        pytest.param("bytes=--5", None, id="spec-4.7-negative"),
        pytest.param("bytes=a-b", None, id="garbage"),
        pytest.param("bytes=-", None, id="dash-only"),
        pytest.param("bytes=1-2-3", None, id="two-dashes"),
        # 416.
        pytest.param("bytes=1000-", UNSATISFIABLE, id="15.5.17-first-at-length"),
        pytest.param("bytes=2000-3000", UNSATISFIABLE, id="15.5.17-beyond-end"),
        pytest.param("bytes=-0", UNSATISFIABLE, id="15.5.17-empty-suffix"),
    ],
)
def test_parse_range(value, expected):
    assert parse_range(value, LENGTH) == expected


def test_every_range_of_an_empty_object_is_unsatisfiable():
    assert parse_range("bytes=0-", 0) is UNSATISFIABLE
    assert parse_range("bytes=-10", 0) is UNSATISFIABLE


def test_content_range():
    """RFC 9110 §14.4."""
    assert content_range(ByteRange(0, 499), 1234) == "bytes 0-499/1234"


def test_multipart_byteranges():
    """RFC 9110 §14.6: one part per range, each with its Content-Type and Content-Range."""
    body = bytes(range(10)) * 10
    payload, content_type = multipart_byteranges(
        body, [ByteRange(0, 1), ByteRange(98, 99)], "application/octet-stream", 100, "SEP")
    assert content_type == "multipart/byteranges; boundary=SEP"
    assert payload == (
        b"--SEP\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Range: bytes 0-1/100\r\n\r\n\x00\x01\r\n"
        b"--SEP\r\nContent-Type: application/octet-stream\r\n"
        b"Content-Range: bytes 98-99/100\r\n\r\n\x08\x09\r\n"
        b"--SEP--\r\n"
    )


def test_non_ascii_digits_are_not_a_range() -> None:
    """RFC 9110 §14.1.1: DIGIT is ASCII 0-9 only (RFC 5234 B.1)."""
    assert parse_range("bytes=\u0660-\u0669", 1000) is None


def test_content_range_of_a_416_names_only_the_length() -> None:
    """RFC 9110 §14.4: an unsatisfied-range is `*/complete-length`."""
    assert content_range(parse_range("bytes=5000-", 100), 100) == "bytes */100"
