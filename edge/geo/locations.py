"""Viewer IP → location, answered by a MaxMind-format database (the simulated world by default,
or GeoLite2 City for real addresses)."""

from __future__ import annotations

import functools
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

import maxminddb

__all__ = ["WORLD_MMDB", "GeoDatabase", "Location"]

WORLD_MMDB = Path(__file__).with_name("data") / "world.mmdb"
DEFAULT_CACHE_SIZE = 65_536


@dataclass(frozen=True, slots=True)
class Location:
    """What CloudFront knows about a viewer's address (spec §5.2); None where the database
    has nothing (GeoLite2 often lacks a city or postal code; our world has no postal codes)."""

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


def _name(record: dict[str, Any], section: str) -> str | None:
    names = record.get(section, {}).get("names", {})
    return names.get("en")


def location_from_record(ip: str, record: dict[str, Any]) -> Location:
    """A GeoIP2 City record (plus the GeoLite2-ASN fields, when present) as a Location."""
    country = record.get("country") or record.get("registered_country") or {}
    subdivision = (record.get("subdivisions") or [{}])[0]
    where = record.get("location", {})
    return Location(
        ip=ip,
        city=_name(record, "city"),
        country_code=country.get("iso_code"),
        country_name=country.get("names", {}).get("en"),
        region_code=subdivision.get("iso_code"),
        region_name=subdivision.get("names", {}).get("en"),
        latitude=where.get("latitude"),
        longitude=where.get("longitude"),
        time_zone=where.get("time_zone"),
        postal_code=record.get("postal", {}).get("code"),
        metro_code=where.get("metro_code"),
        asn=record.get("autonomous_system_number"),
        continent=record.get("continent", {}).get("code"),
    )


class GeoDatabase:
    """An open `.mmdb` with a bounded per-IP cache: the same viewers come back again and again."""

    def __init__(self, reader: maxminddb.Reader, cache_size: int = DEFAULT_CACHE_SIZE) -> None:
        self._reader = reader
        self.lookup = functools.lru_cache(maxsize=cache_size)(self._lookup)

    @classmethod
    def open(cls, path: str | Path = WORLD_MMDB, cache_size: int = DEFAULT_CACHE_SIZE) -> Self:
        return cls(maxminddb.open_database(str(path)), cache_size)

    def _lookup(self, ip: str) -> Location | None:
        """The location of `ip`, or None when it is unknown or not an address at all."""
        try:
            address = ipaddress.ip_address(ip)
        except ValueError:
            return None
        # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; the database files them
        # under IPv4.
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        record = self._reader.get(address)
        if not isinstance(record, dict):
            return None
        return location_from_record(ip, record)

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
