"""Members only: a viewer-request function that lets a request into /members/ only with a
valid JSON Web Token, signed with HS256 or RS256, not expired, and issued for this site. It
also answers the sign-in form (POST /members/login, with "Include body" on the association):
the right password gets a one-hour HS256 token in the `session` cookie, and the origin never
sees the password.

The token comes from `Authorization: Bearer <token>` or, for browsers, the `session` cookie.
  no token                                -> 302 to the sign-in page (which stays reachable)
  malformed, bad signature, expired       -> 401: the viewer must sign in (again)
  genuine and current, but for another
  audience                                -> 403: signing in again would not help
(RFC 6750 §3.1 counts an expired token as `invalid_token`, answered with 401.)

Only the standard library: a viewer-trigger deployment package may be 1 MB compressed, and the
`cryptography` package that PyJWT needs for RS256 is about 5 MB. An RS256 signature is checked
the way RFC 8017 §8.2.2 recommends: rebuild the expected PKCS#1 v1.5 encoding and compare,
never parse what the signature decrypts to.
"""

import base64
import hashlib
import hmac
import json
import time
import urllib.parse

COOKIE = "session"
AUDIENCE = "edgesim-members"
LOGIN_PAGE = "/members/login.html"
LOGIN_FORM = "/members/login"
REALM = "members"
SESSION_SECONDS = 3600
# DEMO: every user name signs in with this password. A real site checks a user store instead.
DEMO_PASSWORD = "edge"

# DEMO KEYS, published on purpose so that anyone can try the members area: replace both before
# protecting anything real. Lambda@Edge has no environment variables, so keys live in the code
# (or are fetched once per environment from a secret store).
HS256_SECRET = b"edgesim demo HS256 secret: public, never use it for real"
# The public half of edgesim's demo key pair (edge/defaults/demo-signing-key.pem, which
# `edgesim token` signs with), as a JWK: the form an identity provider publishes.
RS256_PUBLIC_KEY = {
    "kty": "RSA",
    "e": "AQAB",
    "n": "t31ENRbSZyoYgQaY09FW30iTNYRRELnp6v56wZGNmuz9-RolYNigYwUX1bFN6VV5AMNYjqwf"
         "IU1WKl-XfNlT2k09Q6om6DMuCXSKLUW7WjbZ-R2ZCMPxNDsU_bGd2G0iz0nZW4SDLXKVezfv"
         "TsvmNE2qhPUROUYopySO9rQHIwq50XcBomL5c6KcqHD5toDehakkahYbxtJnf1gFCtkmqXr6"
         "st1X2bXnu-ZYBba8g1d340rgiedly4xozbg9RPRkavudoAdetkvdtVcc_JiLcPgbu89JdMwE"
         "xkj7GaoB2VxPXNp4fb3MXpTDQfUsdmjwp0xow4WHgSmwPI-zaIt8EQ",
}
# DER prefix of a PKCS#1 DigestInfo holding a SHA-256 digest (RFC 8017 §9.2, note 1).
SHA256_DIGEST_INFO = bytes.fromhex("3031300d060960864801650304020105000420")
BASE64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
REASONS = {401: "Unauthorized", 403: "Forbidden"}


