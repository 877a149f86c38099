"""The highest rate one `edgesim load` process sustains against a trivial server, against wrk.

A trivial aiohttp + uvloop server (200 and a 1 KiB body on every path, its own process) is
loaded first by wrk (1 thread, closed loop: what the server can take), then by
`edgesim load URL --rate R` (open model, the sample site's workload) at rates doubling from
500 req/s until a run answers less than 95 % of the requested rate, then bisected between the
last rate it kept up with and the first it did not. The highest kept-up rate is searched with
one worker and with `--workers 2`; the ratios are generator / wrk and 2 workers / 1 worker.
The search is bounded in steps and in time. A measurement, not a test: it exits 0 whatever
the figures.

    python bench/loadgen.py [--duration 5] [--connections 50] [--repeats 3] [--tool auto]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import uvloop
from aiohttp import web
from hit_path import BODY, Fleet, Measure, Measurement, bench_main, free_port, wait_ready

from edge.load.stats import Tally

START_RATE = 500.0  # req/s of the first step
KEPT_UP = 0.95  # a step keeps up when this share of its requested rate is answered
MAX_DOUBLINGS = 7  # 500 to 32,000 req/s at most
BISECTIONS = 2  # steps between the last rate kept up with and the first one not
SEARCH_BUDGET_S = 150.0  # no step starts after a search has run this long
GENERATOR_SLACK_S = 60.0  # start-up and draining allowed beyond a step's duration
WORKERS = (1, 2)


@dataclass(frozen=True, slots=True)
class Step:
    """One `edgesim load` run at one requested rate."""

    requested: float
    answered_per_s: float  # answers without error, per second of the run
    p99_ms: float  # from each request's scheduled send time
    errors: int

    @property
    def kept_up(self) -> bool:
        return self.answered_per_s >= KEPT_UP * self.requested


@dataclass(frozen=True, slots=True)
class Search:
    sustained: Step | None  # the highest step that kept up; None: not even the lowest
    steps: tuple[Step, ...]

    @property
    def ceiling(self) -> float:
        """The most answered per second in any step, kept up with or not."""
        return max(s.answered_per_s for s in self.steps)


def serve_trivial(port: int) -> None:
    """The target: as little per request as aiohttp allows, so the load tool is what is measured."""

    async def answer(_request: web.Request) -> web.Response:
        return web.Response(body=BODY, content_type="application/octet-stream")

    app = web.Application()
    app.router.add_route("*", "/{path:.*}", answer)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None,
                shutdown_timeout=2.0, loop=uvloop.new_event_loop())


def run_generator(fleet: Fleet, url: str, rate: float, seconds: int, workers: int) -> Step:
    """One `edgesim load` run as its own process, read back from its JSON result."""
    out = fleet.workdir / "load.json"
    out.unlink(missing_ok=True)
    name = f"load-{workers}"
    proc = fleet.popen(name, [sys.executable, "-m", "edge", "load", url, "--rate", f"{rate:g}",
                              "--duration", str(seconds), "--workers", str(workers),
                              "--seed", "1", "--quiet", "--json", str(out)])
    try:
        code = proc.wait(seconds + GENERATOR_SLACK_S)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"edgesim load at {rate:g} req/s did not finish") from None
    finally:
        fleet.stop(proc)
    if code != 0 or not out.exists():
        tail = fleet.log(name).read_text(errors="replace")[-2000:]
        raise RuntimeError(f"edgesim load at {rate:g} req/s failed ({code}):\n{tail}")
    result = json.loads(out.read_text())
    total = Tally.from_json(result["stats"]["total"])
    return Step(rate, (total.requests - total.errors) / result["elapsed_s"],
                total.latency.percentile(0.99), total.errors)


def search(fleet: Fleet, url: str, seconds: int, workers: int) -> Search:
    """Double the rate until a step falls behind, then bisect; bounded in steps and time."""
    deadline = time.monotonic() + SEARCH_BUDGET_S
    steps: list[Step] = []

    def probe(rate: float) -> Step:
        step = run_generator(fleet, url, rate, seconds, workers)
        steps.append(step)
        print(f"  edgesim load --workers {workers}: asked {rate:8.0f}  answered "
              f"{step.answered_per_s:8.0f} req/s  p99 {step.p99_ms:8.2f} ms  errors "
              f"{step.errors}  {'kept up' if step.kept_up else 'fell behind'}",
              file=sys.stderr, flush=True)
        return step

    low: Step | None = None
    high: Step | None = None
    rate = START_RATE
    while high is None and len(steps) < MAX_DOUBLINGS and time.monotonic() < deadline:
        step = probe(rate)
        if step.kept_up:
            low, rate = step, rate * 2
        else:
            high = step
    for _ in range(BISECTIONS):
        if high is None or time.monotonic() >= deadline:
            break
        step = probe(((low.requested if low else 0.0) + high.requested) / 2)
        if step.kept_up:
            low = step
        else:
            high = step
    return Search(low, tuple(steps))


def run(args: argparse.Namespace, measure: Measure, tool: str) -> None:
    baseline: list[Measurement] = []
    searches: dict[int, list[Search]] = {w: [] for w in WORKERS}
    with tempfile.TemporaryDirectory(prefix="edgesim-bench-") as workdir:
        fleet = Fleet(Path(workdir))
        try:
            port = free_port()
            server = fleet.spawn(serve_trivial, port)
            url = f"http://127.0.0.1:{port}/"
            wait_ready(url, server.is_alive, None)
            print(f"baseline: {tool}, {args.connections} connections, {args.duration} s per run; "
                  f"edgesim load: {args.duration} s per step, from {START_RATE:g} req/s doubling "
                  f"then {BISECTIONS} bisections, kept up at {KEPT_UP:.0%} answered; median of "
                  f"{args.repeats}", flush=True)
            for _ in range(args.repeats):
                m = measure(fleet, url, args.duration, args.connections)
                baseline.append(m)
                print(f"  baseline: {m.requests_per_s:8.0f} req/s  p99 {m.p99_ms:8.2f} ms  "
                      f"errors {m.errors}", file=sys.stderr, flush=True)
                for workers in WORKERS:
                    searches[workers].append(search(fleet, url, args.duration, workers))
        finally:
            fleet.stop_all()
    report(baseline, searches)


def report(baseline: list[Measurement], searches: dict[int, list[Search]]) -> None:
    """The medians, and the two ratios (of sustained rates; 0 when nothing was kept up)."""
    def sustained(s: Search) -> float:
        return s.sustained.answered_per_s if s.sustained else 0.0

    wrk_rate = statistics.median(m.requests_per_s for m in baseline)
    rates = {w: statistics.median(sustained(s) for s in runs) for w, runs in searches.items()}
    print(f"\n{'load':<26} {'req/s':>8} {'ceiling':>8} {'p99 ms':>8}  runs (req/s)")
    print(f"{'baseline':<26} {wrk_rate:8.0f} {'':>8} "
          f"{statistics.median(m.p99_ms for m in baseline):8.2f}  "
          + " ".join(f"{m.requests_per_s:.0f}" for m in baseline))
    for workers, runs in searches.items():
        p99 = statistics.median(s.sustained.p99_ms if s.sustained else float("nan")
                                for s in runs)
        ceiling = statistics.median(s.ceiling for s in runs)
        print(f"{f'edgesim load --workers {workers}':<26} {rates[workers]:8.0f} {ceiling:8.0f} "
              f"{p99:8.2f}  " + " ".join(f"{sustained(s):.0f}" for s in runs))
    print("\nreq/s: the baseline's rate; for edgesim load, the answers per second of the highest "
          "step kept up with\nceiling: the most answered per second in any step\n")
    print(f"ratio: generator (1 worker) / baseline = {rates[1] / wrk_rate:.2f}")
    if rates[1]:
        print(f"ratio: 2 workers / 1 worker = {rates[2] / rates[1]:.2f}")


def main() -> int:
    return bench_main("loadgen", __doc__.splitlines()[0], run, connections=50)


if __name__ == "__main__":
    sys.exit(main())
