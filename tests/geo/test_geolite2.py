"""GeoLite2 City, the optional extra: real public IPs at their real places, the simulated world
unchanged, and a clear word when the extra is missing."""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Iterator

import pytest

from edge.cli import main
from edge.geo.cities import Cities, ip_for
from edge.geo.locations import INSTALL_GEOLITE2, GeoDatabase, GeoLite2Unavailable

EDGESIM = [sys.executable, "-m", "edge"]
PRIVATE_ASNS = range(4_200_000_000, 4_294_967_295)


@pytest.fixture(scope="module")
def both() -> Iterator[GeoDatabase]:
    pytest.importorskip(
        "geolite2", reason=f"the GeoLite2 City extra is not installed; {INSTALL_GEOLITE2}"
    )
    with GeoDatabase.open(geolite2=True) as db:
        yield db


@pytest.fixture
def without_geolite2(monkeypatch: pytest.MonkeyPatch) -> None:
    """The extra uninstalled, as far as this process can tell: importing it fails."""
    monkeypatch.setitem(sys.modules, "geolite2", None)


@pytest.mark.parametrize(
    ("ip", "country", "country_name"),
    [
        ("8.8.8.8", "US", "United States"),
        ("2001:4860:4860::8888", "US", "United States"),
        ("::ffff:8.8.8.8", "US", "United States"),
        ("81.2.69.142", "GB", "United Kingdom"),  # in MaxMind's own test data
    ],
)
def test_real_public_ip_resolves_to_its_country(
    both: GeoDatabase, ip: str, country: str, country_name: str
) -> None:
    location = both.lookup(ip)
    assert location is not None
    assert (location.ip, location.country_code, location.country_name) == (ip, country,
                                                                           country_name)
    assert location.latitude is not None and location.longitude is not None
    assert location.asn is None  # GeoLite2 City has no ASNs


def test_geolite2_fills_city_region_time_zone_postal_and_metro_code_where_it_has_them(
    both: GeoDatabase,
) -> None:
    london = both.lookup("81.2.69.142")
    assert london is not None
    assert (london.region_code, london.time_zone, london.continent) == ("ENG", "Europe/London",
                                                                        "EU")
    assert london.postal_code is not None and london.metro_code is None
    mountain_view = both.lookup("2001:4860:4860::8888")
    assert mountain_view is not None
    assert (mountain_view.region_code, mountain_view.time_zone) == ("CA", "America/Los_Angeles")
    assert mountain_view.metro_code is not None


@pytest.mark.parametrize("version", [4, 6])
def test_simulated_ips_still_answer_from_the_world(
    both: GeoDatabase, cities: Cities, version: int
) -> None:
    tokyo = cities.find("Tokyo")
    assert tokyo is not None
    ip = ip_for(tokyo, 11, version=version)
    for query in (ip, f"::ffff:{ip}") if version == 4 else (ip,):
        location = both.lookup(query)
        assert location is not None
        assert (location.city, location.country_code) == ("Tokyo", "JP")
        assert (location.latitude, location.longitude) == (tokyo.latitude, tokyo.longitude)
        assert location.asn in PRIVATE_ASNS


@pytest.mark.parametrize("ip", ["10.0.0.1", "127.0.0.1", "198.18.0", "not an ip"])
def test_private_and_malformed_addresses_have_no_location_in_either(
    both: GeoDatabase, ip: str
) -> None:
    assert both.lookup(ip) is None


def test_selecting_geolite2_without_the_extra_says_how_to_install_it(
    without_geolite2: None,
) -> None:
    with pytest.raises(GeoLite2Unavailable) as raised:
        GeoDatabase.open(geolite2=True)
    assert "install the extra: pip install 'edgesim[geolite2]'" in str(raised.value)
    with GeoDatabase.open() as world:  # the simulated world alone needs no extra
        assert world.lookup("8.8.8.8") is None


def test_cli_without_the_extra_is_a_clear_error(
    without_geolite2: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["geo", "8.8.8.8", "--geolite2"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("edgesim: ") and INSTALL_GEOLITE2 in err and "Traceback" not in err


def test_cli_locates_a_real_ip_with_geolite2(both: GeoDatabase) -> None:
    done = subprocess.run([*EDGESIM, "geo", "8.8.8.8", "--geolite2"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    first_line, *rest = done.stdout.splitlines()
    assert first_line == "8.8.8.8: United States (US)"
    pops = [line.split()[0] for line in rest if line.startswith("    ")]
    assert pops and all(re.fullmatch(r"[A-Z]{3}[0-9]+-[A-Z][0-9]+", pop) for pop in pops)
