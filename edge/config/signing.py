"""Public keys, key groups and a behavior's `trusted_key_groups` (spec §6.5).

    [[public_keys]]
    id = "K2JCJMDEHXQW5F"                  # the Key-Pair-Id signers put in URLs and cookies
    key_file = "keys/signing.pub.pem"      # relative to the config file; or encoded_key = "..."

    [[key_groups]]
    id = "members"
    items = ["K2JCJMDEHXQW5F"]             # at most 5 public keys

    [[behaviors]]
    trusted_key_groups = ["members"]       # at most 4 groups: signed URLs or cookies required

Keys are read and checked once at start-up (CloudFront's requirements: a PEM-encoded 2048-bit
RSA public key), so a request only looks its key up by id.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from edge.config.checks import (
    At,
    Parse,
    array_of_tables,
    choices,
    name_list,
    string,
    table_fields,
)

if TYPE_CHECKING:  # cryptography is imported only by a config that has keys
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = ["KeyGroup", "TrustedKeyGroups", "key_groups", "trusted_key_groups"]

# CloudFront's quotas for trusted key groups (spec §6.5 and the developer guide's quotas).
MAX_PUBLIC_KEYS = 10
MAX_KEY_GROUPS = 10
MAX_KEYS_PER_GROUP = 5
MAX_GROUPS_PER_BEHAVIOR = 4
KEY_SIZE = 2048

_KEY_ID = re.compile(r"[A-Za-z0-9]+")


@dataclass(frozen=True, slots=True)
class KeyGroup:
    """A named set of public keys a behavior can trust (CloudFront's `KeyGroup`)."""

    id: str
    keys: tuple[tuple[str, RSAPublicKey], ...]  # (public key id, key), in the file's order


@dataclass(frozen=True, slots=True)
class TrustedKeyGroups:
    """What a behavior with restricted viewer access verifies signatures with: the public
    keys of all its key groups, by the id a signed URL or cookie names (`Key-Pair-Id`)."""

    groups: tuple[str, ...]
    keys: Mapping[str, RSAPublicKey]


def _key_id(value: object, at: At) -> str:
    text = string(value, at)
    if not _KEY_ID.fullmatch(text):
        raise at.wrong("an id of letters and digits like 'K2JCJMDEHXQW5F'", value)
    return text


def _public_key(pem: str, at: At) -> RSAPublicKey:
    from cryptography.exceptions import UnsupportedAlgorithm
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    try:
        key = load_pem_public_key(pem.encode())
    except (ValueError, UnsupportedAlgorithm):
        raise at.fail("a PEM public key ('-----BEGIN PUBLIC KEY-----' ...)",
                      "text that is not one") from None
    if not isinstance(key, RSAPublicKey):
        raise at.fail("an RSA public key (CloudFront signs with RSA-SHA1)",
                      f"a {type(key).__name__.removeprefix('_')}")
    if key.key_size != KEY_SIZE:
        raise at.fail(f"a {KEY_SIZE}-bit RSA key (CloudFront's requirement)",
                      f"a {key.key_size}-bit key")
    return key


def _encoded_key(value: object, at: At) -> RSAPublicKey:
    return _public_key(string(value, at), at)


def _key_file(base: Path) -> Any:
    def parse(value: object, at: At) -> RSAPublicKey:
        name = string(value, at)
        try:
            pem = (base / name).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise at.fail("an existing PEM file (relative to the config file)",
                          f"no such file: {name}") from None
        except (OSError, UnicodeDecodeError) as error:
            raise at.fail("a readable PEM file", f"{name}: {error}") from None
        return _public_key(pem, at)

    return parse


def _public_keys(value: object, at: At, base: Path) -> dict[str, RSAPublicKey]:
    keys: dict[str, RSAPublicKey] = {}
    for i, body in enumerate(array_of_tables(value, at, MAX_PUBLIC_KEYS)):
        where = at.item(i)
        fields = table_fields(body, where, {
            "id": _key_id,
            "encoded_key": _encoded_key,
            "key_file": _key_file(base),
        }, ("id",))
        sources = [k for k in ("encoded_key", "key_file") if k in fields]
        if len(sources) != 1:
            raise where.fail("exactly one of encoded_key or key_file",
                             " and ".join(sources) or "neither")
        if fields["id"] in keys:
            raise where.field("id").wrong("an id not already used by another public key",
                                          fields["id"])
        keys[fields["id"]] = fields[sources[0]]
    return keys


def key_groups(data: Mapping[str, Any], top: At, base: Path) -> dict[str, KeyGroup]:
    """The `[[public_keys]]` and `[[key_groups]]` sections; `base` is the config's directory."""
    keys = _public_keys(data.get("public_keys", []), top.field("public_keys"), base)
    at = top.field("key_groups")
    groups: dict[str, KeyGroup] = {}
    for i, body in enumerate(array_of_tables(data.get("key_groups", []), at, MAX_KEY_GROUPS)):
        where = at.item(i)
        fields = table_fields(body, where, {"id": string, "items": _ids(MAX_KEYS_PER_GROUP)},
                              ("id", "items"))
        for j, key_id in enumerate(fields["items"]):
            if key_id not in keys:
                raise where.field("items").item(j).wrong(
                    f"a public key id ({choices(key_id, keys)})", key_id)
        if fields["id"] in groups:
            raise where.field("id").wrong("an id not already used by another key group",
                                          fields["id"])
        groups[fields["id"]] = KeyGroup(fields["id"],
                                        tuple((k, keys[k]) for k in fields["items"]))
    return groups


def _ids(limit: int) -> Parse:
    """Distinct ids, from one to `limit` of them."""
    return name_list(limit, "id", article="an", non_empty=True)


def trusted_key_groups(value: object, at: At, groups: Mapping[str, KeyGroup]) -> TrustedKeyGroups:
    """A behavior's `trusted_key_groups`: ids of `[[key_groups]]`, at most 4."""
    ids = _ids(MAX_GROUPS_PER_BEHAVIOR)(value, at)
    keys: dict[str, RSAPublicKey] = {}
    for i, group_id in enumerate(ids):
        group = groups.get(group_id)
        if group is None:
            raise at.item(i).wrong(f"a key group id ({choices(group_id, groups)})", group_id)
        keys.update(group.keys)
    return TrustedKeyGroups(ids, keys)
