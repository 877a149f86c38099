"""The default world's sample site with its example functions wired in, as `make run` serves it:
resized images, the experiment's variants, the members area, security headers, signed
downloads and a page made at the edge."""

from __future__ import annotations

import io
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from PIL import Image

from edge.credentials import DEMO_KEY_PAIR_ID, demo_private_key_path, signed_url
from tests.world import World, start_world


@pytest.fixture
async def site(tmp_path: Path) -> AsyncIterator[World]:
    world = await start_world(tmp_path / "logs", example_functions=True)
    yield world
    await world.close()


async def test_the_gallery_thumbnails_are_resized_once(site: World) -> None:
    first = await site.get("/images/chelsea.jpg?width=400", headers={"Accept": "image/webp"})
    image = Image.open(io.BytesIO(await first.read()))
    assert (image.format, image.width) == ("WEBP", 400)
    assert first.headers["Vary"] == "Accept"
    again = await site.get("/images/chelsea.jpg?width=400", headers={"Accept": "image/webp"})
    assert again.headers["X-Cache"] == "Hit from cloudfront"


async def test_the_experiment_shows_a_variant_and_sticks_to_it(site: World) -> None:
    plain = {"Accept-Encoding": "identity"}
    first = await site.get("/experiment/", headers=plain)
    assert first.status == 200
    bucket = first.cookies["experiment-bucket"].value
    assert bucket in ("a", "b")
    assert f"<h1>Variant {bucket.upper()}" in (await first.read()).decode()
    for _ in range(3):
        again = await site.get("/experiment/",
                               headers={**plain, "Cookie": f"experiment-bucket={bucket}"})
        assert f"<h1>Variant {bucket.upper()}" in (await again.read()).decode()
        assert "experiment-bucket" not in again.cookies


async def test_the_members_area_signs_in_with_the_form(site: World) -> None:
    locked = await site.get("/members/", allow_redirects=False)
    assert (locked.status, locked.headers["Location"]) == (302, "/members/login.html")
    assert site.session is not None
    async with site.session.post(site.url(site.pop, "/members/login"), allow_redirects=False,
                                 data={"username": "ada", "password": "wrong"}) as refused:
        assert refused.status == 401
    async with site.session.post(site.url(site.pop, "/members/login"), allow_redirects=False,
                                 data={"username": "ada", "password": "edge"}) as signed_in:
        assert (signed_in.status, signed_in.headers["Location"]) == (302, "/members/")
        session = signed_in.cookies["session"].value
    inside = await site.get("/members/", headers={"Cookie": f"session={session}"},
                            allow_redirects=False)
    assert inside.status == 200


async def test_every_origin_response_has_the_security_headers(site: World) -> None:
    for path in ("/", "/static/css/site.css", "/api/time"):
        response = await site.get(path)
        assert response.headers["Strict-Transport-Security"].startswith("max-age="), path
        assert response.headers["X-Content-Type-Options"] == "nosniff", path


async def test_downloads_need_a_signed_url(site: World) -> None:
    unsigned = await site.get("/files/1MB.bin")
    assert unsigned.status == 403
    assert b"<Code>MissingKey</Code>" in await unsigned.read()
    key = serialization.load_pem_private_key(Path(demo_private_key_path()).read_bytes(), None)
    url = signed_url(site.url(site.pop, "/files/1MB.bin"), DEMO_KEY_PAIR_ID, key,
                     int(time.time()) + 600)
    assert site.session is not None
    async with site.session.get(url) as signed:
        assert signed.status == 200
        assert len(await signed.read()) == 1024 * 1024


async def test_a_page_made_at_the_edge(site: World) -> None:
    response = await site.get("/hello")
    assert response.status == 200
    assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    assert (await site.origin_stats())["by_path"].get("/hello") is None


async def test_the_use_cases_on_the_echo_api_and_the_store(site: World) -> None:
    paris = await site.get("/store/shoes", headers={"X-Edgesim-Viewer-City": "Paris"},
                           allow_redirects=False)
    assert paris.status == 302 and "/store/shoes" in paris.headers["Location"]
    first = await site.get("/api/echo/normalized?Page=2&color=red&utm_source=x")
    again = await site.get("/api/echo/normalized?color=red&page=2")
    assert again.headers["X-Cache"] == "Hit from cloudfront", first.headers["X-Cache"]
    bot = await site.get("/api/echo/guarded", headers={"User-Agent": "SemrushBot/7"})
    assert bot.status == 403
