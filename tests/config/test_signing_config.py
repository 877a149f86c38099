"""`[[public_keys]]`, `[[key_groups]]` and `trusted_key_groups` (spec §6.5): read once, with
CloudFront's requirements and quotas, and mistakes reported with their key path."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from edge.config import ConfigError, default_config_path, parse_config
from edge.credentials import DEMO_KEY_PAIR_ID

DEMO_PUBLIC_KEY = "demo-signing-key.pub.pem"


def pem(key: Any) -> str:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


@pytest.fixture(scope="module")
def key_pem() -> str:
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture
def world() -> dict[str, Any]:
    """The default world with the demo key, from its file, trusted on `/members/*` alone."""
    with open(default_config_path(), "rb") as f:
        data = tomllib.load(f)
    for behavior in data["behaviors"]:
        behavior.pop("trusted_key_groups", None)
    data["public_keys"] = [{"id": DEMO_KEY_PAIR_ID, "key_file": DEMO_PUBLIC_KEY}]
    data["key_groups"] = [{"id": "members", "items": [DEMO_KEY_PAIR_ID]}]
    members = next(b for b in data["behaviors"] if b["path_pattern"] == "/members/*")
    members["trusted_key_groups"] = ["members"]
    return data


def test_the_demo_key_file_is_found_next_to_the_default_config(world: dict[str, Any]) -> None:
    config = parse_config(world, default_config_path())
    trusted = {b.path_pattern: b.trusted_key_groups for b in config.distribution.behaviors}
    members = trusted.pop("/members/*")
    assert members is not None
    assert members.groups == ("members",)
    assert list(members.keys) == [DEMO_KEY_PAIR_ID]
    assert set(trusted.values()) == {None}


def test_keys_of_all_groups_are_trusted(world: dict[str, Any], key_pem: str) -> None:
    world["public_keys"].append({"id": "KSECOND", "encoded_key": key_pem})
    world["key_groups"].append({"id": "partners", "items": ["KSECOND"]})
    world["behaviors"][0]["trusted_key_groups"] = ["members", "partners"]
    behavior = parse_config(world, default_config_path()).distribution.behaviors[0]
    assert behavior.trusted_key_groups is not None
    assert list(behavior.trusted_key_groups.keys) == [DEMO_KEY_PAIR_ID, "KSECOND"]


def small_rsa() -> str:
    return pem(rsa.generate_private_key(public_exponent=65537, key_size=1024))


def ec_key() -> str:
    return pem(ec.generate_private_key(ec.SECP256R1()))


def members(w: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in w["behaviors"] if b["path_pattern"] == "/members/*")


def public_key(**fields: Any) -> Any:
    return lambda w: w["public_keys"].append(fields)


@pytest.mark.parametrize(("change", "key", "expected"), [
    (public_key(id="KX", encoded_key="not a key"), "public_keys[1].encoded_key",
     "a PEM public key"),
    (lambda w: public_key(id="KX", encoded_key=small_rsa())(w),
     "public_keys[1].encoded_key", "a 2048-bit RSA key"),
    (lambda w: public_key(id="KX", encoded_key=ec_key())(w),
     "public_keys[1].encoded_key", "an RSA public key"),
    (public_key(id="KX", key_file="missing.pem"), "public_keys[1].key_file",
     "an existing PEM file"),
    (public_key(id="KX"), "public_keys[1]", "exactly one of encoded_key or key_file"),
    (public_key(id="K X", key_file=DEMO_PUBLIC_KEY), "public_keys[1].id",
     "an id of letters and digits"),
    (public_key(id=DEMO_KEY_PAIR_ID, key_file=DEMO_PUBLIC_KEY), "public_keys[1].id",
     "not already used"),
    (lambda w: w["key_groups"][0].update(items=["KNOPE"]), "key_groups[0].items[0]",
     "a public key id"),
    (lambda w: w["key_groups"][0].update(items=[DEMO_KEY_PAIR_ID] * 6), "key_groups[0].items",
     "at most 5 ids"),
    (lambda w: w["key_groups"][0].update(items=[]), "key_groups[0].items", "a non-empty array"),
    (lambda w: members(w).update(trusted_key_groups=["membres"]),
     "behaviors[6].trusted_key_groups[0]", "did you mean 'members'?"),
    (lambda w: members(w).update(trusted_key_groups=["members"] * 5),
     "behaviors[6].trusted_key_groups", "at most 4 ids"),
    (lambda w: members(w).update(trusted_key_groups=["members", "members"]),
     "behaviors[6].trusted_key_groups[1]", "an id not already listed"),
    (lambda w: w["public_keys"][0].update(encodedkey="x"), "public_keys[0].encodedkey",
     "did you mean 'encoded_key'?"),
])
def test_mistakes_name_their_key(world: dict[str, Any], change: Any, key: str,
                                 expected: str) -> None:
    change(world)
    with pytest.raises(ConfigError) as caught:
        parse_config(world, str(Path(default_config_path())))
    assert caught.value.key == key
    assert expected in caught.value.expected
