"""The `edgesim` command line: up, pop, node, front-door, control-plane, origin, geo, invoke,
invalidate, sign-url, sign-cookies, token.

Every command that reads a config reports a bad one as `file: key: expected ..., got ...` and
exits with status 2; no command shows a traceback for a mistake a user can make.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

from edge.config import Config, ConfigError, Node, load_config, with_origin, with_pops
from edge.runstate import (
    TOKEN_FILE,
    Held,
    NodeAddress,
    let_go,
    new_token,
    read_control,
    read_nodes,
    read_token,
    write_control,
    write_nodes,
)
from edge.runstate import clear as clear_state
from edge.runstate import hold as hold_state

EXIT_CONFIG = 2
T = TypeVar("T")


def run_async(coro: Coroutine[Any, Any, T]) -> T:
    """Run a command's coroutine on uvloop when it is installed (it is, on Linux and macOS)."""
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro)


def _run(coro: Coroutine[Any, Any, int | None]) -> int:
    return run_async(coro) or 0


def _config(args: argparse.Namespace) -> Config:
    config = load_config(args.config)
    if getattr(args, "origin", None):
        config = with_origin(config, args.origin)
    if getattr(args, "pops", None):
        config = with_pops(config, args.pops)
    if getattr(args, "no_latency", False):
        config = replace(config, latency=replace(config.latency, time_scale=0))
    return config


def _config_args(args: argparse.Namespace) -> list[str]:
    """The same config, for a child process: every node reads the same configuration."""
    out = []
    if args.config:
        out += ["--config", args.config]
    if getattr(args, "origin", None):
        out += ["--origin", args.origin]
    if getattr(args, "pops", None):
        out += ["--pops", args.pops]
    if getattr(args, "no_latency", False):
        out += ["--no-latency"]
    return out


def _addresses(config: Config) -> list[NodeAddress]:
    from edge.node.serve import admin_port

    return [
        NodeAddress(n.id, n.kind, f"http://{config.host}:{n.port}/",
                    f"http://{config.host}:{admin_port(n)}/")
        for n in config.nodes.values()
    ]


# ---------------------------------------------------------------------------------------------


def cmd_up(args: argparse.Namespace) -> int:
    from edge.node.functions import handler_problems, watchers
    from edge.node.reloads import ReloadReports
    from edge.node.serve import admin_port
    from edge.supervisor import Child, Supervisor, busy_port, python_module

    config = _config(args)
    children: list[Child] = []
    if config.origin_server is not None:
        port = config.origin_server.port
        children.append(Child(
            "origin",
            python_module("origin", "--host", config.host, "--port", str(port)),
            f"http://{config.host}:{port}/_origin/health",
            ((port, "the sample origin"),),
        ))
    # Parents first, so a PoP's first miss finds its regional cache up.
    for node in sorted(config.nodes.values(), key=lambda n: n.kind != "rec"):
        children.append(Child(
            node.id,
            python_module("edge", "node", "--id", node.id, "--token-file", str(TOKEN_FILE),
                          *_config_args(args), *(("--function-logs",) if args.function_logs
                                                 else ())),
            f"http://{config.host}:{admin_port(node)}/health",
            ((node.port, f"{node.id} viewer port"),
             (admin_port(node), f"{node.id} admin port")),
            reports=True,  # its hot reloads, said once for the network
        ))

    if config.front_door is not None:  # last: it routes to PoPs that are already up
        port = config.front_door.port
        children.append(Child(
            "front door",
            python_module("edge", "front-door", "--token-file", str(TOKEN_FILE),
                          *_config_args(args)),
            f"http://{config.host}:{port + 1000}/health",
            ((port, "the front door"), (port + 1000, "the front door's admin port")),
        ))
    if config.control_plane is not None:  # last: it reads every node from its first second
        port = config.control_plane.port
        children.append(Child(
            "control plane",
            python_module("edge", "control-plane", "--token-file", str(TOKEN_FILE),
                          *_config_args(args)),
            f"http://{config.host}:{port}/api/health",
            ((port, "the control plane"),),
        ))

    # What can fail before the start fails before anything in `.edgesim/` changes: it may be
    # the state of a network that runs (on these ports, or started here with another config).
    if (problem := busy_port(config.host, children)) is not None:
        print(f"edgesim: {problem}; stop whatever uses it or change the port in the config",
              flush=True)
        return 1
    try:
        lock = hold_state()
    except Held as held:
        print(_held(held), flush=True)
        return 1
    token = new_token()
    for problem in handler_problems(config):
        print(f"edgesim: warning: {problem}; requests that run it get a 503 until the file is "
              "saved again and loads", flush=True)

    def ready() -> None:
        clear_state()  # what an earlier run that was killed may have left
        write_nodes(_addresses(config))
        if config.control_plane is not None:
            write_control(f"http://{config.host}:{config.control_plane.port}/")
        print(_banner(config, token), flush=True)

    supervisor = Supervisor(children, lambda line: print(line, flush=True),
                            ReloadReports(watchers(config)))
    try:
        return _run(supervisor.run(ready))
    finally:
        clear_state()
        let_go(lock)
        print("edgesim: stopped", flush=True)


