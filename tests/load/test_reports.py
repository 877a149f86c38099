"""The reports of a load run: the terminal summary, the self-contained HTML report and the
comparison of two runs, all read from run results built with the real `LoadStats` and `Bill`.

Expected figures are computed here from the raw measurements, not read back from the stats."""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from edge.load.compare import compare_command, comparison_data, render_comparison
from edge.load.cost import RegionTraffic, Traffic, monthly_bill, price_region
from edge.load.html_report import render_html
from edge.load.report import WIDTH, render_summary
from edge.load.stats import RELATIVE_ERROR, LoadStats, Measurement

# PoP id → (city, latitude, longitude, country, continent code), as in the default topology.
POPS = {
    "IAD89-C1": ("Ashburn", 38.94, -77.46, "US", "NA"),
    "FRA56-C1": ("Frankfurt", 50.03, 8.57, "DE", "EU"),
    "NRT57-C1": ("Tokyo", 35.77, 140.39, "JP", "AS"),
    "JNB50-C1": ("Johannesburg", -26.14, 28.25, "ZA", "AF"),
}


@dataclass(frozen=True)
class Place:
    city: str
    country: str
    lat: float
    lon: float
    region: str
    pop: str
    weight: int
    base_ms: float  # median latency of its viewers


PLACES = (
    Place("New York", "US", 40.71, -74.01, "North America", "IAD89-C1", 40, 12.0),
    Place("Toronto", "CA", 43.65, -79.38, "North America", "IAD89-C1", 10, 18.0),
    Place("Paris", "FR", 48.86, 2.35, "Europe", "FRA56-C1", 20, 9.0),
    Place("Tokyo", "JP", 35.68, 139.69, "Asia", "NRT57-C1", 20, 7.0),
    Place("N'Djamena", "TD", 12.11, 15.04, "Africa", "JNB50-C1", 10, 60.0),
)
CITY_NAMES = tuple(place.city for place in PLACES)


def run_result(seed: int = 1, n: int = 3000, hit_share: float = 0.8, elapsed: float = 30.0,
               requested_rate: float | None = 100.0, places: tuple[Place, ...] = PLACES,
               sending: float = 25.0) -> tuple[dict[str, Any], list[Measurement]]:
    """A run result as the runner writes it, from `n` measured requests drawn with `seed` from
    the viewers of `places`, sent over the first `sending` of its `elapsed` seconds."""
    rng = random.Random(seed)
    stats, measurements = LoadStats(), []
    per_place: Counter[Place] = Counter()
    achieved = n / sending if sending else None
    for _ in range(n):
        place = rng.choices(places, [p.weight for p in places])[0]
        sent_at = rng.uniform(0, sending)
        latency = rng.lognormvariate(math.log(place.base_ms), 0.6)
        draw = rng.random()
        if draw < 0.01:  # no response
            m = Measurement(sent_at, latency, 0, None, 0, place.region, None)
        else:
            status = 404 if draw < 0.03 else 502 if draw < 0.035 else 200
            outcome = ("Error" if status == 502 else "RefreshHit" if draw > 0.99
                       else "Hit" if rng.random() < hit_share else "Miss")
            m = Measurement(sent_at, latency, status, f"{outcome} from cloudfront",
                            rng.randint(500, 50_000), place.region, place.pop)
        stats.record(m)
        measurements.append(m)
        per_place[place] += 1
    traffic: dict[Any, RegionTraffic] = {}
    for pop, tally in stats.by_pop.items():
        if pop in POPS:
            group = price_region(POPS[pop][3], POPS[pop][4])
            before = traffic.get(group, RegionTraffic())
            traffic[group] = RegionTraffic(before.bytes_out + tally.bytes, 0,
                                           before.https_requests + tally.requests)
    misses = stats.total.x_cache["Miss"]
    functions = {
        "image_resize": {"invocations": 120, "errors": {"LambdaExecutionError": 2},
                         "cold_starts": 3, "duration_p50_ms": 31.4, "duration_p99_ms": 180.2,
                         "billed_duration_ms": 5200, "gb_seconds": 0.65, "cost_usd": 0.0000397},
        "add_security_headers": {"invocations": n, "errors": {}, "cold_starts": 1,
                                 "duration_p50_ms": 0.41, "duration_p99_ms": 1.9,
                                 "billed_duration_ms": n, "gb_seconds": n * 0.000125,
                                 "cost_usd": 0.0},
    }
    bill = monthly_bill(Traffic(
        sending or elapsed, traffic, sum(f["invocations"] for f in functions.values()),
        sum(f["gb_seconds"] for f in functions.values()),
    ))
    result = {
        "format": "edgesim-load/1",
        "started_at": "2026-11-27T12:00:00Z",
        "elapsed_s": elapsed,
        "sending_s": sending,
        "settings": {
            "target": "http://127.0.0.1:8080", "direct": False, "model": "open",
            "rate": requested_rate, "ramp_up_s": 5.0, "users": None, "think_s": None,
            "duration_s": elapsed, "requests": None, "workers": 2, "population": "world",
            "workload": "site", "alpha": 1.0, "seed": seed,
        },
        "requested_rate": requested_rate,
        "achieved_rate": achieved,
        "stats": stats.to_json(),
        "viewers": [
            {"city": p.city, "country": p.country, "lat": p.lat, "lon": p.lon,
             "region": p.region, "pop": p.pop, "requests": count}
            for p, count in per_place.items()
        ],
        "pops": {pop: {"city": city, "lat": lat, "lon": lon, "country": country}
                 for pop, (city, lat, lon, country, _) in POPS.items()},
        "origin": {"requests": misses + 7, "bytes": stats.total.miss_bytes + 9000},
        "nodes": {},
        "functions": functions,
        "bill": bill.to_json(),
        "warnings": ([f"achieved {achieved:.1f} req/s of the {requested_rate:g} requested: "
                      "the machine could not keep up"]
                     if requested_rate and achieved and achieved < 0.95 * requested_rate
                     else []),
    }
    return json.loads(json.dumps(result)), measurements


