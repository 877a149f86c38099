"""The request and response heads the pure decision code works on (no sockets, no aiohttp server).

Headers are `multidict` mappings: case-insensitive names, repeated names kept in order, as on
the wire. The node builds these from aiohttp's request once per request.
"""

from __future__ import annotations

from dataclasses import dataclass

from multidict import CIMultiDict, CIMultiDictProxy

Headers = CIMultiDict[str] | CIMultiDictProxy[str]


@dataclass(frozen=True, slots=True)
class RequestHead:
    """A viewer (or downstream tier's) request as the cache sees it."""

    method: str
    path: str  # as received: percent-encoded, no query
    query: str  # raw query string without the leading '?', "" when absent
    headers: Headers
    http_version: str = "1.1"


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    headers: Headers
