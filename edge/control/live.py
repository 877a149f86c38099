"""The network as the dashboard sees it, polled once a second: per-node rates and ratios, the
recent requests of every PoP with where their viewers are, and the fan-out to live subscribers.

Rates come from the difference of two readings of a node's counters; hit ratio, byte hit ratio
and p99 from the requests a node finished in the last `WINDOW_S` seconds (each PoP keeps its last
few hundred for us). Hits are `Hit` and `RefreshHit`, misses `Miss`, as in the load report;
other results count in neither. A node that does not answer is down for that second and keeps
its last figures.
"""

from __future__ import annotations

import asyncio
import json
import math
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from edge.config import Config
from edge.control.nodes import POLL_TIMEOUT, NodeClient, NodeDown, each
from edge.geo.locations import GeoDatabase
from edge.load.stats import HITS, MISS  # the load report's counting rule

__all__ = ["POLL_INTERVAL", "WINDOW_S", "LiveView", "Subscribers", "sse_event"]

POLL_INTERVAL = 1.0  # seconds between two readings of every node
WINDOW_S = 10.0  # seconds of recent requests behind the ratios and p99
RECENT_KEPT = 500  # merged recent requests the control plane remembers
_SUMMED = ("invocations", "cold_starts", "billed_duration_ms", "gb_seconds", "cost_usd")
_DURATIONS = ("duration_p50_ms", "duration_p90_ms", "duration_p99_ms", "duration_max_ms")


@dataclass(slots=True)
class _Finished:
    """What the window keeps of one request."""

    time: float
    result_type: str
    bytes: int
    time_taken_ms: float


@dataclass(slots=True)
class _Node:
    kind: str
    up: bool = False
    error: str | None = "not polled yet"
    stats: dict[str, Any] | None = None  # the last /stats answered
    last: tuple[float, int, int] | None = None  # (when, requests, bytes_sent) of that reading
    req_s: float = 0.0
    bytes_s: float = 0.0
    after: int = 0  # /recent cursor
    window: deque[_Finished] = field(default_factory=deque)


class LiveView:
    """Every node's figures and the merged recent requests, refreshed by `poll`."""

    def __init__(self, config: Config, client: NodeClient, session: aiohttp.ClientSession,
                 geo: GeoDatabase, clock: Callable[[], float] = time.time) -> None:
        self._client = client
        self._session = session
        self._geo = geo
        self._clock = clock
        self._nodes = {node.id: _Node(node.kind) for node in config.nodes.values()}
        self._origin_url = (f"http://{config.host}:{config.origin_server.port}/_origin/stats"
                            if config.origin_server is not None else None)
        self._origin_requests: int | None = None
        self._recent: deque[dict[str, Any]] = deque(maxlen=RECENT_KEPT)
        self.time = clock()

    # -- polling -------------------------------------------------------------------------------

    async def poll(self) -> list[dict[str, Any]]:
        """Read every node (and the sample origin) once; the requests new since the last poll,
        newest first."""
        now = self._clock()
        nodes = self._client.nodes
        stats, recent, origin = await asyncio.gather(
            each(nodes.values(), lambda node: self._client.get(node, "stats")),
            each([n for n in nodes.values() if n.kind == "pop"], lambda node: self._client.get(
                node, "recent", params={"after": str(self._nodes[node.id].after)})),
            self._origin(),
        )
        self.time = now
        self._origin_requests = origin
        for node_id, answer in stats.items():
            self._read_stats(self._nodes[node_id], answer, now)
        new: list[dict[str, Any]] = []
        for node_id, answer in recent.items():
            if isinstance(answer, dict):
                new += self._read_recent(self._nodes[node_id], answer)
        for state in self._nodes.values():
            while state.window and state.window[0].time < now - WINDOW_S:
                state.window.popleft()
        new.sort(key=lambda r: r.get("time", 0.0))
        self._recent.extend(new)
        return new[::-1]

    def _read_stats(self, state: _Node, answer: dict[str, Any] | NodeDown, now: float) -> None:
        if isinstance(answer, NodeDown):
            state.up, state.error = False, str(answer)
            state.req_s = state.bytes_s = 0.0
            return
        requests, sent = int(answer.get("requests", 0)), int(answer.get("bytes_sent", 0))
        if state.last is not None and state.up:
            then, old_requests, old_sent = state.last
            if requests < old_requests:  # restarted since: counting from zero again
                old_requests = old_sent = 0
            span = max(now - then, 1e-3)
            state.req_s = (requests - old_requests) / span
            state.bytes_s = (sent - old_sent) / span
        state.up, state.error, state.stats, state.last = True, None, answer, (now, requests, sent)

    def _read_recent(self, state: _Node, answer: dict[str, Any]) -> list[dict[str, Any]]:
        after = int(answer.get("next", state.after))
        if after < state.after:  # the node restarted: its sequence starts again next poll
            state.after = 0
            return []
        state.after = after
        records = [r for r in answer.get("requests", ()) if isinstance(r, dict)]
        for record in records:
            state.window.append(_Finished(
                float(record.get("time", 0.0)), str(record.get("result_type", "")),
                int(record.get("bytes", 0)), float(record.get("time_taken_ms", 0.0))))
            record["viewer"] = self._viewer(record.get("c_ip"))
        return records

    async def _origin(self) -> int | None:
        """Requests that reached the sample origin; None without one, or when it is down."""
        if self._origin_url is None:
            return None
        try:
            async with self._session.get(
                self._origin_url, timeout=aiohttp.ClientTimeout(total=POLL_TIMEOUT)
            ) as response:
                data = await response.json()
            return int(data["requests"])
        except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, TypeError):
            return None

    def _viewer(self, ip: object) -> dict[str, Any] | None:
        where = self._geo.lookup(ip) if isinstance(ip, str) else None
        if where is None or where.latitude is None or where.longitude is None:
            return None
        return {"city": where.city, "country": where.country_code,
                "latitude": where.latitude, "longitude": where.longitude}

    # -- what the API shows --------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        nodes = {node_id: self._node_stats(state) for node_id, state in self._nodes.items()}
        pops = [state for state in self._nodes.values() if state.kind == "pop"]
        aggregate = {
            "requests": sum((s.stats or {}).get("requests", 0) for s in pops),
            "req_s": sum(s.req_s for s in pops),
            "bytes_s": sum(s.bytes_s for s in pops),
            **_window_figures([f for s in pops for f in s.window]),
            "origin_requests": self._origin_requests,
        }
        return {"time": self.time, "nodes": nodes, "aggregate": aggregate}

    def _node_stats(self, state: _Node) -> dict[str, Any]:
        stats = state.stats or {}
        return {
            "up": state.up,
            "kind": state.kind,
            "requests": stats.get("requests", 0),
            "bytes_sent": stats.get("bytes_sent", 0),
            "upstream_requests": stats.get("upstream_requests", 0),
            "results": stats.get("results", {}),
            "cache": stats.get("cache"),
            "config_version": stats.get("config_version"),
            "req_s": state.req_s,
            "bytes_s": state.bytes_s,
            **_window_figures(list(state.window)),
            "error": state.error,
        }

    def recent(self, limit: int) -> list[dict[str, Any]]:
        """The last `limit` requests of every PoP, newest first."""
        return list(self._recent)[: -limit - 1 : -1] if limit > 0 else []

    def functions(self) -> dict[str, Any]:
        """Each edge function's meter summed over the nodes it runs on, and each node's."""
        merged: dict[str, dict[str, Any]] = {}
        for node_id, state in self._nodes.items():
            for name, reading in ((state.stats or {}).get("functions") or {}).items():
                total = merged.setdefault(name, _empty_reading(reading))
                for key in _SUMMED:
                    total[key] += reading.get(key, 0)
                for key in ("errors", "execution_errors"):
                    total[key].update(reading.get(key) or {})
                for key in _DURATIONS:
                    total[key] = max(total[key], reading.get(key, 0.0))
                total["nodes"][node_id] = reading
        for total in merged.values():
            total["errors"] = dict(total["errors"])
            total["execution_errors"] = dict(total["execution_errors"])
        return {"functions": dict(sorted(merged.items()))}


