"""Faults that stay set until cleared, for tests whose URL (and so cache key) must not change.

`PUT /_origin/faults` with `{"path_prefix": "/x", "status": 503, "delay": 2.0, "drop": false}`
(any subset) sets the fault for that prefix, replacing an earlier one for the same prefix;
`GET` lists them and `DELETE` clears them all. The longest matching prefix wins.
"""

from __future__ import annotations

import asyncio
import json
import math
from dataclasses import asdict, dataclass
from typing import Any

from aiohttp import web

from origin.failures import MAX_DELAY, drop_connection, is_admin, status_response

__all__ = ["FAULTS", "Fault", "FaultError", "Faults", "faults_middleware", "faults_routes"]


class FaultError(ValueError):
    """A fault description the origin cannot act on; the PUT is answered 400."""


@dataclass(frozen=True, slots=True)
class Fault:
    path_prefix: str = "/"
    status: int | None = None
    delay: float = 0.0
    drop: bool = False

    @classmethod
    def from_json(cls, document: Any) -> Fault:
        """Check a PUT body field by field: a typo is a 400, not a fault that never fires."""
        if not isinstance(document, dict):
            raise FaultError("want a JSON object")
        unknown = set(document) - {"path_prefix", "status", "delay", "drop"}
        if unknown:
            raise FaultError(f"unknown fields: {', '.join(sorted(unknown))}")
        prefix = document.get("path_prefix", "/")
        if not isinstance(prefix, str) or not prefix.startswith("/"):
            raise FaultError("path_prefix: want a path starting with /")
        status = document.get("status")
        if status is not None and (type(status) is not int or not 200 <= status <= 599):
            raise FaultError("status: want 200 to 599")
        delay = document.get("delay", 0.0)
        if type(delay) not in (int, float) or not math.isfinite(delay):
            raise FaultError("delay: want a number of seconds")
        if not 0 <= delay <= MAX_DELAY:
            raise FaultError(f"delay: want 0 to {MAX_DELAY:g} seconds")
        drop = document.get("drop", False)
        if not isinstance(drop, bool):
            raise FaultError("drop: want true or false")
        return cls(prefix, status, float(delay), drop)


class Faults:
    """The set faults, one per path prefix."""

    def __init__(self) -> None:
        self._by_prefix: dict[str, Fault] = {}

    def set(self, fault: Fault) -> None:
        self._by_prefix[fault.path_prefix] = fault

    def clear(self) -> None:
        self._by_prefix.clear()

    def listing(self) -> list[Fault]:
        return sorted(self._by_prefix.values(), key=lambda fault: fault.path_prefix)

    def match(self, path: str) -> Fault | None:
        matching = [prefix for prefix in self._by_prefix if path.startswith(prefix)]
        return self._by_prefix[max(matching, key=len)] if matching else None


FAULTS = web.AppKey("faults", Faults)


@web.middleware
async def faults_middleware(request: web.Request, handler: web.Handler) -> web.StreamResponse:
    fault = None if is_admin(request) else request.app[FAULTS].match(request.path)
    if fault is None:
        return await handler(request)
    if fault.delay:
        await asyncio.sleep(fault.delay)
    if fault.drop:
        return drop_connection(request)
    if fault.status is not None:
        return status_response(fault.status)
    return await handler(request)


def _listing(faults: Faults) -> web.Response:
    return web.json_response(
        {"faults": [asdict(fault) for fault in faults.listing()]},
        headers={"Cache-Control": "no-store"},
    )


async def get_faults(request: web.Request) -> web.Response:
    return _listing(request.app[FAULTS])


async def put_fault(request: web.Request) -> web.Response:
    try:
        fault = Fault.from_json(json.loads(await request.read()))
    except ValueError as error:  # bad JSON, bad encoding or a FaultError
        raise web.HTTPBadRequest(text=f"bad fault: {error}\n") from None
    request.app[FAULTS].set(fault)
    return _listing(request.app[FAULTS])


async def delete_faults(request: web.Request) -> web.Response:
    request.app[FAULTS].clear()
    return _listing(request.app[FAULTS])


def faults_routes() -> list[web.RouteDef]:
    return [
        web.get("/_origin/faults", get_faults),
        web.put("/_origin/faults", put_fault),
        web.delete("/_origin/faults", delete_faults),
    ]
