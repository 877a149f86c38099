"""Debian's headless Chromium under Selenium, for the tests that look at a page as a browser
draws it; `MISSING` says why they skip when the browser or its driver is not installed."""

from __future__ import annotations

import shutil
from pathlib import Path

from selenium import webdriver

CHROMEDRIVER = shutil.which("chromedriver")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MISSING = ("no chromium on PATH" if CHROMIUM is None
           else "no chromedriver on PATH" if CHROMEDRIVER is None else None)


def chromium(profile: Path, width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    """A headless Chromium with a window of `width` x `height` and its own profile folder."""
    assert CHROMIUM is not None and CHROMEDRIVER is not None, MISSING
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--no-first-run", f"--user-data-dir={profile}",
                     f"--window-size={width},{height}"):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=CHROMEDRIVER)
    return webdriver.Chrome(options=options, service=service)
