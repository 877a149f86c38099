"""The JSON API: `/api/time` (never cacheable) and `/api/items/{id}` (validators, short TTL).

Items exist for any id (a default, version 1) until a PUT changes them; each change gets a new
ETag and a later Last-Modified, so an edge revalidating either way sees the change.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import web
from multidict import CIMultiDict

from edge.http.dates import format_http_date
from origin.conditional import not_modified

__all__ = ["ITEMS", "TIME_COUNTER", "Item", "ItemStore", "api_routes"]

ITEM_CACHE_CONTROL = "max-age=5"
TIME_CACHE_CONTROL = "no-store, private"


@dataclass(frozen=True, slots=True)
class Item:
    id: str
    version: int
    data: Any
    last_modified: float

    @property
    def etag(self) -> str:
        canonical = json.dumps([self.id, self.version, self.data], sort_keys=True)
        return '"' + hashlib.sha256(canonical.encode()).hexdigest()[:20] + '"'

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "version": self.version,
            "data": self.data,
            "last_modified": format_http_date(self.last_modified),
        }


class ItemStore:
    """Items by id; only changed items are stored, so any id can be read."""

    def __init__(self, created: float) -> None:
        self._created = float(int(created))
        self._items: dict[str, Item] = {}

    def get(self, item_id: str) -> Item:
        default = Item(item_id, 1, {"name": f"Item {item_id}"}, self._created)
        return self._items.get(item_id, default)

    def put(self, item_id: str, data: Any, now: float) -> Item:
        previous = self.get(item_id)
        # Last-Modified has one-second resolution; a change must still move it forward.
        changed = max(float(int(now)), previous.last_modified + 1)
        item = Item(item_id, previous.version + 1, data, changed)
        self._items[item_id] = item
        return item


ITEMS = web.AppKey("items", ItemStore)
TIME_COUNTER = web.AppKey("time_counter", itertools.count)


def _item_headers(item: Item) -> CIMultiDict[str]:
    return CIMultiDict(
        {
            "ETag": item.etag,
            "Last-Modified": format_http_date(item.last_modified),
            "Cache-Control": ITEM_CACHE_CONTROL,
        }
    )


async def get_time(request: web.Request) -> web.Response:
    now = time.time()
    body = {
        "time": datetime.fromtimestamp(now, UTC).isoformat(timespec="milliseconds"),
        "epoch": now,
        "counter": next(request.app[TIME_COUNTER]),
    }
    return web.json_response(body, headers={"Cache-Control": TIME_CACHE_CONTROL})


async def get_item(request: web.Request) -> web.Response:
    item = request.app[ITEMS].get(request.match_info["id"])
    headers = _item_headers(item)
    if not_modified(request.method, request.headers, headers):
        return web.Response(status=304, headers=headers)
    return web.json_response(item.as_json(), headers=headers)


async def put_item(request: web.Request) -> web.Response:
    try:
        data = json.loads(await request.read())
    except ValueError as error:
        raise web.HTTPBadRequest(text=f"want a JSON body: {error}\n") from None
    item = request.app[ITEMS].put(request.match_info["id"], data, time.time())
    return web.json_response(item.as_json(), headers=_item_headers(item))


def api_routes() -> list[web.RouteDef]:
    return [
        web.get("/api/time", get_time),
        web.get("/api/items/{id}", get_item),
        web.put("/api/items/{id}", put_item),
    ]
