"""Prometheus metrics on a node's admin port, parsed with prometheus-client's own parser."""

from __future__ import annotations

from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.node.functions import function_world
from tests.world import TOKEN, World

STAMP = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": "1"}]
    return response
"""

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


async def _samples(world: World, node_id: str) -> Samples:
    assert world.session is not None
    port = world.config.nodes[node_id].port + 1000
    url = f"http://127.0.0.1:{port}/metrics"
    async with world.session.get(url) as refused:
        assert refused.status == 401
    async with world.session.get(url, headers={"Authorization": f"Bearer {TOKEN}"}) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
        text = await r.text()
    return {
        (sample.name, tuple(sorted((k, v) for k, v in sample.labels.items()
                                   if k not in ("node", "kind")))): sample.value
        for family in text_string_to_metric_families(text) for sample in family.samples
    }


async def test_the_metrics_agree_with_what_the_node_did(tmp_path: Path) -> None:
    world = await function_world(tmp_path, {"viewer-response": STAMP})
    try:
        for _ in range(3):
            await world.get("/t/page?size=1000&cc=max-age%3D60")
        samples = await _samples(world, world.pop)
        assert samples[("edgesim_requests_total", (("result_type", "Miss"),))] == 1
        assert samples[("edgesim_requests_total", (("result_type", "Hit"),))] == 2
        assert samples[("edgesim_upstream_requests_total", ())] == 1
        assert samples[("edgesim_upstream_first_byte_seconds_count", ())] == 1
        assert samples[("edgesim_cache_objects", ())] == 1
        fn = (("event_type", "viewer-response"), ("function", "viewer_response"))
        assert samples[("edgesim_function_invocations_total", fn)] == 3
        assert samples[("edgesim_function_cold_starts_total", fn)] == 1
        assert samples[("edgesim_sent_bytes_total", ())] == world.context(
            world.pop).stats.bytes_sent
    finally:
        await world.close()
