"""Per-request knobs work on any path and override the headers the path would have sent."""

from __future__ import annotations

import email.utils

import aiohttp
import pytest
from aiohttp.test_utils import TestClient
from multidict import MultiDict

from origin.files import body_chunks
from origin.knobs import KNOB_NAMES, parse_knobs
from tests.origin.held_requests import assert_request_is_held

ANY_PATHS = ["/about.html", "/images/coffee.jpg", "/api/items/1", "/api/echo", "/nothing-here"]
DATE = "Wed, 21 Oct 2015 07:28:00 GMT"


# knob query -> the header the response must carry
@pytest.mark.parametrize(
    ("query", "header", "value"),
    [
        ("cc=no-store", "Cache-Control", "no-store"),
        (
            "cc=max-age%3D10%2C%20stale-while-revalidate%3D30",
            "Cache-Control",
            "max-age=10, stale-while-revalidate=30",
        ),
        ("vary=Accept-Language", "Vary", "Accept-Language"),
        ("set-cookie=session%3Dabc%3B%20Path%3D%2F", "Set-Cookie", "session=abc; Path=/"),
        ("etag=v7", "ETag", '"v7"'),
        ("etag=W/%22v7%22", "ETag", 'W/"v7"'),
        (f"last-modified={DATE}", "Last-Modified", DATE),
        ("content-type=text/x-test", "Content-Type", "text/x-test"),
        (f"expires={DATE}", "Expires", DATE),
        ("expires=invalid", "Expires", "0"),
    ],
)
@pytest.mark.parametrize("path", ANY_PATHS)
async def test_header_knob_overrides_the_default_on_any_path(
    origin: TestClient, path: str, query: str, header: str, value: str
) -> None:
    response = await origin.get(f"{path}?{query}")
    assert response.headers.getall(header) == [value]
    assert response.headers["Server"] == "edgesim-origin"


async def test_expires_in_seconds_is_that_far_after_the_date_header(origin: TestClient) -> None:
    response = await origin.get("/about.html?expires=120")
    expires = email.utils.parsedate_to_datetime(response.headers["Expires"])
    date = email.utils.parsedate_to_datetime(response.headers["Date"])
    assert 119 <= (expires - date).total_seconds() <= 121


async def test_set_cookie_knob_may_repeat(origin: TestClient) -> None:
    response = await origin.get("/about.html?set-cookie=a%3D1&set-cookie=b%3D2")
    assert response.headers.getall("Set-Cookie") == ["a=1", "b=2"]


@pytest.mark.parametrize("status", [200, 301, 404, 418, 500, 502, 503, 504])
@pytest.mark.parametrize("path", ["/about.html", "/api/time", "/nothing-here"])
async def test_status_knob_answers_that_status_with_a_small_body(
    origin: TestClient, path: str, status: int
) -> None:
    response = await origin.get(f"{path}?status={status}&cc=max-age%3D7", allow_redirects=False)
    assert response.status == status
    assert (await response.text()).startswith(str(status))
    assert response.headers["Cache-Control"] == "max-age=7"


async def test_status_304_and_204_have_no_body(origin: TestClient) -> None:
    for status in (204, 304):
        response = await origin.get(f"/about.html?status={status}")
        assert response.status == status
        assert await response.read() == b""


@pytest.mark.parametrize("size", [0, 1, 70_000, 2 * 1024 * 1024])
async def test_size_knob_generates_that_many_bytes_on_any_path(
    origin: TestClient, size: int
) -> None:
    response = await origin.get(f"/t/anything?size={size}")
    body = await response.read()
    assert response.status == 200
    assert int(response.headers["Content-Length"]) == len(body) == size
    assert body == b"".join(body_chunks("generated", 0, size))
    assert "Cache-Control" not in response.headers


async def test_size_with_status_and_content_type(origin: TestClient) -> None:
    response = await origin.get("/x?size=500&status=404&content-type=text/plain")
    assert response.status == 404
    assert response.headers["Content-Type"] == "text/plain"
    assert len(await response.read()) == 500


