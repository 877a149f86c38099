"""What viewers ask for: Zipf popularity, the sample site's mix, URL lists and access logs
replayed, and errors that give the line."""

from __future__ import annotations

import gzip
import random
from collections import Counter
from pathlib import Path

import pytest

from edge.load.errors import LoadInputError
from edge.load.workload import (
    SAMPLE_SITE,
    Replayed,
    Request,
    SiteWorkload,
    ZipfWorkload,
    read_access_log,
    read_url_list,
)
from edge.node.access_log import FIELDS, AccessLogRecord, format_record

CONTENT = Path(__file__).parents[2] / "origin" / "content"
DRAWS = 50_000


def frequencies(workload: ZipfWorkload | SiteWorkload, seed: int = 5) -> Counter[Request]:
    rng = random.Random(seed)
    return Counter(workload.next_request(rng) for _ in range(DRAWS))


def test_zipf_probabilities_by_hand() -> None:
    """Three objects, alpha 1: weights 1, 1/2, 1/3 sum to 11/6, so 6/11, 3/11, 2/11."""
    workload = ZipfWorkload([Request("/a"), Request("/b"), Request("/c")], alpha=1.0)
    assert [workload.probability(rank) for rank in (1, 2, 3)] == \
        pytest.approx([6 / 11, 3 / 11, 2 / 11])


@pytest.mark.parametrize("alpha", [0.0, 0.8, 1.0, 1.5])
def test_zipf_frequencies(alpha: float) -> None:
    requests = [Request(f"/{n}") for n in range(20)]
    workload = ZipfWorkload(requests, alpha)
    drawn = frequencies(workload)
    for rank, request in enumerate(requests, start=1):
        # 50,000 draws: a standard deviation of at most 0.0023 per frequency.
        assert drawn[request] / DRAWS == pytest.approx(workload.probability(rank), abs=0.01)


def test_zipf_with_alpha_1_over_ten_objects() -> None:
    """H(10) = 2.928968: the first object gets 1/H(10) = 34.1 %, the tenth 3.4 %."""
    requests = [Request(f"/{n}") for n in range(10)]
    drawn = frequencies(ZipfWorkload(requests, 1.0))
    assert drawn[requests[0]] / DRAWS == pytest.approx(0.3414, abs=0.01)
    assert drawn[requests[9]] / DRAWS == pytest.approx(0.0341, abs=0.005)


def test_sample_site_mix() -> None:
    workload = SiteWorkload(alpha=1.0, api_share=0.10, members_share=0.05)
    drawn = frequencies(workload)
    api = sum(n for r, n in drawn.items() if r.target.startswith("/api/"))
    time = drawn[Request("/api/time")]
    members = drawn[Request("/members/", credentials=True)]
    images = sum(n for r, n in drawn.items() if r.target.startswith("/images/"))
    variants = sum(n for r, n in drawn.items() if "?width=" in r.target)
    assert api / DRAWS == pytest.approx(0.10, abs=0.01)
    assert time / DRAWS == pytest.approx(0.05, abs=0.01)
    assert members / DRAWS == pytest.approx(0.05, abs=0.01)
    assert images > variants > 0
    site = [n for r, n in drawn.items() if not r.target.startswith("/api")]
    assert drawn[Request("/")] == max(site)
    assert all(r.method == "GET" for r in drawn)
    assert {r for r in drawn if r.credentials} == {Request("/members/", credentials=True)}


def test_sample_site_objects_exist_on_the_origin() -> None:
    for target in SAMPLE_SITE:
        path = target.split("?")[0].removeprefix("/")
        file = CONTENT / (path + "index.html" if not path or path.endswith("/") else path)
        assert file.is_file(), target
    assert len(set(SAMPLE_SITE)) == len(SAMPLE_SITE)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"alpha": -1.0}, "the Zipf exponent must be 0 or more"),
        ({"api_share": 0.7, "members_share": 0.4}, "add up to 1 at most"),
        ({"api_share": -0.1}, "must be 0 or more"),
    ],
)
def test_bad_site_workload(kwargs: dict, message: str) -> None:
    with pytest.raises(LoadInputError, match=message):
        SiteWorkload(**kwargs)


