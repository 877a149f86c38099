"""`edgesim up --origin URL`: the same world, in front of the user's own app."""

import pytest

from edge.config import ALL_METHODS, ConfigError, load_config, with_origin
from edge.managed_policies import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES


def test_with_origin_replaces_origins_behaviors_and_sample_origin():
    world = load_config()
    config = with_origin(world, "http://127.0.0.1:3000/")
    distribution = config.distribution
    assert list(distribution.origins) == ["app"]
    assert distribution.origins["app"].url == "http://127.0.0.1:3000"
    assert distribution.origin_groups == {}
    (behavior,) = distribution.behaviors
    assert behavior.path_pattern == "*"
    assert behavior.target_origin == "app"
    assert behavior.cache_policy is MANAGED_CACHE_POLICIES[
        "UseOriginCacheControlHeaders-QueryStrings"
    ]
    assert behavior.origin_request_policy is MANAGED_ORIGIN_REQUEST_POLICIES[
        "AllViewerExceptHostHeader"
    ]
    assert behavior.allowed_methods == ALL_METHODS
    assert behavior.cached_methods == {"GET", "HEAD"}
    assert behavior.compress
    assert config.origin_server is None


def test_with_origin_keeps_the_topology_and_the_distribution_identity():
    world = load_config()
    config = with_origin(world, "https://app.example.com/base")
    assert config.nodes == world.nodes
    assert (config.host, config.log_dir, config.source) == (world.host, world.log_dir,
                                                            world.source)
    assert config.distribution.id == world.distribution.id
    assert config.distribution.origins["app"].url == "https://app.example.com:443/base"
    assert world.distribution.origins.keys() == {"site"}  # the original is untouched


def test_with_origin_caches_only_what_the_app_marks_cacheable():
    policy = with_origin(load_config(), "http://127.0.0.1:3000").distribution.behaviors[0]
    assert policy.cache_policy.default_ttl == 0


@pytest.mark.parametrize(
    "url",
    ["127.0.0.1:3000", "ftp://example.com/", "http://", "http://host:port/", "http://h:0",
     "https://h:65536", "http://h/?q=1", "http://h/#top", "http://user:pw@h/", "", "http://a b/"],
)
def test_with_origin_rejects_a_bad_url(url):
    with pytest.raises(ConfigError) as caught:
        with_origin(load_config(), url)
    assert caught.value.key == "--origin"
    assert "URL" in caught.value.expected or "string" in caught.value.expected
    assert str(caught.value).startswith("command line: --origin: expected ")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "http://localhost:8102/", "http://[::1]:8201"]
)
def test_with_origin_refuses_an_edgesim_node_as_origin(url):
    with pytest.raises(ConfigError) as caught:
        with_origin(load_config(), url)
    assert caught.value.key == "--origin"
    assert "other than edgesim's own" in caught.value.expected


def test_with_origin_allows_a_node_port_on_another_host():
    config = with_origin(load_config(), "http://example.com:8080")
    assert config.distribution.origins["app"].url == "http://example.com:8080"
