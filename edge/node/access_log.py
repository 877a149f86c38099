"""CloudFront standard access logs (spec §6.6): 33 tab-separated fields, one file per hour.

Lines are formatted as CloudFront writes them: `-` for an empty value, URL-encoded text,
date and time in UTC, seconds with millisecond precision. Files are plain text (CloudFront
gzips them) so that `tail -f` works, and writes are buffered so the request path does no I/O.
"""

from __future__ import annotations

import re
import string
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter
from pathlib import Path
from time import gmtime, strftime
from typing import Any, NamedTuple, TextIO
from urllib.parse import quote, unquote

from edge.http.message import COOKIE, HOST, REFERER, USER_AGENT, X_FORWARDED_FOR, Headers

__all__ = [
    "FIELDS", "AccessLog", "AccessLogRecord", "format_record", "hit_fields", "parse_record",
]


@dataclass(slots=True, kw_only=True)
class AccessLogRecord:
    """One viewer request as logged; `time` (epoch seconds) gives both `date` and `time`.

    Not frozen: one is built per request, and a frozen init sets its 32 fields through
    `object.__setattr__`, which costs more than formatting the line.
    """

    time: float  # when the response finished
    x_edge_location: str
    sc_bytes: int
    c_ip: str
    cs_method: str
    cs_host: str  # the distribution's domain name
    cs_uri_stem: str  # the path as received, still percent-encoded
    sc_status: int  # 0 (logged "000") when the viewer left before the response
    cs_referer: str | None = None
    cs_user_agent: str | None = None
    cs_uri_query: str | None = None
    cs_cookie: str | None = None
    x_edge_result_type: str
    x_edge_request_id: str
    x_host_header: str
    cs_protocol: str  # http, https, ws, wss
    cs_bytes: int
    time_taken: float  # seconds
    x_forwarded_for: str | None = None
    ssl_protocol: str | None = None
    ssl_cipher: str | None = None
    x_edge_response_result_type: str
    cs_protocol_version: str  # e.g. "HTTP/1.1"
    fle_status: str | None = None
    fle_encrypted_fields: int | None = None
    c_port: int
    time_to_first_byte: float  # seconds
    x_edge_detailed_result_type: str
    sc_content_type: str | None = None
    sc_content_len: int | None = None
    sc_range_start: int | None = None
    sc_range_end: int | None = None


RECENT_LINES = 256  # lines each node keeps for the admin API

# Printable ASCII left as is; everything else (controls, space, tab, non-ASCII as UTF-8, and
# " # % < > \ ^ ` { | }) becomes %XX, as in CloudFront's logs ("Mozilla/5.0%20(X11;%20...").
_SAFE = "!$&'()*+,/:;=?@[]"
# cs-uri-stem is logged as received: its own %XX escapes stay, only unsafe bytes are encoded.
_SAFE_STEM = _SAFE + "%"
# Anything outside what `quote` keeps with those safe sets; most values have none, and a regex
# search is far cheaper than `quote` rebuilding a value it leaves unchanged.
_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9_.~\-!$&'()*+,/:;=?@\[\]]")
_STEM_NEEDS_QUOTING = re.compile(r"[^A-Za-z0-9_.~\-!$&'()*+,/:;=?@\[\]%]")
# The bytes a line rendered raw may hold when no field needs encoding: those letters, digits and
# safe characters, and the tabs between fields. Deleting them all from a line leaves nothing.
_UNENCODED = (string.ascii_letters + string.digits + "_.~-" + _SAFE + "\t").encode()


class _Codec(NamedTuple):
    format: Callable[[Any], str]
    parse: Callable[[str], Any]


def _format_text(value: str | None) -> str:
    if not value:
        return "-"
    return value if _NEEDS_QUOTING.search(value) is None else quote(value, safe=_SAFE)


def _format_stem(value: str) -> str:
    if not value:
        return "-"
    return value if _STEM_NEEDS_QUOTING.search(value) is None else quote(value, safe=_SAFE_STEM)


def _parse_optional_text(text: str) -> str | None:
    return None if text == "-" else unquote(text)


def _format_optional_int(value: int | None) -> str:
    return "-" if value is None else str(value)


def _parse_optional_int(text: str) -> int | None:
    return None if text == "-" else int(text)