def _held(held: Held) -> str:
    pid = f" (pid {held.pid})" if held.pid else ""
    return (f"edgesim: another edgesim{pid} is running from this directory and keeps its token "
            "and addresses in .edgesim/; stop it first, or start this one from another directory")


def _banner(config: Config, token: str) -> str:
    from edge.node.location import OVERRIDE_COOKIE, OVERRIDE_HEADER
    from edge.node.serve import admin_port

    host, pops = config.host, config.pops
    lines = [""]
    if config.front_door is not None:
        lines += [
            "edgesim is up. Browse the edge through the front door:", "",
            f"  http://{host}:{config.front_door.port}/",
            "",
            "It sends each viewer to the nearest PoP; to browse as a viewer elsewhere, send the",
            f"header {OVERRIDE_HEADER}: Tokyo (or set the cookie {OVERRIDE_COOKIE}=Tokyo).",
            "",
            f"PoPs ({len(pops)}), each also reachable directly:",
        ]
    else:
        lines += ["edgesim is up. Browse the edge:", ""]
    lines += _columns([f"{p.id} :{p.port} {p.city}" for p in pops])
    recs = config.regional_caches
    if recs:
        lines += ["", f"Regional edge caches ({len(recs)}):"]
        lines += _columns([f"{r.id} :{r.port} {r.city}" for r in recs])
    if config.origin_server is not None:
        lines += ["", f"Origin: http://{host}:{config.origin_server.port}/"]
    else:
        origin = next(iter(config.distribution.origins.values()))
        lines += ["", f"Origin: {origin.url} (yours)"]
    latency = config.latency
    lines += [
        "",
        "Simulated latency: " + (f"real time x {latency.time_scale:g}" if latency.time_scale
                                 else "reported in Server-Timing, not waited for"),
        f"Access logs: {config.log_dir}/<node>/   Node admin APIs: http://{host}:"
        f"{admin_port(pops[0])}/ and each node's port + 1000 (token in .edgesim/admin-token)",
    ]
    if config.control_plane is not None:
        plane = f"http://{host}:{config.control_plane.port}"
        lines += [
            "",
            f"Dashboard: {plane}/#token={token}",
            f"Admin API: {plane}/api/ (Authorization: Bearer <the token in "
            ".edgesim/admin-token>)",
        ]
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


def _columns(cells: list[str], per_line: int = 3) -> list[str]:
    width = max(map(len, cells)) + 3
    return ["  " + "".join(c.ljust(width) for c in cells[i:i + per_line]).rstrip()
            for i in range(0, len(cells), per_line)]


def cmd_node(args: argparse.Namespace) -> int:
    config = _config(args)
    node = config.nodes.get(args.id)
    if node is None:
        raise ConfigError(config.source, "pops / regional_caches", f"a node with id {args.id!r}",
                          "none")
    return _serve(config, node, _token(args), echo_function_logs=args.function_logs,
                  load_config=lambda: _config(args))


def _serve(
    config: Config, node: Node, token: str, *, echo_function_logs: bool = False,
    load_config: Callable[[], Config] | None = None,
) -> int:
    from edge.node.reloads import reporter
    from edge.node.serve import PortInUse, serve_node
    from edge.supervisor import report_channel, watch_parent

    async def main() -> int:
        server = asyncio.ensure_future(
            serve_node(config, node, token, echo_function_logs=echo_function_logs,
                       report_reloads=reporter(report_channel()), load_config=load_config))
        stop = asyncio.Event()
        watcher = asyncio.ensure_future(watch_parent(stop))
        try:
            await asyncio.wait([server, asyncio.ensure_future(stop.wait())],
                               return_when=asyncio.FIRST_COMPLETED)
            if not server.done():
                server.cancel()
            await asyncio.gather(server, return_exceptions=False)
        except asyncio.CancelledError:
            pass
        except PortInUse as exc:
            print(f"edgesim: {exc}", file=sys.stderr)
            return 1
        finally:
            watcher.cancel()
        return 0

    return _run(main())


