"""What the viewers ask for: requests drawn by popularity, or replayed from an access log.

Popularity follows Zipf's law, as web traffic roughly does: the object of rank k is asked for
in proportion to 1 / k^alpha (alpha 0 is uniform; around 1 is typical of web caches; larger
concentrates traffic on the head, which raises the hit ratio). Ranks follow the order objects
are listed in, most popular first.

Three sources:
- the sample site (`SiteWorkload`): its pages, static assets and images, each image also in
  resized variants (`?width=400`, each its own cache key), plus a share of uncacheable API
  calls and a share of members' requests, which need credentials;
- a URL list (`read_url_list`): one request per line, most popular first, drawn by Zipf too;
- a CloudFront standard access log (`read_access_log`), replayed at the times it was logged.

Files are read whole and checked before anything is sent: a line that cannot be used is an
error naming its line number, not a request silently skipped, because a replay that quietly
drops traffic reports figures for traffic that never happened.
"""

from __future__ import annotations

import bisect
import gzip
import itertools
import random
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

from edge.config.model import ALL_METHODS
from edge.load.errors import LoadInputError
from edge.node.access_log import FIELDS

__all__ = [
    "SAMPLE_SITE",
    "Replayed",
    "Request",
    "SiteWorkload",
    "Workload",
    "ZipfWorkload",
    "read_access_log",
    "read_url_list",
]


@dataclass(frozen=True, slots=True)
class Request:
    """One request to send: `target` is the path and query as they go on the request line.

    `credentials`: a members' request; the runner adds a valid token (the members area
    redirects to its sign-in page without one).
    """

    target: str
    method: str = "GET"
    credentials: bool = False


@dataclass(frozen=True, slots=True)
class Replayed:
    """A request from an access log: when to send it (seconds after the first) and who sent it."""

    at: float
    request: Request
    client_ip: str | None


class Workload(Protocol):
    """What the runner draws requests from: the sample site or a URL list."""

    def next_request(self, rng: random.Random) -> Request: ...


_IMAGES = ("astronaut", "chelsea", "coffee", "hubble-deep-field", "retina", "rocket")
_WIDTHS = (400, 800, 200)

# The sample site's cacheable objects, most popular first: the pages, what every page loads,
# then the images, originals before their resized variants.
SAMPLE_SITE: tuple[str, ...] = (
    "/",
    "/static/css/site.css",
    "/static/js/site.js",
    "/gallery.html",
    "/about.html",
    "/experiment/",
    *(f"/images/{image}.jpg" for image in _IMAGES),
    *(f"/images/{image}.jpg?width={width}" for width in _WIDTHS for image in _IMAGES),
)
MEMBERS_PAGE = "/members/"
API_TIME = "/api/time"  # never cacheable
API_ITEM = "/api/items/{}"  # behind a CachingDisabled behavior in the default world
API_ITEMS = 100


class ZipfWorkload:
    """Requests drawn from a list by Zipf popularity, the first the most popular."""

    def __init__(self, requests: Sequence[Request], alpha: float = 1.0) -> None:
        if not requests:
            raise LoadInputError("the workload is empty: there is nothing to request")
        if not alpha >= 0:
            raise LoadInputError(f"the Zipf exponent must be 0 or more, got {alpha}")
        self.requests = tuple(requests)
        self.alpha = alpha
        self._cumulative = tuple(itertools.accumulate(
            1 / rank**alpha for rank in range(1, len(self.requests) + 1)))

    def probability(self, rank: int) -> float:
        """The chance that a request is for the object of `rank` (1 is the most popular)."""
        return (1 / rank**self.alpha) / self._cumulative[-1]

    def next_request(self, rng: random.Random) -> Request:
        point = rng.random() * self._cumulative[-1]
        index = bisect.bisect_right(self._cumulative, point)
        return self.requests[min(index, len(self.requests) - 1)]


class SiteWorkload:
    """The sample site as its visitors use it: mostly cacheable objects by Zipf popularity,
    `api_share` of uncacheable API calls (half `/api/time`, half an item by Zipf over
    `API_ITEMS` ids) and `members_share` of members' pages with credentials."""

    def __init__(
        self, alpha: float = 1.0, *, api_share: float = 0.05, members_share: float = 0.02
    ) -> None:
        if min(api_share, members_share) < 0 or api_share + members_share > 1:
            raise LoadInputError(f"the API share ({api_share}) and the members' share "
                                 f"({members_share}) must be 0 or more and add up to 1 at most")
        self.objects = ZipfWorkload([Request(target) for target in SAMPLE_SITE], alpha)
        self.items = ZipfWorkload([Request(API_ITEM.format(n)) for n in range(1, API_ITEMS + 1)],
                                  alpha)
        self.api_share = api_share
        self.members_share = members_share

    def next_request(self, rng: random.Random) -> Request:
        point = rng.random()
        if point < self.api_share / 2:
            return Request(API_TIME)
        if point < self.api_share:
            return self.items.next_request(rng)
        if point < self.api_share + self.members_share:
            return Request(MEMBERS_PAGE, credentials=True)
        return self.objects.next_request(rng)


