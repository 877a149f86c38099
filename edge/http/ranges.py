"""Byte-range requests against a whole stored object (RFC 9110 §14, spec §4.7).

A `Range` CloudFront cannot honour exactly (syntax errors, descending or overlapping ranges)
is ignored and the full object is served with 200, as CloudFront does; a syntactically valid
set that selects nothing is a 416.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum
from itertools import pairwise

__all__ = [
    "UNSATISFIABLE",
    "ByteRange",
    "Unsatisfiable",
    "content_range",
    "multipart_byteranges",
    "parse_range",
]

_SPEC = re.compile(r"(?P<first>[0-9]*)-(?P<last>[0-9]*)")


@dataclass(frozen=True, slots=True)
class ByteRange:
    start: int
    end: int  # inclusive


class Unsatisfiable(Enum):
    """Answer 416 with `Content-Range: bytes */length`."""

    RANGE = "unsatisfiable"


UNSATISFIABLE = Unsatisfiable.RANGE


def parse_range(value: str | None, length: int) -> list[ByteRange] | Unsatisfiable | None:
    """Satisfiable ranges in request order, None (serve 200) or UNSATISFIABLE (serve 416)."""
    if value is None:
        return None
    unit, sep, specs = value.partition("=")
    if not sep or unit.strip().lower() != "bytes":
        return None
    ranges: list[ByteRange] = []
    seen_any = False
    for spec in (s.strip() for s in specs.split(",")):
        if not spec:
            continue  # RFC 9110 §5.6.1: empty list elements are ignored
        m = _SPEC.fullmatch(spec)
        if m is None or not (m["first"] or m["last"]):
            return None
        seen_any = True
        if not m["first"]:  # suffix: the last N bytes
            suffix = int(m["last"])
            if suffix > 0 and length > 0:
                ranges.append(ByteRange(max(0, length - suffix), length - 1))
            continue
        first = int(m["first"])
        last = int(m["last"]) if m["last"] else None
        if last is not None and last < first:
            return None  # RFC 9110 §14.1.1: invalid
        if first < length:
            ranges.append(ByteRange(first, length - 1 if last is None else min(last, length - 1)))
    if not seen_any:
        return None
    if not ranges:
        return UNSATISFIABLE
    for before, after in pairwise(ranges):
        if after.start <= before.end:
            return None  # overlapping or descending (spec §4.7): full object
    return ranges


def content_range(r: ByteRange | Unsatisfiable, length: int) -> str:
    """`Content-Range` of a 206 part, or of a 416 (RFC 9110 §14.4: `bytes */length`)."""
    if isinstance(r, Unsatisfiable):
        return f"bytes */{length}"
    return f"bytes {r.start}-{r.end}/{length}"


def multipart_byteranges(body: bytes, ranges: Sequence[ByteRange], content_type: str,
                         length: int, boundary: str) -> tuple[bytes, str]:
    """A `multipart/byteranges` body (RFC 9110 §14.6); the boundary comes from the caller."""
    parts = []
    for r in ranges:
        head = (f"--{boundary}\r\nContent-Type: {content_type}\r\n"
                f"Content-Range: {content_range(r, length)}\r\n\r\n")
        parts.append(head.encode("latin-1") + body[r.start:r.end + 1] + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode("latin-1"))
    return b"".join(parts), f"multipart/byteranges; boundary={boundary}"
