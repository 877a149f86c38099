"""The `Host` a PoP works with: the distribution's domain name, whichever address the viewer used.

On CloudFront every viewer addresses the distribution by its domain name (or an alternate
domain name), whichever PoP answers, so one object has one cache key everywhere and an origin
that gets `Host` sees the distribution's domain. An edgesim viewer addresses one of edgesim's
own entry points instead, `127.0.0.1:8080` (the front door) or a PoP's own port: a PoP takes
such a `Host` as the distribution's domain name, for everything after it (functions, the cache
key, what is forwarded, the log's `x-host-header`). Any other `Host` is kept, as CloudFront
keeps an alternate domain name.
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["ViewerHost"]

# Names of this machine a viewer may use, whatever address the nodes bind to.
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
# A node bound to one of these answers on every address of the machine, under any name.
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})


class ViewerHost:
    """The `Host` values that name edgesim's own viewer-facing entry points (the PoPs' ports
    and the front door's), made once per node, so that the question costs a request one set
    lookup."""

    __slots__ = ("_any_name", "_hosts", "_ports", "domain_name")

    def __init__(self, domain_name: str, bind_host: str, ports: Iterable[int]) -> None:
        self.domain_name = domain_name
        names = list(_LOOPBACK_NAMES)
        self._any_name = bind_host in _WILDCARDS
        if not self._any_name:
            names.append(f"[{bind_host}]" if ":" in bind_host else bind_host.lower())
        ports = frozenset(ports)
        self._ports = frozenset(str(port) for port in ports)
        hosts = {f"{name}:{port}" for name in names for port in ports}
        if 80 in ports:  # a browser leaves the default port out
            hosts.update(names)
        self._hosts = frozenset(hosts)

    def replacement(self, host: str | None) -> str | None:
        """The distribution's domain name when `host` names one of edgesim's entry points; None
        when the viewer's `Host` stays as it is (absent, or another name)."""
        if host is None:
            return None
        if host in self._hosts or self._names_us(host):
            return self.domain_name
        return None

    def _names_us(self, host: str) -> bool:
        """What the set does not hold as written: other letter cases and, on a node bound to
        every address, any name with one of the ports (a machine's LAN address or DNS name)."""
        lower = host.lower()
        if lower in self._hosts:
            return True
        if not self._any_name:
            return False
        name, colon, port = lower.rpartition(":")
        return bool(colon and name) and port in self._ports  # "[::1]" alone has no port
