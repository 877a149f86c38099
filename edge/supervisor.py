"""`edgesim up`: start every node as its own process, keep them alive, stop them all cleanly.

Children run in their own sessions, so a Ctrl-C reaches the supervisor alone; it then sends
SIGTERM to each child (which closes its logs) and waits, killing only what does not stop in
time. A child that dies while the network runs is restarted, and the supervisor says so.

A child can also report to the supervisor what the whole network should hear once, not once per
node (a handler file reloaded: see `edge.node.reloads`). It writes one line per report to a pipe
of its own, whose end it got as `EDGESIM_REPORT_FD`; `Reports` decides what to say of them and
when. A report pipe, not the child's stderr: everything else a child prints still goes straight
to the terminal, unparsed and undelayed, and a child outlives a supervisor that was killed.
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
from typing import Protocol

import aiohttp

STOP_GRACE = 10.0  # seconds a child has to stop after SIGTERM
HEALTH_TIMEOUT = 20.0
PARENT_ENV = "EDGESIM_PARENT_PID"
REPORT_FD_ENV = "EDGESIM_REPORT_FD"
LAST_REPORTS_TIMEOUT = 1.0  # seconds to read what stopped children wrote before their end


@dataclass(slots=True)
class Child:
    name: str
    argv: list[str]
    health_url: str
    ports: tuple[tuple[int, str], ...]  # (port, what it is) for the in-use check
    reports: bool = False  # it gets a report pipe (see `report_channel`)
    process: asyncio.subprocess.Process | None = None
    restarts: int = 0
    started_at: float = field(default=0.0)


class StartupFailed(Exception):
    pass


class Reports(Protocol):
    """What the supervisor makes of its children's reports: each method returns the lines to
    say. A report may be held back, to be said with others, until `deadline` (monotonic, the
    loop's clock); `flush` gives what is held when the network stops."""

    def add(self, report: bytes, now: float) -> list[str]: ...

    def due(self, now: float) -> list[str]: ...

    def deadline(self) -> float | None: ...

    def flush(self) -> list[str]: ...


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

    def __init__(
        self, children: list[Child], say: Callable[[str], None], reports: Reports | None = None,
    ) -> None:
        self._children = children
        self._say = say
        self._stopping = asyncio.Event()
        self._reports = reports
        self._readers: set[asyncio.Task[None]] = set()  # one per child with a report pipe
        self._report_came = asyncio.Event()
        self._timer: asyncio.Task[None] | None = None

    async def run(self, on_ready: Callable[[], None]) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self._stopping.set)
        if self._reports is not None:
            self._timer = loop.create_task(self._say_reports_when_due(self._reports))
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
        env = {**os.environ, PARENT_ENV: str(os.getpid())}
        env.pop(REPORT_FD_ENV, None)
        ours = theirs = None
        if child.reports and self._reports is not None:
            ours, theirs = os.pipe()  # a new one at each start: a restart is a new writer
            env[REPORT_FD_ENV] = str(theirs)
        try:
            child.process = await asyncio.create_subprocess_exec(
                *child.argv,
                stdin=asyncio.subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                pass_fds=() if theirs is None else (theirs,),
            )
        except BaseException:
            if ours is not None:
                os.close(ours)
            raise
        finally:
            if theirs is not None:
                os.close(theirs)  # the child's alone: the pipe ends when the child does
        child.started_at = time.monotonic()
        if ours is not None and self._reports is not None:
            reader = asyncio.get_running_loop().create_task(
                self._read_reports(ours, self._reports))
            self._readers.add(reader)
            reader.add_done_callback(self._readers.discard)

    async def _read_reports(self, fd: int, reports: Reports) -> None:
        """Hand each line a child reports to `reports`, until the child is gone."""
        loop = asyncio.get_running_loop()
        stream = asyncio.StreamReader()
        with open(fd, "rb", buffering=0) as pipe:
            transport, _ = await loop.connect_read_pipe(
                lambda: asyncio.StreamReaderProtocol(stream), pipe)
            try:
                while line := await stream.readline():
                    self._say_each(reports.add(line, loop.time()))
                    self._report_came.set()  # it may hold it back: a new deadline
            finally:
                transport.close()

    async def _say_reports_when_due(self, reports: Reports) -> None:
        loop = asyncio.get_running_loop()
        while True:
            deadline = reports.deadline()
            wait = None if deadline is None else max(0.0, deadline - loop.time())
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._report_came.wait(), wait)
            self._report_came.clear()
            self._say_each(reports.due(loop.time()))

    def _say_each(self, lines: list[str]) -> None:
        for line in lines:
            self._say(line)

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
        await self._last_reports()

    async def _last_reports(self) -> None:
        """Say what the children reported before they stopped, held back or not: no line is
        lost. Their pipes end with them."""
        if self._readers:
            await asyncio.wait(self._readers, timeout=LAST_REPORTS_TIMEOUT)
        for reader in list(self._readers):
            reader.cancel()
        if self._timer is not None:
            self._timer.cancel()
        if self._reports is not None:
            self._say_each(self._reports.flush())


def python_module(module: str, *args: str) -> list[str]:
    return [sys.executable, "-m", module, *args]


def report_channel() -> Callable[[str], bool] | None:
    """For a child started with a report pipe: a way to send its supervisor one line, which
    answers False when the line could not go (the supervisor is gone). None without one."""
    fd = os.environ.get(REPORT_FD_ENV)
    if fd is None:
        return None

    def send(line: str) -> bool:
        data = f"{line}\n".encode()
        try:
            while data:  # the whole line, or the supervisor would read half of it
                data = data[os.write(int(fd), data):]
        except (OSError, ValueError):
            return False
        return True

    return send


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
