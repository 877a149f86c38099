"""`edgesim load`: its options, where the viewers go, the live line and what is written at the end.

The target is the network `edgesim up` runs in this directory (`.edgesim/`), reached through its
front door, or each viewer's nearest PoP (`--direct`), or any URL. Mistakes are told before
anything is sent: options that contradict each other exit with status 2 (as argparse does),
a population, workload or target that cannot be used exits with status 1, and neither shows a
traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:  # the run's modules load when a run starts, not with every command's parser
    from edge.config import Config
    from edge.load.counters import Counters
    from edge.load.runner import Plan, Progress

__all__ = ["DEFAULT_DURATION", "DEFAULT_RATE", "add_arguments", "load_command"]

DEFAULT_DURATION = 30.0
DEFAULT_RATE = 50.0
EXIT_USAGE = 2
CONNECT_TIMEOUT = 3.0


class _Refused(Exception):
    """The run cannot happen; the message says why (exit status 1)."""


def _number(kind: type, low: float, strict: bool) -> Any:
    def parse(text: str) -> Any:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not math.isfinite(value) or value < low or (strict and value == low):
            raise argparse.ArgumentTypeError(
                f"expected a number {'above' if strict else 'of at least'} {low:g}, got {text}")
        return value
    return parse


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("target", nargs="?", metavar="TARGET",
                   help="a URL to send every viewer to (its scheme, host and port); default: "
                        "the network `edgesim up` runs here, through its front door")
    p.add_argument("--config", metavar="FILE",
                   help="the world config `edgesim up` was given (its PoPs and front door); "
                        "default: the embedded default world")
    p.add_argument("--compare", nargs=2, metavar=("A.json", "B.json"),
                   help="print two runs' results (from --json) side by side, with deltas; "
                        "nothing is sent")
    p.add_argument("--direct", action="store_true",
                   help="send each viewer to its nearest PoP itself, as DNS would, so the "
                        "front door is not in the way")
    model = p.add_argument_group("how much (one of --rate or --users; --duration and/or "
                                 f"--requests bound the run, default --duration "
                                 f"{DEFAULT_DURATION:g})")
    model.add_argument("--rate", type=_number(float, 0, True), metavar="PER_SECOND",
                       help=f"open model: Poisson arrivals at this rate (default "
                            f"{DEFAULT_RATE:g})")
    model.add_argument("--ramp-up", type=_number(float, 0, False), metavar="SECONDS",
                       help="reach the full rate (or start every user) over this long")
    model.add_argument("--users", type=_number(int, 1, False), metavar="N",
                       help="closed model: N users, each waiting for its answer, then thinking")
    model.add_argument("--think", type=_number(float, 0, False), nargs=2,
                       metavar=("MIN", "MAX"), help="closed model: think time, uniform in "
                                                    "seconds (default 0 0)")
    model.add_argument("--duration", type=_number(float, 0, True), metavar="SECONDS")
    model.add_argument("--requests", type=_number(int, 1, False), metavar="N")
    model.add_argument("--workers", type=_number(int, 1, False), default=1, metavar="N",
                       help="generator processes (default 1)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--population", metavar="FILE",
                     help="viewers by region, country and city (TOML with [regions], "
                          "[countries], [cities] of name = share); default: the world's "
                          "cities by population")
    who.add_argument("--city", metavar="NAME", help="every viewer in this city")
    what = p.add_mutually_exclusive_group()
    what.add_argument("--workload", metavar="site|FILE",
                      help="'site' (the sample site, the default) or a file of URLs, one per "
                           "line, most popular first")
    what.add_argument("--replay", metavar="ACCESS_LOG",
                      help="send the requests of a CloudFront standard access log (gzip or "
                           "not) at their logged times")
    p.add_argument("--alpha", type=_number(float, 0, False), metavar="A",
                   help="Zipf popularity exponent (default 1; 0 is uniform)")
    p.add_argument("--seed", type=int, help="draw the same viewers and requests again")
    p.add_argument("--json", metavar="FILE", help="write every figure as JSON")
    p.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    p.add_argument("--quiet", action="store_true", help="no live progress line")


def _contradiction(args: argparse.Namespace) -> str | None:
    """What contradicts what in the options, or None."""
    if args.target and args.direct:
        return "TARGET and --direct: a TARGET is where every viewer goes"
    if args.rate is not None and args.users is not None:
        return "--rate (open model) and --users (closed model): choose one"
    if args.think is not None and args.users is None:
        return "--think needs --users (think time is for a closed model's users)"
    if args.think is not None and args.think[0] > args.think[1]:
        return f"--think MIN MAX: MIN ({args.think[0]:g}) is above MAX ({args.think[1]:g})"
    if args.replay is not None:
        for option, value in (("--rate", args.rate), ("--users", args.users),
                              ("--ramp-up", args.ramp_up), ("--alpha", args.alpha)):
            if value is not None:
                return f"--replay and {option}: a replay sends the log's requests at its times"
    if args.requests is not None and args.requests < args.workers:
        return f"--workers {args.workers} with --requests {args.requests}: every worker " \
               f"needs a request"
    if args.users is not None and args.users < args.workers:
        return f"--workers {args.workers} with --users {args.users}: every worker needs a user"
    return None


def load_command(args: argparse.Namespace) -> int:
    from edge.cli import run_async
    from edge.config import load_config
    from edge.load.errors import LoadInputError
    from edge.load.runner import load_population, load_workload

    if args.compare:
        from edge.load.compare import compare_command

        return compare_command(args.compare)
    problem = _contradiction(args)
    if problem is not None:
        print(f"edgesim load: error: {problem}", file=sys.stderr)
        return EXIT_USAGE
    try:
        config = load_config(args.config)
        plan, counters = _plan(args, config)
        load_population(plan.population)  # in this process too: mistakes before any send
        load_workload(plan.workload, plan.alpha)
        _check_target(plan)
        warnings = _foreign_origin(plan, counters)
        for warning in warnings:  # before the run, so a long one can be stopped at once
            print(f"edgesim load: warning: {warning}", file=sys.stderr, flush=True)
        result = run_async(_load(plan, counters, quiet=args.quiet,
                                 to_control_plane=bool(counters.nodes), warnings=warnings))
    except (LoadInputError, _Refused) as error:
        print(f"edgesim load: {error}", file=sys.stderr)
        return 1
    try:
        if args.json:
            Path(args.json).write_text(json.dumps(result, indent=1) + "\n")
        if args.html:
            from edge.load.html_report import render_html

            Path(args.html).write_text(render_html(result), encoding="utf-8")
    except OSError as error:
        print(f"edgesim load: cannot write the report: {error}", file=sys.stderr)
        return 1
    from edge.load.report import render_summary

    print(render_summary(result))
    return 0


def _plan(args: argparse.Namespace, config: Config) -> tuple[Plan, Counters]:
    """The plan the options describe, and the counters to read around it."""
    from edge.load.arrivals import Bounds, ClosedModel, OpenModel
    from edge.load.counters import Counters
    from edge.load.runner import Plan, node_counters, pop_addresses

    running, token = _running(config)
    origin_url, no_origin = _sample_origin(config, token) if running is not None else (None, "")

    def ours() -> Counters:
        return replace(node_counters(config, token, origin_url, running), no_origin=no_origin)

    target: str | None
    if args.target:
        parts = urlsplit(args.target)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise _Refused(f"TARGET: expected an http:// or https:// URL, got {args.target!r}")
        target = f"{parts.scheme}://{parts.netloc}"
        counters = (ours() if running is not None and parts.port in _ports(config, running)
                    else Counters(no_origin="TARGET is not the network `edgesim up` runs here"))
        pops = pop_addresses(config, running)
    else:
        if running is None:
            raise _Refused("no running edge network found here (start one with `edgesim up`, "
                           "or name a TARGET URL)")
        pops = pop_addresses(config, running)
        if not pops:
            raise _Refused("the running network has no PoP")
        direct = args.direct or config.front_door is None
        target = None if direct else f"http://{config.host}:{config.front_door.port}"
        counters = ours()
    if args.users is not None:
        think = args.think or (0.0, 0.0)
        model: OpenModel | ClosedModel | None = ClosedModel(args.users, think[0], think[1],
                                                            args.ramp_up or 0.0)
    elif args.replay is not None:
        model = None
    else:
        model = OpenModel(args.rate or DEFAULT_RATE, args.ramp_up or 0.0)
    duration = args.duration
    if duration is None and args.requests is None:
        duration = DEFAULT_DURATION
    plan = Plan(
        target, pops, model, Bounds(duration, args.requests),
        population=(f"file:{args.population}" if args.population
                    else f"city:{args.city}" if args.city else "world"),
        workload=(f"log:{args.replay}" if args.replay
                  else "site" if args.workload in (None, "site") else f"urls:{args.workload}"),
        alpha=1.0 if args.alpha is None else args.alpha,
        seed=args.seed, workers=args.workers, geolite2=config.geolite2,
    )
    return plan, counters


def _running(config: Config) -> tuple[set[str] | None, str | None]:
    """The ids of the nodes `edgesim up` runs here and the admin token; None when none is."""
    from edge.runstate import read_nodes, read_token

    try:
        nodes = read_nodes()
        token = read_token()
    except (OSError, ValueError, TypeError):
        return None, None
    ids = {n.id for n in nodes}
    unknown = sorted(ids - set(config.nodes))
    if unknown:
        raise _Refused(f"the running network has nodes this config does not ({', '.join(unknown)}"
                       f"); pass --config the file `edgesim up` was given")
    return ids, token


def _sample_origin(config: Config, token: str | None) -> tuple[str | None, str]:
    """The sample origin's URL when the running network may have one, else None; and what the
    report says when its counters are not read.

    `load --config` names the world, but `edgesim up --origin URL` puts the same world in
    front of another origin: the control plane, when the network runs one, says which origins
    its nodes fetch from."""
    from edge.load.counters import NOT_SAMPLE_ORIGIN

    if config.origin_server is None:
        return None, NOT_SAMPLE_ORIGIN
    url = f"http://{config.host}:{config.origin_server.port}"
    origins = _running_origins(token)
    if origins is None or any(_same_address(url, origin) for origin in origins):
        return url, NOT_SAMPLE_ORIGIN  # said only if the counters come from elsewhere
    return None, (f"the running network's origin{'s' if len(origins) != 1 else ''} "
                  f"({', '.join(origins)}) {'are' if len(origins) != 1 else 'is'} not "
                  f"edgesim's sample origin")


def _running_origins(token: str | None) -> list[str] | None:
    """The origins' URLs of the network running here, from its control plane's topology; None
    when it runs none or it does not say."""
    import urllib.request

    from edge.runstate import read_control

    plane = read_control()
    if plane is None or token is None:
        return None
    request = urllib.request.Request(plane + "api/topology",
                                     headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT) as response:
            origins = json.load(response)["origins"]
        return [str(origin["url"]) for origin in origins]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _same_address(a: str, b: str) -> bool:
    """Whether two URLs reach the same host and port (this machine's names as one)."""
    def address(url: str) -> tuple[str, int | None]:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        if host in ("localhost", "::1", "0.0.0.0", "::") or host.startswith("127."):
            host = "this machine"
        return host, parts.port or (443 if parts.scheme == "https" else 80)

    return address(a) == address(b)


def _ports(config: Config, running: set[str]) -> set[int]:
    ports = {n.port for n in config.nodes.values() if n.id in running}
    if config.front_door is not None:
        ports.add(config.front_door.port)
    return ports


def _foreign_origin(plan: Plan, counters: Counters) -> list[str]:
    """A warning when the sample site's workload (the default) goes to a network of this
    directory whose origin is known not to be the sample origin (`edgesim up --origin URL`, or
    a world without one): its paths are the sample site's, so the user's own origin answers
    404 to them. A TARGET elsewhere may be anything, and is not judged."""
    if plan.workload != "site" or not counters.nodes or counters.origin_url is not None:
        return []
    return [f"the workload is the sample site's (its pages, images, API and members' paths), "
            f"but {counters.no_origin}: expect 404s, not figures of your site; send its own "
            f"paths with --workload FILE (one `[METHOD] path` a line, most popular first)"]


def _check_target(plan: Plan) -> None:
    """Fail fast when nothing listens where viewers would go: a connection, no request (a
    request would count on the nodes before the run)."""
    urls = [plan.target] if plan.target is not None else [p.url for p in plan.pops]

    async def connects(url: str) -> str | None:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(parts.hostname, port), CONNECT_TIMEOUT)
        except (OSError, TimeoutError) as error:
            return f"{url} does not answer ({getattr(error, 'strerror', None) or 'timed out'})"
        writer.close()
        with contextlib.suppress(OSError):
            await writer.wait_closed()
        return None

    async def all_of() -> list[str | None]:
        return await asyncio.gather(*(connects(url) for url in urls))

    problems = [p for p in asyncio.run(all_of()) if p]
    if problems:
        raise _Refused("; ".join(problems))


