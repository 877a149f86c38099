"""What the load test's traffic would cost on CloudFront + Lambda@Edge in a month (spec §7).

Pure arithmetic over what a run counted: response bytes and requests per price region, and the
functions' invocations and GB-seconds. The run's totals are scaled to a month at the same rate
(730 hours, as AWS's calculator counts a month) before pricing, because data transfer is priced
in monthly tiers: a run's few gigabytes are priced as the terabytes a month of them would be.

Choices, where the price list leaves room:
- A GB is 2^30 bytes and a TB 1024 GB, as AWS bills them; tiers are counted per region group.
- CloudFront bills traffic where the edge location that served it stands, so callers should
  pass the serving PoP's country, not the viewer's.
- Countries that no price column names are priced by their continent: the rest of North
  America as the US, the rest of Africa and the Middle East with South America (one column on
  the current page), the rest of Asia with Hong Kong/Singapore, the rest of Oceania with
  Australia.
- The always-free tier (1 TB, 10 M requests a month) is not deducted: it is per account, not
  per distribution, and Lambda@Edge has none.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from edge.runtime.metering import PRICE_PER_GB_SECOND, PRICE_PER_REQUEST

__all__ = [
    "BYTES_PER_GB",
    "SECONDS_PER_MONTH",
    "Bill",
    "PriceRegion",
    "RegionTraffic",
    "Traffic",
    "data_transfer_cost",
    "monthly_bill",
    "price_region",
    "request_cost",
]

BYTES_PER_GB = 2**30
GB_PER_TB = 1024
SECONDS_PER_MONTH = 730 * 3600


class PriceRegion(Enum):
    """CloudFront's price region groups (spec §7.2), named after the price list's columns."""

    NORTH_AMERICA = "United States, Mexico, Canada"
    EUROPE = "Europe, Israel"
    SOUTH_AMERICA = "South America, Africa, Middle East"
    JAPAN = "Japan"
    AUSTRALIA = "Australia, New Zealand"
    ASIA = "Hong Kong, Singapore, South Korea, Taiwan and the rest of Asia"
    INDIA = "India"


_R = PriceRegion
_BY_COUNTRY: dict[str, PriceRegion] = {
    **dict.fromkeys(("US", "MX", "CA", "PR", "VI", "GU"), _R.NORTH_AMERICA),
    **dict.fromkeys(("IL", "TR", "CY"), _R.EUROPE),
    **dict.fromkeys(("ZA", "KE", "NG", "AE", "SA", "BH", "QA", "OM", "KW", "JO", "LB", "IQ",
                     "IR", "SY", "YE", "PS"), _R.SOUTH_AMERICA),
    "JP": _R.JAPAN,
    **dict.fromkeys(("AU", "NZ"), _R.AUSTRALIA),
    **dict.fromkeys(("HK", "ID", "MY", "PH", "SG", "KR", "TW", "TH", "VN"), _R.ASIA),
    "IN": _R.INDIA,
}
_BY_CONTINENT: dict[str, PriceRegion] = {
    "NA": _R.NORTH_AMERICA,
    "EU": _R.EUROPE,
    "SA": _R.SOUTH_AMERICA,
    "AF": _R.SOUTH_AMERICA,
    "AS": _R.ASIA,
    "OC": _R.AUSTRALIA,
    "AN": _R.AUSTRALIA,
}

# Data transfer out, USD per GB (spec §7.2): the tiers' sizes in TB, then each group's prices.
_TIER_TB = (10, 40, 100, 350, 524, 4 * 1024, math.inf)
_PER_GB: dict[PriceRegion, tuple[float, ...]] = {
    _R.NORTH_AMERICA: (0.085, 0.080, 0.060, 0.040, 0.030, 0.025, 0.020),
    _R.EUROPE: (0.085, 0.080, 0.060, 0.040, 0.030, 0.025, 0.020),
    _R.SOUTH_AMERICA: (0.110, 0.105, 0.090, 0.080, 0.060, 0.050, 0.040),
    _R.JAPAN: (0.114, 0.089, 0.086, 0.084, 0.080, 0.070, 0.060),
    _R.AUSTRALIA: (0.114, 0.098, 0.094, 0.092, 0.090, 0.085, 0.080),
    _R.ASIA: (0.120, 0.100, 0.095, 0.090, 0.080, 0.070, 0.060),
    _R.INDIA: (0.109, 0.085, 0.082, 0.080, 0.078, 0.075, 0.072),
}
# Requests, USD per 10,000 (spec §7.3): (HTTP, HTTPS).
_PER_10K_REQUESTS: dict[PriceRegion, tuple[float, float]] = {
    _R.NORTH_AMERICA: (0.0075, 0.0100),
    _R.EUROPE: (0.0075, 0.0100),
    _R.SOUTH_AMERICA: (0.0160, 0.0220),
    _R.JAPAN: (0.0090, 0.0120),
    _R.AUSTRALIA: (0.0090, 0.0125),
    _R.ASIA: (0.0090, 0.0120),
    _R.INDIA: (0.0090, 0.0120),
}


def price_region(country_code: str, continent: str) -> PriceRegion:
    """The price group of a country (ISO code), by its continent when no column names it."""
    return _BY_COUNTRY.get(country_code) or _BY_CONTINENT[continent]


def data_transfer_cost(region: PriceRegion, gb: float) -> float:
    """USD for a month's `gb` out to viewers in one group, each tier at its own price."""
    cost, left = 0.0, gb
    for tier_tb, price in zip(_TIER_TB, _PER_GB[region], strict=True):
        in_tier = min(left, tier_tb * GB_PER_TB)
        cost += in_tier * price
        left -= in_tier
        if left <= 0:
            break
    return cost


