"""The control plane's client of the nodes' admin APIs: one call to one node, or to all at once.

Every call has a short timeout: the dashboard polls each second, and a node that does not answer
in time is down for that second, never a reason to wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

import aiohttp

from edge.config import Config, Node
from edge.node.serve import admin_port

__all__ = ["POLL_TIMEOUT", "QUERY_TIMEOUT", "RELOAD_TIMEOUT", "NodeAnswer", "NodeClient",
           "NodeDown", "each"]

POLL_TIMEOUT = 0.8  # seconds: health, stats, recent requests (polled every second)
QUERY_TIMEOUT = 5.0  # seconds: cache listings, function logs, invalidations
RELOAD_TIMEOUT = 30.0  # seconds: a node re-reads its config and may redeploy functions
T = TypeVar("T")


class NodeDown(Exception):
    """The node did not answer: refused, reset, timed out, or not JSON."""


@dataclass(frozen=True, slots=True)
class NodeAnswer:
    status: int
    body: Any  # the JSON document

    @property
    def error(self) -> str:
        """What a refusal says: the node's `error`, or its status."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return self.body["error"]
        return f"HTTP {self.status}"


class NodeClient:
    """The admin API of every node of a config, with the admin token."""

    def __init__(self, config: Config, token: str, session: aiohttp.ClientSession) -> None:
        self.nodes: dict[str, Node] = dict(config.nodes)
        self._host = config.host
        self._headers = {"Authorization": f"Bearer {token}"}
        self._session = session

    def admin_url(self, node: Node) -> str:
        return f"http://{self._host}:{admin_port(node)}/"

    async def call(
        self, node: Node, method: str, path: str, *, timeout: float = POLL_TIMEOUT,
        params: dict[str, str] | None = None, body: Any = None,
    ) -> NodeAnswer:
        """One request to a node's admin API; NodeDown when it gives no JSON answer."""
        try:
            async with self._session.request(
                method, self.admin_url(node) + path, params=params, json=body,
                headers=self._headers, timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                return NodeAnswer(response.status, await response.json(content_type=None))
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise NodeDown(_reason(exc)) from None

    async def get(self, node: Node, path: str, *, timeout: float = POLL_TIMEOUT,
                  params: dict[str, str] | None = None) -> dict[str, Any]:
        """The document a GET answered with 200; NodeDown otherwise."""
        answer = await self.call(node, "GET", path, timeout=timeout, params=params)
        if answer.status != 200 or not isinstance(answer.body, dict):
            raise NodeDown(answer.error)
        return answer.body


async def each(nodes: Iterable[Node], call: Callable[[Node], Awaitable[T]]
               ) -> dict[str, T | NodeDown]:
    """`call` on every node at once: each node's result, or the NodeDown it raised."""
    listed = list(nodes)

    async def one(node: Node) -> T | NodeDown:
        try:
            return await call(node)
        except NodeDown as exc:
            return exc

    results = await asyncio.gather(*(one(node) for node in listed))
    return {node.id: result for node, result in zip(listed, results, strict=True)}


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "no answer in time"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"connection failed ({exc.os_error.strerror or exc.os_error})"
    if isinstance(exc, ValueError):
        return "not a JSON answer"
    return str(exc) or type(exc).__name__
