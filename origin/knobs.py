"""Per-request knobs: query parameters on any path that make the origin misbehave on purpose.

`?delay=2&status=503`, `?cc=max-age=10&vary=Accept`, `?size=5000` ... let a test shape the
origin's answer without a dedicated endpoint. Header knobs replace the headers the path would
have sent, whatever served it (static file, API, generated body); they are applied when the
response is prepared, after aiohttp's FileResponse has set its own validators.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from aiohttp import web
from multidict import CIMultiDict, MultiMapping

from edge.http.dates import format_http_date, parse_http_date
from origin.conditional import not_modified
from origin.failures import MAX_DELAY, drop_connection, is_admin, status_response
from origin.files import MAX_SIZE, generated_response, parse_rate

__all__ = [
    "KNOB_NAMES",
    "KnobError",
    "Knobs",
    "apply_header_knobs",
    "header_overrides",
    "knobs_middleware",
    "parse_knobs",
]

# Query parameter -> response header it sets.
HEADER_KNOBS: dict[str, str] = {
    "cc": "Cache-Control",
    "expires": "Expires",
    "vary": "Vary",
    "set-cookie": "Set-Cookie",
    "etag": "ETag",
    "last-modified": "Last-Modified",
    "content-type": "Content-Type",
}
KNOB_NAMES = frozenset(HEADER_KNOBS) | {"delay", "status", "drop", "size", "rate"}
INVALID_EXPIRES = "0"  # RFC 9111 §5.3: "especially the value "0"" is an invalid date
_CONDITIONAL_HEADERS = ("If-None-Match", "If-Modified-Since")
_VALIDATORS = frozenset({"ETag", "Last-Modified"})
_KEPT_ON_304 = ("Cache-Control", "Content-Location", "Expires", "Vary")


class KnobError(ValueError):
    """A knob value the origin cannot act on; the request is answered 400."""


@dataclass(frozen=True, slots=True)
class Knobs:
    delay: float = 0.0
    status: int | None = None
    drop: bool = False
    size: int | None = None
    rate: int | None = None  # bytes/s for generated bodies (`size=` here, `/files/` itself)
    headers: tuple[tuple[str, str], ...] = ()

    @property
    def validators(self) -> CIMultiDict[str]:
        """The `etag=` and `last-modified=` knobs, which replace the path's own validators."""
        return CIMultiDict((name, value) for name, value in self.headers if name in _VALIDATORS)


def has_knobs(query: Mapping[str, str]) -> bool:
    return not KNOB_NAMES.isdisjoint(query.keys())


def _header_value(name: str, value: str) -> str:
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in value):
        raise KnobError(f"{name}: control characters are not allowed in a header value")
    return value


def _expires(value: str, now: float) -> str:
    if value == "invalid":
        return INVALID_EXPIRES
    if parse_http_date(value) is not None:
        return value
    try:
        seconds = int(value)
    except ValueError:
        raise KnobError("expires: want seconds from now, an HTTP date or 'invalid'") from None
    return format_http_date(now + seconds)


def _etag(value: str) -> str:
    if value.startswith(('"', 'W/"')) and value.endswith('"') and len(value) > 2:
        return value
    if '"' in value:
        raise KnobError('etag: want v1, "v1" or W/"v1"')
    return f'"{value}"'


def header_overrides(query: MultiMapping[str], now: float) -> tuple[tuple[str, str], ...]:
    """The (header, value) pairs the header knobs ask for; `now` dates `expires=<seconds>`."""
    overrides: list[tuple[str, str]] = []
    for knob, header in HEADER_KNOBS.items():
        values = query.getall(knob, [])
        if knob != "set-cookie":  # only Set-Cookie may repeat (RFC 9110 §5.3)
            values = values[-1:]
        for raw in values:
            value = _header_value(knob, raw)
            if knob == "expires":
                value = _expires(value, now)
            elif knob == "etag":
                value = _etag(value)
            elif knob == "last-modified" and parse_http_date(value) is None:
                raise KnobError("last-modified: want an HTTP date")
            overrides.append((header, value))
    return tuple(overrides)


