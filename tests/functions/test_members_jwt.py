"""functions/members_jwt.py through a running PoP, with tokens minted by PyJWT (an independent
implementation of RFC 7519) from the function's demo keys, and by `edgesim token`."""

from __future__ import annotations

import asyncio
import base64
import json
import sys
import time
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.functions.example_worlds import FUNCTIONS, example_world, handler
from tests.world import World

MEMBERS = {
    "path_pattern": "/members/*",
    "cache_policy": "CachingDisabled",
    "origin_request_policy": "AllViewerExceptHostHeader",
    "functions": {"viewer-request": {"handler": handler("members_jwt.py")}},
}
HS256_SECRET = b"edgesim demo HS256 secret: public, never use it for real"
# The demo key pair the function's RS256 public key belongs to.
RS256_PRIVATE_KEY = (FUNCTIONS.parent / "edge" / "defaults" / "demo-signing-key.pem").read_text()
KEYS = {"HS256": HS256_SECRET, "RS256": RS256_PRIVATE_KEY}
AUDIENCE = "edgesim-members"


def token(algorithm: str = "HS256", key: Any = None, **claims: Any) -> str:
    claims = {"sub": "ada", "aud": AUDIENCE, "exp": int(time.time()) + 300, **claims}
    return jwt.encode(claims, KEYS[algorithm] if key is None else key, algorithm)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def cookie(value: str) -> dict[str, str]:
    return {"Cookie": f"theme=dark; session={value}"}


@pytest.fixture
async def world(tmp_path: Path) -> Any:
    world = await example_world(tmp_path, MEMBERS)
    yield world
    await world.close()


@pytest.mark.parametrize("algorithm", ["HS256", "RS256"])
@pytest.mark.parametrize("carrier", [bearer, cookie])
async def test_a_valid_token_lets_the_viewer_in(
    world: World, algorithm: str, carrier: Any,
) -> None:
    response = await world.get("/members/", headers=carrier(token(algorithm)))
    assert response.status == 200
    assert b"Members area" in await response.read()
    assert await world.origin_count("/members/") == 1


async def test_an_audience_list_naming_this_site_is_accepted(world: World) -> None:
    response = await world.get("/members/", headers=bearer(token(aud=["other", AUDIENCE])))
    assert response.status == 200


async def test_no_token_is_sent_to_the_sign_in_page_which_stays_reachable(world: World) -> None:
    response = await world.get("/members/", allow_redirects=False)
    assert response.status == 302
    assert response.headers["Location"] == "/members/login.html"
    assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
    login = await world.get("/members/login.html")
    assert login.status == 200
    assert b"Sign in" in await login.read()
    assert await world.origin_count("/members/") == 0


async def refused(world: World, headers: dict[str, str], status: int) -> str:
    response = await world.get("/members/", headers=headers, allow_redirects=False)
    assert response.status == status
    assert response.headers["Cache-Control"] == "no-store"
    assert await world.origin_count("/members/") == 0
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith(
            'Bearer realm="members", error="invalid_token"')
    return (await response.read()).decode()


@pytest.mark.parametrize("algorithm", ["HS256", "RS256"])
async def test_an_expired_token_is_401(world: World, algorithm: str) -> None:
    expired = token(algorithm, exp=int(time.time()) - 60)
    body = await refused(world, cookie(expired), 401)
    assert body == ("401 Unauthorized: the token has expired. "
                    "Sign in at /members/login.html\n")


async def test_a_token_for_another_audience_is_403(world: World) -> None:
    body = await refused(world, bearer(token("RS256", aud="another-site")), 403)
    assert body.startswith("403 Forbidden: the token is not for this site")


@pytest.mark.parametrize("algorithm", ["HS256", "RS256"])
async def test_a_tampered_token_is_401(world: World, algorithm: str) -> None:
    header, _, signature = token(algorithm).split(".")
    claims = {"sub": "root", "aud": AUDIENCE, "exp": int(time.time()) + 300}
    payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    body = await refused(world, bearer(f"{header}.{payload}.{signature}"), 401)
    assert "the token's signature is not valid" in body


async def test_tokens_signed_with_other_keys_are_401(world: World) -> None:
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for forged in (token("RS256", other_rsa), token("HS256", b"a guess at the secret" * 2)):
        assert "signature is not valid" in await refused(world, bearer(forged), 401)


async def test_unsigned_and_malformed_tokens_are_401(world: World) -> None:
    unsigned = jwt.encode(
        {"aud": AUDIENCE, "exp": int(time.time()) + 300}, None, "none")
    assert "neither with HS256 nor with RS256" in await refused(world, bearer(unsigned), 401)
    for malformed in ("not-a-jwt", "a.b.c", "e30.e30.%%%", token()[:-1] + ".x"):
        assert "malformed" in await refused(world, cookie(malformed), 401)


async def test_a_token_without_expiry_is_401(world: World) -> None:
    unending = jwt.encode({"aud": AUDIENCE}, HS256_SECRET, "HS256")
    assert "no expiry time" in await refused(world, bearer(unending), 401)


async def edgesim_token(*args: str) -> str:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "edge", "token", "--audience", AUDIENCE, *args,
        stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    assert process.returncode == 0
    return out.decode().strip()


async def test_tokens_from_edgesim_token_are_accepted(world: World) -> None:
    expired = await edgesim_token("--expires", str(int(time.time()) - 60))
    assert "expired" in await refused(world, bearer(expired), 401)
    for args in ((), ("--secret", HS256_SECRET.decode())):  # RS256 with the demo key; HS256
        response = await world.get("/members/", headers=bearer(await edgesim_token(*args)))
        assert response.status == 200
