"""The origin's policy on top of edge.http's rules: GET/HEAD preconditions, one range or none.

The rules themselves (entity-tag comparison, date parsing, range syntax) are pinned in
tests/http; these tests pin only what the origin decides differently from the edge.
"""

from __future__ import annotations

import pytest
from multidict import CIMultiDict

from edge.http.ranges import UNSATISFIABLE, ByteRange
from origin.conditional import not_modified, selected_range

LM_TEXT = "Mon, 01 Jan 2024 00:00:00 GMT"
EARLIER = "Sun, 31 Dec 2023 23:59:59 GMT"
NOW_TEXT = "Tue, 02 Jan 2024 00:00:00 GMT"  # a day after Last-Modified: a strong validator
ETAG = '"abc"'
SIZE = 1000
REPRESENTATION = CIMultiDict({"ETag": ETAG, "Last-Modified": LM_TEXT, "Date": NOW_TEXT})


# RFC 9110 §13.1.2: 304 is for GET/HEAD; the origin ignores other methods' preconditions.
@pytest.mark.parametrize(
    ("method", "headers", "expected"),
    [
        ("GET", {}, False),
        ("GET", {"If-None-Match": ETAG}, True),
        ("HEAD", {"If-None-Match": ETAG}, True),
        ("GET", {"If-None-Match": '"other"', "If-Modified-Since": LM_TEXT}, False),
        ("GET", {"If-Modified-Since": LM_TEXT}, True),
        ("GET", {"If-Modified-Since": EARLIER}, False),
        ("POST", {"If-None-Match": ETAG}, False),
        ("PUT", {"If-Modified-Since": LM_TEXT}, False),
    ],
)
def test_not_modified(method: str, headers: dict[str, str], expected: bool) -> None:
    assert not_modified(method, CIMultiDict(headers), REPRESENTATION) is expected


# One range is a 206, several the whole body (RFC 9110 §14.2), none satisfiable a 416.
@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, None),
        ({"Range": "bytes=0-99"}, ByteRange(0, 99)),
        ({"Range": "bytes=-100"}, ByteRange(900, 999)),
        ({"Range": "bytes=0-1,5-6"}, None),
        ({"Range": "bytes=1000-"}, UNSATISFIABLE),
        ({"Range": "bytes=1000-,2000-"}, UNSATISFIABLE),
        ({"Range": "bytes=9-1"}, None),
        ({"Range": "items=0-1"}, None),
        ({"Range": "bytes=0-99", "If-Range": ETAG}, ByteRange(0, 99)),
        ({"Range": "bytes=0-99", "If-Range": LM_TEXT}, ByteRange(0, 99)),
        ({"Range": "bytes=0-99", "If-Range": '"old"'}, None),
        ({"Range": "bytes=0-99", "If-Range": EARLIER}, None),
        ({"Range": "bytes=1000-", "If-Range": '"old"'}, None),
    ],
)
def test_selected_range(headers: dict[str, str], expected: object) -> None:
    assert selected_range(CIMultiDict(headers), REPRESENTATION, SIZE) == expected
