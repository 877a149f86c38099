"""CloudFront standard access log lines and files (spec §6.6)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

import pytest
from multidict import CIMultiDict

from edge.node.access_log import (
    FIELDS,
    AccessLog,
    AccessLogRecord,
    format_record,
    hit_fields,
    parse_record,
)

# What CloudFront leaves unencoded besides letters, digits and `_.-~` (spec §6.6).
SAFE = "!$&'()*+,/:;=?@[]"


def _epoch(text: str) -> float:
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC).timestamp()


FULL = AccessLogRecord(
    time=_epoch("2024-03-05 07:08:09"),
    x_edge_location="NRT20-C1",
    sc_bytes=2345,
    c_ip="192.0.2.10",
    cs_method="GET",
    cs_host="d111111abcdef8.cloudfront.net",
    cs_uri_stem="/images/cat.jpg",
    sc_status=200,
    cs_referer="https://example.com/",
    cs_user_agent="Mozilla/5.0 (X11; Linux)",
    cs_uri_query="w=100&h=50",
    cs_cookie="session=abc; theme=dark",
    x_edge_result_type="Hit",
    x_edge_request_id="SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
    x_host_header="www.example.com",
    cs_protocol="https",
    cs_bytes=312,
    time_taken=0.0424,
    x_forwarded_for="198.51.100.7",
    ssl_protocol="TLSv1.3",
    ssl_cipher="TLS_AES_128_GCM_SHA256",
    x_edge_response_result_type="Hit",
    cs_protocol_version="HTTP/1.1",
    fle_status="Processed",
    fle_encrypted_fields=2,
    c_port=53112,
    time_to_first_byte=0.0015,
    x_edge_detailed_result_type="Hit",
    sc_content_type="image/jpeg",
    sc_content_len=2000,
    sc_range_start=0,
    sc_range_end=1999,
)

MINIMAL = AccessLogRecord(
    time=_epoch("2024-03-05 07:08:09"),
    x_edge_location="NRT20-C1",
    sc_bytes=0,
    c_ip="192.0.2.10",
    cs_method="GET",
    cs_host="d111111abcdef8.cloudfront.net",
    cs_uri_stem="/",
    sc_status=0,
    x_edge_result_type="Error",
    x_edge_request_id="abc==",
    x_host_header="www.example.com",
    cs_protocol="http",
    cs_bytes=80,
    time_taken=0.0,
    x_edge_response_result_type="Error",
    cs_protocol_version="HTTP/1.1",
    c_port=40000,
    time_to_first_byte=0.0,
    x_edge_detailed_result_type="ClientHungUpRequest",
)


def test_fields_are_the_33_standard_log_fields_in_order() -> None:
    assert FIELDS == (
        "date", "time", "x-edge-location", "sc-bytes", "c-ip", "cs-method", "cs(Host)",
        "cs-uri-stem", "sc-status", "cs(Referer)", "cs(User-Agent)", "cs-uri-query",
        "cs(Cookie)", "x-edge-result-type", "x-edge-request-id", "x-host-header", "cs-protocol",
        "cs-bytes", "time-taken", "x-forwarded-for", "ssl-protocol", "ssl-cipher",
        "x-edge-response-result-type", "cs-protocol-version", "fle-status",
        "fle-encrypted-fields", "c-port", "time-to-first-byte", "x-edge-detailed-result-type",
        "sc-content-type", "sc-content-len", "sc-range-start", "sc-range-end",
    )  # fmt: skip


@pytest.mark.parametrize(
    ("field", "logged"),
    [
        ("date", "2024-03-05"),
        ("time", "07:08:09"),
        ("x-edge-location", "NRT20-C1"),
        ("sc-bytes", "2345"),
        ("c-ip", "192.0.2.10"),
        ("cs-method", "GET"),
        ("cs(Host)", "d111111abcdef8.cloudfront.net"),
        ("cs-uri-stem", "/images/cat.jpg"),
        ("sc-status", "200"),
        ("cs(Referer)", "https://example.com/"),
        ("cs(User-Agent)", "Mozilla/5.0%20(X11;%20Linux)"),
        ("cs-uri-query", "w=100&h=50"),
        ("cs(Cookie)", "session=abc;%20theme=dark"),
        ("x-edge-result-type", "Hit"),
        ("x-edge-request-id", "SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ=="),
        ("x-host-header", "www.example.com"),
        ("cs-protocol", "https"),
        ("cs-bytes", "312"),
        ("time-taken", "0.042"),
        ("x-forwarded-for", "198.51.100.7"),
        ("ssl-protocol", "TLSv1.3"),
        ("ssl-cipher", "TLS_AES_128_GCM_SHA256"),
        ("x-edge-response-result-type", "Hit"),
        ("cs-protocol-version", "HTTP/1.1"),
        ("fle-status", "Processed"),
        ("fle-encrypted-fields", "2"),
        ("c-port", "53112"),
        ("time-to-first-byte", "0.002"),
        ("x-edge-detailed-result-type", "Hit"),
        ("sc-content-type", "image/jpeg"),
        ("sc-content-len", "2000"),
        ("sc-range-start", "0"),
        ("sc-range-end", "1999"),
    ],
)
def test_each_field_is_formatted_as_cloudfront_logs_it(field: str, logged: str) -> None:
    values = format_record(FULL).split("\t")
    assert len(values) == 33
    assert values[FIELDS.index(field)] == logged


def test_absent_values_are_a_hyphen_and_a_viewer_who_left_is_status_000() -> None:
    values = dict(zip(FIELDS, format_record(MINIMAL).split("\t"), strict=True))
    for field in (
        "cs(Referer)", "cs(User-Agent)", "cs-uri-query", "cs(Cookie)", "x-forwarded-for",
        "ssl-protocol", "ssl-cipher", "fle-status", "fle-encrypted-fields", "sc-content-type",
        "sc-content-len", "sc-range-start", "sc-range-end",
    ):  # fmt: skip
        assert values[field] == "-", field
    assert values["sc-status"] == "000"
    assert values["time-taken"] == "0.000"


def test_an_empty_string_is_logged_as_a_hyphen() -> None:
    values = format_record(dataclasses.replace(MINIMAL, cs_user_agent="")).split("\t")
    assert values[FIELDS.index("cs(User-Agent)")] == "-"


@pytest.mark.parametrize(
    ("user_agent", "logged"),
    [
        ("curl/8.5.0", "curl/8.5.0"),
        ("a b", "a%20b"),
        ("a\tb", "a%09b"),
        ("a\nb", "a%0Ab"),
        ("naïve", "na%C3%AFve"),
        ('say "hi"', "say%20%22hi%22"),
        ("100%", "100%25"),
        ("<x>{y}|\\^`#", "%3Cx%3E%7By%7D%7C%5C%5E%60%23"),
        ("Slackbot 1.0 (+https://api.slack.com/robots)", "Slackbot%201.0%20(+https://api.slack.com/robots)"),
    ],
)  # fmt: skip
def test_text_fields_are_url_encoded(user_agent: str, logged: str) -> None:
    values = format_record(dataclasses.replace(FULL, cs_user_agent=user_agent)).split("\t")
    assert values[FIELDS.index("cs(User-Agent)")] == logged


def test_query_escapes_are_encoded_again_as_cloudfront_does() -> None:
    values = format_record(dataclasses.replace(FULL, cs_uri_query="q=a%20b")).split("\t")
    assert values[FIELDS.index("cs-uri-query")] == "q=a%2520b"


@pytest.mark.parametrize(
    ("stem", "logged"),
    [
        ("/a%20b/caf%C3%A9.html", "/a%20b/caf%C3%A9.html"),  # as received: escapes kept
        ("/café", "/caf%C3%A9"),
        ("/a b", "/a%20b"),
    ],
)
def test_uri_stem_is_logged_as_received(stem: str, logged: str) -> None:
    values = format_record(dataclasses.replace(FULL, cs_uri_stem=stem)).split("\t")
    assert values[FIELDS.index("cs-uri-stem")] == logged


def test_date_and_time_are_utc_seconds_of_the_finish_time() -> None:
    record = dataclasses.replace(FULL, time=_epoch("2023-12-31 23:59:59") + 0.999)
    date, time = format_record(record).split("\t")[:2]
    assert (date, time) == ("2023-12-31", "23:59:59")


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def test_a_log_file_starts_with_version_and_fields_lines(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    log.write(FULL)
    log.close()
    path = tmp_path / "E2EXAMPLE.2024-03-05-07.NRT20-C1.log"
    assert _lines(path)[:2] == ["#Version: 1.0", "#Fields: " + " ".join(FIELDS)]
    assert _lines(path)[2:] == [format_record(FULL)]


def test_writes_stay_in_memory_until_flush(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    log.write(FULL)
    assert list(tmp_path.iterdir()) == []
    log.flush()
    assert _lines(log.path_for(FULL.time))[2:] == [format_record(FULL)]
    log.close()


def test_a_full_buffer_is_written_without_waiting_for_flush(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    line_length = len(format_record(FULL)) + 1
    for _ in range(64 * 1024 // line_length + 1):
        log.write(FULL)
    assert len(_lines(log.path_for(FULL.time))) == 2 + 64 * 1024 // line_length + 1
    log.close()


def test_a_new_hour_starts_a_new_file(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    before = dataclasses.replace(FULL, time=_epoch("2024-03-05 10:59:59"))
    after = dataclasses.replace(FULL, time=_epoch("2024-03-05 11:00:00"))
    log.write(before)
    log.flush()
    log.write(after)
    log.close()
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "E2EXAMPLE.2024-03-05-10.NRT20-C1.log",
        "E2EXAMPLE.2024-03-05-11.NRT20-C1.log",
    ]
    assert _lines(tmp_path / "E2EXAMPLE.2024-03-05-10.NRT20-C1.log")[2:] == [format_record(before)]
    assert _lines(tmp_path / "E2EXAMPLE.2024-03-05-11.NRT20-C1.log")[0] == "#Version: 1.0"
    assert _lines(tmp_path / "E2EXAMPLE.2024-03-05-11.NRT20-C1.log")[2:] == [format_record(after)]


def test_a_request_finishing_in_a_rotated_hour_goes_to_that_hours_file(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    early = dataclasses.replace(FULL, time=_epoch("2024-03-05 10:30:00"))
    late = dataclasses.replace(FULL, time=_epoch("2024-03-05 11:00:05"))
    log.write(early)
    log.write(late)
    log.flush()
    log.write(dataclasses.replace(early, x_edge_request_id="straggler"))
    log.close()
    ten = _lines(log.path_for(early.time))
    assert ten[0] == "#Version: 1.0"
    assert [parse_record(line).x_edge_request_id for line in ten[2:]] == [
        FULL.x_edge_request_id,
        "straggler",
    ]
    assert _lines(log.path_for(late.time))[2:] == [format_record(late)]


def test_reopening_a_log_appends_without_repeating_the_header(tmp_path: Path) -> None:
    for _ in range(2):
        log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
        log.write(FULL)
        log.close()
    lines = _lines(log.path_for(FULL.time))
    assert [line for line in lines if line.startswith("#")] == lines[:2]
    assert len(lines) == 4


def test_close_writes_everything_and_is_idempotent(tmp_path: Path) -> None:
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    records = [dataclasses.replace(FULL, x_edge_request_id=f"id-{n}") for n in range(100)]
    for record in records:
        log.write(record)
    log.close()
    log.close()
    assert _lines(log.path_for(FULL.time))[2:] == [format_record(r) for r in records]
    with pytest.raises(ValueError, match="closed"):
        log.write(FULL)


def test_reading_a_file_back_gives_the_records_written(tmp_path: Path) -> None:
    # What is logged is seconds for `time` and milliseconds for durations: write exactly that.
    logged_precision = dataclasses.replace(FULL, time_taken=0.042, time_to_first_byte=0.002)
    records = [
        logged_precision,
        MINIMAL,
        dataclasses.replace(
            FULL,
            time=_epoch("2024-03-05 07:59:00"),
            cs_user_agent='Ünï "agent"\t100%',
            cs_uri_query="q=a%20b&x=é",
            cs_cookie="a=1; b=%",
            time_taken=1.5,
            time_to_first_byte=0.25,
            sc_status=304,
        ),
    ]
    log = AccessLog(str(tmp_path), "E2EXAMPLE", "NRT20-C1")
    for record in records:
        log.write(record)
    log.close()
    lines = _lines(log.path_for(FULL.time))
    assert [parse_record(line) for line in lines if not line.startswith("#")] == records


def test_a_line_with_the_wrong_number_of_fields_is_refused() -> None:
    with pytest.raises(ValueError, match="33"):
        parse_record("2024-03-05\t07:08:09\tNRT20-C1")


def test_every_ascii_character_is_encoded_as_url_quoting_does() -> None:
    # Values with nothing to encode are logged as they are; the rest must match `quote` exactly.
    for code in range(128):
        char = chr(code)
        record = dataclasses.replace(FULL, cs_user_agent=f"a{char}b", cs_uri_stem=f"/a{char}b")
        values = format_record(record).split("\t")
        assert values[FIELDS.index("cs(User-Agent)")] == quote(f"a{char}b", safe=SAFE), code
        assert values[FIELDS.index("cs-uri-stem")] == quote(f"/a{char}b", safe=SAFE + "%"), code


# A plain GET hit as `log_record` records it, and the request headers its fields come from.
HIT = dataclasses.replace(
    MINIMAL,
    sc_bytes=1456,
    cs_uri_stem="/images/cat.jpg",
    sc_status=200,
    cs_referer="https://example.com/",
    cs_user_agent="curl/8.5.0",
    cs_uri_query="w=100",
    cs_cookie="session=abc",
    x_edge_result_type="Hit",
    x_edge_request_id="SOX4xwn4XV6Q4rgb7XiVGOHms_BGlTAC4KyHmureZmBNrjGdRLiNIQ==",
    cs_bytes=96,
    time_taken=0.0004,
    x_forwarded_for="198.51.100.7",
    x_edge_response_result_type="Hit",
    c_port=53112,
    time_to_first_byte=0.0003,
    x_edge_detailed_result_type="Hit",
    sc_content_type="image/jpeg",
    sc_content_len=1024,
)
HIT_HEADERS = {"Host": "www.example.com", "Referer": "https://example.com/",
               "User-Agent": "curl/8.5.0", "Cookie": "session=abc",
               "X-Forwarded-For": "198.51.100.7"}


def _hit_fields(record: AccessLogRecord, headers: dict[str, str]) -> str:
    r = record
    assert r.sc_content_len is not None
    return hit_fields(
        r.x_edge_location, r.sc_bytes, r.c_ip, r.cs_host, r.cs_uri_stem, r.sc_status,
        CIMultiDict(headers), r.cs_uri_query or "", r.x_edge_result_type, r.x_edge_request_id,
        r.cs_bytes, r.time_taken, r.cs_protocol_version, r.c_port, r.time_to_first_byte,
        r.x_edge_detailed_result_type, r.sc_content_type, r.sc_content_len,
    )


@pytest.mark.parametrize(
    ("changes", "headers"),
    [
        ({}, HIT_HEADERS),
        ({"cs_referer": None, "cs_user_agent": None, "cs_cookie": None, "x_forwarded_for": None,
          "cs_uri_query": None, "sc_content_type": None, "x_host_header": ""}, {}),
        ({"sc_status": 0, "x_edge_detailed_result_type": "ClientHungUpRequest"}, HIT_HEADERS),
        ({"cs_uri_stem": "/caf%C3%A9 menu", "cs_uri_query": "q=a b"}, HIT_HEADERS),
        ({"cs_user_agent": "Mozilla/5.0 (X11; Linux)\tnaïve"},
         {**HIT_HEADERS, "User-Agent": "Mozilla/5.0 (X11; Linux)\tnaïve"}),
    ],
    ids=["every-header", "no-headers", "viewer-left", "stem-and-query-to-encode",
         "header-to-encode"],
)
def test_a_hit_line_from_values_is_the_line_of_its_record(
    changes: dict[str, object], headers: dict[str, str]
) -> None:
    record = dataclasses.replace(HIT, **changes)  # type: ignore[arg-type]
    fields = format_record(record).split("\t", 2)[2]  # after date and time
    assert _hit_fields(record, headers) == fields