_Number = TypeVar("_Number", int, float)


def _number(
    query: Mapping[str, str],
    name: str,
    kind: Callable[[str], _Number],
    low: _Number,
    high: _Number,
    unit: str = "",
) -> _Number | None:
    """The knob `name` as a number from `low` to `high` inclusive, None when it is absent."""
    if name not in query:
        return None
    try:
        number = kind(query[name])
    except ValueError:
        raise KnobError(f"{name}: want a number") from None
    if not math.isfinite(number):
        raise KnobError(f"{name}: want a finite number")
    if not low <= number <= high:
        raise KnobError(f"{name}: want {low} to {high}{unit}")
    return number


def parse_knobs(query: MultiMapping[str], now: float) -> Knobs:
    """Read and check every knob of a request, so a typo is a 400 rather than a silent no-op."""
    delay = _number(query, "delay", float, 0.0, MAX_DELAY, " seconds") or 0.0
    status = _number(query, "status", int, 200, 599)
    size = _number(query, "size", int, 0, MAX_SIZE, " bytes")
    rate = None
    if "rate" in query:
        try:
            rate = parse_rate(query["rate"])
        except ValueError as error:
            raise KnobError(str(error)) from None
    drop = query.get("drop", "0")
    if drop not in ("0", "1"):
        raise KnobError("drop: want 1 or 0")
    return Knobs(delay, status, drop == "1", size, rate, header_overrides(query, now))


def _not_modified_from(response: web.StreamResponse) -> web.Response:
    """A 304 carrying the cache headers the 200 would have had (RFC 9110 §15.4.5)."""
    kept = {name: response.headers[name] for name in _KEPT_ON_304 if name in response.headers}
    return web.Response(status=304, headers=kept)


@web.middleware
async def knobs_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    """Delay, drop, replace or generate the answer as the knobs say, else run the path's handler.

    With `etag=` or `last-modified=`, the knob validators replace the path's own, so the path
    answers as if unconditional and the 304 decision is taken here on the knob values.
    """
    if is_admin(request) or not has_knobs(request.query):
        return await handler(request)
    try:
        knobs = parse_knobs(request.query, time.time())
    except KnobError as error:
        return web.Response(status=400, text=f"bad knob: {error}\n")
    if knobs.delay:
        await asyncio.sleep(knobs.delay)
    if knobs.drop:
        return drop_connection(request)
    validators = knobs.validators
    fresh = bool(validators) and not_modified(request.method, request.headers, validators)
    if validators:
        headers = CIMultiDict(request.headers)
        for name in _CONDITIONAL_HEADERS:
            headers.popall(name, None)
        request = request.clone(headers=headers)
    if knobs.size is not None:
        if fresh and knobs.status in (None, 200):
            return web.Response(status=304)
        return await generated_response(request, knobs.status or 200, knobs.size, knobs.rate)
    response = status_response(knobs.status) if knobs.status else await handler(request)
    if not validators or response.prepared:  # a streamed path already answered by itself
        return response
    if fresh and response.status == 200:
        return _not_modified_from(response)
    # Prepare with the unconditional clone: FileResponse reads If-* from the request it gets.
    await response.prepare(request)
    await response.write_eof()
    return response


async def apply_header_knobs(request: web.BaseRequest, response: web.StreamResponse) -> None:
    """on_response_prepare: the last word on headers, after the handler (and FileResponse)."""
    if is_admin(request) or not has_knobs(request.query):
        return
    try:
        overrides = header_overrides(request.query, time.time())
    except KnobError:  # already answered 400 by the middleware
        return
    for name in {name for name, _ in overrides}:
        response.headers.popall(name, None)
    for name, value in overrides:
        response.headers.add(name, value)
