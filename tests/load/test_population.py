"""Who the viewers are: shares of the world by place, cities by population, distinct addresses,
and errors that name the entry and a close name."""

from __future__ import annotations

import random
from collections import Counter
from itertools import islice
from pathlib import Path

import pytest

from edge.geo.cities import Cities
from edge.geo.locations import GeoDatabase
from edge.load.errors import LoadInputError
from edge.load.population import REGIONS, Population, viewer_address

DRAWS = 20_000


def regions_of(population: Population, draws: int = DRAWS, seed: int = 7) -> Counter[str]:
    viewers = population.viewers(random.Random(seed))
    return Counter(viewer.region for viewer in islice(viewers, draws))


def test_world_viewers_follow_the_population_of_each_continent(cities: Cities) -> None:
    people = Counter[str]()
    for city in cities:
        people[REGIONS[city.continent]] += city.population
    drawn = regions_of(Population.world(cities))
    for region, count in people.items():
        # 20,000 draws: a standard deviation of at most 0.0035 per fraction.
        assert drawn[region] / DRAWS == pytest.approx(count / people.total(), abs=0.015)


def test_file_shares_are_weights_divided_by_their_sum(cities: Cities) -> None:
    # 5 + 3 + 2 = 10: Europe 0.5, Japan (in Asia) 0.3, São Paulo (in South America) 0.2.
    population = Population.from_mapping(
        cities, {"regions": {"Europe": 5}, "countries": {"JP": 3}, "cities": {"Sao Paulo": 2}},
        "population.toml")
    assert [share.fraction for share in population.shares] == [0.5, 0.3, 0.2]
    drawn = regions_of(population)
    assert drawn.keys() == {"Europe", "Asia", "South America"}
    assert drawn["Europe"] / DRAWS == pytest.approx(0.5, abs=0.015)
    assert drawn["Asia"] / DRAWS == pytest.approx(0.3, abs=0.015)
    assert drawn["South America"] / DRAWS == pytest.approx(0.2, abs=0.015)


def test_percentages_and_weights_give_the_same_population(cities: Cities) -> None:
    percent = Population.from_mapping(cities, {"countries": {"FR": 40, "Germany": 60}}, "a")
    weights = Population.from_mapping(cities, {"countries": {"fr": 2, "germany": 3}}, "b")
    assert [s.fraction for s in percent.shares] == [s.fraction for s in weights.shares]
    assert [s.place for s in percent.shares] == ["country France", "country Germany"]


def test_a_country_draws_its_cities_by_population(cities: Cities) -> None:
    japan = Population.from_mapping(cities, {"countries": {"Japan": 1}}, "p")
    share = japan.shares[0]
    tokyo = cities.find("Tokyo, JP")
    assert tokyo is not None and tokyo in share.cities
    expected = tokyo.population / share.cumulative_population[-1]
    rng = random.Random(3)
    drawn = sum(japan.draw_city(rng) == tokyo for _ in range(DRAWS))
    assert drawn / DRAWS == pytest.approx(expected, abs=0.015)
    assert all(city.country_code == "JP" for city in share.cities)


def test_single_city_population(cities: Cities) -> None:
    viewers = Population.single_city(cities, "Tokyo").viewers(random.Random(1))
    assert {viewer.city.name for viewer in islice(viewers, 50)} == {"Tokyo"}


def test_viewers_are_distinct_beyond_the_city_ipv4_block(cities: Cities) -> None:
    city = cities.find("Reykjavik")
    assert city is not None
    ipv4_hosts = city.ipv4_network.num_addresses - 2
    viewers = list(islice(Population.single_city(cities, "Reykjavik").viewers(random.Random(1)),
                          ipv4_hosts + 10))
    addresses = [viewer.ip for viewer in viewers]
    assert len(set(addresses)) == len(addresses)
    assert [viewer.number for viewer in viewers] == list(range(len(viewers)))
    assert ":" not in addresses[ipv4_hosts - 1] and ":" in addresses[ipv4_hosts]


