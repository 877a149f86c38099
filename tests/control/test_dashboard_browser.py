"""The dashboard in headless Chromium, against a real world, its front door and its control
plane: the map and the tables draw, requests show up live, browsing as a city moves this
browser to that city's PoP, caches can be inspected and purged, a PoP that stops is shown
down until it is back, and the page follows a control plane that restarts.

The servers run on an event loop in a thread of their own, since every Selenium call blocks.
"""

from __future__ import annotations

import asyncio
import threading
import tomllib
import urllib.request
import uuid
from collections.abc import Callable, Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from aiohttp import web
from selenium.webdriver import ActionChains, Chrome
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait

from edge.config import default_config_path
from edge.control.app import control_app
from edge.frontdoor import FrontDoor
from edge.geo.distance import haversine_km
from edge.node.app import ViewerPort, admin_app
from edge.node.location import OVERRIDE_COOKIE, OVERRIDE_HEADER, city_ip, world_cities
from tests.browser import MISSING, chromium
from tests.world import (
    TOKEN,
    World,
    reserve_node_port,
    reserve_port,
    site,
    start_world,
)

pytestmark = pytest.mark.skipif(MISSING is not None, reason=MISSING or "")

T = TypeVar("T")
POPS = ("IAD89-C1", "FRA56-C1", "NRT57-C1", "SYD62-C1")
STOPPED = "FRA56-C1"  # the PoP a test stops and starts again
REC = "REC-ap-northeast-1"  # NRT57-C1's parent; the other PoPs go to the origin
LIVE = 10.0  # seconds: deadline for what the dashboard shows after the next snapshot or two


