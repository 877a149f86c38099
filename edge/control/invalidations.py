"""Invalidations as CloudFront reports them: an id, the paths, InProgress until every node has
removed the objects, then Completed, with each node's progress on the way.

Each node is sent the paths once it answers: a node that is down (or restarting) is tried again
every `retry_every` seconds until `deadline_s` after the invalidation was made, and only then
counted as Failed. A node that refuses the paths fails at once (the paths were checked here
first, so that is a bug, not a reason to wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from edge.config import Node
from edge.control.nodes import QUERY_TIMEOUT, NodeClient, NodeDown
from edge.http.invalidation import pattern_error

__all__ = ["DEADLINE_S", "Invalidation", "Invalidations", "invalidation_id", "path_errors"]

DEADLINE_S = 60.0  # how long a node that is down is waited for
RETRY_EVERY = 1.0
KEPT = 100  # invalidations remembered, newest first
Status = Literal["InProgress", "Completed", "Failed"]
_ID_ALPHABET = string.ascii_uppercase + string.digits


def invalidation_id() -> str:
    """An id shaped like CloudFront's: `I2J0I21PCUYOIK`."""
    return "I" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(13))


def iso_time(epoch: float) -> str:
    """`2024-05-01T12:00:00.123Z`, as CloudFront writes CreateTime."""
    moment = datetime.fromtimestamp(epoch, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def path_errors(body: object) -> tuple[list[str], dict[str, str]]:
    """The paths of a request body `{"paths": [...]}`, and why any is refused (spec §6.1);
    an unusable body is refused under the key ""."""
    paths = body.get("paths") if isinstance(body, dict) else None
    if not isinstance(paths, list) or not paths or not all(isinstance(p, str) for p in paths):
        return [], {"": 'expected {"paths": ["/path", ...]} with at least one path'}
    return paths, {p: e for p in paths if (e := pattern_error(p)) is not None}


@dataclass(slots=True)
class NodeProgress:
    status: Status = "InProgress"
    removed: int | None = None
    error: str | None = None


@dataclass(slots=True)
class Invalidation:
    id: str
    paths: list[str]
    created: float
    nodes: dict[str, NodeProgress]
    completed: float | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def status(self) -> Status:
        states = {progress.status for progress in self.nodes.values()}
        if "InProgress" in states:
            return "InProgress"
        return "Failed" if "Failed" in states else "Completed"

    def summary(self) -> dict[str, Any]:
        return {"id": self.id, "paths": self.paths, "status": self.status,
                "created": iso_time(self.created),
                "completed": None if self.completed is None else iso_time(self.completed)}

    def as_dict(self) -> dict[str, Any]:
        return {**self.summary(), "nodes": {
            node_id: {"status": p.status, "removed": p.removed, "error": p.error}
            for node_id, p in self.nodes.items()}}


class Invalidations:
    """Every invalidation made through the control plane, each delivered by a task of its own."""

    def __init__(self, client: NodeClient, *, deadline_s: float = DEADLINE_S,
                 retry_every: float = RETRY_EVERY, clock: Callable[[], float] = time.time,
                 new_id: Callable[[], str] = invalidation_id) -> None:
        self._client = client
        self._deadline_s = deadline_s
        self._retry_every = retry_every
        self._clock = clock
        self._new_id = new_id
        self._made: dict[str, Invalidation] = {}  # oldest first

    def create(self, paths: list[str]) -> Invalidation:
        """Start invalidating `paths` (already checked) on every node."""
        invalidation = Invalidation(self._new_id(), paths, self._clock(),
                                    {node_id: NodeProgress() for node_id in self._client.nodes})
        self._made[invalidation.id] = invalidation
        while len(self._made) > KEPT:
            oldest = self._made.pop(next(iter(self._made)))
            if oldest.task is not None:
                oldest.task.cancel()
        invalidation.task = asyncio.get_running_loop().create_task(self._deliver(invalidation))
        return invalidation

    def get(self, invalidation_id: str) -> Invalidation | None:
        return self._made.get(invalidation_id)

    def newest(self, count: int | None = None) -> list[Invalidation]:
        made = list(self._made.values())[::-1]
        return made if count is None else made[:count]

    async def close(self) -> None:
        tasks = [i.task for i in self._made.values() if i.task is not None and not i.task.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _deliver(self, invalidation: Invalidation) -> None:
        await asyncio.gather(*(self._to_node(invalidation, node)
                               for node in self._client.nodes.values()))
        invalidation.completed = self._clock()

    async def _to_node(self, invalidation: Invalidation, node: Node) -> None:
        progress = invalidation.nodes[node.id]
        deadline = invalidation.created + self._deadline_s
        while True:
            try:
                answer = await self._client.call(node, "POST", "invalidations",
                                                 body={"paths": invalidation.paths},
                                                 timeout=QUERY_TIMEOUT)
            except NodeDown as exc:
                if self._clock() + self._retry_every > deadline:
                    progress.status = "Failed"
                    progress.error = f"did not answer within {self._deadline_s:g} s: {exc}"
                    return
                progress.error = f"{exc}; trying again"
                await asyncio.sleep(self._retry_every)
                continue
            if answer.status == 200 and isinstance(answer.body, dict):
                progress.status, progress.error = "Completed", None
                progress.removed = int(answer.body.get("removed", 0))
            else:
                progress.status, progress.error = "Failed", answer.error
            return
