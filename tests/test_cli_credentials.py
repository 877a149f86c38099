"""`edgesim sign-url`, `sign-cookies` and `token` as a user runs them: their output opens a
behavior that trusts the demo key (or the user's own), and PyJWT verifies the tokens."""

from __future__ import annotations

import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from edge.cli import main
from edge.credentials import DEMO_KEY_PAIR_ID, demo_private_key_path
from tests.test_cli_processes import EDGESIM
from tests.world import World, start_world

DEMO_PUBLIC_KEY = str(Path(demo_private_key_path()).with_name("demo-signing-key.pub.pem"))
OWN_KEY_ID = "KOWNKEY0000001"
SECRET = "a shared secret of at least 32 bytes"


def edgesim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDGESIM, *args], capture_output=True, text=True, timeout=30)


def minted(*args: str) -> str:
    result = edgesim(*args)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.fixture(scope="module")
def own_key(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A key pair of the user's own: the private key's file, the public key's PEM."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp_path_factory.mktemp("keys") / "signing.pem"
    path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                       serialization.PrivateFormat.TraditionalOpenSSL,
                                       serialization.NoEncryption()))
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return path, public.decode()


@pytest.fixture
async def world(tmp_path: Path, own_key: tuple[Path, str]) -> Any:
    """`/members/*` trusts the demo key (as the default world does) and the user's own."""

    def edit(data: dict[str, Any]) -> None:
        data["public_keys"] = [{"id": DEMO_KEY_PAIR_ID, "key_file": DEMO_PUBLIC_KEY},
                               {"id": OWN_KEY_ID, "encoded_key": own_key[1]}]
        data["key_groups"] = [{"id": "demo", "items": [DEMO_KEY_PAIR_ID]},
                              {"id": "own", "items": [OWN_KEY_ID]}]
        for behavior in data["behaviors"]:
            if behavior["path_pattern"] == "/members/*":
                behavior["trusted_key_groups"] = ["demo", "own"]

    w = await start_world(tmp_path / "logs", edit)
    yield w
    await w.close()


async def status(world: World, url: str, **kw: Any) -> int:
    response = await world.get(url.removeprefix(world.url(world.pop, "")), **kw)
    return response.status


async def test_sign_url_with_the_demo_key_opens_the_page(world: World) -> None:
    page = world.url(world.pop, "/members/index.html")
    url = minted("sign-url", page, "--expires", "+3600")
    assert f"Key-Pair-Id={DEMO_KEY_PAIR_ID}" in url
    assert await status(world, url) == 200
    assert await status(world, page) == 403
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    assert await status(world, minted("sign-url", page, "--expires", past)) == 403


async def test_sign_url_with_a_custom_policy(world: World) -> None:
    base = world.url(world.pop, "")
    url = minted("sign-url", base + "/members/login.html", "--resource", base + "/members/*",
                 "--not-before", str(int(time.time()) - 60))
    assert "Policy=" in url
    assert await status(world, url) == 200
    other = url.replace("/members/login.html", "/members/index.html")
    assert await status(world, other) == 200  # the policy covers the pattern
    elsewhere = minted("sign-url", base + "/members/", "--ip", "203.0.113.0/24")
    assert await status(world, elsewhere) == 403  # this viewer is 127.0.0.1


async def test_sign_url_with_the_users_own_key(world: World, own_key: tuple[Path, str]) -> None:
    page = world.url(world.pop, "/members/index.html")
    url = minted("sign-url", page, "--key-pair-id", OWN_KEY_ID, "--private-key", str(own_key[0]),
                 "--expires", "+2h")
    assert await status(world, url) == 200
    swapped = url.replace(f"Key-Pair-Id={OWN_KEY_ID}", f"Key-Pair-Id={DEMO_KEY_PAIR_ID}")
    assert await status(world, swapped) == 403


async def test_sign_cookies_prints_a_cookie_header_for_curl(world: World) -> None:
    header = minted("sign-cookies", world.url(world.pop, "/members/*"))
    name, _, value = header.partition(": ")
    assert name == "Cookie"
    assert await status(world, world.url(world.pop, "/members/index.html"),
                        headers={name: value}) == 200
    assert await status(world, world.url(world.pop, "/members/login.html?x=1"),
                        headers={name: value}) == 200


def test_sign_cookies_prints_set_cookie_lines() -> None:
    lines = minted("sign-cookies", "http://127.0.0.1:8080/members/*", "--set-cookie").splitlines()
    assert [line.split("=", 1)[0] for line in lines] == [
        "Set-Cookie: CloudFront-Policy", "Set-Cookie: CloudFront-Signature",
        "Set-Cookie: CloudFront-Key-Pair-Id"]
    assert all(line.endswith("; Path=/; HttpOnly") for line in lines)
    canned = minted("sign-cookies", "http://127.0.0.1:8080/members/", "--policy", "canned")
    assert canned.startswith("Cookie: CloudFront-Expires=")


def test_token_hs256_verifies_with_pyjwt() -> None:
    token = minted("token", "--secret", SECRET, "--audience", "members", "--subject", "alice",
                   "--expires", "+600")
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="members")
    assert claims["sub"] == "alice"
    assert 590 <= claims["exp"] - claims["iat"] <= 600
    with pytest.raises(jwt.InvalidAudienceError):
        jwt.decode(token, SECRET, algorithms=["HS256"], audience="admins")


def test_token_rs256_with_the_demo_or_an_own_key(own_key: tuple[Path, str]) -> None:
    token = minted("token", "--audience", "members", "--subject", "bob")
    assert jwt.get_unverified_header(token)["kid"] == DEMO_KEY_PAIR_ID
    demo_public = Path(DEMO_PUBLIC_KEY).read_text()
    assert jwt.decode(token, demo_public, algorithms=["RS256"], audience="members")["sub"] == "bob"
    own = minted("token", "--private-key", str(own_key[0]), "--expires", "+60")
    assert "exp" in jwt.decode(own, own_key[1], algorithms=["RS256"])
    expired = minted("token", "--secret", SECRET, "--expires", str(int(time.time()) - 10))
    with pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(expired, SECRET, algorithms=["HS256"])


@pytest.mark.parametrize(("args", "message"), [
    (["sign-url", "http://x/a", "--private-key", "k.pem"],
     "--key-pair-id: expected a value, since --private-key is given"),
    (["sign-url", "http://x/a", "--expires", "tomorrow"], "--expires: expected epoch seconds"),
    (["sign-url", "ftp://x/a"], "expected an http:// or https:// URL"),
    (["sign-url", "http://x/a?Expires=1"], "without CloudFront's signing parameters"),
    (["sign-url", "http://x/*"], "--policy: expected custom for a URL pattern"),
    (["sign-url", "http://x/a", "--policy", "canned", "--ip", "192.0.2.1"],
     "--ip: expected no custom-policy option with --policy canned"),
    (["sign-url", "http://x/a", "--key-pair-id", "K", "--private-key", "/nonexistent.pem"],
     "--private-key: expected a readable PEM private key file"),
    (["token", "--private-key", DEMO_PUBLIC_KEY], "expected an unencrypted PEM private key"),
])
def test_mistakes_are_one_line_and_exit_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(args) == 2
    error = capsys.readouterr().err
    assert message in error
    assert error.count("\n") == 1
