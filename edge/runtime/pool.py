"""Execution environments for one function, bounded by its concurrency limit.

A request takes the most recently used idle environment (the warmest), or starts one when
fewer than `max_concurrency` are busy; beyond that it is throttled at once, as Lambda@Edge
throttles rather than queues. Idle environments are reclaimed after `idle_timeout` seconds
on the event loop's clock. A `ConcurrencyLimit` shared by several pools stands for the
Region's concurrency quota (spec §2.3).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from edge.runtime.environment import Environment
from edge.runtime.execution import Execution, ExecutionFailed, Throttled
from edge.runtime.function import EdgeFunction

__all__ = ["IDLE_TIMEOUT", "ConcurrencyLimit", "FunctionPool"]

IDLE_TIMEOUT = 300.0  # seconds an environment may stay idle before it is reclaimed


class ConcurrencyLimit:
    """Executions in flight across the pools that share it."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.in_flight = 0

    def try_acquire(self) -> bool:
        if self.in_flight >= self.limit:
            return False
        self.in_flight += 1
        return True

    def release(self) -> None:
        self.in_flight -= 1

    def __repr__(self) -> str:
        return f"<ConcurrencyLimit {self.in_flight}/{self.limit}>"


class FunctionPool:
    """Worker-process environments for one function."""

    hands_over_event = False  # a worker gets its own copy, through the socket

    def __init__(
        self,
        function: EdgeFunction,
        *,
        idle_timeout: float = IDLE_TIMEOUT,
        shared_limit: ConcurrencyLimit | None = None,
    ) -> None:
        self.function = function
        self._idle_timeout = idle_timeout
        self._shared_limit = shared_limit
        self._idle: deque[tuple[Environment, float]] = deque()  # oldest first, with idle-since
        self._busy: set[Environment] = set()
        self._starting = 0
        self._no_starts = asyncio.Event()  # set while no environment is starting
        self._no_starts.set()
        self._reaper: asyncio.TimerHandle | None = None
        self._closing: set[asyncio.Task[None]] = set()
        self._closed = False

    @property
    def busy(self) -> int:
        return len(self._busy) + self._starting

    @property
    def idle(self) -> int:
        return len(self._idle)

    async def run(self, event: dict[str, Any], request_id: str) -> Execution:
        if self._closed:
            raise RuntimeError(f"pool for {self.function.name} is closed")
        idle = self._idle
        if not idle and self.busy >= self.function.max_concurrency:
            return Throttled(
                f"{self.function.name} is at its concurrency limit of "
                f"{self.function.max_concurrency}"
            )
        shared = self._shared_limit
        if shared is not None and not shared.try_acquire():
            return Throttled(f"the node is at its concurrency limit of {shared.limit}")
        try:
            if idle:
                environment = idle.pop()[0]
            else:
                started = await self._start()
                if isinstance(started, ExecutionFailed):
                    return started
                environment = started
            busy = self._busy
            busy.add(environment)
            try:
                return await environment.invoke(event, request_id)
            finally:
                busy.discard(environment)
                if environment.alive and not self._closed:
                    idle.append((environment, environment.loop.time()))
                    if self._reaper is None:
                        self._schedule_reaper()
                else:
                    self._dispose(environment)
        finally:
            if shared is not None:
                shared.release()

    async def _start(self) -> Environment | ExecutionFailed:
        """A cold start: counted as busy while the worker imports the handler."""
        self._starting += 1
        self._no_starts.clear()
        try:
            return await Environment.start(self.function)
        finally:
            self._starting -= 1
            if not self._starting:
                self._no_starts.set()

    def _schedule_reaper(self) -> None:
        if self._reaper is None and self._idle:
            since = self._idle[0][1]
            self._reaper = asyncio.get_running_loop().call_at(
                since + self._idle_timeout, self._reap
            )

    def _reap(self) -> None:
        self._reaper = None
        cutoff = asyncio.get_running_loop().time() - self._idle_timeout
        while self._idle and self._idle[0][1] <= cutoff:
            self._dispose(self._idle.popleft()[0])
        self._schedule_reaper()

    def _dispose(self, environment: Environment) -> None:
        task = asyncio.get_running_loop().create_task(environment.kill())
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    async def close(self) -> None:
        """Kill every environment, busy or starting ones too, and wait until each is reaped."""
        self._closed = True
        await self._no_starts.wait()  # a starting environment is busy once it has started
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        while self._idle:
            self._dispose(self._idle.popleft()[0])
        for environment in self._busy:
            self._dispose(environment)
        while self._closing:
            await asyncio.gather(*self._closing)

    def __repr__(self) -> str:
        return f"<FunctionPool {self.function.name}: {self.busy} busy, {self.idle} idle>"
