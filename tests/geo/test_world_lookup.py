"""The packaged world answers like a GeoIP2 City database, for IPv4 and IPv6 alike."""

from __future__ import annotations

import ipaddress

import pytest

from edge.geo.cities import Cities, ip_for
from edge.geo.locations import GeoDatabase

KNOWN = [
    # query, city, country, region code, region name, time zone, continent
    ("Tokyo", "Tokyo", "JP", "13", "Tokyo", "Asia/Tokyo", "AS"),
    ("São Paulo", "São Paulo", "BR", "SP", "São Paulo", "America/Sao_Paulo", "SA"),
    ("Lagos", "Lagos", "NG", "LA", "Lagos", "Africa/Lagos", "AF"),
    ("Sydney", "Sydney", "AU", "NSW", "New South Wales", "Australia/Sydney", "OC"),
    ("Paris", "Paris", "FR", "IDF", "Île-de-France", "Europe/Paris", "EU"),
    ("New York", "New York City", "US", "NY", "New York", "America/New_York", "NA"),
    ("Mumbai", "Mumbai", "IN", "MH", "Maharashtra", "Asia/Kolkata", "AS"),
    ("Ashburn", "Ashburn", "US", "VA", "Virginia", "America/New_York", "NA"),
]


@pytest.mark.parametrize("version", [4, 6])
@pytest.mark.parametrize(("query", "city", "country", "region", "region_name", "tz", "cont"), KNOWN)
def test_known_city_ip_resolves_to_that_city(
    world: GeoDatabase,
    cities: Cities,
    version: int,
    query: str,
    city: str,
    country: str,
    region: str,
    region_name: str,
    tz: str,
    cont: str,
) -> None:
    found = cities.find(query)
    assert found is not None
    ip = ip_for(found, 3, version=version)
    location = world.lookup(ip)
    assert location is not None
    assert (location.ip, location.city, location.country_code) == (ip, city, country)
    assert (location.region_code, location.region_name) == (region, region_name)
    assert (location.time_zone, location.continent) == (tz, cont)
    assert (location.latitude, location.longitude) == (found.latitude, found.longitude)
    assert location.postal_code is None


def test_us_cities_carry_metro_codes_others_do_not(world: GeoDatabase, cities: Cities) -> None:
    new_york, tokyo = cities.find("New York, US"), cities.find("Tokyo")
    assert new_york is not None and tokyo is not None
    ny_location, tokyo_location = world.lookup(ip_for(new_york)), world.lookup(ip_for(tokyo))
    assert ny_location is not None and tokyo_location is not None
    assert (ny_location.country_name, ny_location.metro_code) == ("United States", 501)
    assert (tokyo_location.country_name, tokyo_location.metro_code) == ("Japan", None)


def test_each_access_network_of_a_city_has_its_own_private_asn(
    world: GeoDatabase, cities: Cities
) -> None:
    tokyo = cities.find("Tokyo")
    assert tokyo is not None and tokyo.ipv4_network.prefixlen <= 26  # big enough to be split
    quarter = tokyo.ipv4_network.num_addresses // 4
    asns = set()
    for network in range(4):
        location = world.lookup(str(tokyo.ipv4_network.network_address + network * quarter + 1))
        assert location is not None and location.city == "Tokyo"
        asns.add(location.asn)
    assert len(asns) == 4
    assert all(a is not None and 4_200_000_000 <= a <= 4_294_967_294 for a in asns)


def test_ipv4_mapped_ipv6_peer_resolves_like_ipv4(world: GeoDatabase, cities: Cities) -> None:
    lagos = cities.find("Lagos")
    assert lagos is not None
    mapped = f"::ffff:{ip_for(lagos)}"
    location = world.lookup(mapped)
    assert location is not None and (location.ip, location.city) == (mapped, "Lagos")


@pytest.mark.parametrize(
    "ip", ["8.8.8.8", "127.0.0.1", "2001:db9::1", "2001:4860::8888", "not an ip", "", "198.18.0"]
)
def test_addresses_outside_the_world_or_malformed_have_no_location(
    world: GeoDatabase, ip: str
) -> None:
    assert world.lookup(ip) is None


def test_repeated_lookups_are_answered_from_the_cache(world: GeoDatabase, cities: Cities) -> None:
    paris = cities.find("Paris")
    assert paris is not None
    first = world.lookup(ip_for(paris, 7))
    assert world.lookup(ip_for(paris, 7)) is first


def test_whole_address_space_resolves_only_inside_documentation_ranges(
    world: GeoDatabase,
) -> None:
    v4_space = ipaddress.ip_network("198.18.0.0/15")
    assert world.lookup(str(v4_space.network_address)) is not None
    assert world.lookup(str(v4_space.network_address - 1)) is None
    assert world.lookup(str(v4_space.broadcast_address + 1)) is None
    assert world.lookup("2001:db8::1") is not None
    assert world.lookup("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff") is None
