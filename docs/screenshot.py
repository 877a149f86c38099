"""Take the README's screenshot of the dashboard: `docs/dashboard.png`.

Starts the default world with `edgesim up` in a temporary folder, sends a few hundred requests
from cities round the world through its front door (each naming its city in
`X-Edgesim-Viewer-City`), and saves the dashboard as headless Chromium draws it in a 1400 x 1000
window while that traffic runs.

    .venv/bin/python docs/screenshot.py

It needs the default world's ports free (8000, 8080, 8090, the nodes' 81xx and 82xx) and
Debian's `chromium` and `chromium-driver`.
"""

from __future__ import annotations

import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.wait import WebDriverWait

OUT = Path(__file__).resolve().parent / "dashboard.png"
WIDTH, HEIGHT = 1400, 1000
RATE = 40  # requests a second
SECONDS = 12  # of traffic before the screenshot
# Cities on every continent, the bigger ones more often (header values are ASCII: "Sao Paulo"
# finds São Paulo).
VIEWERS = {"New York": 6, "Chicago": 3, "Los Angeles": 4, "Mexico City": 3, "Sao Paulo": 4,
           "Buenos Aires": 2, "London": 5, "Paris, FR": 4, "Berlin": 3, "Madrid": 2,
           "Lagos": 2, "Johannesburg": 2, "Cairo": 2, "Dubai": 2, "Mumbai": 4, "Delhi": 3,
           "Singapore": 3, "Jakarta": 2, "Tokyo": 5, "Seoul": 3, "Shanghai": 3,
           "Sydney": 3, "Auckland": 1}
PATHS = {"/index.html": 8, "/about.html": 3, "/gallery.html": 3, "/static/css/site.css": 6,
         "/static/js/site.js": 5, "/images/coffee.jpg": 3, "/images/rocket.jpg": 2,
         "/experiment/index.html": 2, "/api/echo": 1, "/missing.html": 1}


def until(what: str, check: Callable[[], Any], timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            found = check()
        except (OSError, ValueError, urllib.error.URLError):
            found = None
        if found:
            return found
        time.sleep(0.2)
    raise SystemExit(f"screenshot: gave up waiting for {what}")


def fetch(url: str, headers: dict[str, str]) -> bytes:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.read()
    except urllib.error.HTTPError as error:  # a 404 is traffic too
        return error.read()


def traffic(front_door: str, stop: threading.Event) -> None:
    """Requests at about RATE a second until `stop`, each from a city drawn by weight."""
    pick = random.Random(7)
    with ThreadPoolExecutor(16) as pool:
        while not stop.is_set():
            city = pick.choices(list(VIEWERS), list(VIEWERS.values()))[0]
            path = pick.choices(list(PATHS), list(PATHS.values()))[0]
            pool.submit(fetch, front_door.rstrip("/") + path, {"X-Edgesim-Viewer-City": city})
            time.sleep(pick.expovariate(RATE))


def browser(profile: Path) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
                     "--no-first-run", "--hide-scrollbars", f"--user-data-dir={profile}",
                     f"--window-size={WIDTH},{HEIGHT}"):
        options.add_argument(argument)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    driver = webdriver.Chrome(options=options, service=service)
    # The window's size is not the page's: the page gets exactly WIDTH x HEIGHT.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False})
    return driver


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        here = Path(folder)
        with open(here / "up.log", "w") as log:
            up = subprocess.Popen([sys.executable, "-m", "edge", "up"], cwd=here, stdout=log,
                                  stderr=subprocess.STDOUT, start_new_session=True)
        stop = threading.Event()
        try:
            control = until("the control plane", lambda: json.loads(
                (here / ".edgesim" / "control.json").read_text())["url"])
            token = (here / ".edgesim" / "admin-token").read_text().strip()
            until("its API", lambda: fetch(control + "api/health", {}))
            topology = json.loads(fetch(control + "api/topology",
                                        {"Authorization": f"Bearer {token}"}))
            threading.Thread(target=traffic, args=(topology["front_door"], stop),
                             daemon=True).start()
            driver = browser(here / "chromium-profile")
            try:
                driver.get(f"{control}#token={token}")
                WebDriverWait(driver, 30).until(lambda d: d.execute_script(
                    "return document.getElementById('connection').dataset.state") == "live")
                # Browsing as Tokyo: the search box's first match.
                driver.find_element(By.ID, "city-search").send_keys("Tokyo")
                WebDriverWait(driver, 10).until(
                    lambda d: d.find_elements(By.CSS_SELECTOR, "#city-options li"))
                driver.find_element(By.ID, "city-search").send_keys(Keys.ENTER)
                driver.execute_script("document.activeElement.blur()")
                time.sleep(SECONDS)  # traffic for the rates, the tables and the arcs
                driver.save_screenshot(str(OUT))
            finally:
                driver.quit()
        finally:
            stop.set()
            up.send_signal(signal.SIGINT)
            try:
                up.wait(30)
            except subprocess.TimeoutExpired:
                up.kill()
    print(f"screenshot: {OUT}")


if __name__ == "__main__":
    main()
