"""`edgesim up`: start every node as its own process, keep them alive, stop them all cleanly.

Children run in their own sessions, so a Ctrl-C reaches the supervisor alone; it then sends
SIGTERM to each child (which closes its logs) and waits, killing only what does not stop in
time. A child that dies while the network runs is restarted, and the supervisor says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

STOP_GRACE = 10.0  # seconds a child has to stop after SIGTERM
HEALTH_TIMEOUT = 20.0
PARENT_ENV = "EDGESIM_PARENT_PID"


@dataclass(slots=True)
class Child:
    name: str
    argv: list[str]
    health_url: str
    ports: tuple[tuple[int, str], ...]  # (port, what it is) for the in-use check
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)


class StartupFailed(Exception):
    pass


def busy_port(host: str, children: list[Child]) -> str | None:
    """The first configured port something else already listens on, described for the user."""
    for child in children:
        for port, what in child.ports:
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                try:
                    s.bind((host, port))
                except OSError:
                    return f"port {port} on {host} is already in use ({what})"
    return None


class Supervisor:
    """Starts `children` in order and keeps them running. Check `busy_port` first: a child that
    cannot listen fails the start."""

    def __init__(self, children: list[Child], say: Callable[[str], None]) -> None:
        self._children = children
        self._say = say
        self._stopping = asyncio.Event()

    async def run(self, on_ready: Callable[[], None]) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)
        async with aiohttp.ClientSession() as session:
            try:
                for child in self._children:
                    await self._start(child)
                    await self._wait_healthy(session, child)
            except StartupFailed as exc:
                self._say(f"edgesim: {exc}")
                await self._stop_all()
                return 1
            if self._stopping.is_set():
                await self._stop_all()
                return 0
            on_ready()
            await self._watch(session)
        await self._stop_all()
        return 0

    async def _start(self, child: Child) -> None:
        child.process = await asyncio.create_subprocess_exec(
            *child.argv,
            stdin=asyncio.subprocess.DEVNULL,
            start_new_session=True,
            env={**os.environ, PARENT_ENV: str(os.getpid())},
        )
        child.started_at = time.monotonic()

    async def _wait_healthy(self, session: aiohttp.ClientSession, child: Child) -> None:
        assert child.process is not None
        deadline = time.monotonic() + HEALTH_TIMEOUT
        while time.monotonic() < deadline:
            if self._stopping.is_set():
                return
            if child.process.returncode is not None:
                raise StartupFailed(
                    f"{child.name} exited with status {child.process.returncode} while starting"
                )
            with contextlib.suppress(aiohttp.ClientError, asyncio.TimeoutError):
                async with session.get(
                    child.health_url, timeout=aiohttp.ClientTimeout(total=1)
                ) as response:
                    if response.status == 200:
                        return
            await asyncio.sleep(0.1)
        raise StartupFailed(f"{child.name} did not answer {child.health_url} in time")

    async def _watch(self, session: aiohttp.ClientSession) -> None:
        """Restart children that die, until asked to stop."""
        while not self._stopping.is_set():
            waits = {
                asyncio.ensure_future(c.process.wait()): c
                for c in self._children
                if c.process is not None
            }
            stop = asyncio.ensure_future(self._stopping.wait())
            done, _ = await asyncio.wait([*waits, stop], return_when=asyncio.FIRST_COMPLETED)
            for task in [*waits, stop]:
                if task not in done:
                    task.cancel()
            if self._stopping.is_set():
                return
            for task in done:
                child = waits.get(task)
                if child is None:
                    continue
                child.restarts += 1
                code = task.result()
                self._say(f"edgesim: {child.name} exited with status {code}; restarting it "
                          f"(restart #{child.restarts})")
                if time.monotonic() - child.started_at < 2.0:
                    await asyncio.sleep(1.0)  # dying at once: don't spin
                await self._start(child)
                try:
                    await self._wait_healthy(session, child)
                except StartupFailed as exc:
                    self._say(f"edgesim: {exc}; will try again")
                else:
                    self._say(f"edgesim: {child.name} is back")

    async def _stop_all(self) -> None:
        running = [c.process for c in self._children
                   if c.process is not None and c.process.returncode is None]
        for process in running:
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(
                asyncio.gather(*(p.wait() for p in running)), timeout=STOP_GRACE
            )
        except TimeoutError:
            for process in running:
                if process.returncode is None:
                    with contextlib.suppress(ProcessLookupError):
                        process.kill()
            await asyncio.gather(*(p.wait() for p in running))


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


async def watch_parent(stop: asyncio.Event) -> None:
    """A supervised child stops when its supervisor is gone (even if it was killed)."""
    parent = os.environ.get(PARENT_ENV)
    if parent is None:
        return
    while not stop.is_set():
        if os.getppid() != int(parent):
            stop.set()
            return
        await asyncio.sleep(1.0)
