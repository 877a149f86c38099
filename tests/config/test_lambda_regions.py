"""The Region each node's edge functions run in (`AWS_REGION`), on the default world."""

from __future__ import annotations

from dataclasses import replace

import pytest

from edge.config import Config, lambda_region, load_config
from edge.geo.regions import LAMBDA_EDGE_REGIONS
from edge.runtime.events import EventType

VIEWER = (EventType.VIEWER_REQUEST, EventType.VIEWER_RESPONSE)
ORIGIN = (EventType.ORIGIN_REQUEST, EventType.ORIGIN_RESPONSE)


@pytest.fixture(scope="module")
def world() -> Config:
    return load_config()


def test_every_node_runs_every_trigger_in_a_lambda_edge_region(world: Config) -> None:
    codes = {region.code for region in LAMBDA_EDGE_REGIONS}
    for node in world.nodes.values():
        for event_type in EventType:
            assert lambda_region(world, node, event_type) in codes, (node.id, event_type)


def test_a_regional_cache_runs_its_functions_in_the_region_it_is_named_after(
    world: Config,
) -> None:
    for rec in world.regional_caches:
        for event_type in ORIGIN:
            assert lambda_region(world, rec, event_type) == rec.id.removeprefix("REC-")


def test_pops_behind_one_regional_cache_run_origin_triggers_in_its_region(
    world: Config,
) -> None:
    for pop in world.pops:
        assert pop.parent is not None
        rec = world.nodes[pop.parent]
        for event_type in ORIGIN:
            assert lambda_region(world, pop, event_type) == lambda_region(world, rec, event_type)


@pytest.mark.parametrize(
    ("pop_id", "viewer_region", "origin_region"),
    [
        ("IAD89-C1", "us-east-1", "us-east-1"),
        ("NRT57-C1", "ap-northeast-1", "ap-northeast-1"),
        ("SYD62-C1", "ap-southeast-2", "ap-southeast-2"),
        ("GRU3-C1", "sa-east-1", "sa-east-1"),
        # Behind a regional cache in another Region: viewer triggers stay near the PoP.
        ("LHR61-C1", "eu-west-2", "eu-central-1"),
        ("CDG50-C1", "eu-west-2", "eu-central-1"),
        ("ORD52-C1", "us-east-2", "us-east-1"),
        ("ICN54-C1", "ap-northeast-2", "ap-northeast-1"),
    ],
)
def test_viewer_triggers_run_in_the_region_nearest_the_pop(
    world: Config, pop_id: str, viewer_region: str, origin_region: str,
) -> None:
    pop = world.nodes[pop_id]
    assert {lambda_region(world, pop, event_type) for event_type in VIEWER} == {viewer_region}
    assert {lambda_region(world, pop, event_type) for event_type in ORIGIN} == {origin_region}


def test_a_pop_without_a_regional_cache_runs_every_trigger_in_its_nearest_region(
    world: Config,
) -> None:
    london = replace(world.nodes["LHR61-C1"], parent=None)
    config = replace(world, nodes={**world.nodes, london.id: london})
    assert {lambda_region(config, london, event_type) for event_type in EventType} == {
        "eu-west-2"
    }
