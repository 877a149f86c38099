"""The Locust integration: real `locust` runs, one process and master + worker, against a real
`edgesim up`, checked against the nodes' own counters."""

from __future__ import annotations

import http.client
import importlib.util
import json
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_cli_processes import EDGESIM, wait_for_banner
from tests.test_cli_world import world_with_front_door
from tests.world import free_port

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,
    reason="Locust is not installed (pip install -e '.[locust]')",
)

LOCUST = [sys.executable, "-m", "locust"]
LOCUSTFILE = str(Path(__file__).resolve().parents[2] / "locustfile.py")
POPS = (("IAD89-C1", "Ashburn", 39.04, -77.49), ("NRT57-C1", "Tokyo", 35.77, 140.39),
        ("SYD62-C1", "Sydney", -33.95, 151.18))
USERS = 4
# A user stopped by the time limit may have its last request counted by the PoP, not by Locust.
IN_FLIGHT = USERS
FAST = ["--think-min", "0", "--think-max", "0.02"]


MEMBERS = """
[[behaviors]]
path_pattern = "/members/*"
origin = "site"
cache_policy = "CachingDisabled"
[behaviors.functions.viewer-request]
handler = "functions.members_jwt"
"""


class World:
    def __init__(self, directory: Path, ports: dict[str, int]) -> None:
        self.directory = directory
        self.config = directory / "world.toml"
        self.ports = ports
        self.door = f"http://127.0.0.1:{ports['door']}"

    def stats(self, node: str) -> dict[str, Any]:
        """A PoP's or the front door's admin /stats."""
        token = (self.directory / ".edgesim" / "admin-token").read_text().strip()
        request = urllib.request.Request(f"http://127.0.0.1:{self.ports[node] + 1000}/stats",
                                         headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=5) as response:
            return json.load(response)  # type: ignore[no-any-return]

    def counts(self) -> dict[str, int]:
        """Requests each PoP and the front door counted, from their admin /stats."""
        return {node: self.stats(node)["requests"]
                for node in ("door", *(pop_id for pop_id, *_ in POPS))}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    directory = tmp_path_factory.mktemp("locust-world")
    ports = world_with_front_door(directory / "world.toml", MEMBERS)
    process = subprocess.Popen([*EDGESIM, "up", "--config", "world.toml"], cwd=directory,
                               text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_banner(process)
        yield World(directory, ports)
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)


def _locust(world: World, *args: str) -> list[str]:
    return [*LOCUST, "-f", LOCUSTFILE, "--host", world.door, *args]


def _check(run: subprocess.CompletedProcess[str] | subprocess.Popen[str], output: str) -> None:
    assert run.returncode == 0, output
    assert "Traceback" not in output, output


def _totals(run: subprocess.CompletedProcess[str]) -> tuple[int, int]:
    """Requests and failures of a run, from the final statistics `--json` prints."""
    entries = json.loads(run.stdout)
    return (sum(entry["num_requests"] for entry in entries),
            sum(entry["num_failures"] for entry in entries))


def _changes(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {node: after[node] - before[node] for node in before}


def test_one_process_through_the_front_door(world: World, tmp_path: Path) -> None:
    """Viewers in Osaka, through the front door: every request reaches Tokyo, none fails (or,
    should the door find Tokyo's PoP gone for a moment on a busy machine, the next nearest)."""
    before = world.counts()
    retries_before = world.stats("door")["retries"]
    run = subprocess.run(
        _locust(world, "--headless", "-u", str(USERS), "-r", str(USERS), "-t", "1s",
                "--json", "--city", "Osaka", *FAST),
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    _check(run, run.stdout + run.stderr)
    sent, failed = _totals(run)
    assert sent > 0 and failed == 0
    counted = _changes(before, world.counts())
    retries = world.stats("door")["retries"] - retries_before
    assert sent <= counted["door"] <= sent + IN_FLIGHT
    # A request the door sent again after a broken connection may be counted where it broke.
    assert counted["door"] <= counted["NRT57-C1"] + counted["SYD62-C1"] <= counted["door"] + retries
    assert counted["IAD89-C1"] == 0
    # Sydney only after the door found a connection to Tokyo broken (its failover, counted).
    assert counted["SYD62-C1"] == 0 or retries > 0


def test_master_and_worker_straight_to_the_nearest_pop(world: World, tmp_path: Path) -> None:
    """A population file, `--direct`: the worker's viewers go to Sydney's PoP, not the door."""
    population = tmp_path / "viewers.toml"
    population.write_text('[cities]\n"Melbourne" = 3\n"Auckland" = 1\n')
    master_port = free_port()
    before = world.counts()
    worker = subprocess.Popen(
        _locust(world, "--worker", "--master-port", str(master_port)),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        master = subprocess.run(
            _locust(world, "--master", "--master-bind-port", str(master_port),
                    "--expect-workers", "1", "--headless", "-u", str(USERS), "-r", str(USERS),
                    "-t", "2s", "--json",
                    "--population", str(population), "--direct",
                    "--edge-config", str(world.config), *FAST),
            cwd=tmp_path, capture_output=True, text=True, timeout=60)
        worker_output, _ = worker.communicate(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.communicate()
    _check(master, master.stdout + master.stderr)
    _check(worker, worker_output)
    sent, failed = _totals(master)
    assert sent > 0 and failed == 0
    counted = _changes(before, world.counts())
    assert sent <= counted["SYD62-C1"] <= sent + IN_FLIGHT
    assert counted["door"] == counted["IAD89-C1"] == counted["NRT57-C1"] == 0


def test_members_token_opens_the_members_area(world: World) -> None:
    """The token the viewers send on members' requests is one the members function accepts."""
    mint = ("import time\n"
            "from edge.load.locust_user import MembersToken, demo_signing_key\n"
            "print(MembersToken(demo_signing_key(), 'viewer-7').get(time.time()))")
    minted = subprocess.run([sys.executable, "-c", mint], capture_output=True, text=True,
                            timeout=30)
    assert minted.returncode == 0, minted.stderr
    assert _status(world, "/members/") == 302  # to the sign-in page: the function is on
    assert _status(world, "/members/", f"Bearer {minted.stdout.strip()}") == 200


def _status(world: World, path: str, authorization: str | None = None) -> int:
    """The front door's status for `path`, redirects not followed."""
    connection = http.client.HTTPConnection("127.0.0.1", world.ports["door"], timeout=10)
    try:
        connection.request("GET", path, headers={"Authorization": authorization}
                           if authorization else {})
        return connection.getresponse().status
    finally:
        connection.close()


def test_bad_options_stop_the_run_with_one_line(world: World, tmp_path: Path) -> None:
    run = subprocess.run(
        _locust(world, "--headless", "-u", "1", "-t", "1s", "--city", "Atlantis"),
        cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1
    assert "edgesim: unknown city 'Atlantis' (did you mean 'Atlanta'" in run.stderr
    assert "Traceback" not in run.stderr