def cmd_front_door(args: argparse.Namespace) -> int:
    from edge.frontdoor import serve_front_door

    config = _config(args)
    if config.front_door is None:
        raise ConfigError(config.source, "front_door", "a [front_door] table with its port",
                          "none")
    return _serve_service(serve_front_door(config, _token(args)))


def cmd_control_plane(args: argparse.Namespace) -> int:
    from edge.control.serve import serve_control_plane

    config = _config(args)
    if config.control_plane is None:
        raise ConfigError(config.source, "control_plane", "a [control_plane] table with its port",
                          "none")
    return _serve_service(
        serve_control_plane(config, _token(args), lambda: _config(args), config.source))


def _token(args: argparse.Namespace) -> str:
    """The token `up` made (`--token-file`), or a new one for a process run on its own."""
    return read_token(Path(args.token_file)) if args.token_file else new_token()


def _serve_service(service: Coroutine[Any, Any, None]) -> int:
    """Run the front door or the control plane until stopped; a busy port is one line."""
    from edge.node.serve import PortInUse

    try:
        _run(service)
    except PortInUse as exc:
        print(f"edgesim: {exc}", file=sys.stderr)
        return 1
    return 0


def cmd_pop(args: argparse.Namespace) -> int:
    from edge.node.serve import admin_port

    config = with_origin(load_config(args.config), args.origin)
    distribution = replace(config.distribution, cache_semantics=args.cache_semantics)
    base = config.pops[0]
    node = replace(base, id=args.id, port=args.port, parent=None)
    # A quick check in front of any origin: no simulated latency, no front door.
    config = replace(config, distribution=distribution, nodes={node.id: node}, front_door=None,
                     latency=replace(config.latency, time_scale=0))
    try:
        lock = hold_state()
    except Held as held:
        print(_held(held), file=sys.stderr)
        return 1
    token = new_token()
    write_nodes(_addresses(config))
    print(f"edgesim: PoP {node.id} on http://{config.host}:{node.port}/ in front of "
          f"{args.origin} ({args.cache_semantics} semantics); admin API on "
          f"http://{config.host}:{admin_port(node)}/. Ctrl-C stops it.", flush=True)
    try:
        return _serve(config, node, token)
    finally:
        clear_state()
        let_go(lock)


def cmd_origin(args: argparse.Namespace) -> int:
    from origin.cli import main as origin_main

    return origin_main(["--host", args.host, "--port", str(args.port)])


