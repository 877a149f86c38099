"""Edge functions in `edgesim up`: real node processes, their worker processes, the log tail."""

from __future__ import annotations

import signal
import subprocess
import threading
import time
from pathlib import Path

from tests.test_cli_processes import EDGESIM, children_of, fetch, small_world, wait_for_banner

STAMP = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    print("stamping", event["Records"][0]["cf"]["request"]["uri"])
    response["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": "VERSION"}]
    return response
"""


def _workers(pids: list[int]) -> list[int]:
    return [kid for pid in pids for kid in children_of(pid)
            if b"edge.runtime.worker" in Path(f"/proc/{kid}/cmdline").read_bytes()]


def test_functions_run_in_worker_processes_reload_and_stop_with_the_nodes(tmp_path: Path) -> None:
    config = tmp_path / "world.toml"
    ports = small_world(config)
    (tmp_path / "functions").mkdir()
    handler = tmp_path / "functions" / "stamp.py"
    handler.write_text(STAMP.replace("VERSION", "one"))
    config.write_text(config.read_text().replace(
        '[default_behavior]\norigin = "site"\ncache_policy = "CachingOptimized"\n',
        '[default_behavior]\norigin = "site"\ncache_policy = "CachingOptimized"\n'
        '[default_behavior.functions.viewer-response]\nhandler = "functions/stamp.py"\n',
    ))
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(process)
        output: list[str] = []
        threading.Thread(target=lambda: output.extend(process.stdout or []), daemon=True).start()
        pop = f"http://127.0.0.1:{ports['pop1']}"
        status, headers, _ = fetch(pop + "/index.html")
        assert (status, headers["X-Stamp"]) == (200, "one")
        workers = _workers(children_of(process.pid))
        assert len(workers) == 1  # one warm environment, under the PoP's process

        handler.write_text(STAMP.replace("VERSION", "two, after the save"))
        deadline = time.monotonic() + 5
        while fetch(pop + "/index.html")[1]["X-Stamp"] != "two, after the save":
            assert time.monotonic() < deadline, "the saved handler was not picked up"
            time.sleep(0.1)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    time.sleep(0.2)  # let the reader thread take the last lines
    text = "".join(output)
    assert process.returncode == 0
    assert "[IAD89-C1 stamp] START RequestId:" in text
    assert "[IAD89-C1 stamp] stamping /index.html" in text
    assert "[IAD89-C1 stamp] REPORT RequestId:" in text and "Init Duration" in text
    assert "IAD89-C1: stamp: reloaded, version 2" in text
    assert "Traceback" not in text
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    log = (tmp_path / "logs" / "IAD89-C1" / "functions" / "us-east-1.stamp.log").read_text()
    assert log.count("START RequestId:") >= 2 and "Version: 2" in log
