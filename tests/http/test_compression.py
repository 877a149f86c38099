"""Edge compression conditions (spec §4.8) and the content codings themselves."""

import dataclasses
import gzip

import brotli
import pytest
from multidict import CIMultiDict

from edge.config import Behavior, CachePolicy, KeyParameters
from edge.http.compression import COMPRESSIBLE_TYPES, choose_encoding, compress, weaken_etag
from edge.http.message import RequestHead
from edge.managed_policies import MANAGED_CACHE_POLICIES

OPTIMIZED = Behavior("*", "origin", MANAGED_CACHE_POLICIES["CachingOptimized"])
RESPONSE = {"Content-Type": "text/html; charset=utf-8", "Content-Length": "5000"}


def decide(behavior=OPTIMIZED, accept_encoding="gzip, br", http_version="1.1", status=200,
           response=None, body_length=5000):
    headers = CIMultiDict() if accept_encoding is None else \
        CIMultiDict({"Accept-Encoding": accept_encoding})
    return choose_encoding(
        behavior=behavior,
        request=RequestHead("GET", "/a", "", headers, http_version),
        status=status,
        response_headers=CIMultiDict(RESPONSE if response is None else response),
        body_length=body_length,
    )


def with_policy(**changes):
    return dataclasses.replace(OPTIMIZED, cache_policy=dataclasses.replace(
        OPTIMIZED.cache_policy, **changes))


def test_all_conditions_met_prefers_brotli():
    """spec §4.8: Brotli preferred when both are accepted."""
    assert decide() == "br"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        pytest.param({"accept_encoding": "gzip"}, "gzip", id="viewer-gzip-only"),
        pytest.param({"accept_encoding": "br;q=0, gzip"}, "gzip", id="q-0-honoured"),
        pytest.param({"behavior": with_policy(enable_accept_encoding_brotli=False)}, "gzip",
                     id="policy-gzip-only"),
        pytest.param({"behavior": with_policy(enable_accept_encoding_gzip=False),
                      "accept_encoding": "gzip"}, None, id="policy-br-viewer-gzip"),
        pytest.param({"status": 403}, "br", id="status-403"),
        pytest.param({"status": 404}, "br", id="status-404"),
        pytest.param({"body_length": None}, "br", id="body-length-not-yet-known"),
        pytest.param({"response": {"Content-Type": "Application/JSON",
                                   "Content-Length": "1000"}, "body_length": 1000}, "br",
                     id="type-case-insensitive-min-length"),
        pytest.param({"response": {"Content-Type": "text/css",
                                   "Content-Length": "10000000"}, "body_length": 10_000_000},
                     "br", id="max-length"),
    ],
)
def test_compressed(kwargs, expected):
    assert decide(**kwargs) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"behavior": dataclasses.replace(OPTIMIZED, compress=False)},
                     id="behavior-compress-false"),
        pytest.param({"behavior": with_policy(enable_accept_encoding_gzip=False,
                                              enable_accept_encoding_brotli=False)},
                     id="policy-enables-neither"),
        pytest.param({"behavior": Behavior("*", "o", MANAGED_CACHE_POLICIES["CachingDisabled"])},
                     id="ttls-zero"),
        pytest.param({"behavior": with_policy(headers=KeyParameters(
            "whitelist", ("accept-encoding",)))}, id="accept-encoding-in-cache-policy"),
        pytest.param({"accept_encoding": None}, id="no-accept-encoding"),
        pytest.param({"accept_encoding": "deflate"}, id="neither-accepted"),
        pytest.param({"http_version": "1.0"}, id="http-1.0"),
        pytest.param({"status": 500}, id="status-500"),
        pytest.param({"status": 206}, id="status-206"),
        pytest.param({"response": {**RESPONSE, "Content-Encoding": "identity"}},
                     id="any-content-encoding"),
        pytest.param({"response": {"Content-Type": "text/html"}}, id="no-content-length"),
        pytest.param({"response": {"Content-Type": "text/html", "Content-Length": "999"},
                      "body_length": 999}, id="below-1000-bytes"),
        pytest.param({"response": {"Content-Type": "text/html", "Content-Length": "10000001"},
                      "body_length": 10_000_001}, id="above-10MB"),
        pytest.param({"response": {"Content-Type": "text/html", "Content-Length": "x"}},
                     id="invalid-content-length"),
        pytest.param({"body_length": 0}, id="no-body"),
        pytest.param({"body_length": 4000}, id="truncated-body"),
        pytest.param({"response": {"Content-Type": "image/png", "Content-Length": "5000"}},
                     id="type-not-on-aws-list"),
        pytest.param({"response": {"Content-Length": "5000"}}, id="no-content-type"),
    ],
)
def test_not_compressed(kwargs):
    assert decide(**kwargs) is None


def test_compressible_types_follow_aws_list():
    """spec §4.8 names these; image/png and the like are never on the list."""
    assert {"text/html", "text/css", "text/plain", "text/javascript", "text/xml", "text/csv",
            "application/javascript", "application/json", "application/xml",
            "application/xhtml+xml", "application/rss+xml", "application/vnd.apple.mpegurl",
            "application/dash+xml", "application/protobuf", "image/svg+xml", "font/ttf",
            "application/vnd.ms-fontobject"} <= COMPRESSIBLE_TYPES
    assert not {"image/png", "image/jpeg", "video/mp4", "application/zip"} & COMPRESSIBLE_TYPES


@pytest.mark.parametrize("encoding", ["gzip", "br"])
def test_compress_round_trips_deterministically(encoding):
    body = b"hello edge " * 200
    out = compress(body, encoding)
    assert out == compress(body, encoding)
    assert (gzip.decompress(out) if encoding == "gzip" else brotli.decompress(out)) == body
    assert len(out) < len(body)


def test_compress_rejects_unknown_coding():
    with pytest.raises(ValueError, match="deflate"):
        compress(b"x", "deflate")


@pytest.mark.parametrize(
    ("etag", "expected"),
    [
        pytest.param('"abc"', 'W/"abc"', id="strong-becomes-weak"),
        pytest.param('W/"abc"', 'W/"abc"', id="weak-kept"),
        pytest.param('""', 'W/""', id="empty-strong"),
        pytest.param("abc", None, id="unquoted-dropped"),
        pytest.param('"abc', None, id="unterminated-dropped"),
        pytest.param("w/\"abc\"", None, id="lowercase-w-dropped"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_weaken_etag(etag, expected):
    """spec §4.8: ETag conversion on compressed responses."""
    assert weaken_etag(etag) == expected


def test_custom_policy_with_only_gzip_keys_compresses_gzip_for_br_and_gzip_viewers():
    behavior = Behavior("*", "o", CachePolicy("g", enable_accept_encoding_gzip=True))
    assert decide(behavior=behavior, accept_encoding="br, gzip") == "gzip"