@pytest.fixture(scope="module")
def run() -> tuple[dict[str, Any], list[Measurement]]:
    return run_result()


def exact_percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def close_to(shown: str, exact: float) -> bool:
    """A latency as the report shows it, against the exact value: the histogram's error plus
    the rounding to the digits shown."""
    digits = len(shown.split(".")[1]) if "." in shown else 0
    return abs(float(shown.replace(",", "")) - exact) <= (
        exact * RELATIVE_ERROR + 0.0005 + 0.5 * 10 ** -digits)


def words(text: str) -> str:
    """Text as one line: the summary wraps its overview lines to fit `WIDTH`."""
    return " ".join(text.split())


def rows_of(summary: str, title: str) -> dict[str, list[str]]:
    """The rows of one table of the summary, by first cell (continuation lines left out)."""
    block = summary.split("\n\n" + title + "\n", 1)[1].split("\n\n", 1)[0]
    rows = {}
    for line in block.splitlines()[2:]:
        if line.startswith("("):  # the notes below the table
            break
        if not line.startswith(" "):
            cells = re.split(r"\s{2,}", line)
            rows[cells[0]] = cells[1:]
    return rows


def hit_ratio(ms: list[Measurement]) -> float:
    hits = sum(m.outcome in ("Hit", "RefreshHit") for m in ms)
    return hits / (hits + sum(m.outcome == "Miss" for m in ms))


# -- the terminal summary ----------------------------------------------------------------------

def test_summary_shows_each_regions_requests_rate_errors_and_latency(run) -> None:
    result, measurements = run
    rows = rows_of(render_summary(result), "Requests and latency by viewer region")
    assert set(rows) == {"North America", "Europe", "Asia", "Africa", "all"}
    for region, cells in rows.items():
        ms = [m for m in measurements if region in ("all", m.region)]
        latencies = [m.latency_ms for m in ms]
        requests, rate, errors, p50, p90, p99, top = cells[:7]
        assert requests == f"{len(ms):,}"
        assert rate == f"{len(ms) / 25:.1f}"  # over the sending window, not the whole run
        assert errors == str(sum(m.status == 0 or m.status >= 500 for m in ms))
        for shown, fraction in ((p50, 0.5), (p90, 0.9), (p99, 0.99), (top, 1.0)):
            assert close_to(shown, exact_percentile(latencies, fraction)), (region, fraction)


