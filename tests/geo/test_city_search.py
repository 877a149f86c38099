"""Finding a city by what a person types: any case, with or without accents, narrowed by
country or region."""

from __future__ import annotations

import ipaddress

import pytest

from edge.geo.cities import Cities, fold, ip_for

FOUND = [
    # query, city, country
    ("Tokyo", "Tokyo", "JP"),
    ("tokyo", "Tokyo", "JP"),
    ("TOKYO, jp", "Tokyo", "JP"),
    ("tokyo,JP", "Tokyo", "JP"),
    ("São Paulo", "São Paulo", "BR"),
    ("Sao Paulo", "São Paulo", "BR"),
    ("  sao   PAULO ", "São Paulo", "BR"),
    ("Zürich", "Zürich", "CH"),
    ("Zurich, Switzerland", "Zürich", "CH"),
    ("Paris", "Paris", "FR"),
    ("New York", "New York City", "US"),
    ("New York, NY, US", "New York City", "US"),
    ("Portland, Oregon", "Portland", "US"),
    ("Cordoba, Spain", "Córdoba", "ES"),
    ("Cambridge, MA", "Cambridge", "US"),
    ("Bombay", "Mumbai", "IN"),
    ("Cologne", "Köln", "DE"),
    ("Sydney, AU-NSW", "Sydney", "AU"),
    ("Lagos, AF", "Lagos", "NG"),
]


@pytest.mark.parametrize(("query", "name", "country"), FOUND)
def test_find_by_name(cities: Cities, query: str, name: str, country: str) -> None:
    city = cities.find(query)
    assert city is not None
    assert (city.name, city.country_code) == (name, country)


def test_same_name_picks_the_most_populous_unless_narrowed(cities: Cities) -> None:
    cambridge, cambridge_ma = cities.find("Cambridge"), cities.find("Cambridge, Massachusetts")
    assert cambridge is not None and cambridge_ma is not None
    assert (cambridge.country_code, cambridge_ma.country_code) == ("GB", "US")
    assert cambridge.population > cambridge_ma.population


@pytest.mark.parametrize("query", ["Atlantis", "Tokyo, FR", "", ", JP"])
def test_unknown_city_is_none(cities: Cities, query: str) -> None:
    assert cities.find(query) is None


@pytest.mark.parametrize(
    ("text", "folded"),
    [("São Paulo", "sao paulo"), ("Île-de-France", "ile-de-france"), ("  A  b", "a b")],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_ip_for_walks_the_hosts_of_the_city_block_and_wraps(cities: Cities) -> None:
    city = cities.find("Lagos")
    assert city is not None
    network = city.ipv4_network
    hosts = [ipaddress.IPv4Address(ip_for(city, n)) for n in range(network.num_addresses - 2)]
    assert hosts == list(network.hosts())
    assert ip_for(city, network.num_addresses - 2) == ip_for(city, 0)
    assert ipaddress.IPv6Address(ip_for(city, 5, version=6)) in city.ipv6_network
    assert ip_for(city, 0, version=6) == str(city.ipv6_network.network_address + 1)
