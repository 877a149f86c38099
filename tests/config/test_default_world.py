"""The embedded default world: it loads, and it has the shape the README and the sample site
rely on (a front door, regional caches in AWS Regions, PoPs on six continents, the sample
site's behaviors)."""

import os

from edge.config import ALL_METHODS, Config, default_config_path, load_config
from edge.geo.cities import ip_for
from edge.geo.distance import haversine_km
from edge.managed_policies import MANAGED_CACHE_POLICIES, MANAGED_ORIGIN_REQUEST_POLICIES
from edge.node.location import world_cities, world_database

MiB = 1 << 20


def test_default_config_path_is_the_packaged_toml_file():
    path = default_config_path()
    assert os.path.basename(path) == "edgesim.toml"
    assert os.path.isfile(path)


def test_load_config_without_a_path_reads_the_default_world():
    config = load_config()
    assert isinstance(config, Config)
    assert config.source == default_config_path()
    assert config.distribution.id == "E2EDGESIMDEMO"
    assert config.distribution.domain_name == "d111111abcdef8.cloudfront.net"
    assert config.distribution.cache_semantics == "cloudfront"
    assert config.host == "127.0.0.1"


def test_default_world_fronts_the_sample_origin_on_port_8000():
    config = load_config()
    assert config.origin_server is not None and config.origin_server.port == 8000
    assert list(config.distribution.origins) == ["site"]
    assert config.distribution.origins["site"].url == "http://127.0.0.1:8000"
    assert config.distribution.origin_groups == {}
    (not_found,) = config.distribution.custom_error_responses.values()
    assert (not_found.error_code, not_found.response_page_path) == (404, "/errors/404.html")


def test_default_world_topology():
    config = load_config()
    nodes = config.nodes
    pops, recs = config.pops, config.regional_caches
    assert config.front_door is not None and config.front_door.port == 8080
    assert len(pops) >= 16 and len(recs) >= 6
    # Six continents, by the PoPs' cities.
    continents = {world_database().lookup(ip_for(world_cities().find(p.city))).continent
                  for p in pops}
    assert continents == {"NA", "SA", "EU", "AF", "AS", "OC"}
    # Each PoP fetches through its nearest regional cache.
    for pop in pops:
        distances = {r.id: haversine_km((pop.latitude, pop.longitude), (r.latitude, r.longitude))
                     for r in recs}
        assert pop.parent == min(distances, key=distances.__getitem__), pop.id
    assert ("IAD89-C1", "Ashburn", 8101) in {(p.id, p.city, p.port) for p in pops}
    assert all(r.id.startswith("REC-") and r.parent is None for r in recs)
    site = config.distribution.origins["site"]
    assert (site.city, site.latitude, site.longitude) == ("Ashburn", 39.04, -77.49)
    for node in nodes.values():
        assert node.cache_size == (1024 if node.kind == "rec" else 256) * MiB
        assert node.max_object_size == 16 * MiB
    assert config.latency.time_scale == 1 and config.latency.model.inflation == 1.5


def test_default_world_behaviors_in_match_order():
    behaviors = load_config().distribution.behaviors
    assert [(b.path_pattern, b.cache_policy.name) for b in behaviors] == [
        ("/static/*", "CachingOptimized"),
        ("/images/*", "Images"),
        ("/api/echo/normalized*", "QueryKeyed"),
        ("/api/echo/region*", "CachingDisabled"),
        ("/api/echo/guarded*", "CachingDisabled"),
        ("/api/*", "CachingDisabled"),
        ("/members/*", "CachingDisabled"),
        ("/files/*", "CachingOptimized"),
        ("/experiment/*", "ShortHTML"),
        ("/store/*", "ByCountry"),
        ("/hello", "CachingDisabled"),
        ("*", "ShortHTML"),
    ]
    assert all(b.target_origin == "site" for b in behaviors)


def test_default_world_uses_the_managed_policies_by_name():
    by_pattern = {b.path_pattern: b for b in load_config().distribution.behaviors}
    static, api, members = by_pattern["/static/*"], by_pattern["/api/*"], by_pattern["/members/*"]
    assert static.cache_policy is MANAGED_CACHE_POLICIES["CachingOptimized"]
    assert api.cache_policy.caching_disabled
    all_viewer = MANAGED_ORIGIN_REQUEST_POLICIES["AllViewerExceptHostHeader"]
    assert api.origin_request_policy is all_viewer
    assert members.origin_request_policy is all_viewer
    assert api.allowed_methods == ALL_METHODS
    assert static.origin_request_policy is None
    assert static.allowed_methods == static.cached_methods == {"GET", "HEAD"}


def test_default_behavior_uses_the_custom_short_html_policy():
    default = load_config().distribution.behaviors[-1]
    policy = default.cache_policy
    assert (policy.min_ttl, policy.default_ttl, policy.max_ttl) == (0, 60, 3600)
    assert policy.enable_accept_encoding_gzip and policy.enable_accept_encoding_brotli
    assert policy.query_strings.behavior == "none"
    assert default.compress
