"""Signed URLs and cookies (spec §6.5), decided without a node: signatures made by botocore's
`CloudFrontSigner` (a real client) and by hand for the cases a client library would not make."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime

import pytest
from botocore.signers import CloudFrontSigner
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from multidict import CIMultiDict

from edge.http.signed_requests import (
    ACCESS_DENIED,
    MALFORMED_POLICY,
    MALFORMED_SIGNATURE,
    MISSING_KEY,
    UNKNOWN_KEY,
    canned_policy,
    check_signed_request,
    url_safe_b64decode,
    url_safe_b64encode,
)

NOW = 1_800_000_000
LATER = NOW + 3600
HOST = "d111111abcdef8.cloudfront.net"
VIEWER = "192.0.2.10"
KEY_ID = "K2JCJMDEHXQW5F"


@pytest.fixture(scope="module")
def private_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def other_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(scope="module")
def signer(private_key) -> CloudFrontSigner:
    return CloudFrontSigner(KEY_ID, lambda m: private_key.sign(m, padding.PKCS1v15(),
                                                               hashes.SHA1()))


@pytest.fixture(scope="module")
def keys(private_key):
    return {KEY_ID: private_key.public_key()}


def at(moment: int) -> datetime:
    return datetime.fromtimestamp(moment, UTC)


def check(keys, url: str, *, cookies: str | None = None, ip: str = VIEWER, now: float = NOW):
    """The verdict on a GET of `url` (absolute, as signed) from `ip` at `now`."""
    rest = url.removeprefix("http://")
    host, _, target = rest.partition("/")
    path, _, query = ("/" + target).partition("?")
    headers = CIMultiDict({"Host": host})
    if cookies is not None:
        headers["Cookie"] = cookies
    return check_signed_request(keys, host, path, query, headers, ip, now)


def sign(private_key, policy: bytes) -> str:
    return url_safe_b64encode(private_key.sign(policy, padding.PKCS1v15(), hashes.SHA1()))


def custom(keys_private, url: str, policy: dict, key_id: str = KEY_ID) -> str:
    document = json.dumps(policy, separators=(",", ":")).encode()
    return (f"{url}?Policy={url_safe_b64encode(document)}"
            f"&Signature={sign(keys_private, document)}&Key-Pair-Id={key_id}")


def statement(resource: str | None = None, **condition) -> dict:
    body: dict = {"Condition": {"DateLessThan": {"AWS:EpochTime": LATER}, **condition}}
    if resource is not None:
        body = {"Resource": resource, **body}
    return {"Statement": [body]}


# ---------------------------------------------------------------------------------------------
# Encoding and the canned policy


def test_url_safe_base64_uses_cloudfronts_three_substitutions():
    data = bytes([0xFB, 0xFF, 0xBF, 0xFE])  # standard base64 '+/+/', padded with '=='
    assert base64.b64encode(data) == b"+/+//g=="
    assert url_safe_b64encode(data) == "-~-~~g__"
    assert url_safe_b64decode("-~-~~g__") == data
    with pytest.raises(ValueError):
        url_safe_b64decode("not base64!")


def test_canned_policy_is_built_whitespace_free_as_botocore_builds_it(signer):
    url = f"http://{HOST}/a.jpg?size=large"
    assert canned_policy(url, LATER) == signer.build_policy(url, at(LATER)).encode()
    assert canned_policy(url, LATER) == (
        b'{"Statement":[{"Resource":"http://d111111abcdef8.cloudfront.net/a.jpg?size=large",'
        b'"Condition":{"DateLessThan":{"AWS:EpochTime":1800003600}}}]}'
    )


# ---------------------------------------------------------------------------------------------
# Canned and custom policies from botocore


def test_canned_url_signed_by_botocore_is_accepted(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/private/a.jpg", date_less_than=at(LATER))
    assert check(keys, url) is None


def test_canned_url_keeps_its_own_query_string_in_the_signed_resource(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/a.jpg?size=large&v=2",
                                        date_less_than=at(LATER))
    assert check(keys, url) is None
    assert check(keys, url.replace("size=large", "size=small")) is ACCESS_DENIED
    assert check(keys, url + "&extra=1") is ACCESS_DENIED  # a parameter added after signing


def test_canned_url_is_refused_once_expired(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/a.jpg", date_less_than=at(LATER))
    assert check(keys, url, now=LATER - 1) is None
    assert check(keys, url, now=LATER) is ACCESS_DENIED


def test_canned_url_is_only_good_for_the_host_it_was_signed_for(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/a.jpg", date_less_than=at(LATER))
    assert check(keys, url.replace(HOST, "cdn.example.com")) is ACCESS_DENIED


def test_custom_policy_from_botocore_with_wildcard_ip_and_start(signer, keys):
    policy = signer.build_policy(f"http://{HOST}/private/*", at(LATER),
                                 date_greater_than=at(NOW - 60), ip_address="192.0.2.0/24")
    url = signer.generate_presigned_url(f"http://{HOST}/private/deep/b.jpg?x=1", policy=policy)
    assert check(keys, url) is None
    assert check(keys, url, ip="198.51.100.1") is ACCESS_DENIED  # outside AWS:SourceIp
    assert check(keys, url, now=NOW - 61) is ACCESS_DENIED  # before DateGreaterThan
    assert check(keys, url, now=LATER) is ACCESS_DENIED
    other = url.replace("/private/deep/b.jpg", "/public/b.jpg")
    assert check(keys, other) is ACCESS_DENIED  # outside the Resource


def test_botocore_single_address_becomes_a_slash_32(signer, keys):
    policy = signer.build_policy(f"http://{HOST}/*", at(LATER), ip_address=VIEWER)
    url = signer.generate_presigned_url(f"http://{HOST}/a", policy=policy)
    assert check(keys, url) is None
    assert check(keys, url, ip="192.0.2.11") is ACCESS_DENIED


@pytest.mark.parametrize(("resource", "url", "allowed"), [
    (f"http://{HOST}/images/*", f"http://{HOST}/images/a/b.jpg", True),
    (f"http://{HOST}/images/*", f"http://{HOST}/images/", True),  # * matches nothing too
    (f"http://{HOST}/images/*", f"http://{HOST}/other.jpg", False),
    (f"http://{HOST}/img?.jpg", f"http://{HOST}/img1.jpg", True),
    (f"http://{HOST}/img?.jpg", f"http://{HOST}/img12.jpg", False),  # ? is exactly one
    ("http*://*/a.jpg", f"http://{HOST}/a.jpg", True),
    (f"http://{HOST}/a.jpg", f"http://{HOST}/a.jpg?x=1", False),  # the query is part of it
    (f"http://{HOST}/a.jpg?*", f"http://{HOST}/a.jpg?x=1", True),
    (f"http://{HOST}/a.(jpg)", f"http://{HOST}/a.(jpg)", True),  # the rest is literal
    (f"http://{HOST}/a.(jpg)", f"http://{HOST}/aX(jpg)", False),
])
def test_resource_wildcards(private_key, keys, resource, url, allowed):
    path, _, query = url.partition("?")
    signed = custom(private_key, path, statement(resource))
    if query:
        signed = signed.replace("?", f"?{query}&", 1)
    assert (check(keys, signed) is None) is allowed


def test_custom_policy_without_resource_covers_every_url(private_key, keys):
    assert check(keys, custom(private_key, f"http://{HOST}/anything", statement())) is None


def test_ipv6_viewers_and_source_ip(private_key, keys):
    url = custom(private_key, f"http://{HOST}/a",
                 statement(IpAddress={"AWS:SourceIp": "2001:db8::/32"}))
    assert check(keys, url, ip="2001:db8::7") is None
    assert check(keys, url, ip=VIEWER) is ACCESS_DENIED


# ---------------------------------------------------------------------------------------------
# Cookies, and which credentials win


def cookie_header(private_key, resource: str, key_id: str = KEY_ID) -> str:
    document = json.dumps(statement(resource), separators=(",", ":")).encode()
    return (f"session=abc; CloudFront-Policy={url_safe_b64encode(document)}; "
            f"CloudFront-Signature={sign(private_key, document)}; CloudFront-Key-Pair-Id={key_id}")


def test_signed_cookies_with_a_custom_policy(private_key, keys):
    cookies = cookie_header(private_key, f"http://{HOST}/members/*")
    assert check(keys, f"http://{HOST}/members/page.html?x=1", cookies=cookies) is None
    assert check(keys, f"http://{HOST}/other.html", cookies=cookies) is ACCESS_DENIED


def test_signed_cookies_with_a_canned_policy_cover_one_url(private_key, keys):
    url = f"http://{HOST}/members/index.html"
    cookies = (f"CloudFront-Expires={LATER}; "
               f"CloudFront-Signature={sign(private_key, canned_policy(url, LATER))}; "
               f"CloudFront-Key-Pair-Id={KEY_ID}")
    assert check(keys, url, cookies=cookies) is None
    assert check(keys, f"http://{HOST}/members/other.html", cookies=cookies) is ACCESS_DENIED


def test_query_parameters_win_over_cookies(private_key, other_key, keys):
    good_cookies = cookie_header(private_key, f"http://{HOST}/*")
    bad_url = custom(other_key, f"http://{HOST}/a", statement())
    assert check(keys, bad_url, cookies=good_cookies) is ACCESS_DENIED
    half_url = f"http://{HOST}/a?Expires={LATER}"  # signing parameters, but no Key-Pair-Id
    assert check(keys, half_url, cookies=good_cookies) is MISSING_KEY


# ---------------------------------------------------------------------------------------------
# Refusals


def test_missing_credentials_are_missing_key(keys):
    assert check(keys, f"http://{HOST}/a") is MISSING_KEY
    assert check(keys, f"http://{HOST}/a", cookies="session=1") is MISSING_KEY
    assert check(keys, f"http://{HOST}/a?Expires={LATER}&Signature=abc") is MISSING_KEY
    assert check(keys, f"http://{HOST}/a?Expires={LATER}&Signature=abc&Key-Pair-Id=") \
        is MISSING_KEY
    assert MISSING_KEY.body == (
        b'<?xml version="1.0" encoding="UTF-8"?><Error><Code>MissingKey</Code>'
        b"<Message>Missing Key-Pair-Id query parameter or cookie value</Message></Error>"
    )


def test_unknown_key_pair_id_is_invalid_key(signer, private_key, keys):
    url = CloudFrontSigner("KUNKNOWN", signer.rsa_signer).generate_presigned_url(
        f"http://{HOST}/a", date_less_than=at(LATER))
    assert check(keys, url) is UNKNOWN_KEY
    assert UNKNOWN_KEY.code == "InvalidKey"


def test_signature_by_another_key_is_access_denied(other_key, keys):
    wrong = CloudFrontSigner(KEY_ID, lambda m: other_key.sign(m, padding.PKCS1v15(),
                                                              hashes.SHA1()))
    url = wrong.generate_presigned_url(f"http://{HOST}/a", date_less_than=at(LATER))
    assert check(keys, url) is ACCESS_DENIED


def test_tampered_signature_and_policy(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/a", date_less_than=at(LATER))
    signature = url.split("Signature=")[1].split("&")[0]
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    assert check(keys, url.replace(signature, flipped)) is ACCESS_DENIED
    assert check(keys, url.replace(f"Expires={LATER}", f"Expires={LATER + 1}")) is ACCESS_DENIED
    assert check(keys, url.replace(signature, "!!!")) is MALFORMED_SIGNATURE

    policy = signer.build_policy(f"http://{HOST}/a", at(LATER))
    custom_url = signer.generate_presigned_url(f"http://{HOST}/a", policy=policy)
    longer = policy.replace(str(LATER), str(LATER + 86400)).encode()
    encoded = url_safe_b64encode(policy.encode())
    assert check(keys, custom_url.replace(encoded, url_safe_b64encode(longer))) is ACCESS_DENIED


@pytest.mark.parametrize("document", [
    b"not json",
    b"[]",
    b'{"Statement":[]}',
    b'{"Statement":[{"Resource":"http://x/*"}]}',  # no DateLessThan
    b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":"soon"}}}]}',
    b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1},'
    b'"IpAddress":{"AWS:SourceIp":"nowhere"}}}]}',
    b'{"Statement":[{"Condition":{"DateLessThan":{"AWS:EpochTime":1},"Unknown":{}}}]}',
])
def test_malformed_policies(private_key, keys, document):
    url = (f"http://{HOST}/a?Policy={url_safe_b64encode(document)}"
           f"&Signature={sign(private_key, document)}&Key-Pair-Id={KEY_ID}")
    assert check(keys, url) is MALFORMED_POLICY
    assert check(keys, f"http://{HOST}/a?Policy=%%%&Signature=x&Key-Pair-Id={KEY_ID}") \
        is MALFORMED_POLICY


def test_percent_encoded_values_are_read_as_sent_unencoded(signer, keys):
    url = signer.generate_presigned_url(f"http://{HOST}/a", date_less_than=at(LATER))
    signature = url.split("Signature=")[1].split("&")[0]
    encoded = "".join(f"%{ord(c):02X}" for c in signature)
    assert check(keys, url.replace(signature, encoded)) is None
