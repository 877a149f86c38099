"""Config reload for the whole network: check the new file here first, then switch every node.

The file is read as `edgesim up` read it (same path, same command-line overrides, through the
`load` it was given). An invalid file changes nothing anywhere (400, with the config error); a
file that changes the topology needs a restart (409, naming what changed); otherwise each node is
asked to re-read it (`POST /config`), which it does between requests. With `watch_config` the
file is checked every second and a change reloads the same way.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from edge.config import Config, ConfigError, Node, topology_changes
from edge.control.nodes import RELOAD_TIMEOUT, NodeClient, NodeDown, each

__all__ = ["WATCH_INTERVAL", "ConfigReloader", "Reload"]

WATCH_INTERVAL = 1.0


@dataclass(frozen=True, slots=True)
class Reload:
    """The outcome of one reload: the HTTP status the API answers with, and its document."""

    status: int  # 200, 400 (invalid file) or 409 (topology change)
    body: dict[str, Any]


class ConfigReloader:
    """The config the network runs, its version, and the reloads that change it."""

    def __init__(self, config: Config, load: Callable[[], Config], source: str | None,
                 client: NodeClient, clock: Callable[[], float] = time.time) -> None:
        """`source` is the file to watch; None for a config that is not a file's. A relative
        path (`edgesim up --config edge.toml`) is taken from the working directory, as `edgesim
        up` read it; the API gives it absolute, as it gives the built-in default's."""
        self.config = config
        self.source = None if source is None else os.path.abspath(source)
        self._named = source  # as typed, for the lines printed where `edgesim up` runs
        self.last: dict[str, Any] | None = None  # {"time", "result", "error"}
        self._load = load
        self._client = client
        self._clock = clock
        self._lock = asyncio.Lock()

    @property
    def watching(self) -> bool:
        plane = self.config.control_plane
        return self.source is not None and plane is not None and plane.watch_config

    def describe(self) -> dict[str, Any]:
        return {"source": self.source, "config_version": self.config.version,
                "watching": self.watching, "last_reload": self.last}

    async def reload(self) -> Reload:
        """One reload, never two at once."""
        async with self._lock:
            try:
                # Reading checks function handlers and key files too: off the loop.
                new = await asyncio.to_thread(self._load)
            except ConfigError as exc:
                return self._done(Reload(400, {"error": str(exc)}), "invalid", str(exc))
            changes = topology_changes(self.config, new)
            if changes:
                error = ("the new config changes what `edgesim up` started (restart it to "
                         "apply): " + "; ".join(changes))
                return self._done(Reload(409, {"error": error, "changes": changes}),
                                  "needs restart", error)
            answers = await each(self._client.nodes.values(), self._apply)
            self.config = new
            nodes = {node_id: str(a) for node_id, a in answers.items()}
            failed = [f"{node_id}: {a}" for node_id, a in nodes.items() if a != "applied"]
            error = "; ".join(failed) or None
            return self._done(Reload(200, {"config_version": new.version, "nodes": nodes}),
                              "partly applied" if failed else "applied", error)

    async def _apply(self, node: Node) -> str:
        try:
            answer = await self._client.call(node, "POST", "config", timeout=RELOAD_TIMEOUT)
        except NodeDown as exc:
            return f"not applied: no answer ({exc})"
        if answer.status == 200:
            return "applied"
        return f"not applied: {answer.error}"

    def _done(self, outcome: Reload, result: str, error: str | None) -> Reload:
        """Remember the outcome for the API, and say it where `edgesim up` runs."""
        self.last = {"time": self._clock(), "result": result, "error": error}
        where = self._named or "the config"
        if result == "applied":
            said = f"{where} reloaded on every node (version {self.config.version})"
        elif result == "partly applied":
            said = f"{where} reloaded, but {error}"
        else:
            said = f"{where} not reloaded, the network keeps the config it had: {error}"
        print(f"edgesim: {said}", flush=True)
        return outcome

    async def watch(self) -> None:
        """Reload whenever the file changes (its size or modification time), while
        `watch_config` is on."""
        if self.source is None:
            return
        seen = _stamp(self.source)
        while True:
            await asyncio.sleep(WATCH_INTERVAL)
            stamp = _stamp(self.source)
            if stamp == seen:
                continue
            seen = stamp
            if self.watching:
                await self.reload()


def _stamp(path: str) -> tuple[int, int] | None:
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return stat.st_mtime_ns, stat.st_size