_TEXT = _Codec(_format_text, unquote)
_OPTIONAL_TEXT = _Codec(_format_text, _parse_optional_text)
_STEM = _Codec(_format_stem, str)
_INT = _Codec(str, int)
_OPTIONAL_INT = _Codec(_format_optional_int, _parse_optional_int)
_SECONDS = _Codec("{:.3f}".format, float)
_STATUS = _Codec("{:03d}".format, int)

# Fields 3-33 of §6.6 in order: (log field, record attribute, codec). Fields 1-2 come from `time`.
_COLUMNS: tuple[tuple[str, str, _Codec], ...] = (
    ("x-edge-location", "x_edge_location", _TEXT),
    ("sc-bytes", "sc_bytes", _INT),
    ("c-ip", "c_ip", _TEXT),
    ("cs-method", "cs_method", _TEXT),
    ("cs(Host)", "cs_host", _TEXT),
    ("cs-uri-stem", "cs_uri_stem", _STEM),
    ("sc-status", "sc_status", _STATUS),
    ("cs(Referer)", "cs_referer", _OPTIONAL_TEXT),
    ("cs(User-Agent)", "cs_user_agent", _OPTIONAL_TEXT),
    ("cs-uri-query", "cs_uri_query", _OPTIONAL_TEXT),
    ("cs(Cookie)", "cs_cookie", _OPTIONAL_TEXT),
    ("x-edge-result-type", "x_edge_result_type", _TEXT),
    ("x-edge-request-id", "x_edge_request_id", _TEXT),
    ("x-host-header", "x_host_header", _TEXT),
    ("cs-protocol", "cs_protocol", _TEXT),
    ("cs-bytes", "cs_bytes", _INT),
    ("time-taken", "time_taken", _SECONDS),
    ("x-forwarded-for", "x_forwarded_for", _OPTIONAL_TEXT),
    ("ssl-protocol", "ssl_protocol", _OPTIONAL_TEXT),
    ("ssl-cipher", "ssl_cipher", _OPTIONAL_TEXT),
    ("x-edge-response-result-type", "x_edge_response_result_type", _TEXT),
    ("cs-protocol-version", "cs_protocol_version", _TEXT),
    ("fle-status", "fle_status", _OPTIONAL_TEXT),
    ("fle-encrypted-fields", "fle_encrypted_fields", _OPTIONAL_INT),
    ("c-port", "c_port", _INT),
    ("time-to-first-byte", "time_to_first_byte", _SECONDS),
    ("x-edge-detailed-result-type", "x_edge_detailed_result_type", _TEXT),
    ("sc-content-type", "sc_content_type", _OPTIONAL_TEXT),
    ("sc-content-len", "sc_content_len", _OPTIONAL_INT),
    ("sc-range-start", "sc_range_start", _OPTIONAL_INT),
    ("sc-range-end", "sc_range_end", _OPTIONAL_INT),
)

FIELDS: tuple[str, ...] = ("date", "time", *(name for name, _, _ in _COLUMNS))

_HEADER = f"#Version: 1.0\n#Fields: {' '.join(FIELDS)}\n"
_FLUSH_AT = 64 * 1024  # characters buffered before a write without waiting for flush()
_VALUES = attrgetter(*(attribute for _, attribute, _ in _COLUMNS))  # fields 3-33 in one call
_FORMATS = tuple(codec.format for _, _, codec in _COLUMNS)
_TABS = len(_COLUMNS) - 1


def _date_and_time(second: int) -> str:
    """Fields 1-2, `date<TAB>time` in UTC, of a whole epoch second."""
    return strftime("%Y-%m-%d\t%H:%M:%S", gmtime(second))


