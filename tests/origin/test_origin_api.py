"""`/api/time` is never cacheable; `/api/items/{id}` has validators, 304s and changes on PUT."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from origin.api import ItemStore


async def test_time_is_uncacheable_and_counts_up(origin: TestClient) -> None:
    first = await origin.get("/api/time")
    second = await origin.get("/api/time")
    assert first.headers["Cache-Control"] == "no-store, private"
    assert "ETag" not in first.headers
    one, two = await first.json(), await second.json()
    assert two["counter"] == one["counter"] + 1
    assert one["time"].endswith("+00:00")
    assert isinstance(one["epoch"], float)


async def test_item_has_validators_and_a_five_second_ttl(origin: TestClient) -> None:
    response = await origin.get("/api/items/42")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "max-age=5"
    assert response.headers["ETag"].startswith('"')
    assert response.headers["Last-Modified"].endswith(" GMT")
    item = await response.json()
    assert (item["id"], item["version"]) == ("42", 1)


async def test_item_conditional_requests_are_304(origin: TestClient) -> None:
    first = await origin.get("/api/items/a")
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = await origin.get("/api/items/a", headers={"If-None-Match": etag})
    assert by_etag.status == 304
    assert by_etag.headers["ETag"] == etag
    assert await by_etag.read() == b""
    by_date = await origin.get("/api/items/a", headers={"If-Modified-Since": last_modified})
    assert by_date.status == 304


async def test_put_changes_the_item_and_its_validators(origin: TestClient) -> None:
    before = await origin.get("/api/items/b")
    put = await origin.put("/api/items/b", json={"name": "renamed", "price": 3})
    assert put.status == 200
    assert put.headers["ETag"] != before.headers["ETag"]
    after = await origin.get("/api/items/b", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status == 200
    assert after.headers["ETag"] == put.headers["ETag"]
    assert (await after.json())["data"] == {"name": "renamed", "price": 3}
    # The old Last-Modified no longer validates either, even within the same second.
    since = await origin.get(
        "/api/items/b", headers={"If-Modified-Since": before.headers["Last-Modified"]}
    )
    assert since.status == 200


async def test_put_needs_a_json_body(origin: TestClient) -> None:
    response = await origin.put("/api/items/c", data=b"{not json")
    assert response.status == 400
    assert (await (await origin.get("/api/items/c")).json())["version"] == 1


def test_item_store_moves_last_modified_forward_on_every_change() -> None:
    store = ItemStore(created=1000.0)
    first = store.put("x", {"v": 1}, now=1000.2)
    second = store.put("x", {"v": 1}, now=1000.4)
    assert store.get("x") == second
    assert (first.version, second.version) == (2, 3)
    assert first.last_modified < second.last_modified
    assert first.etag != second.etag
    assert store.get("y").version == 1