def test_summary_shows_hits_and_hit_ratios_per_pop(run) -> None:
    result, measurements = run
    rows = rows_of(render_summary(result), "Cache by PoP")
    assert set(rows) == {*POPS, "-", "all"}
    for pop in POPS:
        ms = [m for m in measurements if m.pop == pop]
        hits = [m for m in ms if m.outcome in ("Hit", "RefreshHit")]
        miss_bytes = sum(m.bytes for m in ms if m.outcome == "Miss")
        hit_bytes = sum(m.bytes for m in hits)
        assert rows[pop][:3] == [f"{len(hits):,}", f"{hit_ratio(ms) * 100:.1f}%",
                                 f"{hit_bytes / (hit_bytes + miss_bytes) * 100:.1f}%"]
        assert rows[pop][3].startswith(
            f"Hit {sum(m.outcome == 'Hit' for m in ms) / len(ms) * 100:.1f}%, Miss ")
    no_response = [m for m in measurements if m.pop is None]
    assert rows["-"] == ["0", "-", "-", "none 100.0%"]
    assert len(no_response) == sum(m.status == 0 for m in measurements)


def test_summary_shows_rate_origin_offload_functions_and_bill(run) -> None:
    result, measurements = run
    summary = render_summary(result)
    total_bytes = sum(m.bytes for m in measurements)
    origin = result["origin"]
    assert ("3,000 requests over 25.0 s, from the first send to the last: 120.0 req/s achieved "
            "of 100 requested (120.0%)") in words(summary)
    assert (f"{origin['requests']:,} requests of 3,000 (offload "
            f"{(1 - origin['requests'] / 3000) * 100:.1f}%)") in summary
    assert f"(offload {(1 - origin['bytes'] / total_bytes) * 100:.1f}%)" in summary
    functions = rows_of(summary, "Edge functions")
    assert functions["image_resize"] == ["120", "2", "31.4", "180", "3", "0.6500"]
    assert functions["add_security_headers"][:3] == ["3,000", "0", "0.41"]
    assert functions["all"] == ["3,120", "2", "4", "1.0250"]
    assert "(image_resize errors: LambdaExecutionError 2)" in summary
    bill = rows_of(summary, "Estimated monthly bill at the same rate (CloudFront + Lambda@Edge, "
                            "USD)")
    assert bill["total"][-1] == f"${result['bill']['total']:,.2f}"
    assert bill["Japan"][0] == f"${result['bill']['data_transfer']['Japan']:,.2f}"


def test_summary_fits_100_columns_and_says_when_the_rate_was_not_reached() -> None:
    result, _ = run_result(n=500, requested_rate=50.0)
    summary = render_summary(result)
    assert max(len(line) for line in summary.splitlines()) <= WIDTH
    assert "20.0 req/s achieved of 50 requested (40.0%)" in words(summary)
    assert re.search(r"\nwarning +achieved 20.0 req/s of the 50 requested", summary)


def test_rates_are_over_the_sending_window_not_the_wait_for_the_last_answers() -> None:
    """Sent over 10 s, the last answer 25 s in: 1,000 requests went out at 100 req/s, as a
    load tester reports its rate, and the tables agree with that figure."""
    result, _ = run_result(n=1000, elapsed=25.0, sending=10.0)
    summary = render_summary(result)
    assert re.search(r"\nrun +started 2026-11-27T12:00:00Z, lasted 25.0 s to the last answer\n",
                     summary)
    assert ("1,000 requests over 10.0 s, from the first send to the last: 100.0 req/s achieved "
            "of 100 requested (100.0%)") in words(summary)
    assert rows_of(summary, "Requests and latency by viewer region")["all"][1] == "100.0"
    assert rows_of(summary, "Requests and latency by PoP")["all"][1] == "100.0"
    assert "(req/s: over 10.0 s, from the first send to the last)" in summary
    assert "warning" not in summary
    assert "req/s: over 10.0 s, from the first send to the last" in render_html(result)