async def _load(plan: Plan, counters: Counters, *, quiet: bool, to_control_plane: bool,
                warnings: list[str]) -> dict[str, Any]:
    """The run, with a live line on a terminal; Ctrl-C stops it with the figures so far. A run
    against the network `edgesim up` runs here shows on its dashboard too, when it has one."""
    from edge.load.progress_feed import control_plane_feed, feed_progress
    from edge.load.runner import Progress, run_load

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGINT, stop.set)
    progress = Progress()
    show = not quiet and sys.stderr.isatty()
    printer = loop.create_task(_live(progress, plan)) if show else None
    feed = control_plane_feed() if to_control_plane else None
    finished = asyncio.Event()
    feeder = loop.create_task(feed_progress(feed, plan, progress, finished)) if feed else None
    try:
        return await run_load(plan, counters, on_progress=progress.add, stop=stop,
                              warnings=warnings)
    finally:
        loop.remove_signal_handler(signal.SIGINT)
        finished.set()
        if feeder is not None:
            await feeder  # its last word, "finished", within FEED_TIMEOUT
        if printer is not None:
            printer.cancel()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


async def _live(progress: Progress, plan: Plan) -> None:
    while True:
        await asyncio.sleep(0.5)
        sys.stderr.write("\r\x1b[K" + live_line(progress, plan))
        sys.stderr.flush()


def live_line(progress: Progress, plan: Plan) -> str:
    """`  4,012 requests   198.7 req/s   3 errors   p99 12.3 ms   18 s left`"""
    from edge.load.report import counted

    total = progress.total
    rate = progress.rate
    left = []
    if plan.bounds.duration is not None:
        left.append(max(0.0, plan.bounds.duration - progress.elapsed))
    if plan.bounds.requests is not None and rate > 0:
        left.append(max(0, plan.bounds.requests - total.requests) / rate)
    when = f"{min(left):.0f} s left" if left else ""
    return (f"  {counted(total.requests, 'request')}   {rate:,.1f} req/s   "
            f"{counted(total.errors, 'error')}   "
            f"p99 {total.latency.percentile(0.99):,.1f} ms   {when}")
