"""`edgesim sign-url`, `sign-cookies` and `token`: test credentials for a protected behavior.

Signed URLs and cookies are made as CloudFront's signers make them (spec §6.5): a policy, its
RSA-SHA1 signature, both in CloudFront's URL-safe base64. Tokens are JWTs (HS256 with a shared
secret, RS256 with a private key) for edge functions that check them.

Without `--private-key` the commands sign with the demo key pair shipped in `edge/defaults/`
(public test material, trusted by the default world's `[[public_keys]]`), so a protected page
of the default world opens with no setup.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from datetime import UTC, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any

from edge.config.checks import At
from edge.http.signed_requests import QUERY_PARAMETERS, canned_policy, url_safe_b64encode

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

__all__ = [
    "DEMO_KEY_PAIR_ID",
    "add_sign_cookies_arguments",
    "add_sign_url_arguments",
    "add_token_arguments",
    "custom_policy",
    "demo_private_key_path",
    "expiry",
    "sign_cookies_command",
    "sign_url_command",
    "signed_cookies",
    "signed_url",
    "token_command",
]

DEMO_KEY_PAIR_ID = "KEDGESIMDEMO01"  # the default world's [[public_keys]] id for the demo key

_RELATIVE = re.compile(r"\+(\d+)([smhd]?)")
_UNITS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}
_EXPIRES_HELP = "epoch seconds, +SECONDS from now (+90m, +2h, +7d too), or an ISO 8601 time"


MEMBERS_AUDIENCE = "edgesim-members"  # the `aud` the sample site's members function accepts
MEMBERS_TOKEN_SECONDS = 3600


class MembersToken:
    """A simulated viewer's token for the sample site's members area (RS256, the demo key),
    made on its first members' request and made again shortly before it expires, however long
    a load test runs."""

    def __init__(self, key: RSAPrivateKey, subject: str) -> None:
        self._key = key
        self._subject = subject
        self._token = ""
        self._expires = 0

    def get(self, now: float) -> str:
        if now > self._expires - 60:
            import jwt

            issued = int(now)
            claims = {"sub": self._subject, "aud": MEMBERS_AUDIENCE, "iat": issued,
                      "exp": issued + MEMBERS_TOKEN_SECONDS}
            self._token = jwt.encode(claims, self._key, algorithm="RS256",
                                     headers={"kid": DEMO_KEY_PAIR_ID})
            self._expires = issued + MEMBERS_TOKEN_SECONDS
        return self._token


def demo_signing_key() -> RSAPrivateKey:
    """edgesim's demo private key (parsing it takes longer than signing: load it once)."""
    return _private_key(demo_private_key_path(), "the demo key")


def demo_private_key_path() -> str:
    return str(resources.files("edge") / "defaults" / "demo-signing-key.pem")


