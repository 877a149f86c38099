"""The `CloudFront-Is-*-Viewer` headers (spec §5.2): device classes read from the User-Agent.

Several can be true at once: a tablet is also a mobile device, an iPhone is mobile and iOS.
"""

from __future__ import annotations

__all__ = ["DEVICE_HEADERS", "device_headers"]

# Lower-case User-Agent fragments that put a viewer in a class.
SMART_TV_TOKENS = (
    "smart-tv", "smarttv", "smart tv", "googletv", "appletv", "apple tv", "roku", "bravia",
    "netcast", "hbbtv", "web0s", "webos.tv", "tizen tv", "crkey", "aftb", "afts", "aftm",
    "aftt", "philipstv", "viera", "dtv",
)  # fmt: skip
TABLET_TOKENS = ("ipad", "tablet", "kindle", "silk/", "playbook", "nexus 7", "nexus 10", "sm-t")
MOBILE_TOKENS = (
    "mobile", "iphone", "ipod", "windows phone", "blackberry", "bb10", "opera mini",
    "iemobile", "kaios",
)  # fmt: skip
IOS_TOKENS = ("iphone", "ipad", "ipod")


def _is_android(ua: str) -> bool:
    return "android" in ua


def _is_ios(ua: str) -> bool:
    return any(token in ua for token in IOS_TOKENS)


def _is_smart_tv(ua: str) -> bool:
    return any(token in ua for token in SMART_TV_TOKENS)


def _is_tablet(ua: str) -> bool:
    # Android phones say "Mobile"; Android without it is a tablet (Google's own convention).
    android_tablet = _is_android(ua) and "mobile" not in ua and not _is_smart_tv(ua)
    return android_tablet or any(token in ua for token in TABLET_TOKENS)


def _is_mobile(ua: str) -> bool:
    return _is_tablet(ua) or any(token in ua for token in MOBILE_TOKENS)


def _is_desktop(ua: str) -> bool:
    return not (_is_mobile(ua) or _is_smart_tv(ua))


DEVICE_HEADERS = {
    "CloudFront-Is-Desktop-Viewer": _is_desktop,
    "CloudFront-Is-Mobile-Viewer": _is_mobile,
    "CloudFront-Is-Tablet-Viewer": _is_tablet,
    "CloudFront-Is-SmartTV-Viewer": _is_smart_tv,
    "CloudFront-Is-Android-Viewer": _is_android,
    "CloudFront-Is-IOS-Viewer": _is_ios,
}


def device_headers(user_agent: str | None) -> dict[str, str]:
    """Each `CloudFront-Is-*-Viewer` header as "true" or "false"; no User-Agent is a desktop."""
    ua = (user_agent or "").lower()
    return {name: "true" if test(ua) else "false" for name, test in DEVICE_HEADERS.items()}