def _fields(record: AccessLogRecord) -> str:
    """Fields 3-33 of the record's line, tab-separated."""
    r = record
    # Most lines have nothing to encode: rendered raw in one go, a single search over the whole
    # line shows whether that is so (a tab inside a value shows as one tab too many).
    raw = (
        f"{r.x_edge_location or '-'}\t{r.sc_bytes}\t{r.c_ip or '-'}\t{r.cs_method or '-'}\t"
        f"{r.cs_host or '-'}\t{r.cs_uri_stem or '-'}\t{r.sc_status:03d}\t{r.cs_referer or '-'}\t"
        f"{r.cs_user_agent or '-'}\t{r.cs_uri_query or '-'}\t{r.cs_cookie or '-'}\t"
        f"{r.x_edge_result_type or '-'}\t{r.x_edge_request_id or '-'}\t{r.x_host_header or '-'}\t"
        f"{r.cs_protocol or '-'}\t{r.cs_bytes}\t{r.time_taken:.3f}\t{r.x_forwarded_for or '-'}\t"
        f"{r.ssl_protocol or '-'}\t{r.ssl_cipher or '-'}\t{r.x_edge_response_result_type or '-'}\t"
        f"{r.cs_protocol_version or '-'}\t{r.fle_status or '-'}\t"
        f"{'-' if r.fle_encrypted_fields is None else r.fle_encrypted_fields}\t{r.c_port}\t"
        f"{r.time_to_first_byte:.3f}\t{r.x_edge_detailed_result_type or '-'}\t"
        f"{r.sc_content_type or '-'}\t{'-' if r.sc_content_len is None else r.sc_content_len}\t"
        f"{'-' if r.sc_range_start is None else r.sc_range_start}\t"
        f"{'-' if r.sc_range_end is None else r.sc_range_end}"
    )
    if _is_unencoded(raw):
        return raw
    return "\t".join([fmt(value) for fmt, value in zip(_FORMATS, _VALUES(record), strict=True)])


def _is_unencoded(raw: str) -> bool:
    """Whether fields rendered raw are already as logged: nothing in them needs %XX."""
    return raw.isascii() and not raw.encode().translate(None, _UNENCODED) and \
        raw.count("\t") == _TABS


def hit_fields(
    edge_location: str, sc_bytes: int, c_ip: str, cs_host: str, cs_uri_stem: str,
    sc_status: int, request_headers: Headers, cs_uri_query: str, result: str, request_id: str,
    cs_bytes: int, time_taken: float, protocol_version: str, c_port: int,
    time_to_first_byte: float, detailed: str, content_type: str | None, content_len: int,
) -> str:
    """Fields 3-33 of a plain GET hit's line, the same text `_fields` makes of its record.

    Hits are most of a node's lines: written from their values in one go, without a 32-field
    record, they cost half as much. What a hit never has (a body, TLS, field-level
    encryption, a range) is written as `-`; a line with anything to encode takes the record's way.
    """
    get = request_headers.get
    referer, user_agent, cookie = get(REFERER), get(USER_AGENT), get(COOKIE)
    host, forwarded_for = get(HOST), get(X_FORWARDED_FOR)
    raw = (
        f"{edge_location or '-'}\t{sc_bytes}\t{c_ip or '-'}\tGET\t{cs_host or '-'}\t"
        f"{cs_uri_stem or '-'}\t{sc_status:03d}\t{referer or '-'}\t{user_agent or '-'}\t"
        f"{cs_uri_query or '-'}\t{cookie or '-'}\t{result or '-'}\t{request_id or '-'}\t"
        f"{host or '-'}\thttp\t{cs_bytes}\t{time_taken:.3f}\t{forwarded_for or '-'}\t-\t-\t"
        f"{result or '-'}\t{protocol_version or '-'}\t-\t-\t{c_port}\t{time_to_first_byte:.3f}\t"
        f"{detailed or '-'}\t{content_type or '-'}\t{content_len}\t-\t-"
    )
    if _is_unencoded(raw):
        return raw
    return _fields(AccessLogRecord(
        time=0.0,  # fields 3-33 do not show it
        x_edge_location=edge_location, sc_bytes=sc_bytes, c_ip=c_ip, cs_method="GET",
        cs_host=cs_host, cs_uri_stem=cs_uri_stem, sc_status=sc_status, cs_referer=referer,
        cs_user_agent=user_agent, cs_uri_query=cs_uri_query or None, cs_cookie=cookie,
        x_edge_result_type=result, x_edge_request_id=request_id, x_host_header=host or "",
        cs_protocol="http", cs_bytes=cs_bytes, time_taken=time_taken,
        x_forwarded_for=forwarded_for, x_edge_response_result_type=result,
        cs_protocol_version=protocol_version, c_port=c_port,
        time_to_first_byte=time_to_first_byte, x_edge_detailed_result_type=detailed,
        sc_content_type=content_type, sc_content_len=content_len,
    ))


