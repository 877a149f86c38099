"""Node CPU per warm edge-function invocation through `invoke`, isolated and inline.

CPU is the node process's own (`time.process_time`): a worker's CPU is not counted, as it runs
beside the node. Three floors run in the same run, alternating with the invocations, so the
figures stay comparable on a shared, noisy machine: `baseline`, the handler called through one
`await` of a coroutine on the same loop; `least inline`, the least an inline invocation can do
in Python and still be one (below); and `round trip`, the frame `invoke` sends to a worker
bounced back by a process that does nothing else, over the same kind of Unix socket and asyncio
protocol (what isolated mode cannot go below). A measurement, not a test: it exits 0 whatever
the figures.

    python bench/invocation.py [--rounds 5000] [--repeats 5] [--loop uvloop] [--profile MODE]
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import math
import pstats
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from edge.runtime.events import EventType, RequestData, ViewerRequest
from edge.runtime.framing import pack_for_worker
from edge.runtime.function import EdgeFunction, Mode
from edge.runtime.handler import HandlerSpec
from edge.runtime.headers import cf_headers
from edge.runtime.runner import DeployedFunction, invoke
from edge.runtime.testing import CLIENT_IP, CONFIG, HEADERS
from edge.runtime.validation import AcceptedRequest

# The common case: a viewer-request handler that adds one header and lets the request go on.
HANDLER = '''
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-handled-by"] = [{"key": "X-Handled-By", "value": context.function_name}]
    return request
'''
TARGETS = ("baseline", "least inline", "round trip", Mode.ISOLATED.value, Mode.INLINE.value)
MODES = (Mode.ISOLATED.value, Mode.INLINE.value)
ECHO = """
import socket, sys
channel = socket.socket(fileno=int(sys.argv[1]))
while data := channel.recv(1 << 16):
    channel.sendall(data)
"""
TARGETS_US = {Mode.ISOLATED.value: 50.0, Mode.INLINE.value: 5.0}


def _handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    request = event["Records"][0]["cf"]["request"]
    request["headers"]["x-handled-by"] = [{"key": "X-Handled-By", "value": "baseline"}]
    return request


class _LeastInline:
    """The least an inline invocation does, in one flat function: a RequestId, the event built
    from the trigger's values, the handler called with a context, the request it returned told
    apart from a second build (which headers changed, each checked for its shape), the three
    log lines, the duration counted. No URI, body or origin rules, no failure handling, no
    output capture: a floor, below what a faithful invocation costs, not a way to run one."""

    def __init__(self, handler: Callable[[Any, Any], Any]) -> None:
        self.handler = handler
        self.count = 0
        self.log: list[str] = []
        self.durations: dict[int, int] = {}

    def __call__(self, trigger: ViewerRequest) -> tuple[str, str, tuple[tuple[str, str], ...]]:
        self.count += 1
        request_id = f"00000000-0000-4000-8000-{self.count:012x}"
        config, data = trigger.config, trigger.request
        event = {"Records": [{"cf": {
            "config": {"distributionDomainName": config.distribution_domain_name,
                       "distributionId": config.distribution_id,
                       "eventType": "viewer-request", "requestId": config.request_id},
            "request": {"clientIp": data.client_ip, "headers": cf_headers(data.headers),
                        "method": data.method, "querystring": data.querystring,
                        "uri": data.uri}}}]}
        started = time.perf_counter()
        returned = self.handler(event, _LeastContext(request_id))
        duration_ms = (time.perf_counter() - started) * 1000
        before = cf_headers(data.headers)
        headers = returned["headers"]
        pairs: list[tuple[str, str]] = []
        for name, entries in headers.items():
            if entries != before.get(name):
                for entry in entries:
                    if type(entry.get("value")) is not str:
                        raise ValueError(name)
            pairs += [(entry.get("key", name), entry["value"]) for entry in entries]
        self.log.append(
            f"START RequestId: {request_id} Version: 1\nEND RequestId: {request_id}\n"
            f"REPORT RequestId: {request_id}\tDuration: {duration_ms:.2f} ms\t"
            f"Billed Duration: {max(1, math.ceil(duration_ms))} ms\tMemory Size: 128 MB\t"
            f"Max Memory Used: 0 MB\n")
        del self.log[:-100]
        us = round(duration_ms * 1000)
        self.durations[us] = self.durations.get(us, 0) + 1
        return returned["uri"], returned["querystring"], tuple(pairs)


class _LeastContext:
    __slots__ = ("aws_request_id",)
    function_name = "least"

    def __init__(self, aws_request_id: str) -> None:
        self.aws_request_id = aws_request_id


async def _baseline_call(event: dict[str, Any]) -> dict[str, Any]:
    return _handler(event, None)


class _Echo(asyncio.Protocol):
    """The node's side of the round trip: one write, one future resolved by the answer."""

    def __init__(self) -> None:
        self.waiter: asyncio.Future[bytes] | None = None

    def data_received(self, data: bytes) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(data)


