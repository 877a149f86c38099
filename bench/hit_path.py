"""Requests/s and p99 of one PoP process against a bare aiohttp proxy started in the same run.

The machine is shared and noisy, so absolute figures drift; what counts is the ratio of the PoP
(`edgesim pop`) to `bare_proxy.py` (a ~50-line aiohttp + uvloop dict cache), both in front of the
same origin, loaded by the same tool (wrk when it is installed, else a built-in aiohttp client in
its own process), one target at a time, alternating, median of the repeats. The hit path should
reach 0.8 of the bare proxy; the miss path shows what the upstream client costs. A measurement,
not a test: it exits 0 whatever the ratios.

    python bench/hit_path.py [--duration 5] [--connections 50] [--repeats 3] [--tool auto]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

import aiohttp
import uvloop
from aiohttp import web

from edge.supervisor import PARENT_ENV

BODY = b"\x00" * 1024
# The origin's two objects: one every cache keeps, one none may (spec §4.3).
ORIGIN_OBJECTS = {"/hit": "max-age=3600", "/miss": "no-store"}
PATHS = ("hit", "miss")
TARGETS = ("bare", "pop")
X_CACHE = {"hit": "Hit from cloudfront", "miss": "Miss from cloudfront"}
HIT_TARGET = 0.8
WARMUP_S = 1
STARTUP_S = 20.0
STOP_GRACE_S = 5.0
MAX_REQUESTS = 2_000_000  # per built-in run: a bound on count as well as on time
REQUEST_TIMEOUT_S = 5.0
SPAWN = multiprocessing.get_context("spawn")

Process = subprocess.Popen[bytes] | BaseProcess


@dataclass(frozen=True, slots=True)
class Measurement:
    requests_per_s: float
    p99_ms: float
    errors: int  # failed requests, timeouts and non-2xx answers


# --- the processes ------------------------------------------------------------------------------


def serve_origin(port: int) -> None:
    """The origin both targets sit in front of, so that neither gets a faster one."""

    async def answer(request: web.Request) -> web.Response:
        cache_control = ORIGIN_OBJECTS.get(request.path)
        if cache_control is None:
            raise web.HTTPNotFound()
        return web.Response(body=BODY, content_type="application/octet-stream",
                            headers={"Cache-Control": cache_control})

    app = web.Application()
    app.router.add_get("/{path:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None,
                shutdown_timeout=2.0, loop=uvloop.new_event_loop())


class Fleet:
    """Every process the bench starts, stopped (terminate, then kill) however the run ends."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._running: list[Process] = []

    def popen(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        with open(self.log(name), "wb") as log:
            proc = subprocess.Popen(argv, cwd=self.workdir, stdout=log, stderr=subprocess.STDOUT,
                                    env={**os.environ, PARENT_ENV: str(os.getpid())})
        self._running.append(proc)
        return proc

    def spawn(self, target: Callable[..., None], *args: Any) -> BaseProcess:
        proc = SPAWN.Process(target=target, args=args, daemon=True)
        proc.start()
        self._running.append(proc)
        return proc

    def log(self, name: str) -> Path:
        return self.workdir / f"{name}.log"

    def stop(self, proc: Process) -> None:
        if proc in self._running:
            self._running.remove(proc)
        if isinstance(proc, subprocess.Popen):
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(STOP_GRACE_S)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
            return
        if proc.is_alive():
            proc.terminate()
            proc.join(STOP_GRACE_S)
            if proc.is_alive():
                proc.kill()
                proc.join()

    def stop_all(self) -> None:
        for proc in reversed(list(self._running)):
            self.stop(proc)


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(also_free_above: int = 0) -> int:
    """A port free now; with `also_free_above`, that port above it too (the PoP's admin port)."""
    for _ in range(100):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if not also_free_above:
            return port
        if port + also_free_above <= 65535 and _bindable(port + also_free_above):
            return port
    raise RuntimeError("no free pair of ports on 127.0.0.1")


def fetch(url: str) -> tuple[int, str | None]:
    """(status, X-Cache) of one GET."""
    with urllib.request.urlopen(url, timeout=REQUEST_TIMEOUT_S) as response:
        response.read()
        return response.status, response.headers.get("X-Cache")


def wait_ready(url: str, alive: Callable[[], bool], log: Path | None) -> None:
    deadline = time.monotonic() + STARTUP_S
    while time.monotonic() < deadline:
        if not alive():
            tail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"{url} died while starting\n{tail}")
        try:
            if fetch(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer 200 within {STARTUP_S:.0f} s")


def start_world(fleet: Fleet) -> dict[str, str]:
    """The origin, the bare proxy and the PoP, each ready; returns each target's base URL."""
    origin_port = free_port()
    origin = fleet.spawn(serve_origin, origin_port)
    origin_url = f"http://127.0.0.1:{origin_port}"
    wait_ready(f"{origin_url}/hit", origin.is_alive, None)

    bare_port = free_port()
    bare = fleet.popen("bare", [sys.executable, str(Path(__file__).with_name("bare_proxy.py")),
                                "--origin", origin_url, "--port", str(bare_port)])
    pop_port = free_port(also_free_above=1000)  # edgesim puts a node's admin API 1000 above
    pop = fleet.popen("pop", [sys.executable, "-m", "edge", "pop", "--origin", origin_url,
                              "--port", str(pop_port)])
    urls = {"bare": f"http://127.0.0.1:{bare_port}/", "pop": f"http://127.0.0.1:{pop_port}/"}
    for name, proc in (("bare", bare), ("pop", pop)):
        wait_ready(urls[name] + "hit", lambda p=proc: p.poll() is None, fleet.log(name))
    check_pop(urls["pop"])
    return urls


def check_pop(pop_url: str) -> None:
    """The PoP must answer /hit from its cache and /miss from the origin, or the run is moot."""
    for path, expected in X_CACHE.items():
        status, x_cache = fetch(pop_url + path)
        if status != 200 or x_cache != expected:
            raise RuntimeError(f"PoP /{path}: expected 200 {expected!r}, got {status} {x_cache!r}")


# --- load: wrk ----------------------------------------------------------------------------------

_UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def parse_wrk(out: str) -> Measurement:
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", out, re.MULTILINE)
    p99 = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.MULTILINE)
    if rate is None or p99 is None:
        raise RuntimeError(f"cannot read wrk's output:\n{out}")
    errors = 0
    if non_2xx := re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out):
        errors += int(non_2xx.group(1))
    if socket_errors := re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                                  r"timeout (\d+)", out):
        errors += sum(int(n) for n in socket_errors.groups())
    return Measurement(float(rate.group(1)), float(p99.group(1)) * _UNIT_MS[p99.group(2)], errors)


