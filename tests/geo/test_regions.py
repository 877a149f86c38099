"""The Regions Lambda@Edge runs in, and which one is nearest a place."""

from __future__ import annotations

import re

import pytest

from edge.geo.regions import LAMBDA_EDGE_REGIONS, nearest_region


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ((50.1109, 8.6821), "eu-central-1"),  # Frankfurt
        ((35.6895, 139.6917), "ap-northeast-1"),  # Tokyo
        ((-33.8688, 151.2093), "ap-southeast-2"),  # Sydney
        ((39.0438, -77.4874), "us-east-1"),  # Ashburn
        ((-23.5505, -46.6333), "sa-east-1"),  # São Paulo
        ((51.5074, -0.1278), "eu-west-2"),  # London
        ((53.3498, -6.2603), "eu-west-1"),  # Dublin
        ((41.8781, -87.6298), "us-east-2"),  # Chicago
        ((47.6062, -122.3321), "us-west-2"),  # Seattle
        ((37.5665, 126.9780), "ap-northeast-2"),  # Seoul
        ((1.3521, 103.8198), "ap-southeast-1"),  # Singapore
        ((19.0760, 72.8777), "ap-south-1"),  # Mumbai
        ((-36.8485, 174.7633), "ap-southeast-2"),  # Auckland
        ((-33.4489, -70.6693), "sa-east-1"),  # Santiago
    ],
)
def test_nearest_region_of_a_city(place: tuple[float, float], code: str) -> None:
    assert nearest_region(place).code == code


@pytest.mark.parametrize(
    ("place", "code"),
    [
        ((48.8566, 2.3522), "eu-west-2"),  # Paris (eu-west-3)
        ((45.5019, -73.5674), "us-east-1"),  # Montréal (ca-central-1)
        ((37.3382, -121.8863), "us-west-2"),  # San Jose (us-west-1)
        ((34.6937, 135.5023), "ap-northeast-1"),  # Osaka (ap-northeast-3)
    ],
)
def test_a_region_without_a_regional_edge_cache_is_served_by_a_neighbour(
    place: tuple[float, float], code: str,
) -> None:
    assert nearest_region(place).code == code


def test_each_region_is_its_own_nearest_and_named_once() -> None:
    codes = [region.code for region in LAMBDA_EDGE_REGIONS]
    assert len(codes) == len(set(codes)) == 12
    for region in LAMBDA_EDGE_REGIONS:
        assert re.fullmatch(r"[a-z]{2}-[a-z]+-\d", region.code), region.code
        assert nearest_region((region.latitude, region.longitude)) is region
