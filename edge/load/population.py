"""Who the viewers are: places with shares of the traffic, and a stream of distinct viewers.

A population is a list of shares; each share is a set of cities, drawn from by population, so
"Europe" sends more viewers from London than from Reykjavik. The default is the whole world by
population; a file can name regions (continents), countries and cities with shares; a single
city is the simplest case.

The file is TOML, one table per kind of place, a share per entry:

    [regions]          # continents, by name or code: "Europe", "EU"
    Europe = 40
    [countries]        # ISO 3166-1 alpha-2 code or English name: "JP", "Japan"
    JP = 30
    [cities]           # as `edgesim` finds a city: "Tokyo", "Portland, Oregon", "Paris, FR"
    "São Paulo" = 30

Shares are relative weights, divided by their sum (so 40/30/30 and 4/3/3 are the same
population): a file of percentages that misses 100 by a rounding error still works, and
nothing else has to add up. Each entry is its own slice; "Europe" and "FR" in one file give
France a part of both.

Each viewer gets the next address of its city (`ip_for`): the city's IPv4 block first, then
its IPv6 block, so no two viewers of a run share an address however many there are. Worker
processes interleave address numbers (worker w of W takes w, w + W, ...) to stay distinct too.
"""

from __future__ import annotations

import bisect
import itertools
import random
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Self

from edge.geo.cities import Cities, City, did_you_mean, fold, ip_for
from edge.load.errors import LoadInputError

__all__ = ["REGIONS", "Population", "Share", "Viewer", "viewer_address"]

# Continent codes as the world database has them, and the names a file may use instead.
REGIONS: dict[str, str] = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}
_KINDS = ("regions", "countries", "cities")


@dataclass(frozen=True, slots=True)
class Viewer:
    """One virtual viewer: where it is and the address it sends from.

    `number` is unique within a run (across workers too): the runner's key for the viewer's
    cookie jar, so A/B stickiness and members' sessions behave as for people.
    """

    number: int
    city: City
    ip: str

    @property
    def region(self) -> str:
        """The viewer's continent, the region a report groups it under."""
        return REGIONS.get(self.city.continent, self.city.continent)


@dataclass(frozen=True, slots=True)
class Share:
    """One slice of the population: a place, its fraction of the viewers, its cities."""

    place: str  # as the report and errors show it: "region Europe", "city Tokyo"
    fraction: float  # of all viewers; the fractions of a population add up to 1
    cities: tuple[City, ...]
    cumulative_population: tuple[int, ...]  # for drawing a city by population with bisect

    @classmethod
    def of(cls, place: str, fraction: float, cities: Sequence[City]) -> Self:
        return cls(place, fraction, tuple(cities),
                   tuple(itertools.accumulate(city.population for city in cities)))

    def draw(self, rng: random.Random) -> City:
        """A city of this place, the more populous the likelier."""
        point = rng.random() * self.cumulative_population[-1]
        return self.cities[bisect.bisect_right(self.cumulative_population, point)]


def viewer_address(city: City, n: int) -> str:
    """The city's n-th viewer address: its IPv4 hosts first, then its IPv6 block."""
    ipv4_hosts = city.ipv4_network.num_addresses - 2  # as `ip_for` counts them
    return ip_for(city, n) if n < ipv4_hosts else ip_for(city, n - ipv4_hosts, version=6)