def test_a_run_sent_all_at_once_has_no_rate() -> None:
    result, _ = run_result(n=1, sending=0.0)
    summary = render_summary(result)
    assert "1 request: no rate to measure" in summary
    assert rows_of(summary, "Requests and latency by viewer region")["all"][1] == "-"
    assert "(req/s: none, the requests were all sent at once)" in summary


def test_a_result_written_before_the_sending_window_says_its_rate_took_the_whole_run() -> None:
    result, _ = run_result(n=3000)
    del result["sending_s"]
    result["achieved_rate"] = 3000 / 30
    summary = render_summary(result)
    assert ("3,000 requests over 30.0 s, the whole run, the wait for the last answers included: "
            "100.0 req/s achieved") in words(summary)
    assert rows_of(summary, "Requests and latency by viewer region")["all"][1] == "100.0"


def test_a_byte_offload_below_zero_says_why_and_keeps_its_number() -> None:
    """Functions that resize images, or compression, make the edge's bodies smaller than what
    the origin sent: more bytes from the origin than to the viewers."""
    result, measurements = run_result(n=400)
    total_bytes = sum(m.bytes for m in measurements)
    result["origin"]["bytes"] = total_bytes * 3
    summary = render_summary(result)
    assert ("(offload -200.0%: the origin sent more bytes than the viewers received, as when "
            "edge functions (resized images), compression or byte ranges make the edge's "
            "responses smaller than the origin's)") in words(summary)
    assert "the origin sent more bytes than the viewers received" in render_html(result)
    comparison = words(render_comparison(run_result(n=400, seed=2)[0], result))
    assert "-200.0%" in comparison
    assert ("(origin offload (bytes) below zero: the origin sent more bytes than the viewers "
            "received") in comparison
    positive = render_summary(run_result(n=400)[0])
    assert "the origin sent more bytes" not in words(positive)


def test_summary_of_a_replay_says_it_is_one() -> None:
    result, _ = run_result(requested_rate=None)
    result["settings"].update(model="replay", rate=None, ramp_up_s=0.0,
                              workload="log:logs/IAD89-C1/E2.2026-11-27-12.IAD89-C1.log")
    result["origin"], result["origin_unknown"] = None, "the sample origin stopped answering"
    summary = render_summary(result)
    assert re.search(r"settings +replay of the access log at its logged times, from its first "
                     r"request, for 30 s", summary)
    assert "Zipf" not in summary and "req/s achieved\n" in summary
    assert "origin    not counted (the sample origin stopped answering)" in summary
    # A result written before a replay said so: "open", with no rate.
    result["settings"]["model"] = "open"
    assert "replay of the access log" in render_summary(result)
    assert "replay of the access log" in render_html(result)


def test_summary_of_a_run_without_responses_or_origin_counters() -> None:
    result, _ = run_result(n=0, requested_rate=None)
    result["settings"].update(model="closed", rate=None, users=5, think_s=[0.5, 1.5])
    result["origin"] = None
    result["functions"] = {}
    summary = render_summary(result)
    assert "closed model, 5 users thinking 0.5-1.5 s" in summary
    assert "origin    not counted" in summary
    assert rows_of(summary, "Cache by viewer region") == {"all": ["0", "-", "-"]}


def test_one_of_a_kind_is_counted_in_the_singular() -> None:
    """"1 request", "1 user", never "1 requests", in the summary and in the HTML report."""
    result, _ = run_result(n=1, sending=0.0)
    result["settings"].update(model="closed", rate=None, users=1, requests=1, duration_s=None)
    result["origin"]["requests"] = 1
    summary, page = render_summary(result), render_html(result)
    assert "closed model, 1 user, for 1 request, 2 workers" in words(summary)
    assert "origin    1 request of 1 (offload 0.0%)" in summary
    (viewer,) = result["viewers"]
    assert f"{viewer['city']}, {viewer['country']} ({viewer['region']}): 1 request → " in page
    assert f"{viewer['pop']} ({POPS[viewer['pop']][0]}, {POPS[viewer['pop']][3]}): 1 request<" \
        in page
    assert "0 requests<" in page  # the PoPs that served no one
    for text in (summary, page):
        assert not re.search(r"\b1 (request|user|worker)s\b", text), text


