"""Instructions a viewer-request function adds to a hit, inline and isolated, under callgrind.

Seconds drift on a shared machine by more than a third of what `functions.py` measures; an
instruction count does not. This runs the PoP of `functions.py` (same config, same origin, the
same three paths) under valgrind's callgrind, twice per path: after a warm-up, once serving
`--requests` N1 keep-alive requests and once N2. The difference over N2 - N1 is the count per
request, start-up and shutdown cancelling out; `/hit` in the same run is the baseline. An
isolated function's worker runs outside valgrind: its count is the node's alone, as the node
CPU of `functions.py` is. Needs valgrind (Debian: apt-get install valgrind); a run takes a few
minutes. A measurement, not a test: it exits 0 whatever the figures.

    python bench/instructions.py [--requests 500,2500]
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import socket
import sys
import tempfile
import time
from pathlib import Path

from hit_path import Fleet, free_port, serve_origin, stopping_cleanly, wait_ready

from functions import HANDLER, TARGETS, config_text

STARTUP_S = 180.0  # a node under valgrind starts some 50 times slower
WARMUP_REQUESTS = 300
REPLY_TIMEOUT_S = 30.0
_LENGTH = re.compile(rb"content-length: *(\d+)", re.IGNORECASE)
_TOTAL = re.compile(r"^(?:summary|totals): (\d+)", re.MULTILINE)


def keep_alive_requests(port: int, path: str, count: int) -> None:
    """`count` GETs of `path`, one after another on one connection, each read to its end."""
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=REPLY_TIMEOUT_S) as sock:
        buffer = b""
        for _ in range(count):
            sock.sendall(request)
            while (end := buffer.find(b"\r\n\r\n")) < 0:
                buffer += _received(sock)
            length = _LENGTH.search(buffer[:end])
            if not buffer.startswith(b"HTTP/1.1 200") or length is None:
                raise RuntimeError(f"{path}: unexpected answer {buffer[:200]!r}")
            total = end + 4 + int(length.group(1))
            while len(buffer) < total:
                buffer += _received(sock)
            buffer = buffer[total:]


def _received(sock: socket.socket) -> bytes:
    chunk = sock.recv(1 << 16)
    if not chunk:
        raise RuntimeError("the PoP closed the connection")
    return chunk


def instructions(workdir: Path, fleet: Fleet, path: str, requests: int) -> int:
    """Instructions the PoP process ran, from start to exit, having served `requests`."""
    origin_port = free_port()
    origin = fleet.spawn(serve_origin, origin_port)
    pop = None
    try:
        wait_ready(f"http://127.0.0.1:{origin_port}/hit", origin.is_alive, None)
        pop_port = free_port(also_free_above=1000)
        (workdir / "bench.toml").write_text(config_text(origin_port, pop_port))
        out = workdir / f"callgrind.{path.strip('/').replace('/', '-')}.{requests}"
        pop = fleet.popen("pop", ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
                                  sys.executable, "-m", "edge", "node", "--id", "IAD89-C1",
                                  "--config", "bench.toml"])
        deadline = time.monotonic() + STARTUP_S
        while True:
            try:
                keep_alive_requests(pop_port, path, 1)
                break
            except OSError:
                if pop.poll() is not None or time.monotonic() > deadline:
                    log = fleet.log("pop").read_text(errors="replace")[-2000:]
                    raise RuntimeError(f"the PoP under valgrind did not start\n{log}") from None
                time.sleep(1)
        keep_alive_requests(pop_port, path, WARMUP_REQUESTS)
        keep_alive_requests(pop_port, path, requests)
        pop.send_signal(signal.SIGINT)
        pop.wait(STARTUP_S)
        found = _TOTAL.search(out.read_text())
        if found is None:
            raise RuntimeError(f"{out}: no instruction total")
        return int(found.group(1))
    finally:
        if pop is not None:
            fleet.stop(pop)
        fleet.stop(origin)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", default="500,2500",
                        help="N1,N2: requests served in the two runs per path (default 500,2500)")
    args = parser.parse_args()
    try:
        low, high = (int(n) for n in args.requests.split(","))
    except ValueError:
        parser.error("--requests: expected two numbers, N1,N2")
    if not 0 <= low < high:
        parser.error("--requests: expected 0 <= N1 < N2")
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on PATH (Debian: apt-get install valgrind)")

    per_request: dict[str, float] = {}

    def run() -> None:
        with tempfile.TemporaryDirectory(prefix="edgesim-bench-") as folder:
            workdir = Path(folder)
            (workdir / "rewrite.py").write_text(HANDLER)
            fleet = Fleet(workdir)
            try:
                for target, path in TARGETS.items():
                    counts = [instructions(workdir, fleet, path, n) for n in (low, high)]
                    per_request[target] = (counts[1] - counts[0]) / (high - low)
                    print(f"  {target:<9} {per_request[target]:10.0f} instructions per request",
                          file=sys.stderr, flush=True)
            finally:
                fleet.stop_all()

    if status := stopping_cleanly("instructions", run):
        return status
    hit = per_request["none"]
    print(f"\nhit (no function): {hit:.0f} instructions per request")
    for mode in ("inline", "isolated"):
        added = per_request[mode] - hit
        print(f"{mode}: +{added:.0f} instructions per warm invocation ({added / hit:.2f} of a hit)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
