"""Faults set with `PUT /_origin/faults` stay until cleared, keeping the URL (the cache key)."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from origin.faults import Fault, FaultError, Faults
from tests.origin.held_requests import assert_request_is_held


async def test_status_fault_applies_to_its_prefix_until_cleared(origin: TestClient) -> None:
    put = await origin.put("/_origin/faults", json={"path_prefix": "/api/", "status": 503})
    assert put.status == 200
    assert (await origin.get("/api/items/1")).status == 503
    assert (await origin.get("/api/time")).status == 503
    assert (await origin.get("/about.html")).status == 200
    listed = await (await origin.get("/_origin/faults")).json()
    assert listed == {
        "faults": [{"path_prefix": "/api/", "status": 503, "delay": 0.0, "drop": False}]
    }
    cleared = await origin.delete("/_origin/faults")
    assert await cleared.json() == {"faults": []}
    assert (await origin.get("/api/items/1")).status == 200


async def test_longest_prefix_wins_and_a_put_replaces_the_same_prefix(origin: TestClient) -> None:
    await origin.put("/_origin/faults", json={"status": 500})
    await origin.put("/_origin/faults", json={"path_prefix": "/images/", "status": 404})
    await origin.put("/_origin/faults", json={"path_prefix": "/images/", "status": 502})
    assert (await origin.get("/images/coffee.jpg")).status == 502
    assert (await origin.get("/")).status == 500
    listed = (await (await origin.get("/_origin/faults")).json())["faults"]
    assert [f["path_prefix"] for f in listed] == ["/", "/images/"]


async def test_drop_fault_closes_the_connection(origin: TestClient) -> None:
    await origin.put("/_origin/faults", json={"path_prefix": "/gallery", "drop": True})
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await origin.get("/gallery.html")
    assert (await origin.get("/about.html")).status == 200


async def test_delay_fault_holds_the_answer(origin: TestClient) -> None:
    await origin.put("/_origin/faults", json={"path_prefix": "/about", "delay": 30})
    await assert_request_is_held(origin, "/about.html")


async def test_faults_never_block_the_control_endpoints(origin: TestClient) -> None:
    await origin.put("/_origin/faults", json={"path_prefix": "/", "drop": True})
    assert (await origin.get("/_origin/health")).status == 200
    assert (await origin.delete("/_origin/faults")).status == 200
    assert (await origin.get("/")).status == 200


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[]",
        b'{"path_prefix": "api"}',
        b'{"status": "503"}',
        b'{"status": 99}',
        b'{"status": true}',
        b'{"delay": -1}',
        b'{"delay": 1e9}',
        b'{"drop": 1}',
        b'{"pathprefix": "/"}',
    ],
)
async def test_bad_fault_is_400_and_sets_nothing(origin: TestClient, body: bytes) -> None:
    response = await origin.put("/_origin/faults", data=body)
    assert response.status == 400
    assert (await (await origin.get("/_origin/faults")).json()) == {"faults": []}


def test_fault_defaults_cover_every_path() -> None:
    fault = Fault.from_json({"status": 503})
    assert fault == Fault(path_prefix="/", status=503, delay=0.0, drop=False)
    faults = Faults()
    faults.set(fault)
    assert faults.match("/anything") == fault
    with pytest.raises(FaultError):
        Fault.from_json({"delay": float("inf")})
