"""`distribution.geo_restriction` (spec §6.4) and `trusted_proxies`: read, checked, located."""

import ipaddress
import tomllib

import pytest

from edge.config import ConfigError, default_config_path, parse_config
from edge.config.model import GeoRestriction


@pytest.fixture
def world() -> dict:
    with open(default_config_path(), "rb") as f:
        return tomllib.load(f)


def test_by_default_nothing_is_restricted_and_loopback_is_trusted(world):
    config = parse_config(world, "world.toml")
    assert config.distribution.geo_restriction == GeoRestriction()
    assert config.trusted_proxies == (ipaddress.ip_network("127.0.0.0/8"),
                                      ipaddress.ip_network("::1"))


def test_geo_restriction_is_read_as_cloudfront_names_it(world):
    world["distribution"]["geo_restriction"] = {"restriction_type": "whitelist",
                                                "items": ["US", "DE"]}
    restriction = parse_config(world, "world.toml").distribution.geo_restriction
    assert restriction == GeoRestriction("whitelist", frozenset({"US", "DE"}))


@pytest.mark.parametrize(("kind", "country", "blocked"), [
    ("whitelist", "US", False), ("whitelist", "JP", True),
    ("blacklist", "US", True), ("blacklist", "JP", False),
    ("whitelist", None, False), ("blacklist", None, False),  # unknown: served (spec §6.4)
    ("none", "JP", False),
])
def test_a_restriction_blocks_by_country(kind, country, blocked):
    items = frozenset() if kind == "none" else frozenset({"US"})
    assert GeoRestriction(kind, items).blocks(country) is blocked


def test_trusted_proxies_take_addresses_and_blocks(world):
    world["trusted_proxies"] = ["127.0.0.1/8", "::1", "10.1.2.3", "fd00::/8"]
    config = parse_config(world, "world.toml")
    assert config.trusted_proxies == tuple(ipaddress.ip_network(n) for n in (
        "127.0.0.0/8", "::1/128", "10.1.2.3/32", "fd00::/8"))


def test_an_empty_list_trusts_no_peer(world):
    world["trusted_proxies"] = []
    assert parse_config(world, "world.toml").trusted_proxies == ()


CASES = [
    ("lower-case country code",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "blacklist",
                                                         "items": ["us"]}),
     "distribution.geo_restriction.items[0]", "did you mean 'US'?", "string 'us'"),
    ("no such country",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "blacklist",
                                                         "items": ["DE", "XX"]}),
     "distribution.geo_restriction.items[1]", "ISO 3166-1 alpha-2 country code", "string 'XX'"),
    ("a country twice",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "whitelist",
                                                         "items": ["DE", "DE"]}),
     "distribution.geo_restriction.items[1]", "a country not already used", "string 'DE'"),
    ("unknown restriction type",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "allow"}),
     "distribution.geo_restriction.restriction_type", "'whitelist'", "string 'allow'"),
    ("a list without countries",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "whitelist"}),
     "distribution.geo_restriction.items", "at least one country code", "none"),
    ("countries with no restriction",
     lambda w: w["distribution"].update(geo_restriction={"restriction_type": "none",
                                                         "items": ["FR"]}),
     "distribution.geo_restriction.items", "no country codes", "['FR']"),
    ("restriction type missing",
     lambda w: w["distribution"].update(geo_restriction={"items": ["FR"]}),
     "distribution.geo_restriction.restriction_type", "the key is required", "nothing"),
    ("not an address",
     lambda w: w.update(trusted_proxies=["127.0.0.1", "frontdoor"]),
     "trusted_proxies[1]", "an IP address or CIDR block", "string 'frontdoor'"),
    ("a prefix too long",
     lambda w: w.update(trusted_proxies=["10.0.0.0/33"]),
     "trusted_proxies[0]", "an IP address or CIDR block", "string '10.0.0.0/33'"),
    ("one string, not a list",
     lambda w: w.update(trusted_proxies="127.0.0.1"),
     "trusted_proxies", "array of addresses", "string '127.0.0.1'"),
]


@pytest.mark.parametrize(
    ("change", "key", "expected", "found"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_mistakes_name_the_key(world, change, key, expected, found):
    change(world)
    with pytest.raises(ConfigError) as caught:
        parse_config(world, "world.toml")
    error = caught.value
    assert (error.file, error.key) == ("world.toml", key)
    assert expected in error.expected
    assert found in error.found


def test_geolite2_is_a_switch_that_needs_its_extra() -> None:
    with open(default_config_path(), "rb") as f:
        data = tomllib.load(f)
    data["geolite2"] = "yes"
    with pytest.raises(ConfigError) as caught:
        parse_config(data, "w.toml")
    assert caught.value.key == "geolite2"
    data["geolite2"] = True
    try:
        import geolite2  # noqa: F401
    except ImportError:
        with pytest.raises(ConfigError) as caught:
            parse_config(data, "w.toml")
        assert "pip install 'edgesim[geolite2]'" in str(caught.value)
    else:
        assert parse_config(data, "w.toml").geolite2 is True
