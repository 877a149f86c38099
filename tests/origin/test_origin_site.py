"""The sample site: its pages, assets and photographs, with the origin's caching headers."""

from __future__ import annotations

import re

import pytest
from aiohttp.test_utils import TestClient
from PIL import Image

from origin.app import PACKAGED_CONTENT

PAGES = [
    "/",
    "/gallery.html",
    "/about.html",
    "/members/",
    "/members/login.html",
    "/experiment/",
    "/experiment/a.html",
    "/experiment/b.html",
]
PHOTOS = sorted(path.name for path in (PACKAGED_CONTENT / "images").glob("*.jpg"))


@pytest.mark.parametrize("page", PAGES)
async def test_every_page_links_the_stylesheet_the_script_and_shows_edge_headers(
    origin: TestClient, page: str
) -> None:
    response = await origin.get(page)
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert 'href="/static/css/site.css"' in html
    assert 'src="/static/js/site.js"' in html
    assert 'id="edge-headers"' in html


async def test_site_script_reads_the_cdn_headers_of_the_page_itself(origin: TestClient) -> None:
    script = await (await origin.get("/static/js/site.js")).text()
    assert 'fetch(location.href, { method: "HEAD" })' in script
    for header in ("X-Cache", "Age", "X-Amz-Cf-Pop", "Server-Timing"):
        assert f'"{header}"' in script


async def test_every_linked_page_asset_and_image_exists(origin: TestClient) -> None:
    linked: set[str] = set()
    for page in PAGES:
        html = await (await origin.get(page)).text()
        linked.update(re.findall(r'(?:href|src)="(/[^"]*)"', html))
    assert {f"/images/{name}" for name in PHOTOS} <= linked
    for path in sorted(linked):
        response = await origin.get(path, allow_redirects=False)
        assert response.status == 200, path


# The origin's defaults: pages a minute, styles and scripts a day, images a week.
@pytest.mark.parametrize(
    ("path", "cache_control", "content_type"),
    [
        ("/", "max-age=60", "text/html"),
        ("/gallery.html", "max-age=60", "text/html"),
        ("/static/css/site.css", "max-age=86400", "text/css"),
        ("/static/js/site.js", "max-age=86400", None),
        ("/images/coffee.jpg", "max-age=604800", "image/jpeg"),
    ],
)
async def test_default_cache_headers_by_kind_of_file(
    origin: TestClient, path: str, cache_control: str, content_type: str | None
) -> None:
    response = await origin.get(path)
    assert response.status == 200
    assert response.headers["Cache-Control"] == cache_control
    assert response.headers["ETag"]
    assert response.headers["Last-Modified"]
    assert response.headers["Server"] == "edgesim-origin"
    if content_type is not None:
        assert response.content_type == content_type
    else:
        assert response.content_type in ("text/javascript", "application/javascript")


@pytest.mark.parametrize("path", ["/gallery.html", "/images/chelsea.jpg"])
async def test_conditional_get_of_a_file_is_304(origin: TestClient, path: str) -> None:
    first = await origin.get(path)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    by_etag = await origin.get(path, headers={"If-None-Match": etag})
    assert by_etag.status == 304
    assert await by_etag.read() == b""
    by_date = await origin.get(path, headers={"If-Modified-Since": last_modified})
    assert by_date.status == 304
    changed = await origin.get(path, headers={"If-None-Match": '"something-else"'})
    assert changed.status == 200


async def test_range_on_an_image_is_206_with_the_right_bytes(origin: TestClient) -> None:
    whole = (PACKAGED_CONTENT / "images" / "rocket.jpg").read_bytes()
    response = await origin.get("/images/rocket.jpg", headers={"Range": "bytes=100-199"})
    assert response.status == 206
    assert response.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    assert await response.read() == whole[100:200]
    tail = await origin.get("/images/rocket.jpg", headers={"Range": "bytes=-10"})
    assert await tail.read() == whole[-10:]
    beyond = await origin.get("/images/rocket.jpg", headers={"Range": f"bytes={len(whole)}-"})
    assert beyond.status == 416


async def test_head_of_a_page_has_headers_and_no_body(origin: TestClient) -> None:
    response = await origin.head("/about.html")
    assert response.status == 200
    assert response.headers["Cache-Control"] == "max-age=60"
    assert int(response.headers["Content-Length"]) > 0
    assert await response.read() == b""


async def test_folder_without_slash_redirects_keeping_the_query(origin: TestClient) -> None:
    response = await origin.get("/members?x=1", allow_redirects=False)
    assert response.status == 301
    assert response.headers["Location"] == "/members/?x=1"


async def test_missing_file_is_404(origin: TestClient) -> None:
    assert (await origin.get("/no-such-page.html")).status == 404
    assert (await origin.get("/images/no-such.jpg")).status == 404


@pytest.mark.parametrize("name", PHOTOS)
def test_gallery_photo_is_a_real_jpeg_of_one_to_three_megapixels(name: str) -> None:
    path = PACKAGED_CONTENT / "images" / name
    assert path.stat().st_size <= 1_500_000
    with Image.open(path) as photo:
        assert photo.format == "JPEG"
        assert 1_000_000 <= photo.width * photo.height <= 3_000_000


def test_gallery_has_four_to_six_photos_each_credited() -> None:
    assert 4 <= len(PHOTOS) <= 6
    credits = (PACKAGED_CONTENT / "images" / "LICENSE.md").read_text()
    for name in PHOTOS:
        assert f"`{name}`" in credits


async def test_the_photo_credits_are_text_a_browser_shows(origin: TestClient) -> None:
    response = await origin.get("/images/LICENSE.md")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/markdown")
