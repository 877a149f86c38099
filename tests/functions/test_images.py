"""functions/image_variant.py and image_resize.py: resized variants through a running PoP (sizes,
formats, fits, sharing, hits at both tiers, limits, bad originals) and the URL canonicalisation
by calling the viewer-request handler."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from edge.runtime.testing import custom_origin, invoke, origin_request_event, viewer_request_event
from origin.app import PACKAGED_CONTENT
from tests.functions.example_worlds import FUNCTIONS, example_world, handler
from tests.world import World, free_port

IMAGES = {
    "path_pattern": "/images/*",
    "cache_policy": "Images",
    "functions": {
        "viewer-request": {"handler": handler("image_variant.py")},
        "origin-request": {"handler": handler("image_resize.py"), "memory_size": 1024,
                           "mode": "isolated"},
    },
}
# The URI is the key (the query string is folded into it); Accept is the chosen format's type,
# keyed so that CloudFront passes `Vary: Accept` on to viewers.
POLICY = {
    "min_ttl": 0, "default_ttl": 86400, "max_ttl": 31536000,
    "headers": {"behavior": "whitelist", "items": ["Accept"]},
    "cookies": {"behavior": "none"}, "query_strings": {"behavior": "none"},
}
WEBP = "image/avif,image/webp,image/apng,*/*;q=0.8"  # a browser's Accept for images
ASTRONAUT = "/images/astronaut.jpg"  # 1025 x 1025
CHELSEA = "/images/chelsea.jpg"  # 1256 x 836
VIEWER_REQUEST = str(FUNCTIONS / "image_variant.py")


@pytest.fixture
async def world(tmp_path: Path) -> Any:
    world = await example_world(tmp_path, IMAGES, cache_policies={"Images": POLICY})
    yield world
    await world.close()


def decoded(body: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(body))
    image.load()
    return image


def resizes(world: World) -> int:
    return int(world.context(world.rec).functions.readings()["image_resize"]["invocations"])


async def test_a_variant_has_the_size_and_format_asked_and_is_a_hit_next_time(
    world: World,
) -> None:
    first = await world.get(f"{ASTRONAUT}?width=400&format=webp")
    assert first.status == 200, await first.text()
    assert first.headers["Content-Type"] == "image/webp"
    assert first.headers["X-Cache"] == "Miss from cloudfront"
    assert first.headers["Cache-Control"] == "max-age=604800"  # the original's
    image = decoded(await first.read())
    assert (image.format, image.size) == ("WEBP", (400, 400))
    assert "Vary" not in first.headers  # the format was asked for, not negotiated

    second = await world.get(f"{ASTRONAUT}?width=400&format=webp")
    assert second.headers["X-Cache"] == "Hit from cloudfront"
    assert await second.read() == await first.read()
    assert world.context(world.rec).store.count == 1  # cached at the regional cache too
    assert resizes(world) == 1
    assert await world.origin_count(ASTRONAUT) == 1


async def test_equivalent_urls_share_one_variant(world: World) -> None:
    urls = [
        f"{ASTRONAUT}?width=400&format=jpeg",
        f"{ASTRONAUT}?format=jpg&width=396&utm_source=mail",  # rounded up, unknown option dropped
        f"{ASTRONAUT}?width=200&dpr=2&format=JPEG",  # dpr folded into the width
        f"{ASTRONAUT}?width=400&format=jpeg&quality=78&fit=contain",  # quality step, lone side
    ]
    results = [(await world.get(url)).headers["X-Cache"] for url in urls]
    assert results == ["Miss from cloudfront"] + ["Hit from cloudfront"] * 3
    assert resizes(world) == 1
    assert await world.origin_count(ASTRONAUT) == 1
    image = decoded(await (await world.get(urls[0])).read())
    assert (image.format, image.size) == ("JPEG", (400, 400))


async def test_format_auto_follows_accept_and_says_vary_accept(world: World) -> None:
    webp_only = await world.get(f"{CHELSEA}?width=300", headers={"Accept": "image/webp,*/*"})
    plain = await world.get(f"{CHELSEA}?width=300", headers={"Accept": "*/*"})
    assert decoded(await webp_only.read()).format == "WEBP"
    assert decoded(await plain.read()).format == "JPEG"
    for response in (webp_only, plain):
        assert response.headers["Vary"] == "Accept"
        assert response.headers["X-Cache"] == "Miss from cloudfront"  # one variant each
    again = await world.get(f"{CHELSEA}?width=300&format=auto",
                            headers={"Accept": "text/html,image/webp"})
    assert again.headers["X-Cache"] == "Hit from cloudfront"
    assert again.headers["Content-Type"] == "image/webp"
    browser = await world.get(f"{CHELSEA}?width=300", headers={"Accept": WEBP})
    if "avif" in Image.SAVE:  # this Pillow writes AVIF: browsers that take it get it
        assert decoded(await browser.read()).format == "AVIF"


async def test_each_fit_has_its_geometry(world: World) -> None:
    expected = {  # chelsea is 1256 x 836; the box is 300 x 300
        "cover": (300, 300), "contain": (300, 300), "fill": (300, 300),
        "inside": (300, 200), "outside": (451, 300),
    }
    for fit, size in expected.items():
        response = await world.get(f"{CHELSEA}?width=300&height=300&fit={fit}&format=png")
        image = decoded(await response.read())
        assert (fit, image.size) == (fit, size)
        if fit == "contain":  # letterboxed: white bands above and below the picture
            assert image.getpixel((150, 5)) == (255, 255, 255)
            assert image.getpixel((150, 150)) != (255, 255, 255)


async def test_bad_options_get_a_400_at_the_pop_and_the_node_goes_on(world: World) -> None:
    cases = {
        f"{ASTRONAUT}?width=5000": "width must be between 1 and 2500",
        f"{ASTRONAUT}?width=1000&dpr=3": "3000 pixels (with dpr) is more than 2500",
        f"{ASTRONAUT}?width=2000&height=2400": "more than 4,000,000 pixels",
        f"{ASTRONAUT}?width=abc": "width must be a number",
        f"{ASTRONAUT}?width=100&format=gif": "format must be one of",
        f"{ASTRONAUT}?width=100&fit=squash": "fit must be one of",
        "/images/_v/w100-q80-jpeg/astronaut.jpg": "variant paths are made at the edge",
    }
    for url, message in cases.items():
        response = await world.get(url)
        assert response.status == 400
        assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
        assert message in await response.text()
    assert (await world.origin_stats())["by_path"] == {}
    assert (await world.get(f"{ASTRONAUT}?width=100")).status == 200


async def test_a_variant_over_1_mb_redirects_to_the_original(world: World) -> None:
    response = await world.get(f"{CHELSEA}?width=2400&format=png", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == CHELSEA
    assert response.headers["X-Image-Fallback"] == "original"


async def test_bad_originals_get_a_clear_502_and_the_node_goes_on(
    world: World, tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(PACKAGED_CONTENT, content)
    images = content / "images"
    (images / "truncated.jpg").write_bytes((images / "rocket.jpg").read_bytes()[:5000])
    (images / "text.jpg").write_text("not a picture\n")
    Image.new("1", (8000, 6000)).save(images / "bomb.png")  # 48 MP of nothing, a few KB
    rotated = Image.new("RGB", (200, 100), "red")
    exif = rotated.getexif()
    exif[0x0112] = 6  # Orientation: rotate 90 degrees to show
    exif[0x013B] = "Someone"  # Artist: metadata the variant must not carry
    rotated.save(images / "rotated.jpg", exif=exif)
    await serve_content(world, content)

    cases = {
        "truncated.jpg": "could not be decoded",
        "text.jpg": "not an image Pillow can read",
        "bomb.png": "more than 40,000,000 pixels",
    }
    for name, message in cases.items():
        response = await world.get(f"/images/{name}?width=100")
        assert response.status == 502
        assert message in await response.text(), name
    response = await world.get("/images/rotated.jpg?width=50&format=jpeg")
    image = decoded(await response.read())
    assert image.size == (50, 100)  # upright
    assert dict(image.getexif()) == {}
    assert (await world.get(f"{ASTRONAUT}?width=100")).status == 200


async def serve_content(world: World, content: Path) -> None:
    """Restart the world's origin on the same port with another content folder."""
    await world.stop_origin()
    await world.start_origin(content)


