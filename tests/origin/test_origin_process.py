"""`python -m origin` as a real process: serves, stops cleanly on signals, explains a busy port."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import pytest

from origin.cli import main


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_health(port: int, process: subprocess.Popen[str]) -> str:
    """Poll until the origin answers (bounded), failing early if the process died."""
    for _ in range(200):
        if process.poll() is not None:
            pytest.fail(f"origin exited early: {process.communicate()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_origin/health") as response:
                return response.read().decode()
        except OSError:
            time.sleep(0.05)
    pytest.fail("origin never answered its health check")


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        yield holder.getsockname()[1]


def start(port: int) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "origin", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_process_serves_then_exits_0_on_a_stop_signal(signum: signal.Signals) -> None:
    port = free_port()
    process = start(port)
    try:
        assert wait_for_health(port, process) == "ok"
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == 0
    assert "Traceback" not in stderr
    assert f"listening on http://127.0.0.1:{port}" in stderr


def test_process_on_a_busy_port_exits_1_with_one_clear_line(busy_port: int) -> None:
    process = start(busy_port)
    _, stderr = process.communicate(timeout=15)
    assert process.returncode == 1
    assert stderr.splitlines() == [
        f"edgesim-origin: cannot listen on 127.0.0.1:{busy_port}: address already in use"
    ]


def test_main_returns_1_on_a_busy_port(busy_port: int, capsys: pytest.CaptureFixture) -> None:
    assert main(["--port", str(busy_port)]) == 1
    assert "address already in use" in capsys.readouterr().err
