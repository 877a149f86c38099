"""Short runs against a real network in this process, their figures held to what theory and the
nodes say: viewers come from the regions in the population's shares, a Zipf workload on a
cache that never evicts hits as often as its distinct objects allow, and the HTML report of a
run renders in a real browser with its charts drawn.

Tolerances are statistical: a count is allowed 4 standard deviations from its expectation,
which a correct runner misses about once in 16 000 checks (and never with these fixed seeds).
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
from collections.abc import AsyncIterator
from itertools import combinations
from pathlib import Path
from typing import Any

import pytest

from edge.load.arrivals import Bounds, OpenModel
from edge.load.html_report import render_html
from edge.load.report import render_summary, tables
from edge.load.runner import Plan, node_counters, pop_addresses, run_load
from tests.world import TOKEN, World, start_world

SIGMAS = 4
SHARES = {"Europe": 50, "Asia": 30, "North America": 20}
CACHEABLE = "size=100&cc=max-age%3D3600"  # 100 bytes, an hour in the cache


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    world = await start_world(tmp_path / "logs", tiers=False)  # one PoP, straight to the origin
    try:
        yield world
    finally:
        await world.close()


def population_file(tmp_path: Path) -> Path:
    path = tmp_path / "population.toml"
    path.write_text("[regions]\n" + "".join(f'"{name}" = {share}\n'
                                            for name, share in SHARES.items()))
    return path


def url_list(tmp_path: Path, targets: list[str]) -> Path:
    path = tmp_path / "urls.txt"
    path.write_text("".join(f"{target}\n" for target in targets))
    return path


async def run(world: World, requests: int, population: str, urls: Path, *, alpha: float = 1.0,
              rate: float = 2000, seed: int) -> dict[str, Any]:
    """A seeded open-model run of `requests` drawn from the URL list, through the one PoP."""
    pops = pop_addresses(world.config)
    plan = Plan(pops[0].url, pops, OpenModel(rate), Bounds(requests=requests),
                population=population, workload=f"urls:{urls}", alpha=alpha, seed=seed)
    return await run_load(plan, node_counters(world.config, TOKEN, world.origin_url))


async def test_requests_per_region_follow_the_population_shares(world: World,
                                                                tmp_path: Path) -> None:
    n = 600
    urls = url_list(tmp_path, [f"/t/light?{CACHEABLE}"])
    result = await run(world, n, f"file:{population_file(tmp_path)}", urls, seed=11)
    by_region = {region: t["requests"] for region, t in result["stats"]["by_region"].items()}
    assert set(by_region) == set(SHARES)
    assert sum(by_region.values()) == n == result["nodes"][world.pop]["requests"]
    assert result["stats"]["total"]["errors"] == 0
    total_share = sum(SHARES.values())
    for region, share in SHARES.items():
        p = share / total_share
        expected, sd = n * p, math.sqrt(n * p * (1 - p))
        assert abs(by_region[region] - expected) <= SIGMAS * sd, (region, by_region[region])
    # The viewers' cities on the map add up to the same counts, each in its region.
    on_map: dict[str, int] = {}
    for viewer in result["viewers"]:
        on_map[viewer["region"]] = on_map.get(viewer["region"], 0) + viewer["requests"]
    assert on_map == by_region


def distinct_objects(probabilities: list[float], n: int) -> tuple[float, float]:
    """The mean and standard deviation of how many distinct objects `n` independent draws
    ask for: a sum of indicators "object i was asked for", negatively correlated pairwise."""
    missed = [(1 - p) ** n for p in probabilities]  # P(object i never asked for)
    mean = sum(1 - m for m in missed)
    variance = sum(m * (1 - m) for m in missed)
    for (i, p), (j, q) in combinations(enumerate(probabilities), 2):
        # Cov(I_i, I_j) = P(neither asked for) - P(i not asked for) P(j not asked for)
        variance += 2 * ((1 - p - q) ** n - missed[i] * missed[j])
    return mean, math.sqrt(variance)


async def test_a_zipf_workload_hits_as_often_as_its_distinct_objects_allow(
        world: World, tmp_path: Path) -> None:
    objects, n, alpha = 100, 400, 1.0
    urls = url_list(tmp_path, [f"/t/zipf-{rank}?{CACHEABLE}" for rank in range(1, objects + 1)])
    result = await run(world, n, "city:Paris", urls, alpha=alpha, seed=5)
    # A cache that keeps everything misses once per object asked for, the first time (a
    # request that arrives while that first fetch is in flight waits for it: a hit).
    fetched = {path for path in (await world.origin_stats())["by_path"]
               if path.startswith("/t/zipf-")}
    total, pop = result["stats"]["total"], result["nodes"][world.pop]["results"]
    assert total["requests"] == n and total["errors"] == 0
    assert total["x_cache"] == {"Hit": n - len(fetched), "Miss": len(fetched)}
    assert pop.get("Hit", 0) == n - len(fetched) and pop.get("Miss", 0) == len(fetched)
    # How many distinct objects Zipf's law asks for in n requests, from its probabilities.
    weights = [1 / rank**alpha for rank in range(1, objects + 1)]
    mean, sd = distinct_objects([w / sum(weights) for w in weights], n)
    hit_ratio = total["x_cache"]["Hit"] / n
    assert abs(hit_ratio - (1 - mean / n)) <= SIGMAS * sd / n, (hit_ratio, 1 - mean / n)


async def test_a_page_the_edge_compresses_makes_the_byte_offload_negative_and_says_why(
        world: World, tmp_path: Path) -> None:
    """One miss of an HTML page: the origin sends it whole and the PoP gzips it for the viewer,
    who gets fewer bytes than the origin sent. The byte offload is below zero; the summary keeps
    the number and says why."""
    result = await run(world, 1, "city:Paris", url_list(tmp_path, ["/gallery.html"]), seed=1)
    origin, total = result["origin"], result["stats"]["total"]
    assert total["x_cache"] == {"Miss": 1} and origin["requests"] == 1
    assert origin["bytes"] > total["bytes"]
    offload = (1 - origin["bytes"] / total["bytes"]) * 100
    assert (f"(offload {offload:.1f}%: the origin sent more bytes than the viewers received"
            in " ".join(render_summary(result).split()))


# -- the HTML report in a browser --------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

# Appended to a copy of the report: measures what the browser laid out and writes it into the
# page as JSON, which --dump-dom then prints. The report itself has no script.
MEASURE = """<script>
const drawn = (el) => { const b = el.getBBox(); return b.width > 0 || b.height > 0; };
const svg = (section) => document.querySelector(`section#${section} svg`);
const chart = (section) => {
  const s = svg(section), box = s.getBoundingClientRect();
  return {width: box.width, height: box.height,
          polylines: [...s.querySelectorAll("polyline")].filter(drawn).length};
};
const map = svg("map");
const measured = {
  latency: chart("latency"), throughput: chart("throughput"), hit_ratio: chart("hit-ratio"),
  map: {width: map.getBoundingClientRect().width,
        circles: [...map.querySelectorAll("circle")].filter(drawn).length,
        routes: [...map.querySelectorAll("line[stroke-opacity]")].filter(drawn).length,
        pops: [...map.querySelectorAll("g rect")].filter(drawn).length},
  tables: [...document.querySelectorAll("section#tables table")].map(
    (t) => ({caption: t.caption.textContent, rows: t.tBodies[0].rows.length,
             height: t.getBoundingClientRect().height})),
  loaded: performance.getEntriesByType("resource").length,
};
const out = document.createElement("pre");
out.id = "measured";
out.textContent = JSON.stringify(measured);
document.body.append(out);
</script>"""


def rendered(page: Path, profile: Path) -> dict[str, Any]:
    """What headless Chromium measured in `page` (which carries `MEASURE`)."""
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
         f"--user-data-dir={profile}", "--dump-dom", page.as_uri()],
        capture_output=True, text=True, timeout=60, check=True)
    start = done.stdout.index('<pre id="measured">') + len('<pre id="measured">')
    return json.loads(done.stdout[start:done.stdout.index("</pre>", start)])


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium (or chromium-browser) on PATH")
async def test_the_html_report_renders_in_a_browser_with_its_charts(world: World,
                                                                    tmp_path: Path) -> None:
    urls = url_list(tmp_path, [f"/t/page-{rank}?{CACHEABLE}" for rank in range(1, 11)])
    # Two seconds of traffic, so the charts over time have a line from one second to the next.
    result = await run(world, 240, f"file:{population_file(tmp_path)}", urls, rate=120, seed=3)
    report = render_html(result)
    assert "<script" not in report
    page = tmp_path / "report.html"
    page.write_text(report.replace("</body>", MEASURE + "</body>"), encoding="utf-8")

    measured = rendered(page, tmp_path / "chromium-profile")

    regions = len(result["stats"]["by_region"])
    assert regions == len(SHARES)
    for chart, lines in (("latency", regions), ("throughput", 2), ("hit_ratio", 1)):
        assert measured[chart]["width"] > 0 and measured[chart]["height"] > 0, chart
        # The hit ratio breaks its line at seconds without lookups; a short run has none.
        assert measured[chart]["polylines"] == lines, chart
    viewers = result["viewers"]
    assert measured["map"]["width"] > 0
    assert measured["map"]["circles"] == len(viewers) > len(SHARES)
    assert measured["map"]["routes"] >= len(viewers)  # two where one crosses the 180th meridian
    assert measured["map"]["pops"] == len(result["pops"]) == 1
    expected = [(table.title, len(table.rows)) for table in tables(result)]
    assert [(t["caption"], t["rows"]) for t in measured["tables"]] == expected
    assert all(t["height"] > 0 for t in measured["tables"])
    assert measured["loaded"] == 0  # self-contained: the browser fetched nothing else
