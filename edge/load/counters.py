"""The nodes' and the origin's own counters, read before and after a run: what the run did to
them is the difference.

The load generator sees responses; the nodes count what they served and the origin what
reached it. Reading both around a run (with nothing else running) lets the report give origin
offload and function meters from the counters that would be trusted in production, and lets a
test hold the generator's figures to them exactly.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp

__all__ = [
    "NOT_SAMPLE_ORIGIN",
    "CounterSource",
    "Counters",
    "Snapshot",
    "function_deltas",
    "node_deltas",
    "origin_delta",
    "origin_unknown",
]

_TIMEOUT = aiohttp.ClientTimeout(total=5)
NOT_SAMPLE_ORIGIN = "the origin is not edgesim's sample origin"


@dataclass(frozen=True, slots=True)
class CounterSource:
    """A node whose admin `/stats` the run reads."""

    id: str
    kind: str  # "pop" or "rec"
    admin_url: str  # ends with "/"


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Every node's `/stats` (None when it did not answer) and the origin's `/_origin/stats`."""

    nodes: dict[str, dict[str, Any] | None]
    origin: dict[str, Any] | None


@dataclass(frozen=True, slots=True)
class Counters:
    """Where the counters are: the nodes' admin APIs (with their token) and the origin."""

    nodes: tuple[CounterSource, ...] = ()
    token: str | None = None
    origin_url: str | None = None  # the sample origin's base URL; None: not ours
    no_origin: str = NOT_SAMPLE_ORIGIN  # what the report says when origin_url is None

    async def read(self, session: aiohttp.ClientSession) -> Snapshot:
        stats = await asyncio.gather(*(self._node(session, n) for n in self.nodes))
        return Snapshot({n.id: s for n, s in zip(self.nodes, stats, strict=True)},
                        await self._origin(session))

    async def _node(self, session: aiohttp.ClientSession,
                    node: CounterSource) -> dict[str, Any] | None:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            async with session.get(node.admin_url + "stats", headers=headers,
                                   timeout=_TIMEOUT) as response:
                if response.status != 200:
                    return None
                return await response.json()
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None

    async def _origin(self, session: aiohttp.ClientSession) -> dict[str, Any] | None:
        """The sample origin's counters; None when there is no origin of ours answering."""
        if self.origin_url is None:
            return None
        try:
            async with session.get(self.origin_url.rstrip("/") + "/_origin/stats",
                                   timeout=_TIMEOUT) as response:
                data = await response.json() if response.status == 200 else None
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return None
        if not isinstance(data, dict) or not {"requests", "bytes_sent"} <= data.keys():
            return None  # something else answers there: not the sample origin
        return data


def origin_unknown(counters: Counters, before: Snapshot, after: Snapshot) -> str | None:
    """Why the origin's counters are not known for the run (None when they are)."""
    if counters.origin_url is None:
        return counters.no_origin
    if before.origin is None:
        return f"nothing answered as the sample origin does at {counters.origin_url}"
    if after.origin is None:
        return f"the sample origin at {counters.origin_url} stopped answering during the run"
    return None


def origin_delta(before: Snapshot, after: Snapshot) -> dict[str, int] | None:
    """Requests and body bytes that reached the origin during the run."""
    if before.origin is None or after.origin is None:
        return None
    return {"requests": after.origin["requests"] - before.origin["requests"],
            "bytes": after.origin["bytes_sent"] - before.origin["bytes_sent"]}


def node_deltas(sources: tuple[CounterSource, ...], before: Snapshot,
                after: Snapshot) -> dict[str, dict[str, Any]]:
    """Each node's requests, results by type, upstream requests and bytes sent during the run
    (nodes that did not answer both times are left out)."""
    deltas = {}
    for source in sources:
        old, new = before.nodes.get(source.id), after.nodes.get(source.id)
        if old is None or new is None:
            continue
        results = Counter(new["results"])
        results.subtract(old["results"])
        deltas[source.id] = {
            "kind": source.kind,
            "requests": new["requests"] - old["requests"],
            "results": {name: n for name, n in sorted(results.items()) if n},
            "upstream_requests": new["upstream_requests"] - old["upstream_requests"],
            "bytes_sent": new["bytes_sent"] - old["bytes_sent"],
        }
    return deltas


_SUMMED = ("invocations", "cold_starts", "billed_duration_ms", "gb_seconds", "cost_usd")
_DURATIONS = ("duration_p50_ms", "duration_p90_ms", "duration_p99_ms", "duration_max_ms")


def function_deltas(before: Snapshot, after: Snapshot) -> dict[str, dict[str, Any]]:
    """Each edge function's meter over the run, summed over the nodes it runs on.

    Counts are differences. A node's meter keeps durations only as percentiles since the
    function was deployed, which cannot be subtracted: the run's figures are the highest of
    the nodes' after the run. A function redeployed during the run starts a new meter, so its
    reading after the run is all of the run's.
    """
    totals: dict[str, dict[str, Any]] = {}
    for node_id, stats in after.nodes.items():
        if stats is None:
            continue
        old_functions = (before.nodes.get(node_id) or {}).get("functions", {})
        for name, new in stats.get("functions", {}).items():
            old = old_functions.get(name)
            if old is None or old.get("version") != new.get("version") \
                    or old["invocations"] > new["invocations"]:
                old = {}
            invocations = new["invocations"] - old.get("invocations", 0)
            if not invocations:
                continue
            total = totals.setdefault(name, {key: 0 for key in _SUMMED}
                                      | {"errors": Counter()}
                                      | dict.fromkeys(_DURATIONS, 0.0))
            for key in _SUMMED:
                total[key] += new[key] - old.get(key, 0)
            total["errors"].update(new["errors"])
            total["errors"].subtract(old.get("errors", {}))
            for key in _DURATIONS:
                total[key] = max(total[key], new[key])
    for total in totals.values():
        total["errors"] = {name: n for name, n in sorted(total["errors"].items()) if n}
    return dict(sorted(totals.items()))
