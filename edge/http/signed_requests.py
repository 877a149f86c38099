"""Signed URLs and signed cookies (spec §6.5): is this request one a trusted key signed?

Pure decisions, no I/O: the node gives the request's parts, the behavior's trusted keys, the
viewer's address and the time, and gets back None (serve it) or the `Refusal` CloudFront answers
with, a 403 whose XML body names the problem.

Where the credentials come from: the query string when it carries any of `Expires`, `Policy`,
`Signature` or `Key-Pair-Id` (a signed URL), else the `CloudFront-*` cookies. So a signed URL
wins over signed cookies the viewer also sends.

What was signed: a policy, whose `Resource` is a URL. For a canned policy (`Expires`) the policy
is not sent; it is rebuilt here exactly as signers build it, around the request's own URL. That
URL is `http://` + the viewer's `Host` + the path + the query string less the signing
parameters, in the order sent: CloudFront compares with the domain name the viewer used (the
distribution's or an alternate one), which for edgesim is the address the viewer typed.
"""

from __future__ import annotations

import base64
import binascii
import functools
import ipaddress
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from edge.http.key_parameters import cookie_pairs, query_pairs
from edge.http.message import Headers

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

__all__ = [
    "ACCESS_DENIED",
    "MALFORMED_POLICY",
    "MALFORMED_SIGNATURE",
    "MISSING_KEY",
    "QUERY_PARAMETERS",
    "UNKNOWN_KEY",
    "Refusal",
    "canned_policy",
    "check_signed_request",
    "url_safe_b64decode",
    "url_safe_b64encode",
]

QUERY_PARAMETERS = frozenset({"Expires", "Policy", "Signature", "Key-Pair-Id"})
_COOKIES = {
    "CloudFront-Expires": "Expires",
    "CloudFront-Policy": "Policy",
    "CloudFront-Signature": "Signature",
    "CloudFront-Key-Pair-Id": "Key-Pair-Id",
}


@dataclass(frozen=True, slots=True)
class Refusal:
    """CloudFront's answer to a request it cannot trust: 403, `text/xml`, code and message."""

    code: str
    message: str

    @property
    def body(self) -> bytes:
        return (f'<?xml version="1.0" encoding="UTF-8"?><Error><Code>{self.code}</Code>'
                f"<Message>{self.message}</Message></Error>").encode()


# The codes and messages CloudFront answers with [doc/obs].
MISSING_KEY = Refusal("MissingKey", "Missing Key-Pair-Id query parameter or cookie value")
UNKNOWN_KEY = Refusal("InvalidKey", "Unknown Key")
MALFORMED_POLICY = Refusal("MalformedPolicy", "Malformed Policy")
MALFORMED_SIGNATURE = Refusal("MalformedSignature", "Could not unencode Signature")
ACCESS_DENIED = Refusal("AccessDenied", "Access denied")  # expired, bad signature, not allowed


# URL-safe base64 as CloudFront defines it: `+`→`-`, `=`→`_`, `/`→`~` (not RFC 4648's form).
_TO_URL_SAFE = bytes.maketrans(b"+=/", b"-_~")
_FROM_URL_SAFE = bytes.maketrans(b"-_~", b"+=/")


def url_safe_b64encode(data: bytes) -> str:
    return base64.b64encode(data).translate(_TO_URL_SAFE).decode("ascii")