def expiry(text: str, now: float, option: str = "--expires") -> int:
    """An absolute time in epoch seconds from `1767225600`, `+3600`, `+2h` or an ISO 8601
    time (`2026-12-31T23:00:00Z`; UTC when it names no offset)."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    if m := _RELATIVE.fullmatch(text):
        return int(now) + int(m[1]) * _UNITS[m[2]]
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise At("command line", option).fail(_EXPIRES_HELP, repr(text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp())


def custom_policy(
    resource: str, expires: int, not_before: int | None = None, source_ip: str | None = None
) -> bytes:
    """A custom policy, whitespace-free: `resource` may use `*` and `?` wildcards."""
    condition: dict[str, Any] = {"DateLessThan": {"AWS:EpochTime": expires}}
    if not_before is not None:
        condition["DateGreaterThan"] = {"AWS:EpochTime": not_before}
    if source_ip is not None:
        condition["IpAddress"] = {"AWS:SourceIp": source_ip}
    statement = {"Resource": resource, "Condition": condition}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def _signature(policy: bytes, private_key: RSAPrivateKey) -> str:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    return url_safe_b64encode(private_key.sign(policy, padding.PKCS1v15(), hashes.SHA1()))


def signed_url(
    url: str, key_pair_id: str, private_key: RSAPrivateKey, expires: int,
    policy: bytes | None = None,
) -> str:
    """`url` with the signing parameters appended: a canned policy when `policy` is None."""
    if policy is None:
        first = f"Expires={expires}"
        signature = _signature(canned_policy(url, expires), private_key)
    else:
        first = f"Policy={url_safe_b64encode(policy)}"
        signature = _signature(policy, private_key)
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}{first}&Signature={signature}&Key-Pair-Id={key_pair_id}"


def signed_cookies(
    url: str, key_pair_id: str, private_key: RSAPrivateKey, expires: int,
    policy: bytes | None = None,
) -> list[tuple[str, str]]:
    """The three `CloudFront-*` cookies, (name, value); canned (one URL) when `policy` is None."""
    if policy is None:
        first = ("CloudFront-Expires", str(expires))
        signature = _signature(canned_policy(url, expires), private_key)
    else:
        first = ("CloudFront-Policy", url_safe_b64encode(policy))
        signature = _signature(policy, private_key)
    return [first, ("CloudFront-Signature", signature), ("CloudFront-Key-Pair-Id", key_pair_id)]


# ---------------------------------------------------------------------------------------------
# The commands


def _signing_arguments(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--key-pair-id", metavar="ID",
                   help=f"the public key id the behavior trusts (default: the demo key's, "
                        f"{DEMO_KEY_PAIR_ID})")
    p.add_argument("--private-key", metavar="FILE",
                   help="PEM RSA private key (default: edgesim's demo key)")
    p.add_argument("--expires", default="+3600", metavar="WHEN",
                   help=f"when the {what} stops working: {_EXPIRES_HELP} (default +3600)")
    p.add_argument("--policy", choices=("canned", "custom"),
                   help="canned: this exact URL until --expires; custom: a policy with "
                        "--resource, --ip, --not-before (chosen when any of them is given)")
    p.add_argument("--resource", metavar="PATTERN",
                   help="custom policy: the URLs it covers, with * and ? wildcards")
    p.add_argument("--ip", metavar="CIDR",
                   help="custom policy: only viewers from these addresses ('192.0.2.0/24')")
    p.add_argument("--not-before", metavar="WHEN",
                   help="custom policy: not valid before this time (same forms as --expires)")


def add_sign_url_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL",
                   help="the URL as viewers will request it, e.g. http://127.0.0.1:8080/members/")
    _signing_arguments(p, "URL")


def add_sign_cookies_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("url", metavar="URL-OR-PATTERN",
                   help="the URLs the cookies open, with * and ? wildcards "
                        "(e.g. 'http://127.0.0.1:8080/members/*')")
    _signing_arguments(p, "cookies")
    p.add_argument("--set-cookie", action="store_true",
                   help="print the Set-Cookie lines a login page would send, instead of one "
                        "Cookie header line for curl -H")


def add_token_arguments(p: argparse.ArgumentParser) -> None:
    key = p.add_mutually_exclusive_group()
    key.add_argument("--secret", help="sign HS256 with this shared secret")
    key.add_argument("--private-key", metavar="FILE",
                     help="sign RS256 with this PEM RSA private key (default: edgesim's demo "
                          "key, with kid " + DEMO_KEY_PAIR_ID + ")")
    p.add_argument("--subject", metavar="SUB", help="the `sub` claim")
    p.add_argument("--audience", metavar="AUD", help="the `aud` claim")
    p.add_argument("--expires", default="+3600", metavar="WHEN",
                   help=f"the `exp` claim: {_EXPIRES_HELP} (default +3600)")


def sign_url_command(args: argparse.Namespace) -> int:
    now = time.time()
    _check_url(args.url, "URL")
    key_pair_id, private_key = _signer(args)
    expires, policy = _policy(args, args.url, now)
    print(signed_url(args.url, key_pair_id, private_key, expires, policy))
    return 0


def sign_cookies_command(args: argparse.Namespace) -> int:
    now = time.time()
    _check_url(args.url, "URL-OR-PATTERN")
    if args.policy is None:
        args.policy = "custom"  # cookies usually open many URLs; canned covers exactly one
    key_pair_id, private_key = _signer(args)
    expires, policy = _policy(args, args.url, now)
    cookies = signed_cookies(args.url, key_pair_id, private_key, expires, policy)
    if args.set_cookie:
        for name, value in cookies:
            print(f"Set-Cookie: {name}={value}; Path=/; HttpOnly")
    else:
        print("Cookie: " + "; ".join(f"{name}={value}" for name, value in cookies))
    return 0


def token_command(args: argparse.Namespace) -> int:
    import jwt

    now = int(time.time())
    claims: dict[str, Any] = {"iat": now, "exp": expiry(args.expires, now)}
    if args.subject is not None:
        claims["sub"] = args.subject
    if args.audience is not None:
        claims["aud"] = args.audience
    if args.secret is not None:
        print(jwt.encode(claims, args.secret, algorithm="HS256"))
        return 0
    if args.private_key is None:
        private_key = _private_key(demo_private_key_path(), "--private-key")
        print(jwt.encode(claims, private_key, algorithm="RS256",
                         headers={"kid": DEMO_KEY_PAIR_ID}))
        return 0
    print(jwt.encode(claims, _private_key(args.private_key, "--private-key"), algorithm="RS256"))
    return 0


def _check_url(url: str, name: str) -> None:
    at = At("command line", name)
    if not url.startswith(("http://", "https://")):
        raise at.fail("an http:// or https:// URL", repr(url))
    query = url.partition("?")[2]
    for piece in query.split("&"):
        if piece.split("=", 1)[0] in QUERY_PARAMETERS:
            raise at.fail("a URL without CloudFront's signing parameters (Expires, Policy, "
                          "Signature, Key-Pair-Id)", repr(url))


def _signer(args: argparse.Namespace) -> tuple[str, RSAPrivateKey]:
    if (args.key_pair_id is None) != (args.private_key is None):
        given, missing = (("--key-pair-id", "--private-key") if args.private_key is None
                          else ("--private-key", "--key-pair-id"))
        raise At("command line", missing).fail(f"a value, since {given} is given", "nothing")
    if args.private_key is None:
        return DEMO_KEY_PAIR_ID, _private_key(demo_private_key_path(), "--private-key")
    return args.key_pair_id, _private_key(args.private_key, "--private-key")


def _private_key(path: str, option: str) -> RSAPrivateKey:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    at = At("command line", option)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise at.fail("a readable PEM private key file", f"{path}: {error.strerror}") from None
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        raise at.fail("an unencrypted PEM private key", f"{path}: not one") from None
    if not isinstance(key, RSAPrivateKey):
        raise at.fail("an RSA private key", f"{path}: another kind of key")
    return key


def _policy(args: argparse.Namespace, url: str, now: float) -> tuple[int, bytes | None]:
    """The expiry, and the custom policy (None: canned) the options ask for."""
    expires = expiry(args.expires, now)
    custom_options = [name for name, value in (("--resource", args.resource), ("--ip", args.ip),
                                               ("--not-before", args.not_before)) if value]
    if args.policy == "canned" or (args.policy is None and not custom_options):
        if custom_options:
            raise At("command line", custom_options[0]).fail(
                "no custom-policy option with --policy canned", "one")
        if "*" in url:
            raise At("command line", "--policy").fail(
                "custom for a URL pattern (a canned policy covers one exact URL)", "canned")
        return expires, None
    not_before = None if args.not_before is None else expiry(args.not_before, now, "--not-before")
    source_ip = None
    if args.ip is not None:
        import ipaddress

        try:
            source_ip = str(ipaddress.ip_network(args.ip, strict=False))
        except ValueError:
            raise At("command line", "--ip").fail("an address or CIDR block like "
                                                  "'192.0.2.0/24'", repr(args.ip)) from None
    return expires, custom_policy(args.resource or url, expires, not_before, source_ip)