def test_empty_workload_is_an_error() -> None:
    with pytest.raises(LoadInputError, match="the workload is empty"):
        ZipfWorkload([])


def test_url_list(tmp_path: Path) -> None:
    path = tmp_path / "urls.txt"
    path.write_text(
        "# most popular first\n"
        "/\n"
        "\n"
        "HEAD /about.html\n"
        "http://example.com/images/coffee.jpg?width=400\n"
        "post /api/items/7\n",
        encoding="utf-8",
    )
    assert read_url_list(path) == [
        Request("/"),
        Request("/about.html", "HEAD"),
        Request("/images/coffee.jpg?width=400"),
        Request("/api/items/7", "POST"),
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("/\nFETCH /a\n", r"urls.txt:2: unknown method 'FETCH'"),
        ("/\n/b\nabout.html\n", r"urls.txt:3: expected a path starting with /"),
        ("# nothing\n\n", r"urls.txt: the URL list has no requests in it"),
    ],
)
def test_bad_url_list(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "urls.txt"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(LoadInputError, match=message):
        read_url_list(path)


def record(time: float, stem: str, query: str | None = None, ip: str = "198.18.0.1",
           method: str = "GET") -> AccessLogRecord:
    return AccessLogRecord(
        time=time, x_edge_location="NRT57-C1", sc_bytes=1200, c_ip=ip, cs_method=method,
        cs_host="d111111abcdef8.cloudfront.net", cs_uri_stem=stem, sc_status=200,
        cs_uri_query=query, x_edge_result_type="Hit", x_edge_request_id="id",
        x_host_header="example.com", cs_protocol="https", cs_bytes=90, time_taken=0.002,
        x_edge_response_result_type="Hit", cs_protocol_version="HTTP/1.1", c_port=50000,
        time_to_first_byte=0.001, x_edge_detailed_result_type="Hit",
    )


HEADER = f"#Version: 1.0\n#Fields: {' '.join(FIELDS)}\n"
T0 = 1_700_000_000  # 2023-11-14 22:13:20 UTC


def write_log(path: Path, records: list[AccessLogRecord], header: str = HEADER) -> None:
    path.write_text(header + "".join(format_record(r) + "\n" for r in records), encoding="utf-8")


@pytest.mark.parametrize("gzipped", [False, True])
def test_access_log_replay(tmp_path: Path, gzipped: bool) -> None:
    path = tmp_path / "E2.2023-11-14-22.abcd.log"
    write_log(path, [
        record(T0 + 2, "/b"),
        record(T0, "/a", "width=400&q=caf%C3%A9%20au%20lait"),
        record(T0, "/members/", method="POST", ip="2001:db8::5"),
        record(T0, "/c"),
    ])
    if gzipped:
        path.write_bytes(gzip.compress(path.read_bytes()))
    assert read_access_log(path) == [
        # Three requests logged in the first second, spread across it in their order.
        Replayed(0.0, Request("/a?width=400&q=caf%C3%A9%20au%20lait"), "198.18.0.1"),
        Replayed(1 / 3, Request("/members/", "POST"), "2001:db8::5"),
        Replayed(2 / 3, Request("/c"), "198.18.0.1"),
        Replayed(2.0, Request("/b"), "198.18.0.1"),
    ]


def test_access_log_with_fewer_fields_reads_by_its_header(tmp_path: Path) -> None:
    path = tmp_path / "old.log"
    path.write_text(
        "#Version: 1.0\n"
        "#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem\n"
        "2014-05-23\t01:13:11\tFRA2\t182\t192.0.2.10\tGET\td111111abcdef8.cloudfront.net\t/v.jpg\n",
        encoding="utf-8",
    )
    assert read_access_log(path) == [Replayed(0.0, Request("/v.jpg"), "192.0.2.10")]


def test_access_log_without_header_has_todays_fields(tmp_path: Path) -> None:
    path = tmp_path / "bare.log"
    write_log(path, [record(T0, "/x")], header="")
    assert read_access_log(path) == [Replayed(0.0, Request("/x"), "198.18.0.1")]


def test_malformed_access_log_line_gives_its_number(tmp_path: Path) -> None:
    path = tmp_path / "bad.log"
    good = format_record(record(T0, "/a"))
    path.write_text(HEADER + good + "\n" + good + "\n" + "2023-11-14\t22:13:20\tjunk\n",
                    encoding="utf-8")
    with pytest.raises(LoadInputError, match=r"bad.log:5: expected 33 tab-separated fields, "
                                             r"got 3"):
        read_access_log(path)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("2023-13-14\t22:13:20", r"log.log:3: bad date or time '2023-13-14' '22:13:20'"),
        ("2023-11-14\t22:13:20\tFRA2\t1\t-\tGET%2FHEAD",
         r"log.log:3: not an HTTP method: 'GET/HEAD'"),
        ("2023-11-14\t22:13:20\tFRA2\t1\t-\t-", r"log.log:3: not an HTTP method: '-'"),
        ("2023-11-14\t22:13:20\tFRA2\t1\t-\tGET\td.net\t-", r"log.log:3: the path '-' does "
                                                              r"not start with /"),
    ],
)
def test_bad_access_log_values(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "log.log"
    fields = format_record(record(T0, "/a")).split("\t")
    given = line.split("\t")
    path.write_text(HEADER + "\t".join(given + fields[len(given):]) + "\n", encoding="utf-8")
    with pytest.raises(LoadInputError, match=message):
        read_access_log(path)


def test_access_log_replays_every_method_the_edge_logs(tmp_path: Path) -> None:
    """The edge logs whatever method a viewer sent (answering those it does not serve with a
    403): a replay sends them all again. A CONNECT is logged without a path."""
    path = tmp_path / "log.log"
    methods = ["TRACE", "PROPFIND", "M-SEARCH", "BREW", "PATCH"]
    write_log(path, [record(T0 + i, "/a", method=m) for i, m in enumerate(methods)]
              + [record(T0 + 9, "", method="CONNECT")])
    assert "\tCONNECT\td111111abcdef8.cloudfront.net\t-\t" in path.read_text()
    assert read_access_log(path) == [
        *(Replayed(float(i), Request("/a", m), "198.18.0.1") for i, m in enumerate(methods)),
        Replayed(9.0, Request("/", "CONNECT"), "198.18.0.1"),
    ]


def test_access_log_header_lacking_the_request(tmp_path: Path) -> None:
    path = tmp_path / "log.log"
    path.write_text("#Version: 1.0\n#Fields: date time c-ip\n", encoding="utf-8")
    with pytest.raises(LoadInputError, match=r"log.log:2: the #Fields header lacks cs-method, "
                                             r"cs-uri-stem"):
        read_access_log(path)


def test_empty_access_log(tmp_path: Path) -> None:
    path = tmp_path / "empty.log.gz"
    path.write_bytes(gzip.compress(HEADER.encode()))
    with pytest.raises(LoadInputError, match=r"empty\.log\.gz: the access log has no requests"):
        read_access_log(path)


def test_unreadable_logs(tmp_path: Path) -> None:
    with pytest.raises(LoadInputError, match=r"missing\.log: cannot read"):
        read_access_log(tmp_path / "missing.log")
    broken = tmp_path / "broken.log.gz"
    broken.write_bytes(gzip.compress(HEADER.encode())[:20])
    with pytest.raises(LoadInputError, match=r"broken\.log\.gz: a damaged gzip file"):
        read_access_log(broken)
    binary = tmp_path / "binary.log"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(LoadInputError, match=r"binary\.log: not UTF-8 text"):
        read_access_log(binary)