def run_wrk(url: str, seconds: int, connections: int) -> Measurement:
    argv = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency",
            f"--timeout={REQUEST_TIMEOUT_S:.0f}s", url]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 30)
    if done.returncode != 0:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def measure_wrk(fleet: Fleet, url: str, seconds: int, connections: int) -> Measurement:
    run_wrk(url, WARMUP_S, connections)
    return run_wrk(url, seconds, connections)


# --- load: the built-in client ------------------------------------------------------------------


async def _drive(session: aiohttp.ClientSession, url: str, workers: int, seconds: float,
                 latencies: list[float]) -> int:
    """`workers` loops of back-to-back GETs until the deadline; returns the failures."""
    deadline = time.perf_counter() + seconds
    failures = 0

    async def worker() -> None:
        nonlocal failures
        while time.perf_counter() < deadline and len(latencies) + failures < MAX_REQUESTS:
            started = time.perf_counter()
            try:
                async with session.get(url) as response:
                    await response.read()
                    ok = 200 <= response.status < 300
            except (aiohttp.ClientError, TimeoutError):
                ok = False
            if ok:
                latencies.append(time.perf_counter() - started)
            else:
                failures += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return failures


async def _load(url: str, connections: int, seconds: int) -> tuple[float, float, int]:
    async with asyncio.timeout(WARMUP_S + seconds + 2 * REQUEST_TIMEOUT_S), aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=connections),
        timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S),
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),  # as wrk: Host only
    ) as session:
        await _drive(session, url, connections, WARMUP_S, [])
        latencies: list[float] = []
        started = time.perf_counter()
        failures = await _drive(session, url, connections, seconds, latencies)
        elapsed = time.perf_counter() - started
    latencies.sort()
    p99 = latencies[int(0.99 * (len(latencies) - 1))] * 1000 if latencies else float("nan")
    return len(latencies) / elapsed, p99, failures


