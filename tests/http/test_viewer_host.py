"""Which `Host` values name edgesim's own entry points, and so stand for the distribution's
domain name (edge.http.host)."""

from __future__ import annotations

import pytest

from edge.http.host import ViewerHost

DOMAIN = "d111111abcdef8.cloudfront.net"
PORTS = (8101, 8102, 8080)  # two PoPs and the front door


@pytest.mark.parametrize("host", [
    "127.0.0.1:8080", "127.0.0.1:8101", "localhost:8102", "[::1]:8101", "LocalHost:8080",
])
def test_a_loopback_name_with_the_port_of_a_pop_or_the_front_door_is_the_domain_name(
    host: str,
) -> None:
    assert ViewerHost(DOMAIN, "127.0.0.1", PORTS).replacement(host) == DOMAIN


@pytest.mark.parametrize("host", [
    "www.example.com",  # an alternate domain name, as `curl -H 'Host: ...'` sends it
    "127.0.0.1:8090",  # not a viewer's port (the control plane's)
    "127.0.0.1", "localhost",  # port 80, which no node has here
    "10.0.0.5:8080",  # another machine's address
    "127.0.0.1:80801", "",
    DOMAIN,
])
def test_any_other_host_is_kept(host: str) -> None:
    assert ViewerHost(DOMAIN, "127.0.0.1", PORTS).replacement(host) is None


def test_no_host_is_kept() -> None:
    assert ViewerHost(DOMAIN, "127.0.0.1", PORTS).replacement(None) is None


def test_the_configs_host_names_the_entry_points_too() -> None:
    host = ViewerHost(DOMAIN, "10.0.0.5", PORTS)
    assert host.replacement("10.0.0.5:8101") == DOMAIN
    assert host.replacement("127.0.0.1:8101") == DOMAIN  # still this machine
    assert host.replacement("10.0.0.6:8101") is None
    assert ViewerHost(DOMAIN, "fd00::5", PORTS).replacement("[fd00::5]:8080") == DOMAIN


@pytest.mark.parametrize("bind", ["0.0.0.0", "::"])
def test_nodes_on_every_address_take_any_name_with_one_of_their_ports(bind: str) -> None:
    """Bound to every address, a node is reached by the machine's LAN address or DNS name
    (load workers on other machines), which no list can hold."""
    host = ViewerHost(DOMAIN, bind, PORTS)
    assert host.replacement("192.168.1.20:8080") == DOMAIN
    assert host.replacement("edge.lan:8101") == DOMAIN
    assert host.replacement("[2001:db8::7]:8102") == DOMAIN
    assert host.replacement("edge.lan") is None  # port 80: not one of ours
    assert host.replacement("[2001:db8::7]") is None
    assert host.replacement("edge.lan:9000") is None


def test_a_front_door_on_port_80_is_addressed_without_a_port() -> None:
    host = ViewerHost(DOMAIN, "127.0.0.1", (80, 8101))
    assert host.replacement("localhost") == DOMAIN
    assert host.replacement("127.0.0.1:80") == DOMAIN
    assert host.replacement("www.example.com") is None