def test_viewer_addresses_locate_back_to_their_city(cities: Cities) -> None:
    city = cities.find("Lagos")
    assert city is not None
    ipv4_hosts = city.ipv4_network.num_addresses - 2
    with GeoDatabase.open() as world:
        for n in (0, ipv4_hosts - 1, ipv4_hosts, ipv4_hosts + 1000):
            location = world.lookup(viewer_address(city, n))
            assert location is not None and location.city == city.name


def test_workers_hand_out_different_viewers(cities: Cities) -> None:
    population = Population.single_city(cities, "Paris, FR")
    first = list(islice(population.viewers(random.Random(1), worker=0, workers=2), 300))
    second = list(islice(population.viewers(random.Random(2), worker=1, workers=2), 300))
    assert not {v.ip for v in first} & {v.ip for v in second}
    assert not {v.number for v in first} & {v.number for v in second}


def test_same_seed_same_viewers(cities: Cities) -> None:
    world = Population.world(cities)
    assert list(islice(world.viewers(random.Random(9)), 100)) == \
        list(islice(world.viewers(random.Random(9)), 100))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"cities": {"Tokyoo": 1}}, "p.toml: unknown city 'Tokyoo' (did you mean 'Tokyo'"),
        ({"countries": {"Jpan": 1}}, "p.toml: unknown country 'Jpan' (did you mean 'Japan'?)"),
        ({"regions": {"Eurpoe": 1}}, "p.toml: unknown region 'Eurpoe' (did you mean 'Europe'?)"),
        ({"regions": {"Atlantis": 1}}, "regions are continents: Africa, Antarctica, Asia"),
        ({"towns": {"Paris": 1}}, "p.toml: unknown table [towns]"),
        ({"cities": {"Paris": 0}}, "p.toml: cities.'Paris': the share must be a number above 0"),
        ({"cities": {"Paris": -1}}, "the share must be a number above 0, got -1"),
        ({"cities": {"Paris": "half"}}, "the share must be a number above 0, got 'half'"),
        ({"cities": {"Paris": True}}, "the share must be a number above 0, got True"),
        ({"cities": ["Paris"]}, "p.toml: [cities] must be a table of name = share"),
        ({}, "p.toml: names no place"),
        ({"cities": {}}, "p.toml: names no place"),
    ],
)
def test_bad_population_names_the_entry(cities: Cities, data: dict, message: str) -> None:
    with pytest.raises(LoadInputError) as caught:
        Population.from_mapping(cities, data, "p.toml")
    assert message in str(caught.value)


def test_unknown_single_city_suggests_close_names(cities: Cities) -> None:
    with pytest.raises(LoadInputError, match=r"^unknown city 'Pariss' \(did you mean 'Paris'"):
        Population.single_city(cities, "Pariss")


def test_population_file(cities: Cities, tmp_path: Path) -> None:
    path = tmp_path / "viewers.toml"
    path.write_text('[regions]\nEU = 1\n\n[cities]\n"Portland, Oregon" = 1\n', encoding="utf-8")
    population = Population.from_file(cities, path)
    assert [(s.place, s.fraction) for s in population.shares] == [
        ("region Europe", 0.5), ("city Portland, US", 0.5)]


def test_unreadable_population_file(cities: Cities, tmp_path: Path) -> None:
    with pytest.raises(LoadInputError, match="cannot read the population file"):
        Population.from_file(cities, tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[cities\nParis = 1\n", encoding="utf-8")
    with pytest.raises(LoadInputError, match=r"bad\.toml: not a TOML file"):
        Population.from_file(cities, bad)


def test_worker_must_be_one_of_the_workers(cities: Cities) -> None:
    with pytest.raises(LoadInputError, match=r"worker 2 is not one of 0\.\.1"):
        Population.world(cities).viewers(random.Random(1), worker=2, workers=2)