def read_url_list(path: str | Path) -> list[Request]:
    """A URL list: one request per line, `[METHOD] path-or-URL`; `#` starts a comment line.

    Only the path and query of a full URL are kept: the run's target decides where requests go.
    """
    requests = []
    for number, line in enumerate(_lines(path), start=1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        method, _, rest = text.rpartition(" ")
        method = method.strip().upper() or "GET"
        if method not in ALL_METHODS:
            raise LoadInputError(f"{path}:{number}: unknown method {method!r}; expected one "
                                 f"of {', '.join(sorted(ALL_METHODS))}")
        requests.append(Request(_target(rest, f"{path}:{number}"), method))
    if not requests:
        raise LoadInputError(f"{path}: the URL list has no requests in it")
    return requests


def _target(url: str, where: str) -> str:
    parts = urlsplit(url)
    if not parts.path.startswith("/"):
        raise LoadInputError(f"{where}: expected a path starting with / or an http(s) URL, "
                             f"got {url!r}")
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read_access_log(path: str | Path) -> list[Replayed]:
    """A CloudFront standard access log (spec §6.6), plain or gzipped, in time order.

    Columns are found by the `#Fields:` header, so logs from before fields were added still
    read; without one the 33 fields of today are assumed. Times are logged to the second: the
    requests logged in one second are spread evenly across it, in the order they appear.
    """
    columns: tuple[str, ...] = FIELDS
    rows: list[tuple[float, int, Request, str | None]] = []
    for number, line in enumerate(_lines(path), start=1):
        text = line.rstrip("\r\n")
        if not text.strip():
            continue
        if text.startswith("#"):
            if text.startswith("#Fields:"):
                columns = tuple(text.removeprefix("#Fields:").split())
                _check_columns(columns, f"{path}:{number}")
            continue
        rows.append(_logged(text, columns, f"{path}:{number}", number))
    if not rows:
        raise LoadInputError(f"{path}: the access log has no requests in it")
    rows.sort(key=lambda row: (row[0], row[1]))
    start = rows[0][0]
    in_second = {
        second: len(list(group)) for second, group in itertools.groupby(row[0] for row in rows)
    }
    replayed, position, previous = [], 0, None
    for second, _, request, client_ip in rows:
        position = position + 1 if second == previous else 0
        previous = second
        replayed.append(Replayed(second - start + position / in_second[second], request,
                                 client_ip))
    return replayed


_NEEDED = ("date", "time", "cs-method", "cs-uri-stem")
_METHOD = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # an HTTP token (RFC 9110, 5.6.2)


def _check_columns(columns: tuple[str, ...], where: str) -> None:
    missing = [name for name in _NEEDED if name not in columns]
    if missing:
        raise LoadInputError(f"{where}: the #Fields header lacks {', '.join(missing)}")


def _logged(
    text: str, columns: tuple[str, ...], where: str, number: int
) -> tuple[float, int, Request, str | None]:
    """A log line as (epoch second, line number, request, viewer address)."""
    values = text.split("\t")
    if len(values) != len(columns):
        raise LoadInputError(f"{where}: expected {len(columns)} tab-separated fields, "
                             f"got {len(values)}")
    field = dict(zip(columns, values, strict=True))
    try:
        second = datetime.strptime(f"{field['date']} {field['time']}", "%Y-%m-%d %H:%M:%S")
    except ValueError:
        raise LoadInputError(f"{where}: bad date or time {field['date']!r} "
                             f"{field['time']!r}; expected YYYY-MM-DD and HH:MM:SS") from None
    # The edge logs whatever method its HTTP parser took, those it refuses (403) included, and
    # the client sends any: only what cannot be an HTTP method at all is an error.
    method = unquote(field["cs-method"])
    if method == "-" or not _METHOD.fullmatch(method):
        raise LoadInputError(f"{where}: not an HTTP method: {method!r}")
    method = method.upper()
    stem = field["cs-uri-stem"]  # logged as received, escapes and all
    query = field.get("cs-uri-query", "-")
    if method == "CONNECT":
        # A CONNECT names a host and port, not a path: the edge logs its stem as "-", and the
        # client sends the run's target's host and port, whatever the path.
        target = "/"
    elif not stem.startswith("/"):
        raise LoadInputError(f"{where}: the path {stem!r} does not start with /")
    else:
        target = stem if query == "-" else f"{stem}?{unquote(query)}"  # encoded again
    client_ip = field.get("c-ip", "-")
    return (second.replace(tzinfo=UTC).timestamp(), number, Request(target, method),
            None if client_ip == "-" else client_ip)


def _lines(path: str | Path) -> list[str]:
    """The file's lines, gunzipped when it starts with gzip's magic number."""
    try:
        data = Path(path).read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        return data.decode("utf-8").splitlines()
    except OSError as error:
        raise LoadInputError(f"{path}: cannot read: {error.strerror or error}") from None
    except (EOFError, gzip.BadGzipFile, zlib.error):
        raise LoadInputError(f"{path}: a damaged gzip file") from None
    except UnicodeDecodeError as error:
        raise LoadInputError(f"{path}: not UTF-8 text ({error.reason} at byte "
                             f"{error.start})") from None

