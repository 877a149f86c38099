"""The request and response heads the pure decision code works on (no sockets, no aiohttp server).

Headers are `multidict` mappings: case-insensitive names, repeated names kept in order, as on
the wire. The node builds these from aiohttp's request once per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

from multidict import CIMultiDict, CIMultiDictProxy, istr

Headers = CIMultiDict[str] | CIMultiDictProxy[str]

# Names read from every request's headers, as `istr`: multidict folds a plain `str` name's case
# on each lookup, an `istr`'s once, when it is made.
ACCEPT_ENCODING = istr("Accept-Encoding")
COOKIE = istr("Cookie")
HOST = istr("Host")
IF_MODIFIED_SINCE = istr("If-Modified-Since")
IF_NONE_MATCH = istr("If-None-Match")
RANGE = istr("Range")
REFERER = istr("Referer")
USER_AGENT = istr("User-Agent")
X_FORWARDED_FOR = istr("X-Forwarded-For")


class RequestHead(NamedTuple):
    """A viewer (or downstream tier's) request as the cache sees it.

    Immutable like the frozen dataclasses elsewhere, but a named tuple: every request builds
    one, and a frozen dataclass sets each field through `object.__setattr__`, which costs a
    cache hit several times what building a tuple does.
    """

    method: str
    path: str  # as received: percent-encoded, no query
    query: str  # raw query string without the leading '?', "" when absent
    headers: Headers
    http_version: str = "1.1"


@dataclass(frozen=True, slots=True)
class ResponseHead:
    status: int
    headers: Headers
