"""Edge functions in `edgesim up`: real node processes, their worker processes, the log tail."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import IO

from tests.test_cli_processes import (
    EDGESIM,
    children_of,
    fetch,
    small_world,
    wait_for,
    wait_for_banner,
)

STAMP = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    print("stamping", event["Records"][0]["cf"]["request"]["uri"])
    response["headers"]["x-stamp"] = [{"key": "X-Stamp", "value": "VERSION"}]
    return response
"""


PASS = """
def handler(event, context):
    return event["Records"][0]["cf"]["request"]
"""


def _with_functions(config: Path, handlers: dict[str, str]) -> None:
    """Attach handler files (by trigger) to the default behavior of a `small_world` config."""
    head = '[default_behavior]\norigin = "site"\ncache_policy = "CachingOptimized"\n'
    config.write_text(config.read_text().replace(head, head + "".join(
        f'[default_behavior.functions.{trigger}]\nhandler = "{handler}"\n'
        for trigger, handler in handlers.items())))


def _stamped_world(tmp_path: Path) -> tuple[Path, dict[str, int], Path]:
    """A `small_world` config whose default behavior stamps its responses (viewer-response,
    version "one"): the config, its ports and the handler file."""
    config = tmp_path / "world.toml"
    ports = small_world(config)
    (tmp_path / "functions").mkdir()
    handler = tmp_path / "functions" / "stamp.py"
    handler.write_text(STAMP.replace("VERSION", "one"))
    _with_functions(config, {"viewer-response": "functions/stamp.py"})
    return config, ports, handler


def _save(path: Path, text: str) -> None:
    """Save as an editor does, in one step: no node reads the file half-written."""
    temporary = path.with_suffix(".saving")
    temporary.write_text(text)
    temporary.replace(path)


class Output:
    """What a running command prints, read line by line on a thread."""

    def __init__(self, stream: IO[str]) -> None:
        self.lines: list[str] = []
        threading.Thread(target=lambda: self.lines.extend(stream), daemon=True).start()

    def wait_for(self, text: str, seconds: float = 10.0) -> None:
        deadline = time.monotonic() + seconds
        while not any(text in line for line in self.lines):
            assert time.monotonic() < deadline, f"no {text!r} in:\n{''.join(self.lines)}"
            time.sleep(0.05)

    def reload_lines(self) -> list[str]:
        return [line.rstrip("\n") for line in self.lines
                if "reloaded, version" in line or "does not load, version" in line]


def _workers(pids: list[int]) -> list[int]:
    return [kid for pid in pids for kid in children_of(pid)
            if b"edge.runtime.worker" in Path(f"/proc/{kid}/cmdline").read_bytes()]


def test_functions_run_in_worker_processes_reload_and_stop_with_the_nodes(tmp_path: Path) -> None:
    config, ports, handler = _stamped_world(tmp_path)
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

        _save(handler, STAMP.replace("VERSION", "two, after the save"))
        deadline = time.monotonic() + 5
        while fetch(pop + "/index.html")[1]["X-Stamp"] != "two, after the save":
            assert time.monotonic() < deadline, "the saved handler was not picked up"
            time.sleep(0.1)
        # Said once for both PoPs (the regional cache runs no viewer trigger), once the other
        # PoP has looked at the file too; see the test below.
        said = "edgesim: stamp: reloaded, version 2 serves new requests (IAD89-C1, JFK50-C1)"
        while said not in "".join(output):
            assert time.monotonic() < deadline, "the reload was not said for both PoPs"
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
    assert text.count("serves new requests") == 1
    assert "Traceback" not in text
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
    log = (tmp_path / "logs" / "IAD89-C1" / "functions" / "us-east-1.stamp.log").read_text()
    assert log.count("START RequestId:") >= 2 and "Version: 2" in log


def test_up_says_each_handler_save_once_for_the_nodes_that_run_it(tmp_path: Path) -> None:
    """One line per save, not one per node: the nodes' reports are folded by outcome, and a node
    whose outcome differs (here one restarted, counting its versions anew) is said apart."""
    config = tmp_path / "world.toml"
    small_world(config)
    (tmp_path / "functions").mkdir()
    stamp, tag = tmp_path / "functions" / "stamp.py", tmp_path / "functions" / "tag.py"
    stamp.write_text(STAMP.replace("VERSION", "one"))
    tag.write_text(PASS)
    _with_functions(config, {"viewer-response": "functions/stamp.py",
                             "origin-request": "functions/tag.py"})
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    try:
        wait_for_banner(process)
        assert process.stdout is not None
        output = Output(process.stdout)

        _save(stamp, STAMP.replace("VERSION", "two, after the save"))
        output.wait_for("stamp: reloaded, version 2")

        _save(tag, "def handler(event, context)\n    return None\n")
        output.wait_for("tag: the new tag.py does not load")

        # A PoP that dies is restarted at version 1 of every function; the next save makes it
        # version 2 there and 3 on the other PoP: two outcomes, two lines.
        victim = next(k for k in children_of(process.pid)
                      if b"JFK50-C1" in Path(f"/proc/{k}/cmdline").read_bytes())
        os.kill(victim, signal.SIGKILL)
        output.wait_for("JFK50-C1 is back", seconds=30)
        _save(stamp, STAMP.replace("VERSION", "three, after the restart"))
        output.wait_for("stamp: reloaded, version 3")
        output.wait_for("stamp: reloaded, version 2 serves new requests (JFK50-C1)")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    time.sleep(0.2)  # let the reader thread take the last lines
    assert process.returncode == 0
    lines = output.reload_lines()
    assert lines[:2] == [
        "edgesim: stamp: reloaded, version 2 serves new requests (IAD89-C1, JFK50-C1)",
        # An origin trigger: the regional cache watches it too.
        "edgesim: tag: the new tag.py does not load, version 1 keeps serving "
        "(IAD89-C1, JFK50-C1, REC-us-east-1): SyntaxError: expected ':' (line 1)",
    ]
    assert sorted(lines[2:]) == [  # in the order the two PoPs' reports came
        "edgesim: stamp: reloaded, version 2 serves new requests (JFK50-C1)",
        "edgesim: stamp: reloaded, version 3 serves new requests (IAD89-C1)",
    ]


def test_a_node_run_alone_says_its_own_reloads(tmp_path: Path) -> None:
    config, ports, stamp = _stamped_world(tmp_path)
    process = subprocess.Popen(
        [*EDGESIM, "node", "--id", "IAD89-C1", "--config", str(config)], cwd=tmp_path,
        text=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        wait_for(f"http://127.0.0.1:{ports['pop1'] + 1000}/health")
        assert process.stderr is not None
        output = Output(process.stderr)
        _save(stamp, STAMP.replace("VERSION", "two, after the save"))
        output.wait_for("stamp: reloaded")
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)
    assert process.returncode == 0
    assert output.reload_lines() == [
        "edgesim: IAD89-C1: stamp: reloaded, version 2 serves new requests"]
