"""The runner against a real network in this process: its figures agree with the nodes' own
counters, both arrival models run, direct mode picks the nearest PoP, workers merge."""

from __future__ import annotations

import tomllib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from edge.config import default_config_path, load_config
from edge.load.arrivals import Bounds, ClosedModel, OpenModel
from edge.load.html_report import render_html
from edge.load.runner import Plan, node_counters, pop_addresses, pop_city, run_load
from tests.world import TOKEN, World, reserve_node_port, start_world


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    world = await start_world(tmp_path / "logs")
    try:
        yield world
    finally:
        await world.close()


def _plan(world: World, **kw: Any) -> Plan:
    pops = pop_addresses(world.config)
    return Plan(**{"target": pops[0].url, "pops": pops, "population": "world",
                   "workload": "site", "seed": 7, **kw})


async def _run(world: World, plan: Plan) -> dict[str, Any]:
    return await run_load(plan, node_counters(world.config, TOKEN, world.origin_url))


async def test_the_figures_are_the_nodes_own_counts_exactly(world: World) -> None:
    origin_before = await world.origin_stats()
    result = await _run(world, _plan(world, model=OpenModel(2000), bounds=Bounds(requests=300)))
    origin_after = await world.origin_stats()
    total = result["stats"]["total"]
    pop = result["nodes"][world.pop]
    assert total["requests"] == 300 == pop["requests"]
    assert total["errors"] == 0
    assert total["x_cache"].get("Hit", 0) == pop["results"].get("Hit", 0)
    assert total["x_cache"].get("Miss", 0) == pop["results"].get("Miss", 0)
    assert result["stats"]["by_pop"][world.pop]["requests"] == 300
    assert result["origin"]["requests"] == origin_after["requests"] - origin_before["requests"]
    assert result["origin"]["bytes"] == origin_after["bytes_sent"] - origin_before["bytes_sent"]
    # What reached the origin came from the PoP's misses: through the regional cache when
    # cacheable, straight from the PoP when not.
    rec = result["nodes"][world.rec]
    direct = pop["upstream_requests"] - rec["requests"]
    assert result["origin"]["requests"] == rec["upstream_requests"] + direct > 0
    assert sum(v["requests"] for v in result["viewers"]) == 300
    assert result["settings"]["model"] == "open" and result["requested_rate"] == 2000
    assert result["bill"]["total"] > 0
    assert set(result["pops"]) == {world.pop}


async def test_the_achieved_rate_is_the_rate_sent_however_long_the_answers_take(
    world: World, tmp_path: Path,
) -> None:
    """Every answer takes a second: the run lasts a second past its last send, but the requests
    went out at the rate asked, which is what the result calls achieved (with no warning)."""
    urls = tmp_path / "urls.txt"
    urls.write_text("/t/slow?delay=1&size=100\n")
    result = await _run(world, _plan(world, model=OpenModel(200), bounds=Bounds(requests=100),
                                     workload=f"urls:{urls}"))
    assert result["stats"]["total"]["requests"] == 100 and result["stats"]["total"]["errors"] == 0
    assert result["elapsed_s"] >= result["sending_s"] + 1
    assert result["achieved_rate"] == pytest.approx(100 / result["sending_s"], rel=0.01)
    assert result["achieved_rate"] > 0.6 * 200  # taken over the run's length it would be ~67
    assert result["warnings"] == []


async def test_a_closed_model_sends_as_fast_as_answers_come(world: World) -> None:
    result = await _run(world, _plan(world, model=ClosedModel(4), bounds=Bounds(requests=120)))
    assert result["stats"]["total"]["requests"] == 120 == result["nodes"][world.pop]["requests"]
    assert result["settings"]["users"] == 4 and result["requested_rate"] is None


def _two_pops(data: dict[str, Any]) -> None:
    with open(default_config_path(), "rb") as f:
        default = {p["id"]: p for p in tomllib.load(f)["pops"]}
    data["regional_caches"] = []
    data["pops"] = [{**default[pop_id], "port": reserve_node_port()}
                    for pop_id in ("IAD89-C1", "NRT57-C1")]
    for pop in data["pops"]:
        pop.pop("parent")


