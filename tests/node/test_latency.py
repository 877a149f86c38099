"""Simulated latency: each leg's round trip from the model, reported in Server-Timing, waited
out times the time scale."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

from edge.geo.cities import ip_for
from edge.node.location import world_cities, world_database
from tests.world import World, start_world


def _timing(response: Any) -> dict[str, tuple[str | None, float]]:
    """Server-Timing metrics: name -> (desc, dur)."""
    metrics = {}
    for metric in response.headers["Server-Timing"].split(","):
        name, *params = metric.strip().split(";")
        values = dict(p.split("=", 1) for p in params)
        metrics[name] = (values.get("desc", "").strip('"') or None,
                         float(values["dur"]) if "dur" in values else -1.0)
    return metrics


def _expected_viewer_rtt(world: World, city: str) -> float:
    pop = world.config.nodes[world.pop]
    where = world_database().lookup(ip_for(world_cities().find(city)))
    assert where is not None and where.latitude is not None and where.longitude is not None
    return world.config.latency.model.rtt_ms((pop.latitude, pop.longitude),
                                             (where.latitude, where.longitude))


async def test_with_time_scale_zero_each_leg_is_reported_as_the_model_says(
    tmp_path: Path,
) -> None:
    world = await start_world(tmp_path / "logs")
    try:
        # The first override reads the city table (half a second): not what is measured here.
        await world.get("/t/warm?size=10", headers={"X-Edgesim-Viewer-City": "Tokyo"})
        response = await world.get("/t/far?size=10", headers={"X-Edgesim-Viewer-City": "Tokyo"})
        metrics = _timing(response)
        assert metrics["sim-viewer"][1] == round(_expected_viewer_rtt(world, "Tokyo"))
        pop, rec = world.config.nodes[world.pop], world.config.nodes[world.rec]
        model = world.config.latency.model
        to_rec = model.rtt_ms((pop.latitude, pop.longitude), (rec.latitude, rec.longitude))
        assert metrics["sim-upstream"] == ("REC", round(to_rec))
        assert metrics["edge-processing"][1] >= 0
        # Nothing was waited for: the whole request took far less than the Tokyo round trip.
        assert metrics["cdn-downstream-fbl"][1] < metrics["sim-viewer"][1]
        local = await world.get("/t/near?size=10")  # a viewer the world cannot place
        assert "sim-viewer" not in _timing(local)
    finally:
        await world.close()


def _real_time(data: dict[str, Any]) -> None:
    data["latency"]["time_scale"] = 1


async def test_with_time_scale_one_the_viewer_waits_the_round_trip(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", _real_time)
    try:
        # Stored (the next one is a hit), and the city table read (half a second).
        await world.get("/t/obj?size=10&cc=max-age%3D60", headers={"X-Edgesim-Viewer-City": "Lima"})
        started = time.monotonic()
        response = await world.get("/t/obj?size=10&cc=max-age%3D60",
                                   headers={"X-Edgesim-Viewer-City": "Sydney"})
        elapsed = (time.monotonic() - started) * 1000
        assert response.headers["X-Cache"] == "Hit from cloudfront"
        expected = _expected_viewer_rtt(world, "Sydney")
        assert expected > 200  # Sydney to Ashburn
        assert expected <= elapsed < expected + 500
        assert _timing(response)["sim-viewer"][1] == round(expected)
    finally:
        await world.close()


async def test_a_regional_caches_legs_do_not_leak_into_the_pops_timing(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs")
    try:
        response = await world.get("/t/tiers?size=10&cc=max-age%3D60")
        header = response.headers["Server-Timing"]
        assert len(re.findall(r"sim-upstream", header)) == 1
        assert len(response.headers.getall("Server-Timing")) == 1
    finally:
        await world.close()


def _eight_megabits(data: dict[str, Any]) -> None:
    data["latency"]["bandwidth_mbps"] = 8  # a megabyte a second


async def test_with_a_bandwidth_the_body_takes_its_transfer_time(tmp_path: Path) -> None:
    world = await start_world(tmp_path / "logs", _eight_megabits)
    try:
        await world.get("/t/warm?size=10", headers={"X-Edgesim-Viewer-City": "Tokyo"})
        response = await world.get("/t/big?size=100000&cc=max-age%3D60",
                                   headers={"X-Edgesim-Viewer-City": "Tokyo",
                                            "Accept-Encoding": "identity"})
        assert len(await response.read()) == 100_000
        metrics = _timing(response)
        assert metrics["sim-viewer"][1] == round(_expected_viewer_rtt(world, "Tokyo") + 100)
        pop, rec = world.config.nodes[world.pop], world.config.nodes[world.rec]
        to_rec = world.config.latency.model.rtt_ms((pop.latitude, pop.longitude),
                                                   (rec.latitude, rec.longitude))
        assert metrics["sim-upstream"] == ("REC", round(to_rec + 100))
    finally:
        await world.close()
