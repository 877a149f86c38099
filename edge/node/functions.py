"""The edge functions deployed on one node: their pools, logs, meters, and hot reload.

A function is deployed on a node the first time one of its triggers fires there, so a node
holds environments only for the functions it runs (viewer triggers at PoPs, origin triggers
where the origin is contacted). Saving a handler file deploys a new version for the requests
that follow: the old version's environments finish what they are doing and are then stopped. A
file that does not compile leaves the old version serving and says why: the node reports each
reload's outcome as a `Reload` to `report` (said on its own output, or folded with the other
nodes' by `edgesim up`: see `edge.node.reloads`).
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any, TextIO

from edge.config import Config, Node, lambda_region
from edge.node.reloads import Reload, say
from edge.runtime.events import Trigger
from edge.runtime.function import EdgeFunction
from edge.runtime.logs import FunctionLog, log_file_name, timestamp
from edge.runtime.pool import ConcurrencyLimit
from edge.runtime.runner import DeployedFunction, FunctionError, InvocationResult, invoke

__all__ = ["NodeFunctions", "handler_problems", "watchers"]

RELOAD_INTERVAL = 0.25  # seconds between looks at the handler files
RETIRE_TIMEOUT = 60.0  # seconds an old version's invocations in flight may take to finish


class EchoedLog(FunctionLog):
    """A function log whose lines also go to the node's output (the `edgesim up` tail)."""

    def __init__(self, path: Path, prefix: str, out: TextIO) -> None:
        super().__init__(path)
        self._prefix = prefix
        self._out = out

    def write(self, text: str) -> None:
        super().write(text)
        self._out.write("".join(f"{self._prefix}{line}\n" for line in text.splitlines()))
        self._out.flush()