def request_cost(region: PriceRegion, http: float, https: float) -> float:
    """USD for a month's HTTP and HTTPS requests in one group."""
    per_http, per_https = _PER_10K_REQUESTS[region]
    return (http * per_http + https * per_https) / 10_000


@dataclass(frozen=True, slots=True)
class RegionTraffic:
    """What one price group served during the run."""

    bytes_out: int = 0  # response bytes to viewers, headers included
    http_requests: int = 0
    https_requests: int = 0


@dataclass(frozen=True, slots=True)
class Traffic:
    """A run's billable totals and how long the run took."""

    seconds: float
    regions: Mapping[PriceRegion, RegionTraffic] = field(default_factory=dict)
    function_requests: int = 0  # Lambda@Edge invocations, all four triggers
    function_gb_seconds: float = 0.0


@dataclass(frozen=True, slots=True)
class Bill:
    """A month's estimated charges in USD, line by line."""

    data_transfer: dict[PriceRegion, float]
    requests: dict[PriceRegion, float]
    function_requests: float
    function_duration: float

    @property
    def total(self) -> float:
        return (sum(self.data_transfer.values()) + sum(self.requests.values())
                + self.function_requests + self.function_duration)

    def to_json(self) -> dict[str, Any]:
        return {
            "data_transfer": {r.value: usd for r, usd in self.data_transfer.items()},
            "requests": {r.value: usd for r, usd in self.requests.items()},
            "function_requests": self.function_requests,
            "function_duration": self.function_duration,
            "total": self.total,
        }


def monthly_bill(traffic: Traffic) -> Bill:
    """The bill for a month of traffic at the run's rate (see the module docstring)."""
    if not traffic.seconds > 0:
        raise ValueError(f"a run lasts more than 0 seconds, got {traffic.seconds}")
    scale = SECONDS_PER_MONTH / traffic.seconds
    return Bill(
        data_transfer={
            region: data_transfer_cost(region, t.bytes_out * scale / BYTES_PER_GB)
            for region, t in traffic.regions.items()
        },
        requests={
            region: request_cost(region, t.http_requests * scale, t.https_requests * scale)
            for region, t in traffic.regions.items()
        },
        function_requests=traffic.function_requests * scale * PRICE_PER_REQUEST,
        function_duration=traffic.function_gb_seconds * scale * PRICE_PER_GB_SECOND,
    )
