"""`/_origin/stats` counts what reached the origin (not its own endpoints), for offload numbers."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from origin.app import PACKAGED_CONTENT

MB = 1024 * 1024


async def stats(origin: TestClient) -> dict:
    return await (await origin.get("/_origin/stats")).json()


async def test_stats_count_requests_by_path_and_method(origin: TestClient) -> None:
    await origin.get("/about.html")
    await origin.get("/about.html")
    await origin.head("/about.html")
    await origin.put("/api/items/9", json={"a": 1})
    await origin.get("/nothing-here")
    await origin.get("/_origin/health")
    counted = await stats(origin)
    assert counted["requests"] == 5
    assert counted["by_path"] == {
        "/about.html": {"GET": 2, "HEAD": 1},
        "/api/items/9": {"PUT": 1},
        "/nothing-here": {"GET": 1},
    }
    assert counted["by_method"] == {"GET": 3, "HEAD": 1, "PUT": 1}


async def test_bytes_sent_counts_bodies_of_every_kind(origin: TestClient) -> None:
    photo = (PACKAGED_CONTENT / "images" / "coffee.jpg").stat().st_size
    await (await origin.get("/images/coffee.jpg")).read()
    await (await origin.get("/images/coffee.jpg", headers={"Range": "bytes=0-99"})).read()
    await (await origin.get("/files/1MB.bin")).read()
    await (await origin.get("/files/1MB.bin?chunked=1")).read()
    await (await origin.get("/t/x?size=1234")).read()
    await origin.head("/files/2MB.bin")
    assert (await stats(origin))["bytes_sent"] == photo + 100 + 2 * MB + 1234


async def test_a_304_sends_no_body_bytes(origin: TestClient) -> None:
    etag = (await origin.get("/files/1MB.bin")).headers["ETag"]
    await (await origin.post("/_origin/stats/reset")).read()
    not_modified = await origin.get("/files/1MB.bin", headers={"If-None-Match": etag})
    assert not_modified.status == 304
    assert (await stats(origin))["bytes_sent"] == 0


async def test_reset_zeroes_everything(origin: TestClient) -> None:
    await origin.get("/")
    reset = await origin.post("/_origin/stats/reset")
    assert reset.status == 200
    assert await stats(origin) == {"requests": 0, "bytes_sent": 0, "by_path": {}, "by_method": {}}


async def test_faulted_and_knob_answered_requests_are_counted(origin: TestClient) -> None:
    await origin.put("/_origin/faults", json={"path_prefix": "/down", "status": 503})
    await origin.get("/down/page")
    await origin.get("/about.html?status=500")
    counted = await stats(origin)
    assert counted["by_path"] == {"/down/page": {"GET": 1}, "/about.html": {"GET": 1}}


async def test_health_is_ok(origin: TestClient) -> None:
    response = await origin.get("/_origin/health")
    assert response.status == 200
    assert await response.text() == "ok"
    assert response.headers["Server"] == "edgesim-origin"
