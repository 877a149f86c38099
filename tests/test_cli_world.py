"""`edgesim up` with a front door: real processes, a PoP killed and brought back, `--pops`."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

from tests.test_cli_processes import EDGESIM, children_of, fetch, wait_for_banner
from tests.world import free_node_port, free_port

CITY = "X-Edgesim-Viewer-City"


POPS = (("IAD89-C1", "Ashburn", 39.04, -77.49), ("NRT57-C1", "Tokyo", 35.77, 140.39),
        ("SYD62-C1", "Sydney", -33.95, 151.18))


def world_ports(control_plane: bool = False) -> dict[str, int]:
    """Free ports for the origin, the front door, the three PoPs (and the control plane)."""
    ports = {name: free_node_port() for name in ("origin", "door", *(p[0] for p in POPS))}
    if control_plane:
        ports["control"] = free_port()
    return ports


def write_world(path: Path, ports: dict[str, int], behaviors: str = "",
                cache_policy: str = "CachingOptimized") -> None:
    """A world of three PoPs (Ashburn, Tokyo, Sydney) behind a front door on `ports` (and a
    control plane when they name one), with no simulated waiting; `behaviors` is TOML added
    before the PoPs."""
    pops = "".join(f"""
[[pops]]
id = "{pop_id}"
city = "{city}"
latitude = {lat}
longitude = {lon}
port = {ports[pop_id]}
""" for pop_id, city, lat, lon in POPS)
    control = f"[control_plane]\nport = {ports['control']}" if "control" in ports else ""
    path.write_text(f"""
[distribution]
id = "ETEST"
domain_name = "dtest.cloudfront.net"
[origin_server]
port = {ports["origin"]}
[front_door]
port = {ports["door"]}
{control}
[latency]
time_scale = 0
[[origins]]
id = "site"
url = "http://127.0.0.1:{ports["origin"]}"
[default_behavior]
origin = "site"
cache_policy = "{cache_policy}"
{behaviors}
{pops}""")


def world_with_front_door(path: Path, behaviors: str = "") -> dict[str, int]:
    """`write_world` on free ports; returns the ports."""
    ports = world_ports()
    write_world(path, ports, behaviors)
    return ports


def _served_by(url: str, city: str) -> str | None:
    request = urllib.request.Request(url, headers={CITY: city})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.headers["X-Amz-Cf-Pop"]
    except OSError:
        return None


def _until(url: str, city: str, pop: str, seconds: float) -> float:
    started = time.monotonic()
    while _served_by(url, city) != pop:
        assert time.monotonic() - started < seconds, f"{city} never reached {pop}"
        time.sleep(0.1)
    return time.monotonic() - started


def test_a_killed_pop_loses_its_viewers_and_gets_them_back(tmp_path: Path) -> None:
    config = tmp_path / "world.toml"
    ports = world_with_front_door(config)
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        banner = wait_for_banner(process)
        door = f"http://127.0.0.1:{ports['door']}/index.html"
        assert f"http://127.0.0.1:{ports['door']}/" in banner
        assert _served_by(door, "Osaka") == "NRT57-C1"
        assert _served_by(door, "Perth") == "SYD62-C1"
        assert fetch(door)[1]["X-Amz-Cf-Pop"] == "IAD89-C1"

        tokyo = next(k for k in children_of(process.pid)
                     if "NRT57-C1" in Path(f"/proc/{k}/cmdline").read_text())
        os.kill(tokyo, signal.SIGKILL)
        # Osaka's viewers go to the next nearest PoP at once (a retry), and come back once the
        # supervisor has restarted Tokyo and the front door's health check has seen it.
        assert _served_by(door, "Osaka") == "SYD62-C1"
        _until(door, "Osaka", "NRT57-C1", 30)
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "NRT57-C1 exited" in out and "Traceback" not in out


def test_pops_selects_a_subset_and_says_what_is_wrong(tmp_path: Path) -> None:
    config = tmp_path / "world.toml"
    ports = world_with_front_door(config)
    bad = subprocess.run([*EDGESIM, "up", "--config", str(config), "--pops", "NRT57,SYD62-C1"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=30)
    assert bad.returncode == 2
    assert "command line: --pops: expected PoP ids of the config (did you mean 'NRT57-C1'?)" \
        in bad.stderr
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config), "--pops", "SYD62-C1", "--no-latency"],
        cwd=tmp_path, text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        banner = wait_for_banner(process)
        assert "PoPs (1)" in banner and "SYD62-C1" in banner and "NRT57-C1" not in banner
        assert len(children_of(process.pid)) == 3  # origin, the PoP, the front door
        door = f"http://127.0.0.1:{ports['door']}/index.html"
        assert _served_by(door, "Osaka") == "SYD62-C1"
    finally:
        process.send_signal(signal.SIGINT)
        process.communicate(timeout=30)
    assert process.returncode == 0
