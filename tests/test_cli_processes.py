"""The commands as a user runs them: real processes, real ports, real signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.world import access_log_lines, free_port

EDGESIM = [sys.executable, "-m", "edge"]


def fetch(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read()


def wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            fetch(url)
            return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {seconds} s")


def wait_for_banner(process: subprocess.Popen[str], seconds: float = 30.0) -> str:
    """Read `edgesim up` output until it says it is up; returns what it printed."""
    seen: list[str] = []
    done = threading.Event()

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Press Ctrl-C"):
                break
        done.set()

    threading.Thread(target=read, daemon=True).start()
    if not done.wait(seconds) or not seen or not seen[-1].startswith("Press Ctrl-C"):
        raise AssertionError("edgesim up did not come up:\n" + "".join(seen))
    return "".join(seen)


def small_world(path: Path) -> dict[str, int]:
    """A config with one regional cache and two PoPs on free ports; returns the ports."""
    ports = {"origin": free_port(), "rec": free_port(), "pop1": free_port(), "pop2": free_port()}
    path.write_text(f"""
log_dir = "logs"
[distribution]
id = "ETEST"
domain_name = "dtest.cloudfront.net"
[origin_server]
port = {ports["origin"]}
[[origins]]
id = "site"
url = "http://127.0.0.1:{ports["origin"]}"
[default_behavior]
origin = "site"
cache_policy = "CachingOptimized"
[[regional_caches]]
id = "REC-us-east-1"
city = "Ashburn"
latitude = 39.04
longitude = -77.49
port = {ports["rec"]}
[[pops]]
id = "IAD89-C1"
city = "Ashburn"
latitude = 39.04
longitude = -77.49
port = {ports["pop1"]}
parent = "REC-us-east-1"
[[pops]]
id = "JFK50-C1"
city = "New York"
latitude = 40.64
longitude = -73.78
port = {ports["pop2"]}
parent = "REC-us-east-1"
""")
    return ports


def children_of(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-eo", "pid=,ppid="], capture_output=True, text=True).stdout
    return [int(p) for p, pp in (line.split() for line in out.splitlines()) if int(pp) == pid]


@pytest.fixture
def up(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], dict[str, int], Path]]:
    config = tmp_path / "world.toml"
    ports = small_world(config)
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(process)
        yield process, ports, tmp_path
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=30)


def test_up_serves_hits_invalidates_restarts_and_stops_cleanly(up) -> None:
    process, ports, cwd = up
    pop = f"http://127.0.0.1:{ports['pop1']}"
    status, headers, _ = fetch(pop + "/index.html")
    assert status == 200 and headers["X-Cache"] == "Miss from cloudfront"
    status, headers, _ = fetch(pop + "/index.html")
    assert headers["X-Cache"] == "Hit from cloudfront" and "Age" in headers

    invalidate = subprocess.run([*EDGESIM, "invalidate", "/index*"], cwd=cwd, capture_output=True,
                                text=True, timeout=30)
    assert invalidate.returncode == 0, invalidate.stderr
    assert "IAD89-C1" in invalidate.stdout and "removed 1 object" in invalidate.stdout
    assert fetch(pop + "/index.html")[1]["X-Cache"] == "Miss from cloudfront"

    # A node that dies is restarted and serves again.
    kids = children_of(process.pid)
    assert len(kids) == 4  # origin, REC, two PoPs
    victim = next(k for k in kids if "JFK50-C1" in Path(f"/proc/{k}/cmdline").read_text())
    os.kill(victim, signal.SIGKILL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            if fetch(f"http://127.0.0.1:{ports['pop2']}/index.html")[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    assert fetch(f"http://127.0.0.1:{ports['pop2']}/index.html")[0] == 200

    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "JFK50-C1 exited" in out and "restarting" in out
    assert "Traceback" not in out
    for kid in children_of(process.pid) + kids:
        assert not Path(f"/proc/{kid}").exists()
    lines = access_log_lines(cwd / "logs" / "IAD89-C1")
    assert len(lines) == 3  # miss, hit, miss: nothing lost at shutdown


def test_config_error_names_file_and_key_and_exits_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    small_world(config)
    config.write_text(config.read_text().replace('cache_policy = "CachingOptimized"',
                                                 'cache_policy = "NoSuchPolicy"'))
    result = subprocess.run([*EDGESIM, "up", "--config", str(config)], cwd=tmp_path,
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"{config}: default_behavior.cache_policy: expected" in result.stderr
    assert "NoSuchPolicy" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    import socket

    config = tmp_path / "world.toml"
    ports = small_world(config)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports["pop1"]))
        s.listen()
        result = subprocess.run([*EDGESIM, "up", "--config", str(config)], cwd=tmp_path,
                                capture_output=True, text=True, timeout=30)
    assert result.returncode == 1
    assert f"port {ports['pop1']} on 127.0.0.1 is already in use (IAD89-C1 viewer port)" in (
        result.stdout
    )
    assert "Traceback" not in result.stdout + result.stderr


def test_single_pop_in_front_of_any_origin(tmp_path: Path) -> None:
    origin_port, pop_port = free_port(), free_port()
    origin = subprocess.Popen([sys.executable, "-m", "origin", "--port", str(origin_port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pop = subprocess.Popen(
        [*EDGESIM, "pop", "--origin", f"http://127.0.0.1:{origin_port}", "--port", str(pop_port),
         "--cache-semantics", "rfc9111"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{origin_port}/_origin/health")
        wait_for(f"http://127.0.0.1:{pop_port + 1000}/health")
        url = f"http://127.0.0.1:{pop_port}/api/items/1"
        assert fetch(url)[1]["X-Cache"] == "Miss from cloudfront"
        assert fetch(url)[1]["X-Cache"] == "Hit from cloudfront"
        # no-store from the origin is never cached
        no_store = f"http://127.0.0.1:{pop_port}/api/time"
        assert fetch(no_store)[1]["X-Cache"] == "Miss from cloudfront"
        assert fetch(no_store)[1]["X-Cache"] == "Miss from cloudfront"
        # What aiohttp cannot parse gets its 400, and nothing in the node's output.
        with socket.create_connection(("127.0.0.1", pop_port), timeout=10) as conn:
            conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"b" * 70_000 + b"\r\n\r\n")
            assert conn.recv(100).split(b" ")[1] == b"400"
    finally:
        pop.send_signal(signal.SIGTERM)
        out, _ = pop.communicate(timeout=30)
        origin.send_signal(signal.SIGTERM)
        origin.wait(timeout=30)
    assert pop.returncode == 0
    assert "Traceback" not in out


def test_up_in_front_of_your_own_app(tmp_path: Path) -> None:
    """`--config FILE --origin URL`: every node runs the file's distribution, its one origin
    at URL (the user's app), and no sample origin runs."""
    app_port = free_port()
    config = tmp_path / "world.toml"
    ports = small_world(config)
    config.write_text(config.read_text().replace('cache_policy = "CachingOptimized"',
                                                 'cache_policy = "Short"') + """
[cache_policies.Short]
min_ttl = 0
default_ttl = 0
max_ttl = 5
""")
    app = subprocess.Popen([sys.executable, "-m", "origin", "--port", str(app_port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    up = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config), "--origin", f"http://127.0.0.1:{app_port}"],
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    try:
        wait_for(f"http://127.0.0.1:{app_port}/_origin/health")
        banner = wait_for_banner(up)
        pop = f"http://127.0.0.1:{ports['pop1']}"
        # The app's headers within the file's policy: its max-age=60 caches for max_ttl 5 s,
        # its no-store not at all.
        assert fetch(pop + "/index.html")[1]["X-Cache"] == "Miss from cloudfront"
        assert fetch(pop + "/index.html")[1]["X-Cache"] == "Hit from cloudfront"
        token = (tmp_path / ".edgesim" / "admin-token").read_text().strip()
        inspect = urllib.request.Request(
            f"http://127.0.0.1:{ports['pop1'] + 1000}/cache?prefix=/index.html",
            headers={"Authorization": f"Bearer {token}"})
        with urllib.request.urlopen(inspect, timeout=10) as response:
            (entry,) = json.load(response)["entries"]
        assert 0 < entry["ttl_left_s"] <= 5
        assert fetch(pop + "/api/time")[1]["X-Cache"] == "Miss from cloudfront"
        assert fetch(pop + "/api/time")[1]["X-Cache"] == "Miss from cloudfront"
        with pytest.raises(OSError):
            fetch(f"http://127.0.0.1:{ports['origin']}/_origin/health")  # no sample origin
    finally:
        up.send_signal(signal.SIGINT)
        out, _ = up.communicate(timeout=30)
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=30)
    assert up.returncode == 0, out
    assert f"Origin: http://127.0.0.1:{app_port} (yours)" in banner


def test_every_process_stops_when_up_is_killed(tmp_path: Path) -> None:
    """`kill -9` gives `edgesim up` no say: its children see it gone and stop by themselves."""
    config = tmp_path / "world.toml"
    small_world(config)
    door = free_port()
    config.write_text(config.read_text() + f"\n[front_door]\nport = {door}\n")
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(process)
        kids = children_of(process.pid)
        assert len(kids) == 5  # origin, regional cache, two PoPs, front door
    finally:
        process.kill()
        process.wait(timeout=30)
    deadline = time.monotonic() + 15
    while alive := [kid for kid in kids if running(kid)]:
        assert time.monotonic() < deadline, f"still running: {alive}"
        time.sleep(0.2)


def running(pid: int) -> bool:
    """Alive and not a zombie waiting for a parent that is gone."""
    try:
        return "zombie" not in Path(f"/proc/{pid}/status").read_text().lower()
    except OSError:
        return False


def test_up_says_at_once_which_handler_does_not_load(tmp_path: Path) -> None:
    config = tmp_path / "world.toml"
    ports = small_world(config)
    (tmp_path / "broken.py").write_text("def handler(event, context)\n    return None\n")
    config.write_text(config.read_text()
                      + '\n[default_behavior.functions.viewer-request]\nhandler = "broken.py"\n')
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        out = wait_for_banner(process)
        assert ("edgesim: warning: broken: broken.py does not load: SyntaxError: expected ':' "
                "(line 1); requests that run it get a 503") in out
        assert fetch(f"http://127.0.0.1:{ports['pop1']}/index.html")[0] == 503
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