async def _round_trip(frame: bytes) -> tuple[Callable[[], Awaitable[Any]], Callable[[], None]]:
    """A bouncing process, and a call that sends it `frame` and awaits it back; and a stop."""
    ours, theirs = socket.socketpair()
    with theirs:
        process = subprocess.Popen([sys.executable, "-c", ECHO, str(theirs.fileno())],
                                   pass_fds=(theirs.fileno(),))
    loop = asyncio.get_running_loop()
    echo = _Echo()
    transport, _ = await loop.create_unix_connection(lambda: echo, sock=ours)

    def call() -> Awaitable[bytes]:
        echo.waiter = loop.create_future()
        transport.write(frame)
        return echo.waiter

    def stop() -> None:
        transport.close()
        process.kill()
        process.wait()

    return call, stop


async def _cpu_per_call(call: Callable[[], Awaitable[Any]], rounds: int) -> float:
    """µs of this process's CPU per call, after a warm-up."""
    for _ in range(min(rounds, 200)):
        await call()
    started = time.process_time()
    for _ in range(rounds):
        await call()
    return (time.process_time() - started) / rounds * 1e6


async def _measure(rounds: int, repeats: int, handler: Path, profile: str | None) -> None:
    # What a PoP hands the runtime: the trigger, which builds the event (a three-header request).
    trigger = ViewerRequest(CONFIG, RequestData(CLIENT_IP, "GET", "/page", "", HEADERS))
    event = trigger.event()
    deployed = {
        mode: DeployedFunction(
            EdgeFunction(
                name=f"bench-{mode}",
                handler=HandlerSpec.parse(str(handler)),
                event_type=EventType.VIEWER_REQUEST,
                mode=Mode(mode),
            )
        )
        for mode in MODES
    }
    frame = pack_for_worker(["invoke", "00000000-0000-4000-8000-000000000000", 0.0, event])
    round_trip, stop = await _round_trip(frame)
    namespace: dict[str, Any] = {}
    exec(handler.read_text(), namespace)
    least = _LeastInline(namespace["handler"])

    async def least_inline() -> Any:
        return least(trigger)

    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "baseline": lambda: _baseline_call(event), "least inline": least_inline,
        "round trip": round_trip,
    }
    for mode, function in deployed.items():
        calls[mode] = lambda function=function: invoke(function, trigger)
    try:
        for mode in MODES:
            result = await invoke(deployed[mode], trigger)  # the cold start, and a sanity check
            assert isinstance(result.outcome, AcceptedRequest), result
        if profile is not None:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            await _cpu_per_call(calls[profile], rounds)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(30)
            return
        runs: dict[str, list[float]] = {target: [] for target in TARGETS}
        for _ in range(repeats):  # alternating, so drift in the machine's load hits all alike
            for target in TARGETS:
                runs[target].append(await _cpu_per_call(calls[target], rounds))
    finally:
        stop()
        for function in deployed.values():
            await function.close()
    medians = {target: statistics.median(values) for target, values in runs.items()}
    print(f"{'target':<13} {'µs CPU':>8} {'best':>6} {'x base':>8} {'target µs':>10}  runs (µs)")
    for target in TARGETS:
        goal = TARGETS_US.get(target)
        print(
            f"{target:<13} {medians[target]:>8.1f} {min(runs[target]):>6.1f} "
            f"{medians[target] / medians['baseline']:>8.1f} "
            f"{'' if goal is None else f'{goal:.0f}':>10}  "
            + " ".join(f"{value:.1f}" for value in runs[target])
        )
    for mode, floor in ((Mode.INLINE.value, "baseline"), (Mode.ISOLATED.value, "round trip")):
        print(f"{mode}: {medians[mode]:.1f} µs, {medians[mode] - medians[floor]:.1f} µs above "
              f"the {floor} (target {TARGETS_US[mode]:.0f} µs)")
    print(f"least inline: {medians['least inline']:.1f} µs, "
          f"{medians['least inline'] / TARGETS_US[Mode.INLINE.value]:.1f} x the inline target")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000, help="invocations per run")
    parser.add_argument("--repeats", type=int, default=5, help="runs per target")
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--profile", choices=TARGETS, help="cProfile one target instead")
    args = parser.parse_args()
    factory: Callable[[], asyncio.AbstractEventLoop] = asyncio.new_event_loop
    if args.loop == "uvloop":
        import uvloop

        factory = uvloop.new_event_loop
    with tempfile.TemporaryDirectory() as folder:
        handler = Path(folder) / "bench_handler.py"
        handler.write_text(HANDLER)
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(_measure(args.rounds, args.repeats, handler, args.profile))


if __name__ == "__main__":
    main()