def cmd_invalidate(args: argparse.Namespace) -> int:
    from edge.http.invalidation import pattern_error

    bad = [f"{p}: {e}" for p in args.paths if (e := pattern_error(p)) is not None]
    if bad:
        print("edgesim: invalid path(s):\n  " + "\n  ".join(bad), file=sys.stderr)
        return EXIT_CONFIG
    try:
        nodes = read_nodes()
        token = read_token()
    except (OSError, ValueError):
        print("edgesim: no running edge network found here (start one with `edgesim up`)",
              file=sys.stderr)
        return 1
    plane = read_control()
    if plane is not None:
        try:
            return _invalidate_through_control_plane(plane, token, args.paths)
        except (urllib.error.URLError, OSError, ValueError, KeyError):
            pass  # not answering: ask each node ourselves
    failed = 0
    body = json.dumps({"paths": args.paths}).encode()
    for node in nodes:
        request = urllib.request.Request(
            node.admin_url + "invalidations", data=body, method="POST",
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                result = json.load(response)
            print(f"{node.id:<20} removed {result['removed']} object(s)")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            failed += 1
            print(f"{node.id:<20} FAILED: {getattr(exc, 'reason', exc)}", file=sys.stderr)
    return 1 if failed else 0


INVALIDATION_WAIT = 120.0  # seconds; the control plane gives up on a down node before this


def _invalidate_through_control_plane(plane: str, token: str, paths: list[str]) -> int:
    """One invalidation made by the control plane, which retries nodes that are down; waits
    until it is over and prints each node's result. Raises URLError when the plane is down."""
    import time

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(url: str, body: bytes | None = None) -> dict[str, Any]:
        request = urllib.request.Request(url, data=body, headers=headers,
                                         method="POST" if body else "GET")
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    made = call(plane + "api/invalidations", json.dumps({"paths": paths}).encode())
    print(f"edgesim: invalidation {made['id']} of {len(paths)} path(s)", file=sys.stderr)
    deadline = time.monotonic() + INVALIDATION_WAIT
    told: set[str] = set()
    while True:
        state = call(f"{plane}api/invalidations/{made['id']}")
        if state["status"] != "InProgress" or time.monotonic() > deadline:
            break
        for node_id, progress in state["nodes"].items():
            if progress["status"] == "InProgress" and progress["error"] and node_id not in told:
                told.add(node_id)
                print(f"edgesim: waiting for {node_id}: {progress['error']}", file=sys.stderr)
        time.sleep(0.2)
    failed = 0
    for node_id, progress in state["nodes"].items():
        if progress["status"] == "Completed":
            print(f"{node_id:<20} removed {progress['removed']} object(s)")
        else:
            failed += 1
            print(f"{node_id:<20} FAILED: {progress['error'] or progress['status']}",
                  file=sys.stderr)
    return 1 if failed else 0


def cmd_geo(args: argparse.Namespace) -> int:
    """Where an IP or a city is, which PoPs would serve it and how far they are."""
    import ipaddress

    from edge.geo.cities import Cities, ip_for
    from edge.geo.locations import GeoDatabase, GeoLite2Unavailable
    from edge.geo.nearest import nearest

    config = _config(args)
    query = args.query
    try:
        ipaddress.ip_address(query)
    except ValueError:
        cities = Cities.load()
        city = cities.find(query)
        if city is None:
            hint = cities.close_to(query) or " (try 'Tokyo', 'Springfield, US', 'Sao Paulo')"
            print(f"edgesim: no city matches {query!r}{hint}", file=sys.stderr)
            return 1
        ip = ip_for(city)
    else:
        ip = query
    try:
        db = GeoDatabase.open(geolite2=args.geolite2)
    except GeoLite2Unavailable as exc:
        print(f"edgesim: --geolite2: {exc}", file=sys.stderr)
        return 1
    with db:
        where = db.lookup(ip)
    if where is None or where.latitude is None or where.longitude is None:
        if args.geolite2:
            print(f"edgesim: {ip} has no location in the simulated world or in GeoLite2 City",
                  file=sys.stderr)
        else:
            print(f"edgesim: {ip} is not in the simulated world (it has 198.18.0.0/15 and "
                  "2001:db8::/32; --geolite2 locates real addresses)", file=sys.stderr)
        return 1
    place = ", ".join(p for p in (where.city, where.region_name, where.country_name) if p)
    print(f"{ip}: {place} ({where.country_code})")
    facts = [f"latitude {where.latitude}, longitude {where.longitude}"]
    facts += [f"{label} {value}" for label, value in (
        ("time zone", where.time_zone), ("postal code", where.postal_code),
        ("metro code", where.metro_code), ("ASN", where.asn)) if value is not None]
    print(f"  {', '.join(facts)}")
    print("  nearest PoPs (simulated round-trip time):")
    ranked = nearest(config.pops, (where.latitude, where.longitude),
                     key=lambda n: (n.latitude, n.longitude))
    for pop, rtt in ranked[:5]:
        print(f"    {pop.id:<12} {pop.city:<20} {rtt:7.1f} ms")
    return 0


def cmd_invoke(args: argparse.Namespace) -> int:
    from edge.invoke_command import invoke_command

    return invoke_command(args)


def cmd_sign_url(args: argparse.Namespace) -> int:
    from edge.credentials import sign_url_command

    return sign_url_command(args)


def cmd_sign_cookies(args: argparse.Namespace) -> int:
    from edge.credentials import sign_cookies_command

    return sign_cookies_command(args)


def cmd_token(args: argparse.Namespace) -> int:
    from edge.credentials import token_command

    return token_command(args)


def cmd_load(args: argparse.Namespace) -> int:
    from edge.load.command import load_command

    return load_command(args)


# ---------------------------------------------------------------------------------------------


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1-65535, got {text!r}")
    return int(text)


def _pop_port(text: str) -> int:
    port = _port(text)
    if port > 64535:
        raise argparse.ArgumentTypeError("expected a port up to 64535: the admin API listens "
                                         "1000 above")
    return port


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="edgesim", description="A CloudFront-style edge network on one machine."
    )
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_config(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--config", metavar="FILE",
                        help="world config (TOML); default: the embedded default world")

    def with_world(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--pops", metavar="N|ID,ID",
                        help="run only some PoPs: the first N of the config, or these ids "
                             "(and the regional caches they use)")
        sp.add_argument("--no-latency", action="store_true",
                        help="report the simulated round trips in Server-Timing without "
                             "waiting for them (time scale 0)")

    up = sub.add_parser("up", help="start the origin, regional caches and PoPs; Ctrl-C stops")
    with_config(up)
    up.add_argument("--origin", metavar="URL",
                    help="put the edge in front of your own app instead of the sample origin")
    up.add_argument("--no-function-logs", dest="function_logs", action="store_false",
                    help="do not copy edge-function log lines to this output (they stay in "
                         "logs/<node>/functions/)")
    with_world(up)
    up.set_defaults(func=cmd_up)

    pop = sub.add_parser("pop", help="run a single PoP (no regional cache) in front of an origin")
    with_config(pop)
    pop.add_argument("--origin", metavar="URL", required=True)
    pop.add_argument("--port", type=_pop_port, default=8080)
    pop.add_argument("--id", default="IAD89-C1", help="PoP id (default IAD89-C1)")
    pop.add_argument("--cache-semantics", choices=("cloudfront", "rfc9111"), default="cloudfront")
    pop.set_defaults(func=cmd_pop)

    node = sub.add_parser("node", help="run one node of the config (used by `up`)")
    with_config(node)
    node.add_argument("--id", required=True)
    node.add_argument("--origin", metavar="URL")
    node.add_argument("--token-file", metavar="FILE")
    node.add_argument("--function-logs", action="store_true",
                      help="copy edge-function log lines to stdout, prefixed with node and name")
    with_world(node)
    node.set_defaults(func=cmd_node)

    door = sub.add_parser("front-door", help="run the front door of the config (used by `up`)")
    with_config(door)
    door.add_argument("--origin", metavar="URL")
    door.add_argument("--token-file", metavar="FILE")
    with_world(door)
    door.set_defaults(func=cmd_front_door)

    plane = sub.add_parser("control-plane", help="run the dashboard and admin API of the config "
                           "(used by `up`)")
    with_config(plane)
    plane.add_argument("--origin", metavar="URL")
    plane.add_argument("--token-file", metavar="FILE")
    with_world(plane)
    plane.set_defaults(func=cmd_control_plane)

    origin = sub.add_parser("origin", help="run the sample origin")
    origin.add_argument("--host", default="127.0.0.1")
    origin.add_argument("--port", type=_port, default=8000)
    origin.set_defaults(func=cmd_origin)

    geo = sub.add_parser("geo", help="locate an IP or a city; nearest PoPs and their RTTs")
    with_config(geo)
    geo.add_argument("query", metavar="IP|CITY")
    geo.add_argument("--geolite2", action="store_true",
                     help="locate real public IPs with GeoLite2 City (the geolite2 extra)")
    geo.set_defaults(func=cmd_geo)

    from edge.invoke_command import add_arguments as invoke_arguments

    invoke = sub.add_parser("invoke", help="run an edge function once on one event, as a node "
                            "would; print the request or response CloudFront continues with")
    invoke_arguments(invoke)
    invoke.set_defaults(func=cmd_invoke)

    inv = sub.add_parser("invalidate", help="purge paths on every node (trailing * only)")
    inv.add_argument("paths", nargs="+", metavar="PATH")
    inv.set_defaults(func=cmd_invalidate)

    from edge.credentials import (
        add_sign_cookies_arguments,
        add_sign_url_arguments,
        add_token_arguments,
    )

    sign_url = sub.add_parser("sign-url", help="sign a URL for a behavior with trusted_key_groups "
                              "(default: the demo key the default world trusts)")
    add_sign_url_arguments(sign_url)
    sign_url.set_defaults(func=cmd_sign_url)

    sign_cookies = sub.add_parser("sign-cookies", help="signed cookies for the URLs a pattern "
                                  "matches (default: the demo key the default world trusts)")
    add_sign_cookies_arguments(sign_cookies)
    sign_cookies.set_defaults(func=cmd_sign_cookies)

    token = sub.add_parser("token", help="a JWT (HS256 with --secret, RS256 with a private key) "
                           "for edge functions that check one")
    add_token_arguments(token)
    token.set_defaults(func=cmd_token)

    from edge.load.command import add_arguments as load_arguments

    load = sub.add_parser("load", help="drive the running edge network with simulated viewers "
                          "from the world's cities; report latency, hit ratio, offload and cost")
    load_arguments(load)
    load.set_defaults(func=cmd_load)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"edgesim: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 0
    except BrokenPipeError:
        # The reader went away (`edgesim geo ... | head -1`): what was left to print has no one
        # to read it. Standard output goes to /dev/null so that the flush at exit cannot fail
        # again, and the status is a pipe's, 128 + SIGPIPE, as for any Unix tool.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE


if __name__ == "__main__":
    sys.exit(main())