# -- the HTML report ---------------------------------------------------------------------------

class Page(HTMLParser):
    """What a browser would load or run from a page, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.links: list[str] = []
        self.text: list[str] = []
        self.sections: dict[str, int] = {}  # section id → <svg> elements inside
        self._section: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.links += [value or "" for name, value in attrs
                       if name in ("src", "href", "xlink:href", "srcset", "action")]
        if tag == "section":
            self._section = dict(attrs)["id"]
            self.sections[self._section or ""] = 0
        elif tag == "svg" and self._section:
            self.sections[self._section] += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Page:
    parser = Page()
    parser.feed(page)
    parser.close()
    return parser


def test_html_report_is_self_contained_with_a_chart_per_section(run) -> None:
    result, _ = run
    page = render_html(result)
    parsed = parse(page)
    assert parsed.tags["script"] == 0 and parsed.tags["link"] == 0 and parsed.tags["img"] == 0
    assert parsed.links == []
    assert "@import" not in page and "url(" not in page
    assert parsed.sections == {"latency": 1, "throughput": 1, "hit-ratio": 1, "map": 1,
                               "tables": 0}
    assert parsed.tags["table"] == 6


def test_html_report_escapes_city_names_and_draws_each_viewer_city(run) -> None:
    result, _ = run
    page = render_html(result)
    assert "N&#x27;Djamena" in page and "N'Djamena" not in page
    text = "".join(parse(page).text)
    for city in CITY_NAMES:
        assert city in text
    assert page.count("<circle") == len(result["viewers"])
    for pop in POPS:
        assert f">{pop}</text>" in page


def test_html_report_escapes_what_the_result_names() -> None:
    result, _ = run_result(n=200)
    result["functions"]['<script>alert("x")</script>'] = result["functions"].pop("image_resize")
    result["settings"]["workload"] = 'urls:"a&b".txt'
    page = render_html(result)
    assert "<script" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "urls:&quot;a&amp;b&quot;.txt" in page
    assert parse(page).tags["script"] == 0


def test_html_throughput_chart_has_a_point_per_second(run) -> None:
    result, _ = run
    page = render_html(result)
    throughput = page.split('id="throughput"', 1)[1].split("</section>", 1)[0]
    seconds = max(second for second, _ in result["stats"]["timeline"]) + 1
    lines = re.findall(r'<polyline points="([^"]*)"', throughput)
    assert [len(points.split()) for points in lines] == [seconds, seconds]


def test_html_report_of_a_run_without_requests_still_has_its_charts() -> None:
    result, _ = run_result(n=0)
    parsed = parse(render_html(result))
    assert parsed.sections["latency"] == 1 and parsed.sections["map"] == 1
    assert "no requests" in "".join(parsed.text)


# -- comparing two runs ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def two_runs() -> tuple[tuple[dict[str, Any], list[Measurement]], ...]:
    return run_result(seed=1, n=2000, hit_share=0.6), run_result(seed=2, n=2000, hit_share=0.9)


def test_comparison_deltas_and_the_better_run(two_runs) -> None:
    (a, ms_a), (b, ms_b) = two_runs
    rows = {row["metric"]: row for row in comparison_data(a, b)["rows"]}
    hit = rows["hit ratio"]
    assert hit["a"] == pytest.approx(hit_ratio(ms_a))
    assert hit["delta"] == pytest.approx(hit_ratio(ms_b) - hit_ratio(ms_a))
    assert hit["better"] == "B"
    offload = rows["origin offload (requests)"]
    assert offload["delta"] == pytest.approx(
        (b["origin"]["requests"] - a["origin"]["requests"]) / -2000)
    assert offload["better"] == "B"
    for region in ("North America", "Europe", "Asia", "Africa"):
        row = rows[f"p95 latency, {region}"]
        for side, ms in (("a", ms_a), ("b", ms_b)):
            exact = exact_percentile([m.latency_ms for m in ms if m.region == region], 0.95)
            assert row[side] == pytest.approx(exact, rel=RELATIVE_ERROR, abs=0.0005)
        assert row["better"] == ("B" if row["delta"] < 0 else "A")
    bill = rows["monthly bill"]
    assert bill["delta"] == pytest.approx(b["bill"]["total"] - a["bill"]["total"])
    assert bill["better"] == ("A" if bill["delta"] > 0 else "B")
    assert rows["requests"]["better"] is None


def test_a_run_compared_with_itself_is_the_same_everywhere(two_runs) -> None:
    (a, _), _ = two_runs
    data = comparison_data(a, a)
    assert data["settings_differ"] == []
    assert {row["better"] for row in data["rows"]} == {"=", None}
    assert all(row["delta"] == 0 for row in data["rows"])


def delta_cells(text: str) -> dict[str, tuple[str, str]]:
    """The delta and "better" cells of a rendered comparison, by figure."""
    table = text.split("\n\n", 1)[1].split("\n(", 1)[0]  # the notes left out
    cells = [re.split(r"\s{2,}", row) for row in table.splitlines()[3:]]
    return {row[0]: (row[3], row[4] if len(row) > 4 else "") for row in cells}


def test_a_delta_that_rounds_to_zero_has_no_sign(two_runs) -> None:
    """B's rate a hair below A's shows as the same, "=", with a delta of 0.0, not -0.0."""
    (a, _), _ = two_runs
    b = {**a, "achieved_rate": a["achieved_rate"] - 0.001}
    assert delta_cells(render_comparison(a, b))["achieved rate"] == ("0.0 req/s (0.0%)", "=")
    slower = {**a, "achieved_rate": a["achieved_rate"] - 0.5}
    assert delta_cells(render_comparison(a, slower))["achieved rate"][0].startswith("-0.5 req/s")
    for delta, _ in delta_cells(render_comparison(a, a)).values():  # every figure the same
        assert not re.match(r"[+-]", delta) and "+0" not in delta and "-0" not in delta, delta


def test_rendered_comparison_labels_runs_and_settings_that_differ(two_runs) -> None:
    (a, ms_a), (b, ms_b) = two_runs
    b = {**b, "settings": {**b["settings"], "population": "city:Tokyo"}}
    text = render_comparison(a, b, ("ttl-60.json", "ttl-3600.json"))
    assert text.startswith("A: ttl-60.json (started ")
    assert "B: ttl-3600.json" in text
    assert "note: the runs differ in population: A world, B city:Tokyo" in text
    row = re.split(r"\s{2,}", next(line for line in text.splitlines()
                                   if line.startswith("hit ratio")))
    delta = (hit_ratio(ms_b) - hit_ratio(ms_a)) * 100
    assert row == ["hit ratio", f"{hit_ratio(ms_a) * 100:.1f}%",
                   f"{hit_ratio(ms_b) * 100:.1f}%", f"{delta:+.1f} pt", "B"]
    assert max(len(line) for line in text.splitlines()) <= WIDTH


@pytest.mark.parametrize("world_first", [True, False])
def test_a_viewer_region_of_one_run_only_is_missing_in_the_other(world_first: bool) -> None:
    """A world run against a Tokyo-only run, in both orders: the regions only the world run
    had are shown for it and as missing ("-") for the other, with no delta and no winner."""
    world, ms_world = run_result(seed=3, n=1500)
    tokyo, ms_tokyo = run_result(seed=4, n=500,
                                 places=tuple(p for p in PLACES if p.city == "Tokyo"))
    a, b = (world, tokyo) if world_first else (tokyo, world)
    data = comparison_data(a, b)
    rows = {row["metric"]: row for row in data["rows"]}
    world_side, tokyo_side = ("a", "b") if world_first else ("b", "a")
    for region in ("North America", "Europe", "Africa"):
        row = rows[f"p95 latency, {region}"]
        exact = exact_percentile([m.latency_ms for m in ms_world if m.region == region], 0.95)
        assert row[world_side] == pytest.approx(exact, rel=RELATIVE_ERROR, abs=0.0005)
        assert row[tokyo_side] is None and row["delta"] is None and row["better"] is None
    asia = rows["p95 latency, Asia"]
    assert asia[tokyo_side] == pytest.approx(
        exact_percentile([m.latency_ms for m in ms_tokyo], 0.95), rel=RELATIVE_ERROR, abs=0.0005)
    assert asia["delta"] is not None
    # The regions stay together, between the overall latency and the bill.
    metrics = [row["metric"] for row in data["rows"]]
    assert metrics[metrics.index("p95 latency, all"):] == [
        "p95 latency, all", "p95 latency, Africa", "p95 latency, Asia", "p95 latency, Europe",
        "p95 latency, North America", "monthly bill"]
    text = render_comparison(a, b)
    africa = re.split(r"\s{2,}", next(line for line in text.splitlines()
                                      if line.startswith("p95 latency, Africa")))
    assert africa[2 if world_first else 1] == "-" and africa[3] == "-"
    assert africa[1 if world_first else 2].endswith(" ms")


def test_settings_that_differ_are_told_in_words_not_none(two_runs) -> None:
    (a, _), (b, _) = two_runs
    b = {**b, "settings": {**b["settings"], "model": "closed", "rate": None, "users": 20,
                           "think_s": [1.0, 3.0], "duration_s": None, "requests": 5000}}
    assert comparison_data(a, b)["settings_differ"] == [
        {"setting": "model", "a": "open model at 100 req/s (ramp-up 5 s)",
         "b": "closed model, 20 users thinking 1-3 s"},
        {"setting": "duration bound", "a": "30 s", "b": "none"},
        {"setting": "requests bound", "a": "none", "b": "5,000"},
    ]
    text = render_comparison(a, b)
    assert ("note: the runs differ in model: A open model at 100 req/s (ramp-up 5 s), B closed "
            "model, 20 users") in text
    assert "note: the runs differ in requests bound: A none, B 5,000" in text
    replay = {**b, "settings": {**b["settings"], "model": "replay", "users": None,
                                "think_s": None, "workload": "log:a.log"}}
    notes = [d["b"] for d in comparison_data(a, replay)["settings_differ"]]
    assert notes[0] == "replay of the access log at its logged times, from its first request"
    assert "None" not in render_comparison(a, replay) + render_comparison(replay, a)


def test_compare_command_reads_two_files(two_runs, tmp_path: Path, capsys) -> None:
    (a, _), (b, _) = two_runs
    (tmp_path / "a.json").write_text(json.dumps(a))
    (tmp_path / "b.json").write_text(json.dumps(b))
    assert compare_command([tmp_path / "a.json", tmp_path / "b.json"]) == 0
    out, err = capsys.readouterr()
    assert "Comparison (delta = B - A)" in out and err == ""


@pytest.mark.parametrize(("content", "message"), [
    (None, "no such file"),
    ("{not json", "not JSON"),
    ('{"format": "something-else/2"}', "not an edgesim load result (format 'something-else/2'"),
    ('{"format": "edgesim-load/1", "stats": {}}', "incomplete load result, missing started_at"),
    ("[1, 2]", "not an edgesim load result (format None"),
])
def test_compare_command_names_a_bad_file_in_one_line(two_runs, tmp_path: Path, capsys,
                                                      content: str | None, message: str) -> None:
    (a, _), _ = two_runs
    (tmp_path / "a.json").write_text(json.dumps(a))
    bad = tmp_path / "bad.json"
    if content is not None:
        bad.write_text(content)
    assert compare_command([tmp_path / "a.json", bad]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"edgesim load --compare: {bad}: {message}")


def test_compare_command_wants_two_files(tmp_path: Path, capsys) -> None:
    assert compare_command([tmp_path / "a.json"]) == 2
    assert capsys.readouterr().err == "edgesim load --compare: needs two result files, got 1\n"