class Population:
    """Shares of viewers by place; draws cities and hands out distinct viewers."""

    def __init__(self, shares: Sequence[Share]) -> None:
        if not shares:
            raise LoadInputError("the population is empty: name at least one place")
        self.shares = tuple(shares)
        self._cumulative = tuple(itertools.accumulate(share.fraction for share in shares))

    @classmethod
    def world(cls, cities: Cities) -> Self:
        """Every city of the world, by population."""
        return cls([Share.of("the world", 1.0, list(cities))])

    @classmethod
    def single_city(cls, cities: Cities, name: str) -> Self:
        """All viewers in one city, found as `Cities.find` finds it ("Paris, FR")."""
        return cls([_resolve(cities, "cities", name, 1.0, "")])

    @classmethod
    def from_file(cls, cities: Cities, path: str | Path) -> Self:
        """A population file (the module docstring shows the format)."""
        try:
            with Path(path).open("rb") as f:
                data = tomllib.load(f)
        except OSError as error:
            raise LoadInputError(f"{path}: cannot read the population file: "
                                 f"{error.strerror or error}") from None
        except tomllib.TOMLDecodeError as error:
            raise LoadInputError(f"{path}: not a TOML file: {error}") from None
        return cls.from_mapping(cities, data, str(path))

    @classmethod
    def from_mapping(cls, cities: Cities, data: Mapping[str, object], source: str) -> Self:
        """A population file's contents once parsed; `source` names it in errors."""
        weighted: list[tuple[str, str, float]] = []  # (kind, name, weight)
        for kind, table in data.items():
            if kind not in _KINDS:
                raise LoadInputError(f"{source}: unknown table [{kind}]; expected "
                                     f"[regions], [countries] or [cities]")
            if not isinstance(table, dict):
                raise LoadInputError(f"{source}: [{kind}] must be a table of name = share")
            for name, weight in table.items():
                if isinstance(weight, bool) or not isinstance(weight, int | float) \
                        or not weight > 0:
                    raise LoadInputError(f"{source}: {kind}.{name!r}: the share must be a "
                                         f"number above 0, got {weight!r}")
                weighted.append((kind, name, float(weight)))
        if not weighted:
            raise LoadInputError(f"{source}: names no place; add [regions], [countries] or "
                                 f"[cities] with a share for each")
        total = sum(weight for _, _, weight in weighted)
        return cls([_resolve(cities, kind, name, weight / total, source)
                    for kind, name, weight in weighted])

    def draw_city(self, rng: random.Random) -> City:
        """A city: first a share by its fraction, then a city of it by population."""
        point = rng.random() * self._cumulative[-1]
        index = min(bisect.bisect_right(self._cumulative, point), len(self.shares) - 1)
        return self.shares[index].draw(rng)

    def viewers(self, rng: random.Random, *, worker: int = 0, workers: int = 1) -> Iterator[Viewer]:
        """New viewers without end, each with an address no other viewer of the run has.

        Worker `worker` of `workers` numbers its viewers and addresses w, w + W, w + 2W ...,
        so the workers of one run never hand out the same viewer.
        """
        if not 0 <= worker < workers:
            raise LoadInputError(f"worker {worker} is not one of 0..{workers - 1}")
        return self._viewers(rng, worker, workers)

    def _viewers(self, rng: random.Random, worker: int, workers: int) -> Iterator[Viewer]:
        seen_in_city: dict[int, int] = {}
        for count in itertools.count():
            city = self.draw_city(rng)
            n = seen_in_city.get(city.geoname_id, 0)
            seen_in_city[city.geoname_id] = n + 1
            yield Viewer(count * workers + worker, city, viewer_address(city, n * workers + worker))


def _resolve(cities: Cities, kind: str, name: str, fraction: float, source: str) -> Share:
    """The cities an entry names, or an error that names the entry and close names."""
    where = f"{source}: " if source else ""
    if kind == "cities":
        city = cities.find(name)
        if city is None:
            raise LoadInputError(f"{where}unknown city {name!r}{cities.close_to(name)}")
        return Share.of(f"city {city.name}, {city.country_code}", fraction, [city])
    if kind == "regions":
        known = {fold(code): code for code in REGIONS} | {fold(n): n for n in REGIONS.values()}
        code = next((c for c, n in REGIONS.items() if fold(name) in (fold(c), fold(n))), None)
        if code is None:
            raise LoadInputError(f"{where}unknown region {name!r}{did_you_mean(fold(name), known)}"
                                 f"; regions are continents: {', '.join(REGIONS.values())}")
        return Share.of(f"region {REGIONS[code]}", fraction,
                        [c for c in cities if c.continent == code])
    countries = {c.country_code: c.country_name for c in cities}
    known = {fold(code): code for code in countries} | {fold(n): n for n in countries.values()}
    code = next((c for c, n in countries.items() if fold(name) in (fold(c), fold(n))), None)
    if code is None:
        raise LoadInputError(f"{where}unknown country {name!r}"
                             f"{did_you_mean(fold(name), known)}")
    return Share.of(f"country {countries[code]}", fraction,
                    [c for c in cities if c.country_code == code])