class Refused(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    if request["uri"] == LOGIN_PAGE:
        return request
    if request["uri"] == LOGIN_FORM and request["method"] == "POST":
        return _sign_in(request)
    token = _token(request["headers"])
    if token is None:
        return {
            "status": "302",
            "statusDescription": "Found",
            "headers": {
                "location": [{"key": "Location", "value": LOGIN_PAGE}],
                "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
            },
        }
    try:
        _verify(token)
    except Refused as refused:
        return _refusal(refused)
    return request


def _sign_in(request):
    """Answer the sign-in form: a session cookie and back to the members area, or a 401."""
    body = request.get("body", {})
    form = urllib.parse.parse_qs(base64.b64decode(body.get("data", "")).decode("utf-8", "replace"))
    user = form.get("username", [""])[0].strip()
    if not user or form.get("password", [""])[0] != DEMO_PASSWORD:
        return _refusal(Refused(401, "wrong user name or password"))
    now = int(time.time())
    token = _hs256_token({"sub": user, "aud": AUDIENCE, "iat": now, "exp": now + SESSION_SECONDS})
    cookie = f"{COOKIE}={token}; Path=/members; Max-Age={SESSION_SECONDS}; HttpOnly; SameSite=Lax"
    return {
        "status": "302",
        "statusDescription": "Found",
        "headers": {
            "location": [{"key": "Location", "value": "/members/"}],
            "set-cookie": [{"key": "Set-Cookie", "value": cookie}],
            "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
        },
    }


def _hs256_token(claims):
    def part(value):
        text = json.dumps(value, separators=(",", ":")).encode()
        return base64.urlsafe_b64encode(text).rstrip(b"=").decode()

    signed = f"{part({'alg': 'HS256', 'typ': 'JWT'})}.{part(claims)}"
    signature = hmac.digest(HS256_SECRET, signed.encode(), "sha256")
    return f"{signed}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


def _token(headers):
    for header in headers.get("authorization", []):
        scheme, _, credentials = header["value"].partition(" ")
        if scheme.lower() == "bearer" and credentials.strip():
            return credentials.strip()
    for header in headers.get("cookie", []):
        for pair in header["value"].split(";"):
            name, _, value = pair.strip().partition("=")
            if name == COOKIE and value:
                return value
    return None


def _verify(token):
    """Raise Refused unless `token` is a genuine, current JWT for AUDIENCE."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header = json.loads(_unbase64(header_part))
        claims = json.loads(_unbase64(payload_part))
        signature = _unbase64(signature_part)
    except ValueError:  # wrong number of parts, bad base64, bad JSON
        raise Refused(401, "the token is malformed") from None
    if not isinstance(header, dict) or not isinstance(claims, dict):
        raise Refused(401, "the token is malformed")
    signed = f"{header_part}.{payload_part}".encode()
    # The algorithm decides which key checks the signature, and only these two are accepted:
    # never "none", and never the RSA public key used as an HMAC secret.
    algorithm = header.get("alg")
    if algorithm == "HS256":
        valid = hmac.compare_digest(hmac.digest(HS256_SECRET, signed, "sha256"), signature)
    elif algorithm == "RS256":
        valid = _rs256_valid(signed, signature)
    else:
        raise Refused(401, "the token is signed neither with HS256 nor with RS256")
    if not valid:
        raise Refused(401, "the token's signature is not valid")
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or isinstance(expires, bool):
        raise Refused(401, "the token has no expiry time (exp)")
    if time.time() >= expires:
        raise Refused(401, "the token has expired")
    audience = claims.get("aud")
    if audience != AUDIENCE and not (isinstance(audience, list) and AUDIENCE in audience):
        raise Refused(403, f"the token is not for this site (its audience is not {AUDIENCE!r})")


def _rs256_valid(signed, signature):
    n = int.from_bytes(_unbase64(RS256_PUBLIC_KEY["n"]), "big")
    e = int.from_bytes(_unbase64(RS256_PUBLIC_KEY["e"]), "big")
    size = (n.bit_length() + 7) // 8
    if len(signature) != size or int.from_bytes(signature, "big") >= n:
        return False
    decrypted = pow(int.from_bytes(signature, "big"), e, n).to_bytes(size, "big")
    digest_info = SHA256_DIGEST_INFO + hashlib.sha256(signed).digest()
    expected = b"\x00\x01" + b"\xff" * (size - len(digest_info) - 3) + b"\x00" + digest_info
    return hmac.compare_digest(decrypted, expected)


def _unbase64(text):
    """Base64url without padding (RFC 7515 §2); raises ValueError when it is not."""
    if not set(text) <= BASE64URL:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _refusal(refused):
    reason = REASONS[refused.status]
    headers = {
        "content-type": [{"key": "Content-Type", "value": "text/plain; charset=utf-8"}],
        "cache-control": [{"key": "Cache-Control", "value": "no-store"}],
    }
    if refused.status == 401:  # a 401 must say how to authenticate (RFC 9110 §15.5.2)
        challenge = f'Bearer realm="{REALM}", error="invalid_token", error_description="{refused}"'
        headers["www-authenticate"] = [{"key": "WWW-Authenticate", "value": challenge}]
    return {
        "status": str(refused.status),
        "statusDescription": reason,
        "headers": headers,
        "body": f"{refused.status} {reason}: {refused}. Sign in at {LOGIN_PAGE}\n",
    }
