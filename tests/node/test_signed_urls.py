"""Signed URLs and signed cookies through a running PoP (spec §6.5, §0 step 3): credentials
made by botocore's `CloudFrontSigner` are accepted, tampered, expired or foreign ones refused
with CloudFront's XML error, and behaviors without trusted key groups serve everyone."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from edge.geo.cities import ip_for
from edge.node.location import world_cities
from tests.node.conftest import Clock
from tests.world import World, access_log_lines, start_world

KEY_ID = "K2JCJMDEHXQW5F"
PROTECTED = ("/members/*", "/static/*", "/api/*")
# The access log's fields, 0-based (spec §6.6).
SC_STATUS, RESULT_TYPE, DETAILED_RESULT_TYPE = 8, 13, 28


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def signer_for(key: rsa.RSAPrivateKey, key_id: str = KEY_ID) -> CloudFrontSigner:
    return CloudFrontSigner(key_id, lambda m: key.sign(m, padding.PKCS1v15(), hashes.SHA1()))


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return new_key()


@pytest.fixture(scope="module")
def signer(key: rsa.RSAPrivateKey) -> CloudFrontSigner:
    return signer_for(key)


def trusting(pem: str, key_id: str = KEY_ID) -> Any:
    """The test world with `PROTECTED` behaviors trusting one key group of one public key."""

    def edit(data: dict[str, Any]) -> None:
        data["public_keys"] = [{"id": key_id, "encoded_key": pem}]
        data["key_groups"] = [{"id": "members", "items": [key_id]}]
        for behavior in data["behaviors"]:
            if behavior["path_pattern"] in PROTECTED:
                behavior["trusted_key_groups"] = ["members"]

    return edit


@pytest.fixture
async def world(tmp_path: Path, key: rsa.RSAPrivateKey, clock: Clock) -> AsyncIterator[World]:
    w = await start_world(tmp_path / "logs", trusting(public_pem(key)), clock=clock)
    yield w
    await w.close()


def until(clock: Clock, seconds: int) -> datetime:
    return datetime.fromtimestamp(int(clock.now) + seconds, UTC)


def log_lines(tmp_path: Path, node_id: str) -> list[list[str]]:
    return [line.split("\t") for line in access_log_lines(tmp_path / "logs" / node_id)]


async def refused(world: World, path: str, code: str, **kw: Any) -> None:
    response = await world.get(path, **kw)
    assert response.status == 403
    assert response.headers["Content-Type"] == "text/xml"
    assert response.headers["X-Cache"] == "Error from cloudfront"
    assert response.headers["Server"] == "CloudFront"
    body = await response.text()
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><Error>')
    assert f"<Code>{code}</Code>" in body


async def test_canned_url_from_botocore_opens_the_members_page(
    world: World, signer: CloudFrontSigner, clock: Clock, tmp_path: Path,
) -> None:
    url = signer.generate_presigned_url(world.url(world.pop, "/members/index.html"),
                                        date_less_than=until(clock, 600))
    path = url.removeprefix(world.url(world.pop, ""))
    response = await world.get(path)
    assert response.status == 200
    assert "<html" in (await response.text()).lower()

    await refused(world, "/members/index.html", "MissingKey")
    await refused(world, path + "&page=2", "AccessDenied")  # a parameter added after signing
    await refused(world, path.replace("Key-Pair-Id=" + KEY_ID, "Key-Pair-Id=KOTHER"),
                  "InvalidKey")
    clock.advance(600)
    await refused(world, path, "AccessDenied")  # expired
    assert (await world.get("/about.html")).status == 200  # an unprotected behavior
    await world.close()
    results = [(line[SC_STATUS], line[RESULT_TYPE], line[DETAILED_RESULT_TYPE])
               for line in log_lines(tmp_path, world.pop)]
    assert results[1:5] == [("403", "Error", "MissingKey"), ("403", "Error", "AccessDenied"),
                            ("403", "Error", "InvalidKey"), ("403", "Error", "AccessDenied")]


async def test_tampered_and_foreign_signatures_are_refused(
    world: World, signer: CloudFrontSigner, clock: Clock,
) -> None:
    base = world.url(world.pop, "")
    url = signer.generate_presigned_url(base + "/members/index.html",
                                        date_less_than=until(clock, 600))
    signature = dict(parse_qsl(urlsplit(url).query))["Signature"]
    flipped = signature[:20] + ("A" if signature[20] != "A" else "B") + signature[21:]
    await refused(world, url.removeprefix(base).replace(signature, flipped), "AccessDenied")
    other = signer_for(new_key()).generate_presigned_url(base + "/members/index.html",
                                                         date_less_than=until(clock, 600))
    await refused(world, other.removeprefix(base), "AccessDenied")


async def test_custom_policy_with_a_wildcard_and_an_address_condition(
    world: World, signer: CloudFrontSigner, clock: Clock,
) -> None:
    base = world.url(world.pop, "")
    tokyo = world_cities().find("Tokyo")
    assert tokyo is not None
    policy = signer.build_policy(base + "/members/*", until(clock, 600),
                                 ip_address=f"{ip_for(tokyo)}/32")
    from_tokyo = {"X-Edgesim-Viewer-City": "Tokyo"}
    for page in ("/members/index.html", "/members/login.html"):
        url = signer.generate_presigned_url(base + page, policy=policy)
        assert (await world.get(url.removeprefix(base), headers=from_tokyo)).status == 200
        await refused(world, url.removeprefix(base), "AccessDenied")  # from 127.0.0.1
    outside = signer.generate_presigned_url(base + "/api/echo/x", policy=policy)
    await refused(world, outside.removeprefix(base), "AccessDenied", headers=from_tokyo)


async def test_signed_cookies_carry_botocores_custom_policy(
    world: World, signer: CloudFrontSigner, clock: Clock,
) -> None:
    base = world.url(world.pop, "")
    policy = signer.build_policy(base + "/members/*", until(clock, 600),
                                 date_greater_than=until(clock, -60))
    signed = dict(parse_qsl(signer.generate_presigned_url(base + "/members/", policy=policy)
                            .partition("?")[2]))
    cookies = "; ".join(f"CloudFront-{name}={signed[name]}"
                        for name in ("Policy", "Signature", "Key-Pair-Id"))
    response = await world.get("/members/index.html", headers={"Cookie": cookies})
    assert response.status == 200
    assert (await world.get("/members/login.html?next=/",
                            headers={"Cookie": cookies})).status == 200
    await refused(world, "/api/echo/x", "AccessDenied", headers={"Cookie": cookies})
    tampered = cookies.replace(f"CloudFront-Key-Pair-Id={KEY_ID}", "CloudFront-Key-Pair-Id=")
    await refused(world, "/members/index.html", "MissingKey", headers={"Cookie": tampered})
    clock.advance(600)
    await refused(world, "/members/index.html", "AccessDenied", headers={"Cookie": cookies})


async def test_signed_urls_share_a_cached_copy_when_the_policy_keys_no_query_string(
    world: World, signer: CloudFrontSigner, clock: Clock,
) -> None:
    """`/static/*` (CachingOptimized) neither keys nor forwards query strings: two signatures
    of one object are one cache entry, and the check still runs before every hit."""
    base = world.url(world.pop, "")
    first = signer.generate_presigned_url(base + "/static/css/site.css",
                                          date_less_than=until(clock, 600))
    second = signer.generate_presigned_url(base + "/static/css/site.css",
                                           date_less_than=until(clock, 900))
    miss = await world.get(first.removeprefix(base))
    hit = await world.get(second.removeprefix(base))
    assert (miss.status, hit.status) == (200, 200)
    assert (miss.headers["X-Cache"], hit.headers["X-Cache"]) == (
        "Miss from cloudfront", "Hit from cloudfront")
    assert await world.origin_count("/static/css/site.css") == 1
    await refused(world, "/static/css/site.css", "MissingKey")


async def test_the_signing_parameters_reach_the_origin_when_the_policy_forwards_them(
    world: World, signer: CloudFrontSigner, clock: Clock,
) -> None:
    """`/api/*` forwards every query string (AllViewerExceptHostHeader), so, as on CloudFront,
    the origin sees the signature too."""
    base = world.url(world.pop, "")
    url = signer.generate_presigned_url(base + "/api/echo/x?q=1", date_less_than=until(clock, 60))
    response = await world.get(url.removeprefix(base), headers={"Accept-Encoding": "identity"})
    assert response.status == 200
    echoed = json.loads(await response.read())
    assert echoed["query"].startswith("q=1&Expires=")
    assert f"Key-Pair-Id={KEY_ID}" in echoed["query"]
