"""Viewer IP → location, answered by MaxMind-format databases: the simulated world, and
GeoLite2 City for real public addresses when it is selected (an optional extra)."""

from __future__ import annotations

import functools
from pathlib import Path
from socket import AF_INET, AF_INET6, inet_ntop, inet_pton
from typing import Any, NamedTuple, Self

import maxminddb

__all__ = [
    "INSTALL_GEOLITE2",
    "WORLD_MMDB",
    "GeoDatabase",
    "GeoLite2Unavailable",
    "Location",
    "geolite2_path",
]

WORLD_MMDB = Path(__file__).with_name("data") / "world.mmdb"
DEFAULT_CACHE_SIZE = 65_536
INSTALL_GEOLITE2 = "install the extra: pip install 'edgesim[geolite2]'"

_V4_MAPPED = bytes(10) + b"\xff\xff"  # ::ffff:0:0/96, the first 12 bytes
_EMPTY: dict[str, Any] = {}


class GeoLite2Unavailable(RuntimeError):
    """GeoLite2 City was asked for, but the package that ships it is not installed."""


class Location(NamedTuple):
    """What CloudFront knows about a viewer's address (spec §5.2); None where the database
    has nothing (GeoLite2 often lacks a city or postal code and never has an ASN; our world
    has no postal codes).

    A named tuple rather than a frozen dataclass: a third of the price to build, and a node
    builds one for every viewer address it has not seen yet.
    """

    ip: str
    city: str | None
    country_code: str | None
    country_name: str | None
    region_code: str | None  # ISO 3166-2 suffix, e.g. "13" for JP-13
    region_name: str | None
    latitude: float | None
    longitude: float | None
    time_zone: str | None
    postal_code: str | None
    metro_code: int | None
    asn: int | None
    continent: str | None  # two-letter code, e.g. "EU"


def _english(section: dict[str, Any]) -> str | None:
    names = section.get("names")
    return names.get("en") if names else None


def location_from_record(ip: str, record: dict[str, Any]) -> Location:
    """A GeoIP2 City record (plus the GeoLite2-ASN fields, when present) as a Location."""
    country = record.get("country") or record.get("registered_country") or _EMPTY
    subdivisions = record.get("subdivisions")
    subdivision = subdivisions[0] if subdivisions else _EMPTY
    where = record.get("location", _EMPTY)
    return Location(
        ip,
        _english(record.get("city", _EMPTY)),
        country.get("iso_code"),
        _english(country),
        subdivision.get("iso_code"),
        _english(subdivision),
        where.get("latitude"),
        where.get("longitude"),
        where.get("time_zone"),
        record.get("postal", _EMPTY).get("code"),
        where.get("metro_code"),
        record.get("autonomous_system_number"),
        record.get("continent", _EMPTY).get("code"),
    )


def geolite2_path() -> Path:
    """The GeoLite2 City file that the `maxminddb-geolite2` package ships."""
    try:
        from geolite2 import geolite2
    except ImportError:
        raise GeoLite2Unavailable(
            f"the GeoLite2 City database is not installed; {INSTALL_GEOLITE2}"
        ) from None
    return Path(geolite2.filename)


class GeoDatabase:
    """Open `.mmdb` files with a bounded per-IP cache: the same viewers come back again and again.

    The simulated world answers its own addresses (198.18.0.0/15, 2001:db8::/32); `real`
    (GeoLite2 City), when there is one, answers every other. Neither has an address of the
    other, so asking the world first only decides the cost: a miss in its small tree takes a
    fraction of what a record takes to decode.
    """

    def __init__(
        self,
        world: maxminddb.Reader,
        cache_size: int = DEFAULT_CACHE_SIZE,
        *,
        real: maxminddb.Reader | None = None,
    ) -> None:
        self._readers = (world,) if real is None else (world, real)
        self.lookup = functools.lru_cache(maxsize=cache_size)(self._lookup)

    @classmethod
    def open(
        cls,
        path: str | Path = WORLD_MMDB,
        cache_size: int = DEFAULT_CACHE_SIZE,
        *,
        geolite2: bool = False,
    ) -> Self:
        """The world at `path`, with GeoLite2 City behind it when `geolite2` is set.

        Raises GeoLite2Unavailable when `geolite2` is set and the extra is not installed.
        """
        real = maxminddb.open_database(str(geolite2_path())) if geolite2 else None
        return cls(maxminddb.open_database(str(path)), cache_size, real=real)

    def _lookup(self, ip: str) -> Location | None:
        """The location of `ip`, or None when it is unknown or not an address at all."""
        record = self._record(ip)
        return None if record is None else location_from_record(ip, record)

    def _record(self, ip: str) -> dict[str, Any] | None:
        # inet_pton is as strict as `ipaddress` at a tenth of the price; the readers' own
        # parsing also takes forms like "127.1", which no socket reports.
        family = AF_INET6 if ":" in ip else AF_INET
        try:
            packed = inet_pton(family, ip)
        except (OSError, ValueError):
            return None
        for reader in self._readers:
            record = reader.get(ip)
            if isinstance(record, dict):
                return record
        # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the world files them under
        # IPv4 only.
        if family == AF_INET6 and packed[:12] == _V4_MAPPED:
            return self._record(inet_ntop(AF_INET, packed[12:]))
        return None

    def close(self) -> None:
        for reader in self._readers:
            reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