async def test_size_with_rate_streams_before_the_body_is_done(origin: TestClient) -> None:
    async with origin.get("/t/big?size=1000000&rate=50000") as response:
        assert await response.content.readany()
        assert not response.content.at_eof()
        response.close()


async def test_etag_knob_decides_conditional_requests(origin: TestClient) -> None:
    match = await origin.get("/about.html?etag=v1", headers={"If-None-Match": '"v1"'})
    assert match.status == 304
    assert match.headers["ETag"] == '"v1"'
    assert match.headers["Cache-Control"] == "max-age=60"
    other = await origin.get("/about.html?etag=v2", headers={"If-None-Match": '"v1"'})
    assert other.status == 200
    assert other.headers["ETag"] == '"v2"'


async def test_last_modified_knob_decides_if_modified_since(origin: TestClient) -> None:
    path = f"/api/items/1?last-modified={DATE}"
    assert (await origin.get(path, headers={"If-Modified-Since": DATE})).status == 304
    earlier = "Tue, 20 Oct 2015 07:28:00 GMT"
    assert (await origin.get(path, headers={"If-Modified-Since": earlier})).status == 200


async def test_path_validators_no_longer_give_304_once_knobs_replace_them(
    origin: TestClient,
) -> None:
    own = (await origin.get("/about.html")).headers["ETag"]
    response = await origin.get("/about.html?etag=new", headers={"If-None-Match": own})
    assert response.status == 200


async def test_delay_knob_holds_the_answer(origin: TestClient) -> None:
    await assert_request_is_held(origin, "/about.html?delay=30")
    quick = await origin.get("/about.html?delay=0")
    assert quick.status == 200


async def test_drop_knob_closes_the_connection_without_an_answer(origin: TestClient) -> None:
    with pytest.raises(aiohttp.ServerDisconnectedError):
        await origin.get("/about.html?drop=1")
    assert (await origin.get("/about.html")).status == 200


@pytest.mark.parametrize(
    "query",
    [
        "delay=soon",
        "delay=-1",
        "delay=1000",
        "delay=nan",
        "status=99",
        "status=600",
        "status=abc",
        "size=-1",
        "size=1e3",
        f"size={512 * 1024 * 1024 + 1}",
        "drop=yes",
        "rate=0",
        "expires=tomorrow",
        "last-modified=yesterday",
        "etag=a%22b",
        "cc=a%0d%0aX-Injected:%201",
    ],
)
async def test_bad_knob_is_400_naming_it(origin: TestClient, query: str) -> None:
    response = await origin.get(f"/about.html?{query}")
    assert response.status == 400
    assert query.split("=")[0] in await response.text()
    assert "X-Injected" not in response.headers


async def test_knobs_do_not_touch_the_origin_control_endpoints(origin: TestClient) -> None:
    response = await origin.get("/_origin/health?status=500&cc=public")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_every_knob_is_parsed() -> None:
    query = MultiDict(
        {
            "delay": "0.5",
            "status": "503",
            "drop": "1",
            "size": "10",
            "rate": "100",
            "cc": "no-cache",
            "expires": "0",
            "vary": "Cookie",
            "set-cookie": "a=b",
            "etag": "x",
            "last-modified": DATE,
            "content-type": "text/plain",
        }
    )
    assert set(query) == KNOB_NAMES
    knobs = parse_knobs(query, now=1704067200.0)
    assert (knobs.delay, knobs.status, knobs.drop, knobs.size, knobs.rate) == (
        0.5,
        503,
        True,
        10,
        100,
    )
    assert dict(knobs.headers) == {
        "Cache-Control": "no-cache",
        "Expires": "Mon, 01 Jan 2024 00:00:00 GMT",
        "Vary": "Cookie",
        "Set-Cookie": "a=b",
        "ETag": '"x"',
        "Last-Modified": DATE,
        "Content-Type": "text/plain",
    }