class NodeFunctions:
    def __init__(
        self, config: Config, node: Node, *, echo: bool = False,
        clock: Callable[[], float] = time.time, out: TextIO = sys.stdout,
        report: Callable[[Reload], None] = say,
    ) -> None:
        dist = config.distribution
        self._node = node
        self._clock = clock
        self._echo = echo
        self._out = out
        self._report = report
        self._dir = Path(config.log_dir) / node.id / "functions"
        self._limits = dist.function_limits
        self._shared = ConcurrencyLimit(self._limits.concurrency)
        # The functions this node can run, by name, each at its latest version, in the Region
        # its replicas run in here.
        self._functions = {
            name: replace(function, region=lambda_region(config, node, function.event_type))
            for name, function in _functions_of(config, node).items()}
        self._deployed: dict[str, DeployedFunction] = {}
        self._retiring: set[asyncio.Task[None]] = set()
        self._sources = {name: _source(f) for name, f in self._functions.items()}
        self._stamps = {name: _stamp(path) for name, path in self._sources.items()}
        self._error_log: FunctionLog | None = None
        self._distribution_id = dist.id
        self._watcher: asyncio.Task[None] | None = None
        # After a config reload, requests still in flight on the old config invoke through
        # the functions of the new one.
        self._successor: NodeFunctions | None = None

    def start(self) -> None:
        """Start watching the handler files (in the running loop)."""
        if self._functions and self._watcher is None:
            self._watcher = asyncio.get_running_loop().create_task(self._watch())

    def reconfigured(self, config: Config) -> NodeFunctions:
        """The functions of `config` on this node, taking over from these.

        A function the new config leaves unchanged keeps its warm environments; a changed one
        becomes its next version, with the same log and meter, and the old version's
        environments stop once their invocations in flight finish, as after a hot reload. A
        removed function stops the same way.
        """
        new = NodeFunctions(config, self._node, echo=self._echo, clock=self._clock,
                            out=self._out, report=self._report)
        same_limits = new._limits == self._limits
        if same_limits:
            new._shared = self._shared
        # Versions first, deployed here or not, so that every node counts the same ones.
        for name, current in self._functions.items():
            function = new._functions.get(name)
            if function is not None:
                new._functions[name] = current if _same(current, function) else replace(
                    function, version=str(int(current.version) + 1))
        for name, deployed in self._deployed.items():
            function = new._functions.get(name)
            if function is deployed.function and same_limits:
                new._deployed[name] = deployed
                continue
            if function is not None:
                new._deploy(name, log=deployed.log).meter = deployed.meter
            new._retire_later(deployed, close_log=function is None)
        new._error_log, self._error_log = self._error_log, None
        new._retiring |= self._retiring
        self._retiring = set()
        if self._watcher is not None:
            self._watcher.cancel()
        self._deployed = {}
        self._successor = new
        return new

    def invoke(
        self, function: EdgeFunction, trigger: Trigger
    ) -> Coroutine[None, None, InvocationResult]:
        """Run `trigger`'s event through the deployed version of `function` (the latest, after
        reloads): the runner's coroutine itself, awaited by the trigger."""
        if self._successor is not None:
            return self._successor.invoke(function, trigger)
        deployed = self._deployed.get(function.name) or self._deploy(function.name, function)
        return invoke(deployed, trigger)

    def record_error(
        self, function: EdgeFunction, request_id: str, error: FunctionError
    ) -> None:
        """The distribution's error log (`/aws/cloudfront/LambdaEdge/<DistributionId>`)."""
        if self._successor is not None:
            self._successor.record_error(function, request_id, error)
            return
        if self._error_log is None:
            self._error_log = FunctionLog(self._dir / f"LambdaEdge.{self._distribution_id}.log")
        deployed = self._deployed.get(function.name)
        version = deployed.function.version if deployed else function.version
        self._error_log.write(json.dumps({
            "timestamp": timestamp(self._clock()),
            "distributionId": self._distribution_id,
            "xEdgeRequestId": request_id,
            "eventType": function.event_type.value,
            "functionArn": f"arn:aws:lambda:us-east-1:123456789012:function:{function.name}"
                           f":{version}",
            "error": error.failure.value,
            "reason": error.reason,
        }) + "\n")

    def readings(self) -> dict[str, dict[str, Any]]:
        """Per function deployed here: its version, trigger and meter (the node's stats)."""
        return {
            name: {
                "version": d.function.version,
                "event_type": d.function.event_type.value,
                "memory_size_mb": d.function.memory_size,
                **asdict(d.meter.reading()),
            }
            for name, d in self._deployed.items()
        }

    def recent_log_lines(self) -> dict[str, Sequence[str]]:
        """The last lines of each deployed function's log (the admin API's function logs)."""
        return {name: d.log.recent for name, d in self._deployed.items() if d.log is not None}

    def flush(self) -> None:
        for deployed in self._deployed.values():
            if deployed.log is not None:
                deployed.log.flush()
        if self._error_log is not None:
            self._error_log.flush()

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
        await asyncio.gather(*self._retiring, return_exceptions=True)
        for deployed in self._deployed.values():
            await deployed.close()
        if self._error_log is not None:
            self._error_log.close()

    # -- deployment and reload ---------------------------------------------------------------

    def _deploy(
        self, name: str, function: EdgeFunction | None = None, log: FunctionLog | None = None,
    ) -> DeployedFunction:
        """Deploy the config's function `name`; `function` stands in when the config no longer
        has it (a request begun before a reload removed it)."""
        if name not in self._functions and function is not None:
            self._functions[name] = function
        function = self._functions[name]
        if log is None:
            path = self._dir / log_file_name(name)
            log = (EchoedLog(path, f"[{self._node.id} {name}] ", self._out) if self._echo
                   else FunctionLog(path))
        deployed = DeployedFunction(
            function, log=log, shared_limit=self._shared,
            idle_timeout=self._limits.idle_timeout, clock=self._clock,
        )
        self._deployed[name] = deployed
        return deployed

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(RELOAD_INTERVAL)
            for name, path in self._sources.items():
                stamp = _stamp(path)
                if stamp != self._stamps[name]:
                    self._stamps[name] = stamp
                    self._reload(name)

    def _reload(self, name: str) -> None:
        function = self._functions[name]
        path = self._sources[name]
        file = path.name if path else "module"
        if (problem := _compile_problem(path)) is not None:
            failed = Reload(self._node.id, name, function.version, file, problem)
            self._report(failed)
            deployed = self._deployed.get(name)
            if deployed is not None and deployed.log is not None:
                # Into the file only: the node's output (or `edgesim up`'s) has just said it.
                FunctionLog.write(deployed.log, f"{timestamp(self._clock())} {failed.what()}\n")
            return
        function = replace(function, version=str(int(function.version) + 1))
        self._functions[name] = function
        old = self._deployed.pop(name, None)
        if old is not None:
            new = self._deploy(name, log=old.log)
            new.meter = old.meter  # one function, one meter across its versions
            self._retire_later(old)
        self._report(Reload(self._node.id, name, function.version, file))

    def _retire_later(
        self, old: DeployedFunction, close_log: bool = False,
    ) -> None:
        task = asyncio.get_running_loop().create_task(_retire(old, close_log))
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)


