"""Resize latency of image variants through a PoP against Pillow alone, same run; and a hit.

One PoP process (`edgesim node`, no regional cache, so it runs both functions) with
functions/image_variant.py (viewer-request) and image_resize.py (origin-request, isolated,
1024 MB) on `/images/*`, in front of the sample origin serving a 2.9 MP JPEG (the largest
sample photograph, enlarged). Each miss asks for the 400 px WebP or JPEG variant after an
invalidation, so every one is resized again; the baseline is the function's own `render()`
called in this process on the same bytes: Pillow's decode, resize and encode, with none of the
pipeline (viewer-request, cache, the isolated worker, the fetch from the origin, base64, JSON).
Targets alternate, so drift in the machine's load hits all alike. Then the variant is asked for
again and again: a hit. A measurement, not a test: it exits 0 whatever the figures.

    python bench/images.py [--misses 40] [--hits 400]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

import uvloop
from aiohttp import web
from hit_path import Fleet, free_port, stopping_cleanly, wait_ready
from PIL import Image

from origin.app import PACKAGED_CONTENT, make_app

FUNCTIONS = Path(__file__).resolve().parents[1] / "functions"
SOURCE = PACKAGED_CONTENT / "images" / "retina.jpg"  # 1411 x 1411, the largest sample
SIDE = 1700  # 2.9 MP
VARIANTS = {"webp": "/images/large.jpg?width=400&format=webp",
            "jpeg": "/images/large.jpg?width=400&format=jpeg"}
TOKEN = "bench-token"
TIMEOUT_S = 30.0


def serve_origin(port: int, content: str) -> None:
    web.run_app(make_app(Path(content)), host="127.0.0.1", port=port, access_log=None,
                print=None, shutdown_timeout=2.0, loop=uvloop.new_event_loop())


def config_text(origin_port: int, pop_port: int) -> str:
    return f'''
log_dir = "logs"
[distribution]
id = "EBENCH"
domain_name = "dbench.cloudfront.net"
[latency]
time_scale = 0
[[origins]]
id = "site"
url = "http://127.0.0.1:{origin_port}"
[cache_policies.Images]
min_ttl = 0
default_ttl = 86400
max_ttl = 31536000
headers = {{ behavior = "whitelist", items = ["Accept"] }}
[[behaviors]]
path_pattern = "/images/*"
origin = "site"
cache_policy = "Images"
[behaviors.functions.viewer-request]
handler = "{FUNCTIONS / "image_variant.py"}"
[behaviors.functions.origin-request]
handler = "{FUNCTIONS / "image_resize.py"}"
memory_size = 1024
[default_behavior]
origin = "site"
cache_policy = "CachingOptimized"
[[pops]]
id = "IAD89-C1"
city = "Ashburn"
latitude = 39.04
longitude = -77.49
port = {pop_port}
'''


def resize_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("image_resize", FUNCTIONS / "image_resize.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class Client:
    """One keep-alive connection to a node; each call returns its time in ms."""

    def __init__(self, port: int) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT_S)

    def get(self, path: str, expect: str) -> float:
        started = time.perf_counter()
        self.connection.request("GET", path)
        response = self.connection.getresponse()
        body = response.read()
        elapsed = (time.perf_counter() - started) * 1000
        if response.status != 200 or response.getheader("X-Cache") != expect:
            raise RuntimeError(f"{path}: {response.status} {response.getheader('X-Cache')}: "
                               f"{body[:200]!r}")
        return elapsed

    def invalidate(self, admin_port: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", admin_port, timeout=TIMEOUT_S)
        connection.request("POST", "/invalidations", json.dumps({"paths": ["/images/*"]}),
                           {"Authorization": f"Bearer {TOKEN}",
                            "Content-Type": "application/json"})
        connection.getresponse().read()
        connection.close()


def percentiles(values: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return statistics.median(values), cuts[98]


def run(args: argparse.Namespace, workdir: Path) -> None:
    content = workdir / "content"
    (content / "images").mkdir(parents=True)
    large = content / "images" / "large.jpg"
    Image.open(SOURCE).resize((SIDE, SIDE), Image.Resampling.LANCZOS).save(large, quality=90)
    original = large.read_bytes()
    fleet = Fleet(workdir)
    try:
        origin_port = free_port()
        origin = fleet.spawn(serve_origin, origin_port, str(content))
        wait_ready(f"http://127.0.0.1:{origin_port}/images/large.jpg", origin.is_alive, None)
        pop_port = free_port(also_free_above=1000)
        (workdir / "bench.toml").write_text(config_text(origin_port, pop_port))
        (workdir / "token").write_text(TOKEN)
        pop = fleet.popen("pop", [sys.executable, "-m", "edge", "node", "--id", "IAD89-C1",
                                  "--config", "bench.toml", "--token-file", "token"])
        wait_ready(f"http://127.0.0.1:{pop_port}/images/large.jpg",
                   lambda: pop.poll() is None, fleet.log("pop"))
        measure(args, Client(pop_port), pop_port + 1000, original)
    finally:
        fleet.stop_all()


def measure(args: argparse.Namespace, client: Client, admin_port: int, original: bytes) -> None:
    module = resize_module()
    matches = {name: module.VARIANT.fullmatch(f"/images/_v/w400-q80-{name}/large.jpg")
               for name in VARIANTS}
    for name, path in VARIANTS.items():  # cold starts and the first fetch: not measured
        client.invalidate(admin_port)
        client.get(path, "Miss from cloudfront")
        module.render(original, matches[name])
    times: dict[str, list[float]] = {}
    print(f"original: {SIDE}x{SIDE} JPEG, {len(original):,} bytes; {args.misses} misses and "
          f"{args.hits} hits per target", flush=True)
    for _ in range(args.misses):
        for name, path in VARIANTS.items():
            client.invalidate(admin_port)
            times.setdefault(f"pop {name}", []).append(client.get(path, "Miss from cloudfront"))
            started = time.perf_counter()
            module.render(original, matches[name])
            times.setdefault(f"pillow {name}", []).append((time.perf_counter() - started) * 1000)
    path = VARIANTS["webp"]
    client.get(path, "Miss from cloudfront")  # the last invalidation took it away
    times["pop hit"] = [client.get(path, "Hit from cloudfront") for _ in range(args.hits)]

    p = {target: percentiles(values) for target, values in times.items()}
    print(f"\n{'target':<12} {'p50 ms':>8} {'p99 ms':>8}")
    for target, (p50, p99) in p.items():
        print(f"{target:<12} {p50:8.1f} {p99:8.1f}")
    print()
    for name in VARIANTS:
        pop, pillow = p[f"pop {name}"][0], p[f"pillow {name}"][0]
        print(f"{name}: a miss takes {pop / pillow:.2f}x Pillow alone (p50), "
              f"+{pop - pillow:.1f} ms of pipeline")
    print(f"hit: p50 {p['pop hit'][0]:.2f} ms, {p['pop webp'][0] / p['pop hit'][0]:.0f}x "
          f"faster than a WebP miss")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", type=int, default=40, help="resizes per target (default 40)")
    parser.add_argument("--hits", type=int, default=400, help="hits measured (default 400)")
    args = parser.parse_args()
    if min(args.misses, args.hits) < 2:
        parser.error("--misses and --hits must be at least 2")

    with tempfile.TemporaryDirectory(prefix="edgesim-bench-") as workdir:
        return stopping_cleanly("images", lambda: run(args, Path(workdir)))


if __name__ == "__main__":
    sys.exit(main())
