"""`edgesim up --origin URL`: the same world, in front of the user's own app; with `--config
FILE`, the file's own distribution with its origin at URL."""

from pathlib import Path

import pytest

from edge.cli import EXIT_CONFIG, main
from edge.config import (
    ALL_METHODS,
    ConfigError,
    Distribution,
    FunctionLimits,
    load_config,
    with_origin,
)
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


def test_with_origin_leaves_out_everything_of_the_sample_site():
    """Custom error pages (the site's /errors/404.html, cached 30 s), signed-URL key groups,
    functions and their quotas are the sample site's: the app gets CloudFront's defaults."""
    world = load_config()
    assert world.distribution.custom_error_responses  # what there is to leave out
    distribution = with_origin(world, "http://127.0.0.1:3000").distribution
    assert distribution.custom_error_responses == {}
    assert distribution.function_limits == FunctionLimits()
    (behavior,) = distribution.behaviors
    assert behavior.trusted_key_groups is None
    assert not list(behavior.functions)
    # Nothing else either: a distribution of CloudFront's defaults with the world's identity.
    assert distribution == Distribution(
        id=world.distribution.id, domain_name=world.distribution.domain_name,
        origins=distribution.origins, origin_groups={}, behaviors=(behavior,),
    )


def test_with_origin_keeps_the_network():
    world = load_config()
    config = with_origin(world, "http://127.0.0.1:3000")
    for name in ("nodes", "host", "log_dir", "trusted_proxies", "front_door", "control_plane",
                 "latency", "geolite2", "source", "version"):
        assert getattr(config, name) == getattr(world, name), name
    assert config.origin_server is None


OWN_WORLD = """
[distribution]
id = "EMINE"
domain_name = "dmine.cloudfront.net"
[origin_server]
port = 8000
[[origins]]
id = "api"
url = "http://127.0.0.1:8000"
response_timeout = 60
custom_headers = { "X-Origin-Verify" = "s3cret" }
[cache_policies.Short]
min_ttl = 0
default_ttl = 0
max_ttl = 5
[[behaviors]]
path_pattern = "/static/*"
origin = "api"
cache_policy = "CachingOptimized"
[default_behavior]
origin = "api"
cache_policy = "Short"
[[custom_error_responses]]
error_code = 503
error_caching_min_ttl = 1
[[pops]]
id = "IAD89-C1"
city = "Ashburn"
latitude = 39.04
longitude = -77.49
port = 8101
"""


def test_with_origin_and_a_file_of_ones_own_keeps_everything_it_says_but_the_origins_url(
    tmp_path: Path,
):
    """`--config FILE --origin URL`: the file's behaviors, policies (its `max_ttl = 5`), error
    responses and origin settings all apply, to the origin at URL; no sample origin runs."""
    path = tmp_path / "mine.toml"
    path.write_text(OWN_WORLD)
    own = load_config(str(path))
    config = with_origin(own, "http://127.0.0.1:3000/")
    distribution = config.distribution
    (origin,) = distribution.origins.values()
    assert (origin.id, origin.url) == ("api", "http://127.0.0.1:3000")
    assert origin.response_timeout == 60
    assert origin.custom_headers == (("X-Origin-Verify", "s3cret"),)
    assert distribution.behaviors == own.distribution.behaviors
    assert distribution.behaviors[-1].cache_policy.max_ttl == 5
    assert distribution.custom_error_responses == own.distribution.custom_error_responses
    assert (distribution.id, distribution.domain_name) == ("EMINE", "dmine.cloudfront.net")
    assert config.origin_server is None
    assert config.nodes == own.nodes


def test_with_origin_and_a_file_of_several_origins_says_to_set_their_urls_instead(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
):
    path = tmp_path / "mine.toml"
    path.write_text(OWN_WORLD.replace('[cache_policies.Short]', """[[origins]]
id = "static"
url = "http://127.0.0.1:8001"
[cache_policies.Short]"""))
    with pytest.raises(ConfigError) as caught:
        with_origin(load_config(str(path)), "http://127.0.0.1:3000")
    assert (caught.value.file, caught.value.key) == (str(path), "origins")
    assert "--origin" in caught.value.expected and "set the url of each" in caught.value.expected
    assert caught.value.found == "2 origins ('api', 'static')"
    # What `edgesim up` says, before it starts anything.
    assert main(["up", "--config", str(path), "--origin", "http://127.0.0.1:3000"]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert err == (
        f"edgesim: {path}: origins: expected a single origin for --origin to point at "
        f"http://127.0.0.1:3000 (with more, set the url of each in {path} instead of passing "
        "--origin), got 2 origins ('api', 'static')\n"
    )