async def _retire(old: DeployedFunction, close_log: bool) -> None:
    """Let an old version finish its invocations in flight, then stop its environments."""
    deadline = time.monotonic() + RETIRE_TIMEOUT
    while old.in_flight and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await (old.close() if close_log else old.pool.close())


def _same(current: EdgeFunction, configured: EdgeFunction) -> bool:
    """Whether a reloaded config leaves a function as it is (its version aside)."""
    return replace(current, version=configured.version) == configured


def _source(function: EdgeFunction) -> Path | None:
    """The handler's file: the one named, or where its module is found."""
    spec = function.handler
    if spec.path is not None:
        return Path(spec.path)
    try:
        found = importlib.util.find_spec(str(spec.module))
    except (ImportError, ValueError):
        return None
    return Path(found.origin) if found is not None and found.origin else None


def _stamp(path: Path | None) -> tuple[int, int]:
    """What changes when the handler's file is saved: modification time and size."""
    try:
        stat = path.stat() if path is not None else None
    except OSError:
        return (0, 0)
    return (stat.st_mtime_ns, stat.st_size) if stat is not None else (0, 0)


def handler_problems(config: Config) -> list[str]:
    """Each function of `config` whose handler file does not compile, and why: what `edgesim
    up` says once at start (the nodes would answer its requests with a 503 until it is fixed)."""
    return [f"{name}: {path.name if path else 'its module'} does not load: {problem}"
            for name, function in _functions_of(config).items()
            if (problem := _compile_problem(path := _source(function))) is not None]


def watchers(config: Config) -> dict[str, frozenset[str]]:
    """Per function, the nodes of `config` that watch its handler file, and so report each of
    its reloads (`edgesim up` waits for them to say a save once)."""
    nodes: dict[str, set[str]] = {}
    for node in config.nodes.values():
        for name in _functions_of(config, node):
            nodes.setdefault(name, set()).add(node.id)
    return {name: frozenset(ids) for name, ids in nodes.items()}


def _functions_of(config: Config, node: Node | None = None) -> dict[str, EdgeFunction]:
    """The config's functions by name; with `node`, those it can run (a regional cache runs no
    viewer trigger)."""
    return {a.function.name: a.function
            for b in config.distribution.behaviors for a in b.functions
            if node is None or node.kind == "pop" or not a.function.event_type.is_viewer}


def _compile_problem(path: Path | None) -> str | None:
    """Why the handler file at `path` does not compile; None when it does (or when there is no
    file to read: the import will say)."""
    try:
        source = path.read_bytes() if path is not None else b""
        compile(source, str(path), "exec")
    except (OSError, SyntaxError, ValueError) as error:
        return _describe(error)
    return None


def _describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"SyntaxError: {error.msg} (line {error.lineno})"
    return f"{type(error).__name__}: {error}"
