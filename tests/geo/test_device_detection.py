"""`CloudFront-Is-*-Viewer` from real-world User-Agent strings (spec §5.2)."""

from __future__ import annotations

import pytest

from edge.geo.device import DEVICE_HEADERS, device_headers

CHROME_WINDOWS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
SAFARI_MAC = (
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Safari/605.1.15"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)
IPAD = (
    "Mozilla/5.0 (iPad; CPU OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4 Mobile/15E148 Safari/604.1"
)
ANDROID_PHONE = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Mobile Safari/537.36"
)
ANDROID_TABLET = (
    "Mozilla/5.0 (Linux; Android 13; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/124.0.0.0 Safari/537.36"
)
KINDLE_FIRE = (
    "Mozilla/5.0 (Linux; Android 9; KFTRWI) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Silk/124.1.1 like Chrome/124.0.0.0 Safari/537.36"
)
SAMSUNG_TV = (
    "Mozilla/5.0 (SMART-TV; LINUX; Tizen 6.5) AppleWebKit/537.36 (KHTML, like Gecko) "
    "76.0.3809.146/6.5 TV Safari/537.36"
)
FIRE_TV = (
    "Mozilla/5.0 (Linux; Android 9; AFTSSS Build/PS7633) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
)
ROKU = "Roku/DVP-12.5 (12.5.0.4174-AE)"
CURL = "curl/8.7.1"

# UA, then the true ones among Desktop, Mobile, Tablet, SmartTV, Android, IOS.
CASES = [
    (CHROME_WINDOWS, {"Desktop"}),
    (SAFARI_MAC, {"Desktop"}),
    (CURL, {"Desktop"}),
    (None, {"Desktop"}),
    ("", {"Desktop"}),
    (IPHONE, {"Mobile", "IOS"}),
    (IPAD, {"Mobile", "Tablet", "IOS"}),
    (ANDROID_PHONE, {"Mobile", "Android"}),
    (ANDROID_TABLET, {"Mobile", "Tablet", "Android"}),
    (KINDLE_FIRE, {"Mobile", "Tablet", "Android"}),
    (SAMSUNG_TV, {"SmartTV"}),
    (FIRE_TV, {"SmartTV", "Android"}),
    (ROKU, {"SmartTV"}),
]


@pytest.mark.parametrize(("user_agent", "true"), CASES)
def test_device_headers(user_agent: str | None, true: set[str]) -> None:
    expected = {
        f"CloudFront-Is-{kind}-Viewer": "true" if kind in true else "false"
        for kind in ("Desktop", "Mobile", "Tablet", "SmartTV", "Android", "IOS")
    }
    assert device_headers(user_agent) == expected


def test_every_header_is_always_present() -> None:
    assert list(device_headers(IPHONE)) == list(DEVICE_HEADERS)