def url_safe_b64decode(text: str) -> bytes:
    """Raises ValueError for anything that is not CloudFront's URL-safe base64."""
    try:
        return base64.b64decode(text.encode("ascii").translate(_FROM_URL_SAFE), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ValueError("not URL-safe base64") from None


def canned_policy(resource: str, expires: int) -> bytes:
    """The policy a canned signature signs: whitespace-free, keys in this order."""
    statement = {"Resource": resource, "Condition": {"DateLessThan": {"AWS:EpochTime": expires}}}
    return json.dumps({"Statement": [statement]}, separators=(",", ":")).encode()


def check_signed_request(
    keys: Mapping[str, RSAPublicKey],
    host: str,
    path: str,
    query: str,
    headers: Headers,
    client_ip: str,
    now: float,
) -> Refusal | None:
    """None when the request carries a valid signature by one of `keys` whose policy allows
    this URL, this viewer address and this time; else CloudFront's refusal.

    `path` and `query` are raw, as the viewer sent them; `headers` are searched for the
    `CloudFront-*` cookies only when the query has no signing parameter.
    """
    pairs = query_pairs(query)
    signed: dict[str, str] = {}
    for name, piece in pairs:
        if name in QUERY_PARAMETERS:
            signed.setdefault(name, unquote(piece.partition("=")[2]))
    if signed:
        query = "&".join(piece for name, piece in pairs if name not in QUERY_PARAMETERS)
    else:
        for name, piece in cookie_pairs(headers):
            if name in _COOKIES:
                signed.setdefault(_COOKIES[name], piece.partition("=")[2].strip('"'))
    key_id = signed.get("Key-Pair-Id")
    if not key_id:
        return MISSING_KEY
    key = keys.get(key_id)
    if key is None:
        return UNKNOWN_KEY
    url = f"http://{host}{path}?{query}" if query else f"http://{host}{path}"
    if "Policy" in signed:
        try:
            policy = url_safe_b64decode(signed["Policy"])
            conditions = _custom_policy(json.loads(policy))
        except ValueError:  # bad base64 or JSON (UnicodeDecodeError is a ValueError too)
            return MALFORMED_POLICY
        if conditions is None:
            return MALFORMED_POLICY
    elif (expires := signed.get("Expires", "")).isdigit():
        policy = canned_policy(url, int(expires))
        conditions = _Conditions(None, int(expires))
    else:
        return ACCESS_DENIED  # neither policy: nothing says what was signed
    try:
        signature = url_safe_b64decode(signed.get("Signature", ""))
    except ValueError:
        return MALFORMED_SIGNATURE
    if not _verifies(key, signature, policy):
        return ACCESS_DENIED
    return None if conditions.allow(url, client_ip, now) else ACCESS_DENIED


def _verifies(key: RSAPublicKey, signature: bytes, policy: bytes) -> bool:
    """RSA-SHA1, PKCS#1 v1.5. (cryptography is imported here, on the first signed request,
    so that the commands that only build policies start without it.)"""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    try:
        key.verify(signature, policy, padding.PKCS1v15(), hashes.SHA1())
    except InvalidSignature:
        return False
    return True


@dataclass(frozen=True, slots=True)
class _Conditions:
    """A policy's one statement: what it covers, from when until when, from where."""

    resource: str | None  # None: any URL (a canned policy's is in the signature itself)
    less_than: int
    greater_than: int | None = None
    source: ipaddress.IPv4Network | ipaddress.IPv6Network | None = None

    def allow(self, url: str, client_ip: str, now: float) -> bool:
        """Checked once, at the start of the request: a download outliving the expiry ends."""
        if not now < self.less_than:
            return False
        if self.greater_than is not None and not now > self.greater_than:
            return False
        if self.source is not None:
            try:
                if ipaddress.ip_address(client_ip) not in self.source:
                    return False
            except ValueError:
                return False
        return self.resource is None or _resource_pattern(self.resource).fullmatch(url) is not None


def _custom_policy(policy: Any) -> _Conditions | None:
    """A custom policy's statement, if it has the shape CloudFront accepts: one statement, an
    optional string `Resource`, conditions among DateLessThan (required), DateGreaterThan and
    IpAddress, each with a well-formed value."""
    if not isinstance(policy, dict) or not isinstance(statements := policy.get("Statement"), list):
        return None
    if len(statements) != 1 or not isinstance(statement := statements[0], dict):
        return None
    resource = statement.get("Resource")
    condition = statement.get("Condition")
    if (resource is not None and not isinstance(resource, str)) or \
            not isinstance(condition, dict) or \
            not set(condition) <= {"DateLessThan", "DateGreaterThan", "IpAddress"}:
        return None
    less_than = _value(condition.get("DateLessThan"), "AWS:EpochTime")
    greater_than = _value(condition.get("DateGreaterThan", {"AWS:EpochTime": 0}), "AWS:EpochTime")
    source = _value(condition.get("IpAddress", {"AWS:SourceIp": "::/0"}), "AWS:SourceIp")
    if not _is_epoch(less_than) or not _is_epoch(greater_than) or not isinstance(source, str):
        return None
    try:
        network = ipaddress.ip_network(source, strict=False)
    except ValueError:
        return None
    return _Conditions(resource, less_than, greater_than if "DateGreaterThan" in condition
                       else None, network if "IpAddress" in condition else None)


def _value(condition: Any, key: str) -> Any:
    """The value of a one-key condition (`{"AWS:EpochTime": 1700000000}`), else None."""
    if isinstance(condition, dict) and set(condition) == {key}:
        return condition[key]
    return None


def _is_epoch(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


@functools.lru_cache(maxsize=256)
def _resource_pattern(resource: str) -> re.Pattern[str]:
    """`*` matches any characters (none too), `?` exactly one; all else literally."""
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in resource)
    return re.compile("".join(parts), re.DOTALL)
