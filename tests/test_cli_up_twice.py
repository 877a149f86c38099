"""`edgesim up` again in the directory of a running network, as a user runs it: real processes
and ports. The second start exits 1 and changes nothing in `.edgesim/` (the running network's
token and addresses), which keeps working; once the first stops, a start there works."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.test_cli_processes import EDGESIM, children_of, fetch, wait_for_banner
from tests.test_cli_world import world_ports, write_world
from tests.world import free_node_port

STATE = ("admin-token", "nodes.json", "control.json")


def _state(cwd: Path) -> dict[str, str]:
    return {name: (cwd / ".edgesim" / name).read_text() for name in STATE}


def _status(url: str, token: str) -> int | None:
    """The status `url` answers with the token, None while nothing answers."""
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def _edgesim(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDGESIM, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=30)
    return out


def test_a_second_start_here_leaves_the_running_network_alone(tmp_path: Path) -> None:
    ports = world_ports(control_plane=True)
    config = tmp_path / "world.toml"
    write_world(config, ports)
    other_ports = world_ports(control_plane=True)
    other = tmp_path / "other.toml"
    write_world(other, other_ports)
    first = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config), "--pops", "IAD89-C1"], cwd=tmp_path,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(first)
        before = _state(tmp_path)
        token = before["admin-token"].strip()

        # The same world again: its ports are taken, and that is all it says and does.
        again = _edgesim(tmp_path, "up", "--config", str(config), "--pops", "IAD89-C1")
        assert again.returncode == 1, again.stdout + again.stderr
        assert _state(tmp_path) == before
        assert again.stdout == (
            f"edgesim: port {ports['origin']} on 127.0.0.1 is already in use (the sample "
            "origin); stop whatever uses it or change the port in the config\n")
        assert again.stderr == ""

        # Another world on other ports, from the same directory: refused, nothing started.
        again = _edgesim(tmp_path, "up", "--config", str(other), "--pops", "IAD89-C1")
        assert again.returncode == 1, again.stdout + again.stderr
        assert _state(tmp_path) == before
        with pytest.raises(OSError):
            fetch(f"http://127.0.0.1:{other_ports['origin']}/_origin/health")
        assert again.stdout == (
            f"edgesim: another edgesim (pid {first.pid}) is running from this directory and "
            "keeps its token and addresses in .edgesim/; stop it first, or start this one from "
            "another directory\n")
        # So is a single PoP.
        pop_port = free_node_port()
        again = _edgesim(tmp_path, "pop", "--origin", f"http://127.0.0.1:{ports['origin']}",
                         "--port", str(pop_port))
        assert again.returncode == 1 and "another edgesim" in again.stderr, again.stderr
        assert _state(tmp_path) == before

        # The running network still takes the token in the file: its API, `edgesim
        # invalidate`, and a node the supervisor restarts (which reads the file again).
        plane = f"http://127.0.0.1:{ports['control']}"
        assert _status(plane + "/api/stats", token) == 200
        invalidate = _edgesim(tmp_path, "invalidate", "/index.html")
        assert invalidate.returncode == 0, invalidate.stderr
        assert "IAD89-C1" in invalidate.stdout
        pop = next(k for k in children_of(first.pid)
                   if "IAD89-C1" in Path(f"/proc/{k}/cmdline").read_text())
        os.kill(pop, signal.SIGKILL)
        admin = f"http://127.0.0.1:{ports['IAD89-C1'] + 1000}/stats"
        deadline = time.monotonic() + 30
        while (status := _status(admin, token)) is None or pop in children_of(first.pid):
            assert time.monotonic() < deadline, "IAD89-C1 was not restarted"
            time.sleep(0.2)
        assert status == 200
    finally:
        out = _stop(first)
    assert first.returncode == 0, out
    assert "Traceback" not in out
    assert not (tmp_path / ".edgesim" / "nodes.json").exists()

    # The first network gone, its directory is free again (nothing stale holds it).
    second = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(other), "--pops", "IAD89-C1"], cwd=tmp_path,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(second)
        token = (tmp_path / ".edgesim" / "admin-token").read_text().strip()
        assert _status(f"http://127.0.0.1:{other_ports['control']}/api/stats", token) == 200
    finally:
        out = _stop(second)
    assert second.returncode == 0, out
