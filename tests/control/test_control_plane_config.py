"""The `[control_plane]` table, and what a reload may change (`topology_changes`): the node
side and the control plane refuse the same things."""

from __future__ import annotations

import copy
import tomllib
from typing import Any

import pytest

from edge.config import (
    ConfigError,
    ControlPlane,
    default_config_path,
    load_config,
    parse_config,
    topology_changes,
    with_origin,
    with_pops,
)


@pytest.fixture
def world() -> dict[str, Any]:
    with open(default_config_path(), "rb") as f:
        return tomllib.load(f)


def test_the_default_world_has_a_control_plane_on_8090_watching_its_file() -> None:
    config = load_config()
    assert config.control_plane == ControlPlane(port=8090, watch_config=True)
    assert with_pops(config, "2").control_plane == config.control_plane
    assert with_origin(config, "http://127.0.0.1:3000").control_plane == config.control_plane


def test_the_table_is_optional_and_its_keys_have_defaults(world: dict[str, Any]) -> None:
    del world["control_plane"]
    assert parse_config(copy.deepcopy(world), "w.toml").control_plane is None
    world["control_plane"] = {}
    assert parse_config(world, "w.toml").control_plane == ControlPlane(8090, True)


@pytest.mark.parametrize(("value", "key", "expected", "found"), [
    ({"port": "8090"}, "control_plane.port", "integer", "string '8090'"),
    ({"port": 70000}, "control_plane.port", "integer from 1 to 65535", "integer 70000"),
    ({"port": 8101}, "control_plane.port", "a port not already used by pops[0].port",
     "integer 8101"),
    ({"port": 9101}, "control_plane.port",
     "a port not already used by the admin port of pops[0].port", "integer 9101"),
    ({"port": 9080}, "control_plane.port",
     "a port not already used by the admin port of front_door.port", "integer 9080"),
    ({"watch_config": "yes"}, "control_plane.watch_config", "boolean (true or false)",
     "string 'yes'"),
    ({"watch_conf": True}, "control_plane.watch_conf", "did you mean 'watch_config'?",
     "unknown key"),
])
def test_a_mistake_names_the_key(world: dict[str, Any], value, key, expected, found) -> None:
    world["control_plane"] = value
    with pytest.raises(ConfigError) as caught:
        parse_config(world, "w.toml")
    assert caught.value.key == key
    assert expected in caught.value.expected and found in caught.value.found


def test_with_origin_refuses_the_control_planes_own_port() -> None:
    with pytest.raises(ConfigError, match="an address other than edgesim's own control plane"):
        with_origin(load_config(), "http://127.0.0.1:8090")


def _changes(world: dict[str, Any], edit) -> list[str]:
    new = copy.deepcopy(world)
    edit(new)
    return topology_changes(parse_config(copy.deepcopy(world), "w.toml"),
                            parse_config(new, "w.toml"))


def test_what_nodes_can_switch_to_is_no_topology_change(world: dict[str, Any]) -> None:
    def edit(w: dict[str, Any]) -> None:
        w["cache_policies"]["ShortHTML"]["default_ttl"] = 120
        w["origins"][0]["custom_headers"] = {"X-Verify": "1"}
        w["latency"]["time_scale"] = 0
        w["behaviors"].pop(0)
        w["control_plane"]["watch_config"] = False

    assert _changes(world, edit) == []


def _node(w: dict[str, Any], node_id: str) -> dict[str, Any]:
    return next(n for n in [*w["pops"], *w["regional_caches"]] if n["id"] == node_id)


@pytest.mark.parametrize(("edit", "changes"), [
    (lambda w: _node(w, "IAD89-C1").update(port=8199), ["IAD89-C1.port: 8101 -> 8199"]),
    (lambda w: _node(w, "IAD89-C1").update(parent="REC-us-west-2"),
     ["IAD89-C1.parent: 'REC-us-east-1' -> 'REC-us-west-2'"]),
    (lambda w: _node(w, "REC-us-east-1").update(cache_size="2GiB"),
     ["REC-us-east-1.cache_size: 1073741824 -> 2147483648"]),
    (lambda w: w["pops"].pop(), ["nodes removed: SYD62-C1"]),
    (lambda w: w["pops"].append({**w["pops"][0], "id": "IAD12-C1", "port": 8199}),
     ["nodes added: IAD12-C1"]),
    (lambda w: w.update(host="0.0.0.0"), ["host: '127.0.0.1' -> '0.0.0.0'"]),
    (lambda w: w.update(log_dir="other"), ["log_dir: 'logs' -> 'other'"]),
    (lambda w: w["front_door"].update(port=8081), ["front_door: port 8080 -> port 8081"]),
    (lambda w: w.pop("front_door"), ["front_door: port 8080 -> none"]),
    (lambda w: w["origin_server"].update(port=8001), ["origin_server: port 8000 -> port 8001"]),
    (lambda w: w["control_plane"].update(port=8091),
     ["control_plane: port 8090 -> port 8091"]),
    (lambda w: w.update(trusted_proxies=["10.0.0.0/8"]),
     ["trusted_proxies: ['127.0.0.0/8', '::1/128'] -> ['10.0.0.0/8']"]),
])
def test_a_topology_change_is_named(world: dict[str, Any], edit, changes) -> None:
    assert _changes(world, edit) == changes