class Network:
    """The world, its front door and its control plane, on a loop in a thread."""

    def __init__(self, root: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()
        self.door_port = reserve_port()
        self.world: World = self.run(start_world(root / "logs", self._edit,
                                                 example_functions=True))
        self.control_port = reserve_port()
        self.door = FrontDoor(self.world.config)
        self._door_runner = self.run(self._start_door())
        self._control: web.AppRunner | None = None
        self.run(self.start_control_plane())

    @property
    def dashboard(self) -> str:
        return f"http://127.0.0.1:{self.control_port}/"

    @property
    def front_door(self) -> str:
        return f"http://127.0.0.1:{self.door_port}"

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=60)

    def _edit(self, data: dict[str, Any]) -> None:
        with open(default_config_path(), "rb") as f:
            default = tomllib.load(f)
        recs = {rec["id"]: rec for rec in default["regional_caches"]}
        pops = {pop["id"]: pop for pop in default["pops"]}
        data["regional_caches"] = [{**recs[REC], "port": reserve_node_port()}]
        data["pops"] = [{**pops[pop_id], "port": reserve_node_port()} for pop_id in POPS]
        for pop in data["pops"]:
            if pop["parent"] != REC:
                pop.pop("parent")
        data["front_door"] = {"port": self.door_port}
        data.pop("control_plane", None)  # started here, on a port of its own

    async def _start_door(self) -> web.ServerRunner:
        await self.door.start()
        runner = web.ServerRunner(web.Server(self.door.handle, access_log=None))
        await runner.setup()
        await site(runner, self.door_port).start()
        return runner

    async def start_control_plane(self) -> None:
        config = self.world.config
        app = control_app(config, TOKEN, lambda: config, str(default_config_path()))
        self._control = web.AppRunner(app, access_log=None)
        await self._control.setup()
        await site(self._control, self.control_port).start()

    async def stop_control_plane(self) -> None:
        if self._control is not None:
            await self._control.cleanup()
            self._control = None

    async def start_node(self, node_id: str) -> None:
        """A node stopped with `world.stop_node` back on its ports, with an empty cache."""
        world = self.world
        node = world.config.nodes[node_id]
        viewer = ViewerPort(world.config, node)
        await viewer.setup()
        await site(viewer.runner, node.port).start()
        world.viewers[node_id] = viewer
        admin = web.AppRunner(admin_app(viewer, TOKEN), access_log=None)
        await admin.setup()
        await site(admin, node.port + 1000).start()
        world.runners[f"admin:{node_id}"] = admin

    def get(self, path: str, city: str) -> dict[str, str]:
        """The headers of a GET through the front door by a viewer in `city`."""
        request = urllib.request.Request(self.front_door + path,
                                         headers={OVERRIDE_HEADER: city})
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
            return dict(response.headers)

    async def _close(self) -> None:
        await self.stop_control_plane()
        await self._door_runner.cleanup()
        await self.door.close()
        await self.world.close()

    def close(self) -> None:
        try:
            self.run(self._close())
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(timeout=10)
            self.loop.close()


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    network = Network(tmp_path_factory.mktemp("network"))
    try:
        yield network
    finally:
        network.close()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chrome]:
    driver = chromium(tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield driver
    finally:
        driver.quit()


def until(driver: Chrome, condition: Callable[[Chrome], T], timeout: float = LIVE) -> T:
    """What `condition` returns once it is true, polled until `timeout` seconds have passed."""
    return WebDriverWait(driver, timeout, poll_frequency=0.05).until(condition)


def rows(driver: Chrome, table: str) -> list[dict[str, Any]]:
    """A table's rows as the page has them now (not the line an empty table shows): each row's
    `id` (data-id), `class` and cell texts, read in one go (the tables are redrawn each
    second)."""
    return driver.execute_script("""
        return [...document.querySelectorAll(`#${arguments[0]} tbody tr`)]
            .filter((row) => !row.querySelector("td.empty")).map((row) => ({
            id: row.dataset.id ?? null, class: row.className,
            cells: [...row.cells].map((cell) => cell.textContent)}));
    """, table)


def invalidations(driver: Chrome) -> list[dict[str, Any]]:
    """The invalidations listed: id, status and each node's chip."""
    return driver.execute_script("""
        return [...document.querySelectorAll("#invalidation-list li")].map((item) => ({
            id: item.dataset.id, status: item.querySelector(".badge").textContent,
            nodes: [...item.querySelectorAll(".chip")].map((chip) => ({
                text: chip.textContent, class: chip.className}))}));
    """)


@pytest.fixture
def dashboard(network: Network, browser: Chrome) -> Chrome:
    """The dashboard opened with the token in its address, once its stream is live."""
    browser.get(f"{network.dashboard}#token={TOKEN}")
    until(browser, lambda d: d.find_element(By.ID, "connection").get_attribute("data-state")
          == "live")
    return browser


def test_the_map_and_the_tables_draw(dashboard: Chrome, network: Network) -> None:
    network.get("/index.html", "Berlin")  # an edge function runs on the way back

    # Natural Earth's 1:110m land is 127 polygons.
    land = until(dashboard, lambda d: d.find_elements(By.CSS_SELECTOR, "#land path")[100:])
    assert all(path.get_attribute("d").startswith("M") for path in land)
    pops = dashboard.find_elements(By.CSS_SELECTOR, "#places g.pop")
    assert sorted(p.get_attribute("data-id") for p in pops) == sorted(POPS)
    assert len(dashboard.find_elements(By.CSS_SELECTOR, "#places g.rec")) == 1
    assert len(dashboard.find_elements(By.CSS_SELECTOR, "#places g.origin")) == 1
    assert len(dashboard.find_elements(By.CSS_SELECTOR, "#links line")) == len(POPS) + 1
    nodes = rows(dashboard, "node-table")
    assert [row["id"] for row in nodes] == [*POPS, REC]
    assert all(row["cells"][2] == "up" for row in nodes)
    until(dashboard, lambda d: [row["cells"][1:3] for row in rows(d, "recent-table")][:1]
          == [["Berlin, DE", "FRA56-C1"]])
    functions = until(dashboard, lambda d: [
        row["cells"] for row in rows(d, "function-table") if row["cells"][2] not in ("", "0")])
    assert all(cells[1] for cells in functions)  # each with its trigger
    # The token left the address bar for the browser's storage.
    assert "token" not in dashboard.current_url
    assert dashboard.execute_script(
        "return localStorage.getItem('edgesim-admin-token')") == TOKEN


def test_a_request_through_the_front_door_shows_within_two_seconds(
    dashboard: Chrome, network: Network
) -> None:
    probe = f"probe={uuid.uuid4().hex[:12]}"
    headers = network.get(f"/index.html?{probe}", "Sydney")
    assert headers["X-Amz-Cf-Pop"] == "SYD62-C1"

    cells = until(dashboard, lambda d: next(
        (row["cells"] for row in rows(d, "recent-table") if probe in row["cells"][4]), None),
        timeout=2.0)

    assert cells[1:6] == ["Sydney, AU", "SYD62-C1", "GET", f"/index.html?{probe}", "200"]
    assert cells[6] == headers["X-Cache"]


def test_a_click_on_a_function_shows_its_log_lines(dashboard: Chrome, network: Network) -> None:
    network.get(f"/index.html?log={uuid.uuid4().hex[:8]}", "Berlin")  # security_headers runs
    button = until(dashboard, lambda d: d.find_element(
        By.CSS_SELECTOR, '#function-table [data-function="security_headers"]'))
    button.click()
    text = until(dashboard, lambda d: (log := d.find_element(By.ID, "function-log-lines").text)
                 and "REPORT RequestId:" in log and log)
    assert dashboard.find_element(By.ID, "function-log-name").text == "security_headers"
    assert "[FRA56-C1] START RequestId:" in text


def test_the_configuration_panel_reloads_and_says_how_it_went(
    dashboard: Chrome, network: Network
) -> None:
    version = network.world.config.version
    until(dashboard, lambda d: version in d.find_element(By.ID, "config-view").text)
    dashboard.find_element(By.ID, "config-reload").click()
    until(dashboard, lambda d: d.find_element(By.ID, "config-message").text
          == f"applied: version {version}")
    shown = until(dashboard, lambda d: (text := d.find_element(By.ID, "config-view").text)
                  and "applied at" in text and text)
    assert "null" not in shown and "Why" not in shown  # no error to explain


def test_browsing_as_tokyo_sends_this_browser_to_a_tokyo_pop(
    dashboard: Chrome, network: Network
) -> None:
    dashboard.find_element(By.ID, "city-search").send_keys("Tokyo")
    option = until(dashboard, lambda d: next(
        (o for o in d.find_elements(By.CSS_SELECTOR, "#city-options li")
         if o.text.split() == ["Tokyo", "JP"]), None))
    option.click()

    until(dashboard, lambda d: d.find_element(By.ID, "viewer-city").text == "Tokyo, JP")
    cookie = dashboard.get_cookie(OVERRIDE_COOKIE)
    assert cookie is not None and city_ip(cookie["value"]) == city_ip("Tokyo, JP")
    link = dashboard.find_element(By.ID, "open-site")
    assert link.get_attribute("href") == f"{network.front_door}/"
    dashboard_tab = dashboard.current_window_handle
    link.click()
    until(dashboard, lambda d: len(d.window_handles) == 2)
    site_tab = next(h for h in dashboard.window_handles if h != dashboard_tab)
    try:
        dashboard.switch_to.window(site_tab)
        until(dashboard, lambda d: d.current_url.startswith(network.front_door)
              and d.execute_script("return document.readyState") == "complete")
        assert served_by(dashboard) == "NRT57-C1"

        dashboard.switch_to.window(dashboard_tab)
        dashboard.find_element(By.ID, "clear-city").click()
        assert dashboard.get_cookie(OVERRIDE_COOKIE) is None
        assert not dashboard.find_element(By.ID, "viewer").is_displayed()
        dashboard.switch_to.window(site_tab)
        assert served_by(dashboard) == POPS[0]  # a browser on this machine: the first PoP
    finally:
        dashboard.switch_to.window(site_tab)
        dashboard.close()
        dashboard.switch_to.window(dashboard_tab)


def served_by(driver: Chrome) -> str:
    """`X-Amz-Cf-Pop` of the next load of the page the browser is on (its own origin)."""
    return driver.execute_async_script("""
        const done = arguments[arguments.length - 1];
        fetch(location.href, {cache: "no-store"})
            .then((r) => done(r.headers.get("X-Amz-Cf-Pop")), (e) => done(String(e)));
    """)


def test_a_click_on_the_map_browses_as_the_nearest_city(dashboard: Chrome) -> None:
    latitude, longitude = -23.55, -46.63  # São Paulo
    world = dashboard.find_element(By.ID, "map")
    width, height = world.rect["width"], world.rect["height"]
    x = (longitude + 180) / 360 * width - width / 2  # offsets from the map's centre
    y = (84 - latitude) / 142 * height - height / 2

    ActionChains(dashboard).move_to_element_with_offset(world, round(x), round(y)).click() \
        .perform()

    cookie = until(dashboard, lambda d: d.get_cookie(OVERRIDE_COOKIE))
    name = dashboard.find_element(By.ID, "viewer-city").text
    city = world_cities().find(name)
    assert city is not None and city_ip(cookie["value"]) == city_ip(name)
    assert haversine_km((latitude, longitude), (city.latitude, city.longitude)) < 60
    dashboard.find_element(By.ID, "clear-city").click()


def test_the_cache_inspector_and_an_invalidation(dashboard: Chrome, network: Network) -> None:
    network.get("/index.html", "Melbourne")  # into SYD62-C1's cache
    Select(dashboard.find_element(By.ID, "cache-node")).select_by_value("SYD62-C1")
    prefix = dashboard.find_element(By.ID, "cache-prefix")
    prefix.clear()
    prefix.send_keys("/index")
    dashboard.find_element(By.CSS_SELECTOR, "#cache-form button").click()
    until(dashboard, lambda d: any(row["cells"][0] == "/index.html"
                                   for row in rows(d, "cache-table")))

    dashboard.find_element(By.ID, "invalidation-paths").send_keys("/index.html")
    dashboard.find_element(By.CSS_SELECTOR, "#invalidation-form button").click()

    made = until(dashboard, lambda d: next(
        (i for i in invalidations(d) if i["status"] == "Completed"), None))
    assert sorted(chip["text"].split()[0] for chip in made["nodes"]) == sorted([*POPS, REC])
    assert all("Completed" in chip["class"] for chip in made["nodes"])
    assert invalidations(dashboard)[0]["id"] == made["id"]  # newest first
    dashboard.find_element(By.CSS_SELECTOR, "#cache-form button").click()
    until(dashboard, lambda d: d.find_element(By.CSS_SELECTOR, "#cache-table td.empty").text
          == "Nothing cached under /index.")
    assert rows(dashboard, "cache-table") == []


def test_a_stopped_pop_is_shown_down_and_up_again(dashboard: Chrome, network: Network) -> None:
    def shown_down(driver: Chrome) -> tuple[bool, bool]:
        row = next(row for row in rows(driver, "node-table") if row["id"] == STOPPED)
        mark = driver.find_element(By.CSS_SELECTOR, f'#places g[data-id="{STOPPED}"]')
        return "down" in row["class"], "down" in mark.get_attribute("class")

    assert shown_down(dashboard) == (False, False)
    network.run(network.world.stop_node(STOPPED))
    try:
        until(dashboard, lambda d: shown_down(d) == (True, True))
        row = next(row for row in rows(dashboard, "node-table") if row["id"] == STOPPED)
        assert row["cells"][2] == "down"
    finally:
        network.run(network.start_node(STOPPED))
    until(dashboard, lambda d: shown_down(d) == (False, False))


def test_the_dashboard_follows_a_control_plane_that_restarts(
    dashboard: Chrome, network: Network
) -> None:
    def connection(driver: Chrome) -> str:
        return driver.find_element(By.ID, "connection").get_attribute("data-state")

    network.run(network.stop_control_plane())
    try:
        until(dashboard, lambda d: connection(d) == "reconnecting")
    finally:
        network.run(network.start_control_plane())
    until(dashboard, lambda d: connection(d) == "live")
    probe = f"probe={uuid.uuid4().hex[:12]}"
    network.get(f"/about.html?{probe}", "Paris, FR")
    until(dashboard, lambda d: any(probe in row["cells"][4] for row in rows(d, "recent-table")))
