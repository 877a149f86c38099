"""The identifiers CloudFront puts on every response: request id, Via token, PoP id (spec §5.1)."""

from __future__ import annotations

import binascii
import hashlib
import random

_URL_SAFE = bytes.maketrans(b"+/", b"-_")  # base64 → URL-safe base64 (RFC 4648 §5)

# How a PoP tells its regional cache which behavior it chose (the index among the
# distribution's behaviors), so both tiers apply the one chosen on the viewer's original URI.
# X-Edge-* is CloudFront's own prefix: functions can neither see nor add such a header.
BEHAVIOR_HINT = "X-Edge-Behavior"
# A regional cache asking its Origin Shield adds this to the hint ("3;shield"): the shield's
# hits are then `OriginShieldHit`s (spec §4.4).
SHIELD_HINT = ";shield"
SHIELD_LAYER = "Origin Shield"  # Server-Timing's name for the tier
# The other way: a regional cache (or Origin Shield) answering a tier of ours with its stale
# copy because the origin failed (spec §4.5) names the failure here, as its log's detailed
# result type ("OriginConnectError"), so the tier below serves a Hit and logs the same failure
# rather than a RefreshHit. Never stored, and taken off before a viewer sees it.
STALE_ON_ERROR_HINT = "X-Edge-Stale-On-Error"


def new_request_id() -> str:
    """A 56-character URL-safe base64 id ending in `==`, like a real `X-Amz-Cf-Id`.

    Unique, not secret: `random` spares every request the system call `os.urandom` makes. The
    bytes are `random.randbytes(40)`'s and the text `base64.urlsafe_b64encode`'s, without the
    two Python-level calls each of those makes on every request.
    """
    raw = random.getrandbits(320).to_bytes(40, "little")
    return binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).decode("ascii")


def via_token(node_id: str, http_version: str = "1.1") -> str:
    """`1.1 <32 hex>.cloudfront.net (CloudFront)`; the hex is stable per node, like a host name."""
    digest = hashlib.md5(node_id.encode(), usedforsecurity=False).hexdigest()
    return f"{http_version} {digest}.cloudfront.net (CloudFront)"


def is_cloudfront_via(token: str) -> bool:
    return token.strip().endswith("(CloudFront)")
