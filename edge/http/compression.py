"""Edge compression (spec §4.8): whether CloudFront compresses a response, and how.

Every condition of AWS's "Conditions for compression" is checked here, so the node only asks
once per response and gets "br", "gzip" or None.
"""

from __future__ import annotations

import gzip

import brotli

from edge.config import Behavior
from edge.http.key_parameters import normalized_accept_encoding
from edge.http.message import Headers, RequestHead

__all__ = [
    "COMPRESSIBLE_STATUSES",
    "COMPRESSIBLE_TYPES",
    "MAX_COMPRESSIBLE_LENGTH",
    "MIN_COMPRESSIBLE_LENGTH",
    "choose_encoding",
    "compress",
    "weaken_etag",
]

# "File types that CloudFront compresses" (CloudFront Developer Guide), exactly that list.
COMPRESSIBLE_TYPES = frozenset({
    "application/dash+xml", "application/eot", "application/font", "application/font-sfnt",
    "application/javascript", "application/json", "application/opentype", "application/otf",
    "application/pkcs7-mime", "application/protobuf", "application/rss+xml",
    "application/truetype", "application/ttf", "application/vnd.apple.mpegurl",
    "application/vnd.ms-fontobject", "application/xhtml+xml", "application/xml",
    "application/x-font-opentype", "application/x-font-truetype", "application/x-font-ttf",
    "application/x-httpd-cgi", "application/x-javascript", "application/x-mpegurl",
    "application/x-opentype", "application/x-otf", "application/x-perl", "application/x-ttf",
    "font/eot", "font/opentype", "font/otf", "font/ttf", "image/svg+xml", "text/css",
    "text/csv", "text/html", "text/javascript", "text/js", "text/plain", "text/richtext",
    "text/tab-separated-values", "text/xml", "text/x-component", "text/x-java-source",
    "text/x-script", "vnd.apple.mpegurl",
})
COMPRESSIBLE_STATUSES = frozenset({200, 403, 404})
MIN_COMPRESSIBLE_LENGTH = 1_000
MAX_COMPRESSIBLE_LENGTH = 10_000_000


def _content_length(headers: Headers) -> int | None:
    values = {v.strip() for v in headers.getall("Content-Length", [])}
    if len(values) != 1:
        return None
    (value,) = values
    return int(value) if value.isdigit() and value.isascii() else None


def choose_encoding(*, behavior: Behavior, request: RequestHead, status: int,
                    response_headers: Headers, body_length: int | None) -> str | None:
    """"br" or "gzip" when CloudFront would compress this response, else None.

    `body_length` is the length of the body the node holds (None while not yet known); a
    body shorter or longer than `Content-Length` is never compressed.
    """
    policy = behavior.cache_policy
    if not behavior.compress or policy.caching_disabled or request.http_version == "1.0":
        return None
    if policy.headers.behavior == "whitelist" and "accept-encoding" in policy.headers.items:
        return None  # listing Accept-Encoding in the cache policy disables compression
    if status not in COMPRESSIBLE_STATUSES or "Content-Encoding" in response_headers:
        return None
    length = _content_length(response_headers)
    if length is None or not MIN_COMPRESSIBLE_LENGTH <= length <= MAX_COMPRESSIBLE_LENGTH:
        return None
    if body_length is not None and body_length != length:
        return None
    media_type = response_headers.get("Content-Type", "").partition(";")[0].strip().lower()
    if media_type not in COMPRESSIBLE_TYPES:
        return None
    # Only the codings the policy caches: the compressed copy must be keyed on them.
    accepted = (normalized_accept_encoding(request.headers, policy) or "").split(",")
    if "br" in accepted:
        return "br"  # preferred when both are accepted
    if "gzip" in accepted:
        return "gzip"
    return None


def compress(body: bytes, encoding: str) -> bytes:
    """Deterministic output (gzip without a timestamp), so equal bodies compress equally."""
    if encoding == "gzip":
        return gzip.compress(body, mtime=0)
    if encoding == "br":
        return bytes(brotli.compress(body))
    raise ValueError(f"unsupported content coding {encoding!r}")


def weaken_etag(etag: str | None) -> str | None:
    """Spec §4.8: a strong ETag becomes weak on a compressed copy; an invalid one is dropped."""
    if etag is None:
        return None
    etag = etag.strip()
    if etag.startswith('W/"') and etag.endswith('"') and len(etag) >= 4:
        return etag
    if etag.startswith('"') and etag.endswith('"') and len(etag) >= 2:
        return f"W/{etag}"
    return None
