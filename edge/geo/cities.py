"""The simulated world's cities: find one by name, hand out viewer IPs inside it.

Used by the browse-as-city override and by load generation, so the database never has to be
searched backwards.
"""

from __future__ import annotations

import csv
import difflib
import ipaddress
import unicodedata
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Self

__all__ = ["CITIES_CSV", "Cities", "City", "did_you_mean", "fold", "ip_for"]

CITIES_CSV = Path(__file__).with_name("data") / "cities.csv"


@dataclass(frozen=True, slots=True)
class City:
    geoname_id: int
    name: str
    alternate_names: tuple[str, ...]
    country_code: str
    country_name: str
    region_code: str  # ISO 3166-2 suffix; empty when unknown
    region_name: str
    latitude: float
    longitude: float
    time_zone: str
    population: int
    continent: str
    metro_code: int | None
    ipv4_network: ipaddress.IPv4Network
    ipv6_network: ipaddress.IPv6Network


def fold(text: str) -> str:
    """Case-, accent- and spacing-insensitive form: "São  Paulo" and "sao paulo" are equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.casefold().split())


def did_you_mean(word: str, known: Mapping[str, str]) -> str:
    """' (did you mean X or Y?)' for the names whose key is close to `word` (difflib), else ''.

    `known` maps the form compared (folded: no case, no accents) to the form shown.
    """
    close = difflib.get_close_matches(word, list(known), n=3, cutoff=0.7)
    shown = list(dict.fromkeys(known[key] for key in close))
    if not shown:
        return ""
    return f" (did you mean {' or '.join(repr(name) for name in shown)}?)"


def ip_for(city: City, n: int = 0, *, version: Literal[4, 6] = 4) -> str:
    """The n-th viewer address in the city: the block's hosts in order, wrapping around."""
    if version == 4:
        network: ipaddress.IPv4Network | ipaddress.IPv6Network = city.ipv4_network
        hosts = network.num_addresses - 2  # leave out the network and broadcast addresses
    else:
        network = city.ipv6_network
        hosts = network.num_addresses - 1  # leave out the subnet-router anycast address
    return str(network.network_address + 1 + n % hosts)


def _city(row: dict[str, str]) -> City:
    return City(
        geoname_id=int(row["geoname_id"]),
        name=row["name"],
        alternate_names=tuple(row["alternate_names"].split("|")) if row["alternate_names"] else (),
        country_code=row["country_code"],
        country_name=row["country_name"],
        region_code=row["region_code"],
        region_name=row["region_name"],
        latitude=float(row["latitude"]),
        longitude=float(row["longitude"]),
        time_zone=row["time_zone"],
        population=int(row["population"]),
        continent=row["continent_code"],
        metro_code=int(row["metro_code"]) if row["metro_code"] else None,
        ipv4_network=ipaddress.IPv4Network(row["ipv4_network"]),
        ipv6_network=ipaddress.IPv6Network(row["ipv6_network"]),
    )


class Cities:
    """The city table, most populous first, indexed by folded name and alternate name."""

    def __init__(self, cities: list[City]) -> None:
        self._cities = sorted(cities, key=lambda c: (-c.population, c.geoname_id))
        self._by_name: dict[str, list[City]] = {}
        self._by_alternate: dict[str, list[City]] = {}
        self._by_id = {city.geoname_id: city for city in self._cities}
        for city in self._cities:
            self._by_name.setdefault(fold(city.name), []).append(city)
            for alternate in city.alternate_names:
                self._by_alternate.setdefault(fold(alternate), []).append(city)

    @classmethod
    def load(cls, path: str | Path = CITIES_CSV) -> Self:
        with Path(path).open(encoding="utf-8", newline="") as f:
            return cls([_city(row) for row in csv.DictReader(f)])

    def __len__(self) -> int:
        return len(self._cities)

    def __iter__(self) -> Iterator[City]:
        return iter(self._cities)

    def get(self, geoname_id: int) -> City | None:
        return self._by_id.get(geoname_id)

    def close_to(self, query: str) -> str:
        """' (did you mean X or Y?)' with the cities named like `query`'s name, else ''."""
        return did_you_mean(fold(query.split(",")[0]), {fold(c.name): c.name for c in self})

    def find(self, query: str) -> City | None:
        """The most populous city called `query`: "Tokyo", "sao paulo", "Paris, FR",
        "Portland, Oregon", "New York, NY, US"."""
        named = self.named(query)
        return named[0] if named else None

    def named(self, query: str) -> list[City]:
        """Every city called `query`, most populous first.

        Words after commas narrow the choice by country or region (code or name) or continent
        code. Own names win over alternate names, so "Paris" is not a suburb's old name: the
        cities of the first index that has the name are the answer.
        """
        name, *qualifiers = (fold(part) for part in query.split(","))
        wanted = [q for q in qualifiers if q]
        for index in (self._by_name, self._by_alternate):
            named = [c for c in index.get(name, ()) if all(_qualifies(c, q) for q in wanted)]
            if named:
                return named
        return []


def _qualifies(city: City, qualifier: str) -> bool:
    return qualifier in {
        fold(city.country_code),
        fold(city.country_name),
        fold(city.continent),
        fold(city.region_name),
        fold(city.region_code),
        fold(f"{city.country_code}-{city.region_code}"),
    }
