"""`CloudFront-Viewer-*` values from a viewer's location (spec §5.2)."""

from __future__ import annotations

import pytest

from edge.geo.cities import Cities, ip_for
from edge.geo.locations import GeoDatabase, Location
from edge.geo.viewer_headers import viewer_headers

SAO_PAULO = Location(
    ip="198.18.14.5",
    city="São Paulo",
    country_code="BR",
    country_name="Brazil",
    region_code="SP",
    region_name="São Paulo",
    latitude=-23.5475,
    longitude=-46.63611,
    time_zone="America/Sao_Paulo",
    postal_code=None,
    metro_code=None,
    asn=4_200_000_451,
    continent="SA",
)


def test_non_ascii_values_are_percent_encoded_and_unknown_ones_left_out() -> None:
    assert viewer_headers("198.18.14.5", 51234, "2.0", SAO_PAULO) == {
        "CloudFront-Viewer-Address": "198.18.14.5:51234",
        "CloudFront-Viewer-Http-Version": "2.0",
        "CloudFront-Viewer-Country": "BR",
        "CloudFront-Viewer-Country-Name": "Brazil",
        "CloudFront-Viewer-Country-Region": "SP",
        "CloudFront-Viewer-Country-Region-Name": "S%C3%A3o%20Paulo",
        "CloudFront-Viewer-City": "S%C3%A3o%20Paulo",
        "CloudFront-Viewer-Time-Zone": "America/Sao_Paulo",
        "CloudFront-Viewer-Latitude": "-23.54750",
        "CloudFront-Viewer-Longitude": "-46.63611",
        "CloudFront-Viewer-ASN": "4200000451",
    }


def test_ascii_values_pass_unchanged() -> None:
    headers = viewer_headers(
        "198.18.14.5",
        1,
        "1.1",
        SAO_PAULO._replace(city="New York", postal_code="10001"),
    )
    assert headers["CloudFront-Viewer-City"] == "New York"
    assert headers["CloudFront-Viewer-Postal-Code"] == "10001"


@pytest.mark.parametrize(("country", "present"), [("US", True), ("CA", False)])
def test_metro_code_only_for_us(country: str, present: bool) -> None:
    location = SAO_PAULO._replace(country_code=country, metro_code=501)
    headers = viewer_headers("198.18.14.5", 1, "1.1", location)
    assert ("CloudFront-Viewer-Metro-Code" in headers) is present
    if present:
        assert headers["CloudFront-Viewer-Metro-Code"] == "501"


def test_unknown_viewer_still_gets_address_and_http_version() -> None:
    assert viewer_headers("2001:db8::7", 443, "3.0", None) == {
        "CloudFront-Viewer-Address": "2001:db8::7:443",
        "CloudFront-Viewer-Http-Version": "3.0",
    }


def test_headers_for_a_known_city_from_the_world(world: GeoDatabase, cities: Cities) -> None:
    zurich = cities.find("Zurich")
    assert zurich is not None
    ip = ip_for(zurich)
    headers = viewer_headers(ip, 40000, "1.1", world.lookup(ip))
    assert headers["CloudFront-Viewer-City"] == "Z%C3%BCrich"
    assert headers["CloudFront-Viewer-Country"] == "CH"
    assert headers["CloudFront-Viewer-Time-Zone"] == "Europe/Zurich"
    assert headers["CloudFront-Viewer-Address"] == f"{ip}:40000"
    assert "CloudFront-Viewer-Metro-Code" not in headers