@pytest.mark.parametrize(("query", "accept", "uri"), [
    ("width=400&format=webp", "*/*", "/images/_v/w400-q80-webp/a.jpg"),
    ("height=301&width=200&dpr=1.5&fit=inside&quality=71&format=jpeg", "*/*",
     "/images/_v/w300-h460-inside-q75-jpeg/a.jpg"),
    ("width=100&format=png&quality=10", "*/*", "/images/_v/w100-png/a.jpg"),
    ("width=100", "image/webp", "/images/_v/w100-q80-auto-webp/a.jpg"),
    ("width=100", "image/*", "/images/_v/w100-q80-auto-jpeg/a.jpg"),
    ("format=webp", "*/*", "/images/_v/q80-webp/a.jpg"),
])
def test_options_become_one_canonical_uri(query: str, accept: str, uri: str) -> None:
    event = viewer_request_event("/images/a.jpg", querystring=query,
                                 headers=(("Host", "example.org"), ("Accept", accept)))
    request = invoke(VIEWER_REQUEST, event).request
    assert (request["uri"], request["querystring"]) == (uri, "")
    chosen = uri.split("/")[3].rsplit("-", 1)[1]
    assert request["headers"]["accept"] == [{"key": "Accept", "value": f"image/{chosen}"}]


def test_a_request_without_options_goes_to_the_original_untouched() -> None:
    event = viewer_request_event("/images/a.jpg", querystring="utm_source=mail")
    request = invoke(VIEWER_REQUEST, event).request
    assert (request["uri"], request["querystring"]) == ("/images/a.jpg", "")
    assert "accept" not in request["headers"]  # one cache entry whatever the viewer accepts


def test_an_unreachable_origin_is_a_502_with_a_reason() -> None:
    event = origin_request_event(
        "/images/_v/w100-q80-jpeg/a.jpg",
        origin=custom_origin("127.0.0.1", port=free_port(), protocol="http"),
    )
    response = invoke(str(FUNCTIONS / "image_resize.py"), event).response
    assert response["status"] == "502"
    assert "could not be reached" in response["body"]
