"""AWS managed cache and origin request policies, by the names the console and API use.

Values from the CloudFront Developer Guide ("Use managed cache policies", "Use managed origin
request policies"). A config may name any of these instead of defining its own.
"""

from __future__ import annotations

from edge.config.model import CachePolicy, KeyParameters, OriginRequestPolicy

_NONE = KeyParameters()
_ALL = KeyParameters("all")
_ONE_YEAR = 31536000
_ORIGIN_CACHE_CONTROL_HEADERS = KeyParameters(
    "whitelist",
    ("host", "origin", "x-http-method", "x-http-method-override", "x-method-override"),
)

MANAGED_CACHE_POLICIES: dict[str, CachePolicy] = {
    p.name: p
    for p in (
        CachePolicy(
            "CachingOptimized", 1, 86400, _ONE_YEAR,
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
        ),
        CachePolicy("CachingOptimizedForUncompressedObjects", 1, 86400, _ONE_YEAR),
        CachePolicy("CachingDisabled", 0, 0, 0),
        CachePolicy(
            "UseOriginCacheControlHeaders", 0, 0, _ONE_YEAR,
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
            headers=_ORIGIN_CACHE_CONTROL_HEADERS,
            cookies=_ALL,
        ),
        CachePolicy(
            "UseOriginCacheControlHeaders-QueryStrings", 0, 0, _ONE_YEAR,
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
            headers=_ORIGIN_CACHE_CONTROL_HEADERS,
            cookies=_ALL,
            query_strings=_ALL,
        ),
        CachePolicy(
            "Amplify", 2, 2, 600,
            enable_accept_encoding_gzip=True, enable_accept_encoding_brotli=True,
            headers=KeyParameters(
                "whitelist", ("authorization", "cloudfront-viewer-country", "host")
            ),
            cookies=_ALL,
            query_strings=_ALL,
        ),
        CachePolicy(
            "Elemental-MediaPackage", 0, 86400, _ONE_YEAR,
            enable_accept_encoding_gzip=True,
            headers=KeyParameters("whitelist", ("origin",)),
            query_strings=KeyParameters("whitelist", ("aws.manifestfilter", "start", "end", "m")),
        ),
    )
}

MANAGED_ORIGIN_REQUEST_POLICIES: dict[str, OriginRequestPolicy] = {
    p.name: p
    for p in (
        OriginRequestPolicy("AllViewer", KeyParameters("allViewer"), _ALL, _ALL),
        OriginRequestPolicy(
            "AllViewerExceptHostHeader", KeyParameters("allExcept", ("host",)), _ALL, _ALL
        ),
        OriginRequestPolicy(
            "AllViewerAndCloudFrontHeaders-2022-06",
            KeyParameters("allViewerAndWhitelistCloudFront", (
                "cloudfront-forwarded-proto", "cloudfront-is-android-viewer",
                "cloudfront-is-desktop-viewer", "cloudfront-is-ios-viewer",
                "cloudfront-is-mobile-viewer", "cloudfront-is-smarttv-viewer",
                "cloudfront-is-tablet-viewer", "cloudfront-viewer-address",
                "cloudfront-viewer-asn", "cloudfront-viewer-city",
                "cloudfront-viewer-country", "cloudfront-viewer-country-name",
                "cloudfront-viewer-country-region", "cloudfront-viewer-country-region-name",
                "cloudfront-viewer-http-version", "cloudfront-viewer-latitude",
                "cloudfront-viewer-longitude", "cloudfront-viewer-metro-code",
                "cloudfront-viewer-postal-code", "cloudfront-viewer-time-zone",
            )),
            _ALL, _ALL,
        ),
        OriginRequestPolicy("CORS-CustomOrigin", KeyParameters("whitelist", ("origin",))),
        OriginRequestPolicy(
            "CORS-S3Origin",
            KeyParameters(
                "whitelist",
                ("origin", "access-control-request-headers", "access-control-request-method"),
            ),
        ),
        OriginRequestPolicy(
            "UserAgentRefererHeaders", KeyParameters("whitelist", ("user-agent", "referer"))
        ),
    )
}
