"""HTTP-date parsing and formatting (RFC 9110 §5.6.7).

Recipients must accept all three historical formats; an unparsable date is `None`, and each
caller decides what that means (an invalid `Expires` means "already expired", RFC 9111 §5.3).
"""

from __future__ import annotations

import calendar
import re
from email.utils import formatdate

__all__ = ["format_http_date", "parse_http_date"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
_MONTH = r"(?P<month>[A-Za-z]{3})"

_FORMATS = (
    # IMF-fixdate: Sun, 06 Nov 1994 08:49:37 GMT
    re.compile(rf"{_DAY}, (?P<day>\d\d) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT", re.I),
    # RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    re.compile(rf"{_LONG_DAY}, (?P<day>\d\d)-{_MONTH}-(?P<year>\d\d) {_TIME} GMT", re.I),
    # asctime: Sun Nov  6 08:49:37 1994
    re.compile(rf"{_DAY} {_MONTH} (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})", re.I),
)


def parse_http_date(value: str | None) -> float | None:
    """Seconds since the epoch, or None when `value` is absent or not an HTTP-date."""
    if value is None:
        return None
    text = value.strip()
    for pattern in _FORMATS:
        m = pattern.fullmatch(text)
        if m is None:
            continue
        month = _MONTHS.get(m["month"].lower())
        if month is None:
            return None
        year = int(m["year"])
        if len(m["year"]) == 2:
            # RFC 9110 §5.6.7 pivots two-digit years on the current date; a fixed pivot keeps
            # this function free of a clock (00-69 → 20xx, 70-99 → 19xx, as POSIX strptime).
            year += 2000 if year < 70 else 1900
        fields = (year, month, int(m["day"]), int(m["hour"]), int(m["minute"]),
                  int(m["second"]))
        if not (1 <= fields[2] <= calendar.monthrange(year, month)[1]) or fields[3] > 23 \
                or fields[4] > 59 or fields[5] > 60:
            return None
        return float(calendar.timegm((*fields, 0, 0, 0)))
    return None


def format_http_date(ts: float) -> str:
    """IMF-fixdate, the only format a sender may generate (RFC 9110 §5.6.7)."""
    return formatdate(ts, usegmt=True)
