"""The committed world: enough cities everywhere, disjoint blocks in documentation ranges, and a
database that is exactly what its table says, rebuilt the same way every time."""

from __future__ import annotations

import collections
import importlib.util
import ipaddress
import itertools
import sys
from pathlib import Path
from types import ModuleType

import maxminddb
import pytest

from edge.geo.cities import CITIES_CSV, Cities, ip_for
from edge.geo.locations import WORLD_MMDB, GeoDatabase

BUILD_SCRIPT = Path(__file__).resolve().parents[2] / "geo-data" / "build.py"
IPV4_SPACE = ipaddress.IPv4Network("198.18.0.0/15")
IPV6_SPACE = ipaddress.IPv6Network("2001:db8::/32")


def test_every_inhabited_continent_has_at_least_1000_cities(cities: Cities) -> None:
    per_continent = collections.Counter(city.continent for city in cities)
    assert {c for c, n in per_continent.items() if n >= 1000} == {
        "AF",
        "AS",
        "EU",
        "NA",
        "OC",
        "SA",
    }
    # GeoNames has two populated places in Antarctica; both are in.
    assert per_continent["AN"] == 2


def test_blocks_stay_in_documentation_ranges_and_never_overlap(cities: Cities) -> None:
    for attribute, space in (("ipv4_network", IPV4_SPACE), ("ipv6_network", IPV6_SPACE)):
        blocks = sorted((getattr(city, attribute) for city in cities), key=lambda n: n[0])
        assert all(block.subnet_of(space) for block in blocks)  # type: ignore[arg-type]
        for before, after in itertools.pairwise(blocks):
            assert before[-1] < after[0], f"{before} overlaps {after}"


def test_every_city_owns_at_least_a_28_and_bigger_cities_no_less(cities: Cities) -> None:
    prefixes = [city.ipv4_network.prefixlen for city in cities]  # cities: most populous first
    assert max(prefixes) <= 28
    assert prefixes == sorted(prefixes)


def test_every_city_resolves_to_itself_on_both_protocols(
    world: GeoDatabase, cities: Cities
) -> None:
    for city in cities:
        for version in (4, 6):
            location = world.lookup(ip_for(city, version=version))
            assert location is not None
            assert (location.city, location.country_code, location.time_zone) == (
                city.name,
                city.country_code,
                city.time_zone,
            )


def test_committed_files_stay_small() -> None:
    assert CITIES_CSV.stat().st_size < 3_000_000
    assert WORLD_MMDB.stat().st_size < 5_000_000


@pytest.fixture(scope="module")
def build() -> ModuleType:
    pytest.importorskip("mmdb_writer", reason="the build needs mmdb-writer")
    spec = importlib.util.spec_from_file_location("geo_build", BUILD_SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


def test_build_gives_identical_bytes_and_the_committed_records(
    build: ModuleType, tmp_path: Path
) -> None:
    rows = build.read_csv(CITIES_CSV)
    sample = rows[:: len(rows) // 150]
    build.write_mmdb(sample, tmp_path / "a.mmdb")
    build.write_mmdb(sample, tmp_path / "b.mmdb")
    assert (tmp_path / "a.mmdb").read_bytes() == (tmp_path / "b.mmdb").read_bytes()
    with (
        maxminddb.open_database(tmp_path / "a.mmdb") as rebuilt,
        maxminddb.open_database(WORLD_MMDB) as committed,
    ):
        for row in sample:
            for network in (row.ipv4_network, row.ipv6_network):
                first, last = ipaddress.ip_network(network)[1], ipaddress.ip_network(network)[-1]
                for ip in (first, last):
                    assert rebuilt.get(ip) == committed.get(ip) is not None


def test_build_allocation_packs_power_of_two_blocks_largest_first(build: ModuleType) -> None:
    populations = [500, 30_000_000, 2_000, 1_000_000, 2_000]
    selected = [
        {
            "geoname_id": geoname_id,
            "name": f"City {geoname_id}",
            "alternate_names": "",
            "country_code": "ZZ",
            "country_name": "Nowhere",
            "region_code": "",
            "region_name": "",
            "latitude": 0.0,
            "longitude": 0.0,
            "time_zone": "UTC",
            "population": population,
            "continent_code": "AN",
            "metro_code": None,
        }
        for geoname_id, population in enumerate(populations)
    ]
    rows = build.allocate(selected)
    assert [row.population for row in rows] == sorted(populations, reverse=True)
    v4 = [ipaddress.IPv4Network(row.ipv4_network) for row in rows]
    assert v4[0].network_address == IPV4_SPACE.network_address
    for before, after in itertools.pairwise(v4):
        assert before.broadcast_address + 1 == after.network_address  # no gaps
    assert v4[0].num_addresses > v4[1].num_addresses > v4[-1].num_addresses == 16
    assert sum(n.num_addresses for n in v4) <= IPV4_SPACE.num_addresses
    assert [row.ipv6_network for row in rows[:2]] == ["2001:db8::/48", "2001:db8:1::/48"]