async def test_direct_viewers_go_to_their_nearest_pop(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", _two_pops, tiers=False)
    try:
        pops = pop_addresses(world.config)
        for city, pop in (("Osaka", "NRT57-C1"), ("Boston", "IAD89-C1")):
            plan = Plan(None, pops, OpenModel(1000), Bounds(requests=40),
                        population=f"city:{city}", seed=1)
            result = await _run(world, plan)
            assert set(result["stats"]["by_pop"]) == {pop}
            assert result["nodes"][pop]["requests"] == 40
            assert result["settings"]["direct"] is True
    finally:
        await world.close()


async def test_two_worker_processes_add_up(world: World) -> None:
    result = await _run(world, _plan(world, model=OpenModel(1000), bounds=Bounds(requests=201),
                                     workers=2))
    assert result["stats"]["total"]["requests"] == 201 == result["nodes"][world.pop]["requests"]
    assert sum(s["requests"] for _, s in result["stats"]["timeline"]) == 201


# Each PoP of the default world and the country it stands in.
DEFAULT_COUNTRIES = {
    "IAD89-C1": "US", "ORD52-C1": "US", "DFW56-C1": "US", "SFO53-C1": "US",
    "GRU3-C1": "BR", "SCL51-C1": "CL", "LHR61-C1": "GB", "FRA56-C1": "DE", "CDG50-C1": "FR",
    "JNB50-C1": "ZA", "DXB2-C1": "AE", "BOM78-C1": "IN", "SIN2-C1": "SG", "NRT57-C1": "JP",
    "ICN54-C1": "KR", "SYD62-C1": "AU",
}


async def test_every_pop_of_the_default_world_is_placed_in_its_own_country(
    world: World,
) -> None:
    """The report and the bill place a PoP by the world's city of its configured name, not by
    the city nearest its coordinates: Singapore's airport PoP is nearer Pasir Gudang, Malaysia,
    than Singapore's own point. The run's map and bill take the default world's PoPs; its
    viewers go to the test world's PoP."""
    pops = pop_addresses(load_config())
    assert {p.id for p in pops} == set(DEFAULT_COUNTRIES)
    plan = Plan(pop_addresses(world.config)[0].url, pops, OpenModel(1000), Bounds(requests=10),
                seed=7)
    result = await _run(world, plan)
    assert {pop_id: p["country"] for pop_id, p in result["pops"].items()} == DEFAULT_COUNTRIES
    assert result["pops"]["SIN2-C1"]["city"] == "Singapore"
    assert "SIN2-C1 (Singapore, SG)" in render_html(result)


def test_a_pop_city_is_found_as_edgesim_geo_finds_it_or_by_its_coordinates() -> None:
    # Two Sydneys in the world: the one nearer the PoP's coordinates.
    assert pop_city("Sydney", 46.14, -60.18).country_code == "CA"
    assert pop_city("Sydney", -33.95, 151.18).country_code == "AU"
    assert pop_city("sao paulo", -23.43, -46.47).name == "São Paulo"  # as `edgesim geo`
    assert pop_city("Frankfurt", 50.03, 8.57).country_code == "DE"  # an alternate name
    assert pop_city("London, CA", 51.47, -0.45).country_code == "CA"  # narrowed by country
    # A name the world does not have: the city nearest the coordinates.
    assert pop_city("Changi East", 1.36, 103.99).name == "Pasir Gudang"


async def test_a_run_of_nearly_all_404s_says_the_origin_has_not_the_paths(
    world: World, tmp_path: Path,
) -> None:
    urls = tmp_path / "urls.txt"
    urls.write_text("/no-such-page.html\n/nor-this.html\n")
    result = await _run(world, _plan(world, model=OpenModel(1000), bounds=Bounds(requests=20),
                                     workload=f"urls:{urls}"))
    assert result["stats"]["total"]["statuses"] == {"404": 20}
    # (On a busy machine a warning that the rate was not kept up may come with it.)
    assert f"100.0% of the answers were 404 Not Found (20 of 20): the origin does not have the " \
        f"paths of {urls}; the figures and the bill are those of error pages" in result["warnings"]
    # The sample site's own paths are on the sample origin: nothing to say.
    result = await _run(world, _plan(world, model=OpenModel(1000), bounds=Bounds(requests=20)))
    assert not [w for w in result["warnings"] if "404" in w]