def builtin_client(url: str, connections: int, seconds: int, report: Connection) -> None:
    """The load process: the parent stops it, so Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    report.send(uvloop.run(_load(url, connections, seconds)))


def measure_builtin(fleet: Fleet, url: str, seconds: int, connections: int) -> Measurement:
    receive, send = SPAWN.Pipe(duplex=False)
    client = fleet.spawn(builtin_client, url, connections, seconds, send)
    try:
        if not receive.poll(WARMUP_S + seconds + 30):
            raise RuntimeError("the built-in load client did not report")
        rate, p99, failures = receive.recv()
    finally:
        fleet.stop(client)
    return Measurement(rate, p99, failures)


# --- the run ------------------------------------------------------------------------------------


Measure = Callable[[Fleet, str, int, int], Measurement]


def run(args: argparse.Namespace, measure: Measure, tool: str) -> None:
    with tempfile.TemporaryDirectory(prefix="edgesim-bench-") as workdir:
        fleet = Fleet(Path(workdir))
        try:
            urls = start_world(fleet)
            print(f"load: {tool}, {args.connections} connections, {args.duration} s per run after "
                  f"{WARMUP_S} s warm-up, median of {args.repeats}, targets alternating",
                  flush=True)
            results: dict[tuple[str, str], list[Measurement]] = {
                (p, t): [] for p in PATHS for t in TARGETS
            }
            for path in PATHS:
                for _ in range(args.repeats):
                    for target in TARGETS:
                        m = measure(fleet, urls[target] + path, args.duration, args.connections)
                        results[path, target].append(m)
                        print(f"  {path:<4} {target:<4} {m.requests_per_s:9.0f} req/s  "
                              f"p99 {m.p99_ms:7.2f} ms  errors {m.errors}", file=sys.stderr,
                              flush=True)
            check_pop(urls["pop"])
        finally:
            fleet.stop_all()
    report(results)


def report(results: dict[tuple[str, str], list[Measurement]]) -> None:
    medians: dict[tuple[str, str], tuple[float, float]] = {}
    print(f"\n{'path':<5} {'target':<7} {'req/s':>9} {'p99 ms':>8} {'errors':>7}  runs (req/s)")
    for (path, target), runs in results.items():
        rate = statistics.median(m.requests_per_s for m in runs)
        p99 = statistics.median(m.p99_ms for m in runs)
        medians[path, target] = (rate, p99)
        each = " ".join(f"{m.requests_per_s:.0f}" for m in runs)
        print(f"{path:<5} {target:<7} {rate:9.0f} {p99:8.2f} {sum(m.errors for m in runs):7d}  "
              f"{each}")
    print()
    for path in PATHS:
        (pop_rate, pop_p99), (bare_rate, bare_p99) = medians[path, "pop"], medians[path, "bare"]
        goal = f" (target >= {HIT_TARGET:.2f})" if path == "hit" else ""
        print(f"ratio {path}: pop/bare = {pop_rate / bare_rate:.2f}{goal}; "
              f"p99 pop/bare = {pop_p99 / bare_p99:.2f}")


def bench_main(
    name: str, description: str, run_with: Callable[[argparse.Namespace, Measure, str], None],
    connections: int,
) -> int:
    """The command line both load benchmarks share: their options, the load tool, and a clean
    stop of every process on Ctrl-C, SIGTERM or an error."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--duration", type=int, default=5, help="seconds per run (default 5)")
    parser.add_argument("--connections", type=int, default=connections,
                        help="concurrent connections")
    parser.add_argument("--repeats", type=int, default=3, help="runs per target and path")
    parser.add_argument("--tool", choices=("auto", "wrk", "builtin"), default="auto",
                        help="load tool: wrk if installed (auto), or the built-in client")
    args = parser.parse_args()
    if min(args.duration, args.connections, args.repeats) < 1:
        parser.error("--duration, --connections and --repeats must be at least 1")
    has_wrk = shutil.which("wrk") is not None
    if args.tool == "wrk" and not has_wrk:
        parser.error("wrk is not on PATH (Debian: apt-get install wrk); try --tool builtin")
    use_wrk = args.tool == "wrk" or (args.tool == "auto" and has_wrk)
    if use_wrk:
        return stopping_cleanly(name, lambda: run_with(args, measure_wrk, "wrk, 1 thread"))
    return stopping_cleanly(name, lambda: run_with(
        args, measure_builtin, "built-in aiohttp client, 1 process (slower than wrk: it may hold "
        "the baseline back, which reads as a higher ratio)"))


def stopping_cleanly(name: str, run: Callable[[], None]) -> int:
    """Run a bench whose processes a `Fleet` stops in a `finally`, so that Ctrl-C, SIGTERM or a
    failure unwinds through it; the exit status, with one line saying what went wrong."""

    def terminated(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even when started in background
    try:
        run()
    except KeyboardInterrupt:
        print("\ninterrupted; every process stopped", file=sys.stderr)
        return 130
    except (RuntimeError, subprocess.SubprocessError, OSError) as exc:
        print(f"{name}: {exc}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    return bench_main("hit_path", __doc__.splitlines()[0], run, connections=50)


if __name__ == "__main__":
    sys.exit(main())