def format_record(record: AccessLogRecord) -> str:
    """The record as one log line, without the line break."""
    return f"{_date_and_time(int(record.time))}\t{_fields(record)}"


def parse_record(line: str) -> AccessLogRecord:
    """Read a line written by `format_record` back (time to the second, as logged)."""
    date, time, *rest = line.rstrip("\n").split("\t")
    if len(rest) != len(_COLUMNS):
        raise ValueError(f"expected {len(FIELDS)} tab-separated fields, got {len(rest) + 2}")
    finished = datetime.strptime(f"{date} {time}", "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
    values = {
        attribute: codec.parse(text)
        for (_, attribute, codec), text in zip(_COLUMNS, rest, strict=True)
    }
    return AccessLogRecord(time=finished.timestamp(), **values)


class AccessLog:
    """One node's access log, buffered in memory; the node flushes every second and on exit."""

    def __init__(self, directory: str, distribution_id: str, edge_location: str) -> None:
        self._directory = Path(directory)
        self._directory.mkdir(parents=True, exist_ok=True)
        self._distribution_id = distribution_id
        self._edge_location = edge_location
        self._pending: dict[int, list[str]] = {}  # hour since the epoch → lines
        self._pending_chars = 0
        self._open_hour = -1
        self._file: TextIO | None = None
        self._closed = False
        # Lines come in bursts within one second: its date and time are formatted once, and
        # its hour's list of pending lines looked up once.
        self._second = -1
        self._date_and_time = ""
        self._lines: list[str] = []
        # The last lines, for the admin API's recent requests: the lines are made anyway, so
        # keeping them costs the request path one append.
        self._recent: deque[str] = deque(maxlen=RECENT_LINES)
        self.written = 0

    def recent(self, after: int = 0) -> list[tuple[int, str]]:
        """(sequence number, line) of the kept lines written after line number `after`; lines
        are numbered from 1 in the order they were written."""
        first = self.written - len(self._recent) + 1
        skip = max(0, after + 1 - first)
        return [(first + i, line) for i, line in enumerate(self._recent) if i >= skip]

    def write(self, record: AccessLogRecord) -> None:
        self.write_fields(record.time, _fields(record))

    def write_fields(self, time: float, fields: str) -> None:
        """A line whose fields 3-33 are already formatted (`hit_fields`), finished at `time`."""
        if self._closed:
            raise ValueError("access log is closed")
        second = int(time)
        if second != self._second:
            self._second, self._date_and_time = second, _date_and_time(second)
            self._lines = self._pending.setdefault(second // 3600, [])
        line = f"{self._date_and_time}\t{fields}\n"
        self._lines.append(line)
        self._recent.append(line)
        self.written += 1
        self._pending_chars += len(line)
        if self._pending_chars > _FLUSH_AT:
            self.flush()

    def flush(self) -> None:
        """Write buffered lines to the file of the hour each request finished in."""
        pending, self._pending, self._pending_chars = self._pending, {}, 0
        self._second = -1  # its list of lines is now written: the next line starts a new one
        for hour in sorted(pending):
            lines = "".join(pending[hour])
            if hour >= self._open_hour:
                self._current_file(hour).write(lines)
            else:  # a request that finished in an hour already rotated out
                with self._open(hour) as late:
                    late.write(lines)
        if self._file is not None:
            self._file.flush()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        if self._file is not None:
            self._file.close()
            self._file = None
        self._closed = True

    def path_for(self, time: float) -> Path:
        """The file that holds requests finished at `time`."""
        hour = datetime.fromtimestamp(time, UTC).strftime("%Y-%m-%d-%H")
        return self._directory / f"{self._distribution_id}.{hour}.{self._edge_location}.log"

    def _current_file(self, hour: int) -> TextIO:
        if hour != self._open_hour:
            if self._file is not None:
                self._file.close()
            self._file = self._open(hour)
            self._open_hour = hour
        return self._file

    def _open(self, hour: int) -> TextIO:
        file = self.path_for(hour * 3600).open("a", encoding="utf-8", newline="\n")
        if file.tell() == 0:
            file.write(_HEADER)
        return file
