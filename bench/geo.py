"""Viewer resolutions/s (IP → location → nearest PoP) against a bare `maxminddb` lookup.

Viewer resolution is what the edge does with a viewer's address: `GeoDatabase.lookup` on the
simulated world, then the nearest of the default world's PoPs by simulated RTT
(`NearestTable.closest`). The baseline is `maxminddb.open_database(world.mmdb).get(ip)`, the
decoded record and nothing else. Both run in this process over the same stream of addresses,
one after the other, alternating, for `--repeats` runs; each run of the resolution starts with
empty caches, so it pays for every address it sees first. Time is this process's CPU time,
and the figure is the median of the runs. The target is a resolution rate of 0.5 or more of
the bare rate on the mixed stream.

Two streams:

- **mixed**, as a busy edge sees them: `--viewers` addresses drawn from the world's cities in
  proportion to population (three in ten IPv6), then `--requests` picks among them with Zipf
  weights (s = 1), so some viewers come back very often, many a few times, some once;
- **first sight**, the cold path: the same `--viewers` addresses, each once.

A measurement, not a test: it exits 0 whatever the figures.

    python bench/geo.py [--requests 200000] [--viewers 50000] [--repeats 5] [--seed 1]
"""

from __future__ import annotations

import argparse
import itertools
import random
import statistics
import time
from collections.abc import Callable, Sequence

import maxminddb

from edge.config import Node, load_config
from edge.geo.cities import Cities, City, ip_for
from edge.geo.locations import WORLD_MMDB, GeoDatabase
from edge.geo.nearest import NearestTable, nearest

TARGETS = ("bare", "resolution")
RATIO_TARGET = 0.5
IPV6_SHARE = 0.3
ZIPF_S = 1.0
SANITY_SAMPLE = 2000


def viewer_addresses(cities: Sequence[City], count: int, rng: random.Random) -> list[str]:
    """`count` distinct addresses, each in a city drawn by population, a share of them IPv6."""
    weights = list(itertools.accumulate(city.population for city in cities))
    seen: dict[str, None] = {}
    while len(seen) < count:
        city = rng.choices(cities, cum_weights=weights)[0]
        if rng.random() < IPV6_SHARE:
            seen[ip_for(city, rng.randrange(1 << 32), version=6)] = None
        else:
            seen[ip_for(city, rng.randrange(city.ipv4_network.num_addresses))] = None
    return list(seen)


def mixed_stream(viewers: list[str], requests: int, rng: random.Random) -> list[str]:
    """`requests` picks among `viewers`, the r-th most frequent with weight 1 / r^s."""
    weights = list(itertools.accumulate(1 / rank**ZIPF_S for rank in range(1, len(viewers) + 1)))
    order = viewers[:]
    rng.shuffle(order)  # popularity independent of city size and address family
    return rng.choices(order, cum_weights=weights, k=requests)


def bare_run(stream: list[str]) -> float:
    """Lookups per CPU second of the bare reader (opened anew, as the resolution's is)."""
    with maxminddb.open_database(str(WORLD_MMDB)) as reader:
        get = reader.get
        started = time.process_time()
        for ip in stream:
            get(ip)
        return len(stream) / (time.process_time() - started)


def resolution_run(stream: list[str], pops: list[Node]) -> float:
    """Resolutions per CPU second, starting from empty caches."""
    table = NearestTable(pops, key=_position)
    with GeoDatabase.open() as db:
        lookup, closest = db.lookup, table.closest
        started = time.process_time()
        for ip in stream:
            where = lookup(ip)
            if where is not None and where.latitude is not None and where.longitude is not None:
                closest((where.latitude, where.longitude))
        return len(stream) / (time.process_time() - started)


def _position(pop: Node) -> tuple[float, float]:
    return (pop.latitude, pop.longitude)


def check(stream: list[str], pops: list[Node]) -> None:
    """The resolution answers what the bare record and a plain `nearest` answer."""
    table = NearestTable(pops, key=_position)
    with GeoDatabase.open() as db, maxminddb.open_database(str(WORLD_MMDB)) as reader:
        for ip in stream[:SANITY_SAMPLE]:
            record, where = reader.get(ip), db.lookup(ip)
            assert isinstance(record, dict) and where is not None, ip
            assert where.city == record["city"]["names"]["en"], ip
            assert where.latitude is not None and where.longitude is not None, ip
            location = (where.latitude, where.longitude)
            assert table.closest(location) == nearest(pops, location, _position)[0], ip


def measure(stream: list[str], pops: list[Node], repeats: int) -> dict[str, list[float]]:
    runs: dict[str, list[float]] = {target: [] for target in TARGETS}
    calls: dict[str, Callable[[], float]] = {
        "bare": lambda: bare_run(stream),
        "resolution": lambda: resolution_run(stream, pops),
    }
    for _ in range(repeats):  # alternating, so drift in the machine's load hits both alike
        for target in TARGETS:
            runs[target].append(calls[target]())
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200_000, help="lookups per run")
    parser.add_argument("--viewers", type=int, default=50_000,
                        help="distinct addresses in the mixed stream")
    parser.add_argument("--repeats", type=int, default=5, help="runs per target and stream")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    rng = random.Random(args.seed)
    cities = list(Cities.load())
    pops = load_config().pops
    viewers = viewer_addresses(cities, args.viewers, rng)
    streams = {
        "mixed": mixed_stream(viewers, args.requests, rng),
        "first sight": viewers,
    }
    for stream in streams.values():
        check(stream, pops)

    mixed = streams["mixed"]
    first_sightings = len(set(mixed))
    print(f"mixed: {len(mixed)} requests, {first_sightings} distinct addresses "
          f"({first_sightings / len(mixed):.0%} first sightings) from {len(cities)} cities; "
          f"{len(pops)} PoPs")
    print(f"{'stream':<12} {'target':<11} {'lookups/s':>10} {'µs CPU':>7}  runs (lookups/s)")
    ratios = {}
    for name, stream in streams.items():
        runs = measure(stream, pops, args.repeats)
        medians = {target: statistics.median(values) for target, values in runs.items()}
        for target in TARGETS:
            print(f"{name:<12} {target:<11} {medians[target]:>10.0f} "
                  f"{1e6 / medians[target]:>7.2f}  "
                  + " ".join(f"{value:.0f}" for value in runs[target]))
        ratios[name] = medians["resolution"] / medians["bare"]
    print()
    print(f"ratio mixed: resolution/bare = {ratios['mixed']:.2f} (target >= {RATIO_TARGET:.2f})")
    print(f"ratio first sight: resolution/bare = {ratios['first sight']:.2f}")


if __name__ == "__main__":
    main()
