"""What a viewer-request edge function adds to a cache hit: none, inline, isolated, same run.

One PoP process (`edgesim node`) in front of the bench origin of `hit_path.py`, with three
behaviors whose hits differ only in their viewer-request function: none (`/hit`), an inline one
(`/inline/hit`) and an isolated one (`/isolated/hit`), each function rewriting the URI to `/hit`
so that all three are hits on the same object. Each is loaded in turn (alternating, median of the
repeats); the PoP process's own CPU time (from /proc, so worker processes are not counted) per
request gives the node CPU a warm invocation adds. Targets: isolated <= 50 us, inline <= 5 us.
A measurement, not a test: it exits 0 whatever the figures.

    python bench/functions.py [--duration 5] [--connections 20] [--repeats 3] [--tool auto]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

from hit_path import Fleet, Measure, Measurement, bench_main, free_port, serve_origin, wait_ready

TARGETS = {"none": "/hit", "inline": "/inline/hit", "isolated": "/isolated/hit"}
GOALS_US = {"inline": 5.0, "isolated": 50.0}
HANDLER = '''
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = request["uri"][request["uri"].index("/", 1):]
    return request
'''
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def config_text(origin_port: int, pop_port: int) -> str:
    behaviors = "".join(f'''
[[behaviors]]
path_pattern = "/{mode}/*"
origin = "origin"
cache_policy = "CachingOptimized"
[behaviors.functions.viewer-request]
handler = "rewrite.py"
name = "rewrite-{mode}"
mode = "{mode}"
''' for mode in ("inline", "isolated"))
    return f'''
log_dir = "logs"
[distribution]
id = "EBENCH"
domain_name = "dbench.cloudfront.net"
[[origins]]
id = "origin"
url = "http://127.0.0.1:{origin_port}"
{behaviors}
[default_behavior]
origin = "origin"
cache_policy = "CachingOptimized"
[[pops]]
id = "IAD89-C1"
city = "Ashburn"
latitude = 39.04
longitude = -77.49
port = {pop_port}
'''


def cpu_seconds(pid: int) -> float:
    """utime + stime of one process, from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def run(args: argparse.Namespace, measure: Measure, tool: str) -> None:
    with tempfile.TemporaryDirectory(prefix="edgesim-bench-") as workdir:
        fleet = Fleet(Path(workdir))
        try:
            origin_port = free_port()
            origin = fleet.spawn(serve_origin, origin_port)
            wait_ready(f"http://127.0.0.1:{origin_port}/hit", origin.is_alive, None)
            pop_port = free_port(also_free_above=1000)
            (Path(workdir) / "rewrite.py").write_text(HANDLER)
            config = Path(workdir) / "bench.toml"
            config.write_text(config_text(origin_port, pop_port))
            pop = fleet.popen("pop", [sys.executable, "-m", "edge", "node", "--id", "IAD89-C1",
                                      "--config", str(config)])
            base = f"http://127.0.0.1:{pop_port}"
            for path in TARGETS.values():
                wait_ready(base + path, lambda: pop.poll() is None, fleet.log("pop"))
            print(f"load: {tool}, {args.connections} connections, {args.duration} s per run, "
                  f"median of {args.repeats}, targets alternating", flush=True)
            results: dict[str, list[tuple[Measurement, float]]] = {t: [] for t in TARGETS}
            for _ in range(args.repeats):
                for target, path in TARGETS.items():
                    before = cpu_seconds(pop.pid)
                    m = measure(fleet, base + path, args.duration, args.connections)
                    cpu = cpu_seconds(pop.pid) - before
                    # Requests in the measured run plus its warm-up, which the CPU also covers.
                    served = m.requests_per_s * (args.duration + 1)
                    results[target].append((m, cpu / served * 1e6 if served else float("nan")))
                    print(f"  {target:<9} {m.requests_per_s:9.0f} req/s  "
                          f"{results[target][-1][1]:6.1f} us CPU/request  errors {m.errors}",
                          file=sys.stderr, flush=True)
        finally:
            fleet.stop_all()
    report(results)


def report(results: dict[str, list[tuple[Measurement, float]]]) -> None:
    rate = {t: statistics.median(m.requests_per_s for m, _ in runs) for t, runs in results.items()}
    cpu = {t: statistics.median(c for _, c in runs) for t, runs in results.items()}
    print(f"\n{'function':<9} {'req/s':>9} {'us CPU/req':>11} {'errors':>7}")
    for target, runs in results.items():
        print(f"{target:<9} {rate[target]:9.0f} {cpu[target]:11.1f} "
              f"{sum(m.errors for m, _ in runs):7d}")
    print()
    for mode, goal in GOALS_US.items():
        added = cpu[mode] - cpu["none"]
        print(f"{mode}: +{added:.1f} us of node CPU per warm invocation (target <= {goal:g}); "
              f"req/s {mode}/none = {rate[mode] / rate['none']:.2f}")


def main() -> int:
    return bench_main("functions", __doc__.splitlines()[0], run, connections=20)


if __name__ == "__main__":
    sys.exit(main())