def _empty_reading(first: dict[str, Any]) -> dict[str, Any]:
    """A function's merged meter before any node is added: durations are the highest of the
    nodes' (each node keeps its own percentiles, which cannot be added)."""
    return {"version": first.get("version"), "event_type": first.get("event_type"),
            "memory_size_mb": first.get("memory_size_mb"),
            **dict.fromkeys(_SUMMED, 0), "errors": Counter(), "execution_errors": Counter(),
            **dict.fromkeys(_DURATIONS, 0.0), "nodes": {}}


def _window_figures(window: list[_Finished]) -> dict[str, float | None]:
    hits = [f for f in window if f.result_type in HITS]
    misses = [f for f in window if f.result_type == MISS]
    hit_bytes, miss_bytes = sum(f.bytes for f in hits), sum(f.bytes for f in misses)
    looked_up = len(hits) + len(misses)
    return {
        "hit_ratio": len(hits) / looked_up if looked_up else None,
        "byte_hit_ratio": hit_bytes / (hit_bytes + miss_bytes) if hit_bytes + miss_bytes
        else None,
        "p99_ms": _percentile(sorted(f.time_taken_ms for f in window), 0.99),
    }


def _percentile(ordered: list[float], fraction: float) -> float | None:
    """Nearest rank; None for no values."""
    if not ordered:
        return None
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


class Subscribers:
    """The live streams: each gets every snapshot, as one encoded server-sent event.

    A subscriber that falls behind loses its oldest snapshots, never holds the others up.
    """

    QUEUED = 5

    def __init__(self) -> None:
        self._queues: set[asyncio.Queue[bytes | None]] = set()

    def subscribe(self) -> asyncio.Queue[bytes | None]:
        queue: asyncio.Queue[bytes | None] = asyncio.Queue(self.QUEUED)
        self._queues.add(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[bytes | None]) -> None:
        self._queues.discard(queue)

    def publish(self, snapshot: dict[str, Any]) -> None:
        event = sse_event("snapshot", snapshot)
        for queue in self._queues:
            if queue.full():
                queue.get_nowait()
            queue.put_nowait(event)

    def close(self) -> None:
        """Every stream ends (None), so the server can stop without waiting for browsers."""
        for queue in self._queues:
            while not queue.empty():
                queue.get_nowait()
            queue.put_nowait(None)
        self._queues.clear()


def sse_event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()
