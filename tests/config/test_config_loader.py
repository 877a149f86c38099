"""TOML → Config for the settings the default world leaves out: sizes, URLs, custom headers,
origin groups, custom error responses, user-defined policies, optional sections."""

import tomllib
from pathlib import Path

import pytest

from edge.config import (
    CustomErrorResponse,
    KeyParameters,
    OriginGroup,
    default_config_path,
    load_config,
    parse_config,
)
from edge.managed_policies import MANAGED_CACHE_POLICIES


@pytest.fixture
def world() -> dict:
    """The default world as a TOML document, to change one thing at a time."""
    with open(default_config_path(), "rb") as f:
        return tomllib.load(f)


@pytest.mark.parametrize(
    ("written", "size"),
    [(1000, 1000), ("2048", 2048), ("2048B", 2048), ("512KiB", 512 << 10), ("256 MiB", 256 << 20),
     ("2GiB", 2 << 30)],
)
def test_cache_size_in_bytes_or_with_a_binary_unit(world, written, size):
    world["pops"][0]["cache_size"] = written
    world["pops"][0]["max_object_size"] = 10
    assert parse_config(world, "w.toml").nodes["IAD89-C1"].cache_size == size


@pytest.mark.parametrize(
    ("written", "stored"),
    [
        ("http://127.0.0.1:8000/", "http://127.0.0.1:8000"),
        ("http://example.com", "http://example.com:80"),
        ("https://Example.com/base/", "https://example.com:443/base"),
        ("http://[::1]:9000", "http://[::1]:9000"),
    ],
)
def test_origin_url_is_stored_with_explicit_port_and_no_trailing_slash(world, written, stored):
    world["origins"][0]["url"] = written
    assert parse_config(world, "w.toml").distribution.origins["site"].url == stored


def test_origin_settings_and_custom_headers(world):
    world["origins"][0].update(
        connection_timeout=2, response_timeout=60.5, connection_attempts=1, keepalive_timeout=120,
        custom_headers={"X-Origin-Verify": "s3cret", "X-Env": "test"},
    )
    origin = parse_config(world, "w.toml").distribution.origins["site"]
    assert (origin.connection_timeout, origin.response_timeout) == (2.0, 60.5)
    assert (origin.connection_attempts, origin.keepalive_timeout) == (1, 120.0)
    assert origin.custom_headers == (("X-Origin-Verify", "s3cret"), ("X-Env", "test"))


def test_behavior_may_target_an_origin_group(world):
    world["origins"].append({"id": "backup", "url": "http://127.0.0.1:8001"})
    world["origin_groups"] = [
        {"id": "ha", "primary": "site", "secondary": "backup", "failover_status_codes": [503, 404]}
    ]
    world["default_behavior"]["origin"] = "ha"
    distribution = parse_config(world, "w.toml").distribution
    assert distribution.origin_groups == {"ha": OriginGroup("ha", "site", "backup",
                                                            frozenset({503, 404}))}
    assert distribution.behaviors[-1].target_origin == "ha"


def test_origin_group_default_failover_codes(world):
    world["origins"].append({"id": "backup", "url": "http://127.0.0.1:8001"})
    world["origin_groups"] = [{"id": "ha", "primary": "site", "secondary": "backup"}]
    group = parse_config(world, "w.toml").distribution.origin_groups["ha"]
    assert group.failover_status_codes == {500, 502, 503, 504}


def test_custom_error_responses_by_code(world):
    world["custom_error_responses"] = [
        {"error_code": 404, "response_page_path": "/404.html", "response_code": 404,
         "error_caching_min_ttl": 30},
        {"error_code": 503, "error_caching_min_ttl": 0},
    ]
    errors = parse_config(world, "w.toml").distribution.custom_error_responses
    assert errors == {
        404: CustomErrorResponse(404, "/404.html", 404, 30),
        503: CustomErrorResponse(503, None, None, 0),
    }


def test_user_policies_keep_item_order_and_lower_case_header_names(world):
    world["cache_policies"]["Keyed"] = {
        "headers": {"behavior": "whitelist", "items": ["Accept-Language", "X-Device"]},
        "cookies": {"behavior": "allExcept", "items": ["Tracking", "ab"]},
        "query_strings": {"behavior": "all"},
    }
    world.setdefault("origin_request_policies", {})["Fwd"] = {
        "headers": {"behavior": "allViewerAndWhitelistCloudFront",
                    "items": ["CloudFront-Viewer-Country"]},
    }
    world["default_behavior"].update(cache_policy="Keyed", origin_request_policy="Fwd")
    default = parse_config(world, "w.toml").distribution.behaviors[-1]
    assert default.cache_policy.headers == KeyParameters(
        "whitelist", ("accept-language", "x-device")
    )
    assert default.cache_policy.cookies == KeyParameters("allExcept", ("Tracking", "ab"))
    assert default.cache_policy.query_strings == KeyParameters("all")
    assert (default.cache_policy.min_ttl, default.cache_policy.max_ttl) == (0, 31536000)
    assert default.origin_request_policy.headers.items == ("cloudfront-viewer-country",)


@pytest.mark.parametrize("name", sorted(MANAGED_CACHE_POLICIES))
def test_every_managed_cache_policy_is_available_by_name(world, name):
    world["default_behavior"]["cache_policy"] = name
    default = parse_config(world, "w.toml").distribution.behaviors[-1]
    assert default.cache_policy is MANAGED_CACHE_POLICIES[name]


def test_optional_sections_absent(world):
    for key in ("origin_server", "host", "log_dir", "behaviors", "regional_caches",
                "cache_policies", "front_door", "latency"):
        world.pop(key)
    for pop in world["pops"]:
        pop.pop("parent")
    world["default_behavior"]["cache_policy"] = "CachingOptimized"
    config = parse_config(world, "w.toml")
    assert config.origin_server is None
    assert (config.host, config.log_dir) == ("127.0.0.1", "logs")
    assert [b.path_pattern for b in config.distribution.behaviors] == ["*"]
    assert {n.parent for n in config.pops} == {None}
    assert config.front_door is None
    assert config.latency.time_scale == 1 and config.latency.model.base_ms == 2


def test_load_config_reads_a_file_and_remembers_it(tmp_path):
    path = tmp_path / "mine.toml"
    text = Path(default_config_path()).read_text(encoding="utf-8")
    path.write_text(text.replace('id = "E2EDGESIMDEMO"', 'id = "E3MINE"'), encoding="utf-8")
    config = load_config(str(path))
    assert config.distribution.id == "E3MINE"
    assert config.source == str(path)
