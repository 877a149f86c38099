"""`eviction` per node: the store's policy when it is full (LRU unless the config says)."""

from __future__ import annotations

import tomllib

import pytest

from edge.config import ConfigError, default_config_path, parse_config


def default_data() -> dict:
    with open(default_config_path(), "rb") as f:
        return tomllib.load(f)


def test_nodes_evict_lru_by_default() -> None:
    config = parse_config(default_data(), "default")
    assert {node.eviction for node in config.nodes.values()} == {"lru"}


def test_a_node_may_choose_lfu() -> None:
    data = default_data()
    data["regional_caches"][0]["eviction"] = "lfu"
    config = parse_config(data, "world.toml")
    assert config.nodes[data["regional_caches"][0]["id"]].eviction == "lfu"


def test_unknown_eviction_policy_names_the_key() -> None:
    data = default_data()
    data["pops"][1]["eviction"] = "random"
    with pytest.raises(ConfigError) as err:
        parse_config(data, "world.toml")
    assert str(err.value).startswith("world.toml: pops[1].eviction: expected")
    assert "random" in str(err.value)
