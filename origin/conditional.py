"""Validators, conditional requests and byte ranges for the origin's generated responses.

Pure functions of header values; the static site leaves all of this to aiohttp's FileResponse.
Dates are POSIX seconds; entity tags keep their quotes (and `W/` prefix), as on the wire.
"""

from __future__ import annotations

import email.utils
import re
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = [
    "ByteRange",
    "Unsatisfiable",
    "http_date",
    "if_range_allows",
    "not_modified",
    "parse_http_date",
    "select_range",
]


def http_date(timestamp: float) -> str:
    """IMF-fixdate, the only date format a sender may generate (RFC 9110 §5.6.7)."""
    return email.utils.formatdate(timestamp, usegmt=True)


def parse_http_date(value: str) -> float | None:
    """Seconds since the epoch, or None when `value` is not an HTTP date."""
    try:
        parsed = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:  # RFC 9110 §5.6.7: HTTP dates are always GMT
        return None
    return parsed.timestamp()


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _etag_list(header: str) -> list[str]:
    return [item.strip() for item in header.split(",") if item.strip()]


def not_modified(
    method: str, headers: Mapping[str, str], etag: str | None, last_modified: float | None
) -> bool:
    """True when a GET/HEAD should be answered 304 (RFC 9110 §13.2.2 evaluation order)."""
    if method not in ("GET", "HEAD"):
        return False
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:  # §13.1.2: weak comparison; If-Modified-Since is then ignored
        tags = _etag_list(if_none_match)
        if "*" in tags:
            return etag is not None
        return etag is not None and _opaque(etag) in {_opaque(tag) for tag in tags}
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since is None or last_modified is None:
        return False
    since = parse_http_date(if_modified_since)
    return since is not None and int(last_modified) <= since  # §13.1.3


def if_range_allows(if_range: str | None, etag: str | None, last_modified: float | None) -> bool:
    """Whether a Range header still applies: If-Range must match exactly (RFC 9110 §13.1.5)."""
    if if_range is None:
        return True
    if if_range.startswith(('"', 'W/"')):  # strong comparison: a weak tag never matches
        return etag is not None and not etag.startswith("W/") and if_range == etag
    date = parse_http_date(if_range)
    return date is not None and last_modified is not None and date == int(last_modified)


_RANGE_SPEC = re.compile(r"([0-9]*)-([0-9]*)")  # first-last, first-, -suffix (RFC 9110 §14.1.1)


@dataclass(frozen=True, slots=True)
class ByteRange:
    """One satisfiable range, `first` and `last` inclusive as in Content-Range (RFC 9110 §14.4)."""

    first: int
    last: int

    @property
    def length(self) -> int:
        return self.last - self.first + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.first}-{self.last}/{size}"


@dataclass(frozen=True, slots=True)
class Unsatisfiable:
    """No range overlaps the representation: answer 416 with `bytes */size` (RFC 9110 §15.5.17)."""

    def content_range(self, size: int) -> str:
        return f"bytes */{size}"


def select_range(range_header: str | None, size: int) -> ByteRange | Unsatisfiable | None:
    """The one range to serve, or None to serve the whole body.

    Only a single range is honoured; several ranges, another unit or bad syntax are ignored,
    which RFC 9110 §14.2 allows ("a server MAY ignore the Range header field").
    """
    if range_header is None:
        return None
    unit, _, spec = range_header.partition("=")
    if unit.strip().lower() != "bytes" or "," in spec:
        return None
    match = _RANGE_SPEC.fullmatch(spec.strip())
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first_text, last_text = match.groups()
    if first_text == "":  # suffix range: the final N bytes (§14.1.1)
        suffix = int(last_text)
        if suffix == 0 or size == 0:
            return Unsatisfiable()
        return ByteRange(max(0, size - suffix), size - 1)
    first = int(first_text)
    if last_text and int(last_text) < first:  # an invalid range-spec (§14.1.1)
        return None
    if first >= size:
        return Unsatisfiable()
    last = int(last_text) if last_text else size - 1
    return ByteRange(first, min(last, size - 1))
