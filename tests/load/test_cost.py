"""The bill for the same traffic on CloudFront + Lambda@Edge (spec §7), worked by hand.

A GB is 2^30 bytes and a TB 1,024 GB; a month is 730 hours (2,628,000 s)."""

from __future__ import annotations

import pytest

from edge.geo.cities import Cities
from edge.load.cost import (
    BYTES_PER_GB,
    Bill,
    PriceRegion,
    RegionTraffic,
    Traffic,
    data_transfer_cost,
    monthly_bill,
    price_region,
    request_cost,
)

TB = 1024  # GB


def test_twelve_tb_in_europe_crosses_the_10_tb_tier() -> None:
    """10 TB = 10,240 GB at $0.085 = $870.40; the other 2 TB = 2,048 GB at $0.080 = $163.84;
    together $1,034.24."""
    assert data_transfer_cost(PriceRegion.EUROPE, 12 * TB) == pytest.approx(1034.24)
    assert data_transfer_cost(PriceRegion.EUROPE, 10 * TB) == pytest.approx(870.40)


def test_six_pb_in_north_america_goes_through_every_tier() -> None:
    """10 TB × 0.085 = 870.40; 40 TB × 0.080 = 3,276.80; 100 TB × 0.060 = 6,144.00;
    350 TB × 0.040 = 14,336.00; 524 TB × 0.030 = 16,097.28; 4 PB × 0.025 = 104,857.60;
    the last 1 PB × 0.020 = 20,971.52; total $166,553.60."""
    assert data_transfer_cost(PriceRegion.NORTH_AMERICA, 6 * 1024 * TB) == \
        pytest.approx(166_553.60)


def test_tiers_are_counted_per_region_group() -> None:
    """6 TB in Europe and 6 TB in the US are each in their first tier: 2 × 6,144 GB × 0.085 =
    $1,044.48, more than 12 TB in Europe alone ($1,034.24)."""
    six = 6 * TB * BYTES_PER_GB
    bill = monthly_bill(Traffic(
        seconds=730 * 3600,  # a whole month: nothing scaled
        regions={PriceRegion.EUROPE: RegionTraffic(bytes_out=six),
                 PriceRegion.NORTH_AMERICA: RegionTraffic(bytes_out=six)},
    ))
    assert sum(bill.data_transfer.values()) == pytest.approx(1044.48)


@pytest.mark.parametrize(
    ("region", "gb", "usd"),
    [
        (PriceRegion.JAPAN, 100, 11.40),  # 100 × 0.114
        (PriceRegion.INDIA, 20 * TB, 10 * TB * 0.109 + 10 * TB * 0.085),  # 1,116.16 + 870.40
        (PriceRegion.SOUTH_AMERICA, 1, 0.110),
        (PriceRegion.AUSTRALIA, 0, 0.0),
    ],
)
def test_data_transfer_examples(region: PriceRegion, gb: float, usd: float) -> None:
    assert data_transfer_cost(region, gb) == pytest.approx(usd)


def test_request_prices() -> None:
    """1 M requests are 100 × 10,000: HTTP in the US 100 × 0.0075 = $0.75; HTTPS in South
    America 100 × 0.0220 = $2.20; HTTPS in Australia 100 × 0.0125 = $1.25."""
    assert request_cost(PriceRegion.NORTH_AMERICA, 1_000_000, 0) == pytest.approx(0.75)
    assert request_cost(PriceRegion.SOUTH_AMERICA, 0, 1_000_000) == pytest.approx(2.20)
    assert request_cost(PriceRegion.AUSTRALIA, 0, 1_000_000) == pytest.approx(1.25)


def test_an_hour_of_traffic_scaled_to_a_month() -> None:
    """One hour in Japan, × 730 for a month: 1 GB → 730 GB × 0.114 = $83.22; 36,000 HTTP
    requests → 26,280,000 × 0.009 / 10,000 = $23.652; 36,000 invocations → 26.28 M × $0.60 / M
    = $15.768; 45 GB-s → 32,850 × $0.00005001 = $1.6428285. Total $124.2828285."""
    bill = monthly_bill(Traffic(
        seconds=3600,
        regions={PriceRegion.JAPAN: RegionTraffic(bytes_out=BYTES_PER_GB, http_requests=36_000)},
        function_requests=36_000,
        function_gb_seconds=45.0,
    ))
    assert bill.data_transfer[PriceRegion.JAPAN] == pytest.approx(83.22)
    assert bill.requests[PriceRegion.JAPAN] == pytest.approx(23.652)
    assert bill.function_requests == pytest.approx(15.768)
    assert bill.function_duration == pytest.approx(1.6428285)
    assert bill.total == pytest.approx(124.2828285)
    assert bill.to_json() == {
        "data_transfer": {"Japan": pytest.approx(83.22)},
        "requests": {"Japan": pytest.approx(23.652)},
        "function_requests": pytest.approx(15.768),
        "function_duration": pytest.approx(1.6428285),
        "total": pytest.approx(124.2828285),
    }


def test_scaling_happens_before_the_tiers() -> None:
    """A minute with 140 GB out in Europe is 140 × 43,800 = 6,132,000 GB a month, past 5 PB
    (5,242,880 GB): priced at the month's tiers, not at $0.085 per GB."""
    bill = monthly_bill(Traffic(seconds=60, regions={
        PriceRegion.EUROPE: RegionTraffic(bytes_out=140 * BYTES_PER_GB)}))
    assert bill.data_transfer[PriceRegion.EUROPE] == pytest.approx(
        data_transfer_cost(PriceRegion.EUROPE, 6_132_000))
    assert bill.data_transfer[PriceRegion.EUROPE] < 6_132_000 * 0.085 / 2


def test_empty_traffic_costs_nothing() -> None:
    assert monthly_bill(Traffic(seconds=10)) == Bill({}, {}, 0.0, 0.0)
    with pytest.raises(ValueError, match="a run lasts more than 0 seconds"):
        monthly_bill(Traffic(seconds=0))


@pytest.mark.parametrize(
    ("country", "continent", "region"),
    [
        ("US", "NA", PriceRegion.NORTH_AMERICA),
        ("MX", "NA", PriceRegion.NORTH_AMERICA),
        ("GT", "NA", PriceRegion.NORTH_AMERICA),  # by continent
        ("DE", "EU", PriceRegion.EUROPE),
        ("IL", "AS", PriceRegion.EUROPE),
        ("BR", "SA", PriceRegion.SOUTH_AMERICA),
        ("ZA", "AF", PriceRegion.SOUTH_AMERICA),
        ("AE", "AS", PriceRegion.SOUTH_AMERICA),  # the Middle East shares the column
        ("EG", "AF", PriceRegion.SOUTH_AMERICA),  # by continent
        ("JP", "AS", PriceRegion.JAPAN),
        ("NZ", "OC", PriceRegion.AUSTRALIA),
        ("FJ", "OC", PriceRegion.AUSTRALIA),  # by continent
        ("KR", "AS", PriceRegion.ASIA),
        ("CN", "AS", PriceRegion.ASIA),  # by continent
        ("IN", "AS", PriceRegion.INDIA),
    ],
)
def test_price_region_of_a_country(country: str, continent: str, region: PriceRegion) -> None:
    assert price_region(country, continent) is region


def test_every_city_of_the_world_has_a_price_region(cities: Cities) -> None:
    regions = {price_region(city.country_code, city.continent) for city in cities}
    assert regions == set(PriceRegion)
