"""Drive a running edge network with simulated viewers and put together the run's result.

A run is a `Plan` (who, what, how much, where to) carried out by one or more workers. Each
worker is an event loop sending its share of the traffic: its share of the rate, of the
requests or of the users, and viewers numbered so that no two workers share one. With more
than one worker, each is a process of its own (so the generator is not the bottleneck) that
sends a progress window every second and its `LoadStats` at the end, merged by the parent.

How requests go out, and why:
- Each viewer has an address in its city, sent as `X-Forwarded-For` (the front door and the
  PoPs trust a loopback peer's), and cookies of its own, so A/B buckets stick and sessions
  behave as for people. A members' request carries a JWT signed with the demo key, as
  `edgesim token --audience edgesim-members` makes it.
- Open model: every send time is fixed in advance and latency is measured from it, so a slow
  answer that delays later sends shows in their latency (no coordinated omission). At most
  `IN_FLIGHT` requests per worker are outstanding, so a target that stops answering slows
  the run instead of exhausting memory; the run then reports the rate it achieved.
- Every run ends by itself: at its bounds, or on a stop (Ctrl-C), after which outstanding
  requests get `STOP_GRACE` seconds and are then abandoned (counted in a warning, not in the
  figures).
- The achieved rate is the requests over the sending window, from the first send to the last,
  as vegeta reports its rate: the wait for the last answers is the target's latency, which the
  latency figures already show, not a slower generator.

Around the run the nodes' and the origin's own counters are read (`counters`), so the result
gives origin offload, node results and function meters as the network counted them, and the
estimated monthly bill for the same traffic (`cost`).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import math
import multiprocessing
import os
import random
import signal
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from typing import Any

import aiohttp
from yarl import URL

from edge.config import Config
from edge.credentials import MembersToken, demo_signing_key
from edge.geo.cities import Cities, City
from edge.geo.distance import haversine_km
from edge.geo.nearest import NearestTable
from edge.load.arrivals import Bounds, ClosedModel, OpenModel
from edge.load.compare import RESULT_FORMAT
from edge.load.cost import PriceRegion, RegionTraffic, Traffic, monthly_bill, price_region
from edge.load.counters import (
    Counters,
    CounterSource,
    Snapshot,
    function_deltas,
    node_deltas,
    origin_delta,
    origin_unknown,
)
from edge.load.errors import LoadInputError
from edge.load.population import REGIONS, Population
from edge.load.report import counted
from edge.load.stats import LoadStats, Measurement, Tally
from edge.load.workload import (
    Replayed,
    Request,
    SiteWorkload,
    Workload,
    ZipfWorkload,
    read_access_log,
    read_url_list,
)
from edge.node.serve import admin_port

__all__ = [
    "IN_FLIGHT",
    "Plan",
    "PopAddress",
    "Progress",
    "load_population",
    "load_workload",
    "node_counters",
    "pop_addresses",
    "pop_city",
    "run_load",
]

IN_FLIGHT = 1000  # outstanding requests per worker, at most
VIEWER_POOL = 1000  # viewers of an open-model run; later arrivals are returning viewers
REQUEST_TIMEOUT = 30.0  # seconds for one request, answer included
STOP_GRACE = 2.0  # seconds outstanding requests get after a stop
KEPT_UP = 0.9  # below this share of the planned rate, the run says the machine fell behind
MOSTLY_NOT_FOUND = 0.9  # from this share of 404s among ten answers or more, the run says so
USER_AGENT = "edgesim-load/1"

Place = tuple[str, str, float, float, str]  # city, country, latitude, longitude, continent


@dataclass(frozen=True, slots=True)
class PopAddress:
    """A PoP as the run sees it: where it is, and its viewer URL (for direct connections)."""

    id: str
    url: str  # "http://127.0.0.1:8081", no trailing slash
    city: str
    latitude: float
    longitude: float


@dataclass(frozen=True, slots=True)
class Plan:
    """Everything a run's workers need. Picklable, because worker processes get a copy and
    rebuild the population and workload from the names in it."""

    target: str | None  # base URL every viewer connects to; None: each to its nearest PoP
    pops: tuple[PopAddress, ...]  # for direct connections, the map and the bill
    model: OpenModel | ClosedModel | None  # None: replay the access log's times
    bounds: Bounds
    population: str = "world"  # "world", "file:PATH" or "city:NAME"
    workload: str = "site"  # "site", "urls:PATH" or "log:PATH"
    alpha: float = 1.0
    seed: int | None = None
    workers: int = 1
    geolite2: bool = False  # replayed real addresses are located with GeoLite2 City too

    def __post_init__(self) -> None:
        if self.workers < 1:
            raise LoadInputError(f"a run needs 1 worker or more, got {self.workers}")
        if self.bounds.requests is not None and self.bounds.requests < self.workers:
            raise LoadInputError(f"{self.workers} workers need {self.workers} requests or "
                                 f"more, got {self.bounds.requests}")
        if isinstance(self.model, ClosedModel) and self.model.users < self.workers:
            raise LoadInputError(f"{self.workers} workers need {self.workers} users or more, "
                                 f"got {self.model.users}")
        if (self.model is None) != self.workload.startswith("log:"):
            raise LoadInputError("an access log is replayed at its own times, with no "
                                 "arrival model; every other workload needs one")
        if self.target is None and not self.pops:
            raise LoadInputError("there is no PoP to send viewers to")

    def settings(self) -> dict[str, Any]:
        """What was asked, as the result document records it."""
        model = self.model
        kind = ("open" if isinstance(model, OpenModel) else "closed"
                if isinstance(model, ClosedModel) else "replay")  # no model: the log's times
        return {
            "target": self.target or "direct",
            "direct": self.target is None,
            "model": kind,
            "rate": model.rate if isinstance(model, OpenModel) else None,
            "ramp_up_s": model.ramp_up if model is not None else 0.0,
            "users": model.users if isinstance(model, ClosedModel) else None,
            "think_s": ([model.think_min, model.think_max] if isinstance(model, ClosedModel)
                        else None),
            "duration_s": self.bounds.duration,
            "requests": self.bounds.requests,
            "workers": self.workers,
            "population": self.population,
            "workload": self.workload,
            "alpha": self.alpha,
            "seed": self.seed,
        }

    def requests_of(self, worker: int) -> int | None:
        """Worker `worker`'s share of the requests: the remainder goes to the first ones."""
        total = self.bounds.requests
        if total is None:
            return None
        return total // self.workers + (worker < total % self.workers)


def pop_addresses(config: Config, running: Collection[str] | None = None
                  ) -> tuple[PopAddress, ...]:
    """The config's PoPs (those `running`, when given) as a plan needs them."""
    return tuple(PopAddress(p.id, f"http://{config.host}:{p.port}", p.city, p.latitude,
                            p.longitude)
                 for p in config.pops if running is None or p.id in running)


def node_counters(config: Config, token: str | None, origin_url: str | None,
                  running: Collection[str] | None = None) -> Counters:
    """The counters of the config's nodes (those `running`, when given) and of the origin."""
    return Counters(
        tuple(CounterSource(n.id, n.kind, f"http://{config.host}:{admin_port(n)}/")
              for n in config.nodes.values() if running is None or n.id in running),
        token, origin_url)


# -- population and workload by name ---------------------------------------------------------


@functools.cache
def _cities() -> Cities:
    return Cities.load()


def load_population(spec: str) -> Population:
    """The population a plan names: "world", "file:PATH" or "city:NAME"."""
    kind, _, value = spec.partition(":")
    if kind == "world":
        return Population.world(_cities())
    if kind == "file":
        return Population.from_file(_cities(), value)
    if kind == "city":
        return Population.single_city(_cities(), value)
    raise LoadInputError(f"unknown population {spec!r}")


def load_workload(spec: str, alpha: float) -> Workload | list[Replayed]:
    """The workload a plan names: "site", "urls:PATH" (drawn by Zipf) or "log:PATH" (replayed)."""
    kind, _, value = spec.partition(":")
    if kind == "site":
        return SiteWorkload(alpha)
    if kind == "urls":
        return ZipfWorkload(read_url_list(value), alpha)
    if kind == "log":
        return read_access_log(value)
    raise LoadInputError(f"unknown workload {spec!r}")


# -- one worker ------------------------------------------------------------------------------


@dataclass(slots=True)
class _Visitor:
    """A viewer while the run lasts: its address, where it connects, its cookies and token."""

    key: int | str
    ip: str
    region: str
    place: Place
    base: str
    cookies: dict[str, str] = field(default_factory=dict)
    token: MembersToken | None = None


class _Worker:
    """One worker's share of a run, on the running event loop."""

    def __init__(self, plan: Plan, worker: int, on_tick: Callable[[Tally], None]) -> None:
        self.plan, self.worker, self.on_tick = plan, worker, on_tick
        seed = None if plan.seed is None else f"{plan.seed}:{worker}"
        self.rng_schedule = random.Random(f"{seed}:schedule" if seed else None)
        self.rng_viewers = random.Random(f"{seed}:viewers" if seed else None)
        self.rng_requests = random.Random(f"{seed}:requests" if seed else None)
        self.population = load_population(plan.population)
        self.workload = load_workload(plan.workload, plan.alpha)
        self.viewers = self.population.viewers(self.rng_viewers, worker=worker,
                                               workers=plan.workers)
        self.nearest = NearestTable(plan.pops, lambda p: (p.latitude, p.longitude))
        self.bounds = Bounds(plan.bounds.duration, plan.requests_of(worker))
        self.stats = LoadStats()
        self.window = Tally()
        self.places: dict[tuple[Place, str, str], list[int]] = {}  # → [requests, bytes]
        self.sent = 0
        self.pending = 0
        self.planned_s = 0.0  # the last scheduled send time
        self.first_sent: float | None = None  # when the first and the last request went out,
        self.last_sent = 0.0  # in seconds from the start
        self.start = 0.0
        self.last_done = 0.0
        self.stopping = False
        self.tasks: set[asyncio.Task[None]] = set()
        self.thinking: set[asyncio.Task[None]] = set()
        self._signing_key: Any = None
        self._session: aiohttp.ClientSession | None = None

    # -- viewers -------------------------------------------------------------------------------

    def _visitor(self) -> _Visitor:
        viewer = next(self.viewers)
        city = viewer.city
        return _Visitor(viewer.number, viewer.ip, viewer.region, _place(city),
                        self._base(city.latitude, city.longitude))

    def _base(self, latitude: float, longitude: float) -> str:
        if self.plan.target is not None:
            return self.plan.target
        found = self.nearest.closest((latitude, longitude))
        assert found is not None  # the plan has PoPs when it has no target
        return found[0].url

    def _token(self, visitor: _Visitor) -> str:
        """The viewer's members token (made on its first members' request; a viewer keeps its
        session)."""
        if visitor.token is None:
            if self._signing_key is None:
                self._signing_key = demo_signing_key()
            visitor.token = MembersToken(self._signing_key, f"viewer-{visitor.key}")
        return visitor.token.get(time.time())

    # -- one request ---------------------------------------------------------------------------

    async def _send(self, visitor: _Visitor, request: Request, at: float) -> None:
        """Send one request scheduled `at` seconds into the run and record what came back."""
        assert self._session is not None
        loop = asyncio.get_running_loop()
        headers = {"X-Forwarded-For": visitor.ip, "User-Agent": USER_AGENT,
                   "Accept-Encoding": "gzip, br"}
        if visitor.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in visitor.cookies.items())
        if request.credentials:
            headers["Authorization"] = f"Bearer {self._token(visitor)}"
        status, x_cache, pop, size = 0, None, None, 0
        self.last_sent = loop.time() - self.start
        if self.first_sent is None:
            self.first_sent = self.last_sent
        self.pending += 1
        try:
            async with self._session.request(
                request.method, URL(visitor.base + request.target, encoded=True),
                headers=headers, allow_redirects=False,
            ) as response:
                async for chunk in response.content.iter_any():
                    size += len(chunk)
                size += _head_size(response)
                status = response.status
                x_cache = response.headers.get("X-Cache")
                pop = response.headers.get("X-Amz-Cf-Pop")
                _keep_cookies(visitor, response)
        except (aiohttp.ClientError, TimeoutError, OSError):
            status, size = 0, 0
        finally:
            self.pending -= 1
        self.last_done = loop.time()
        m = Measurement(at, (self.last_done - self.start - at) * 1000, status, x_cache, size,
                        visitor.region, pop)
        self.stats.record(m)
        self.window.record(m)
        entry = self.places.setdefault((visitor.place, visitor.region, pop or "-"), [0, 0])
        entry[0] += 1
        entry[1] += size

    # -- the models ----------------------------------------------------------------------------

    def _open_arrivals(self, model: OpenModel) -> Iterator[tuple[float, _Visitor, Request]]:
        pool: list[_Visitor] = []
        share = OpenModel(model.rate / self.plan.workers, model.ramp_up)
        pool_size = math.ceil(VIEWER_POOL / self.plan.workers)
        for at in share.schedule(self.bounds, self.rng_schedule):
            if len(pool) < pool_size:
                pool.append(self._visitor())
                visitor = pool[-1]
            else:
                visitor = pool[self.rng_viewers.randrange(pool_size)]
            yield at, visitor, self.workload.next_request(self.rng_requests)

    def _replayed(self, log: list[Replayed]) -> Iterator[tuple[float, _Visitor, Request]]:
        """The log's requests at their logged times; a logged address the world (or GeoLite2)
        places is kept, any other becomes a viewer of the population, the same one each time."""
        from edge.geo.locations import GeoDatabase

        database = GeoDatabase.open(geolite2=self.plan.geolite2)
        visitors: dict[str, _Visitor] = {}
        for sent, record in enumerate(log[self.worker::self.plan.workers]):
            if not self.bounds.allows(sent, record.at):
                return
            key = record.client_ip or f"-{sent}"
            visitor = visitors.get(key)
            if visitor is None:
                visitor = visitors[key] = self._located(database, key) or self._visitor()
            yield record.at, visitor, record.request

    def _located(self, database: Any, ip: str) -> _Visitor | None:
        where = database.lookup(ip)
        if where is None or where.latitude is None or where.longitude is None:
            return None
        continent = where.continent or "-"
        place = (where.city or where.country_name or ip, where.country_code or "-",
                 where.latitude, where.longitude, continent)
        return _Visitor(ip, ip, REGIONS.get(continent, continent), place,
                        self._base(where.latitude, where.longitude))

    async def _scheduled(self, arrivals: Iterator[tuple[float, _Visitor, Request]]) -> None:
        loop = asyncio.get_running_loop()
        limit = asyncio.Semaphore(IN_FLIGHT)

        def done(task: asyncio.Task[None]) -> None:
            self.tasks.discard(task)
            limit.release()

        for at, visitor, request in arrivals:
            delay = self.start + at - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            await limit.acquire()
            if self.stopping:
                return
            self.sent += 1
            self.planned_s = at
            task = loop.create_task(self._send(visitor, request, at))
            self.tasks.add(task)
            task.add_done_callback(done)

    async def _closed(self, model: ClosedModel) -> None:
        starts = model.start_times()[self.worker::self.plan.workers]
        self.planned_s = self.plan.bounds.duration or 0.0
        await asyncio.gather(*(self._user(at, model) for at in starts))

    async def _user(self, start_at: float, model: ClosedModel) -> None:
        loop = asyncio.get_running_loop()
        visitor = self._visitor()
        rng = random.Random(self.rng_schedule.random())
        await self._think(self.start + start_at - loop.time())
        while not self.stopping and self.bounds.allows(self.sent, loop.time() - self.start):
            self.sent += 1
            request = self.workload.next_request(self.rng_requests)
            await self._send(visitor, request, loop.time() - self.start)
            await self._think(model.think_time(rng))

    async def _think(self, seconds: float) -> None:
        """A pause a stop may cut short: nothing is outstanding while a user thinks."""
        if seconds <= 0:
            return
        task = asyncio.current_task()
        assert task is not None
        self.thinking.add(task)
        try:
            await asyncio.sleep(seconds)
        finally:
            self.thinking.discard(task)

    # -- the run -------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> dict[str, Any]:
        """Send this worker's share, until its bounds or `stop`; its figures as JSON."""
        loop = asyncio.get_running_loop()
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=IN_FLIGHT, force_close=False),
            cookie_jar=aiohttp.DummyCookieJar(), auto_decompress=False,
            timeout=aiohttp.ClientTimeout(total=REQUEST_TIMEOUT),
            skip_auto_headers=("User-Agent", "Accept-Encoding"),
        )
        model = self.plan.model
        if model is None:
            assert isinstance(self.workload, list)
            driver = self._scheduled(self._replayed(self.workload))
        elif isinstance(model, OpenModel):
            driver = self._scheduled(self._open_arrivals(model))
        else:
            driver = self._closed(model)
        self.start = self.last_done = loop.time()
        ticker = loop.create_task(self._tick())
        main = loop.create_task(driver)
        stopped = loop.create_task(stop.wait())
        try:
            await asyncio.wait({main, stopped}, return_when=asyncio.FIRST_COMPLETED)
            self.stopping = True
            if not main.done() and not isinstance(model, ClosedModel):
                main.cancel()  # the scheduler owns no request; those are tasks of their own
            for task in list(self.thinking):
                task.cancel()
            await self._drain(main, stop)
        finally:
            for task in [main, *self.tasks, stopped, ticker]:
                task.cancel()
            await asyncio.gather(main, *self.tasks, stopped, ticker, return_exceptions=True)
            await self._session.close()
        self.on_tick(self.window)
        self.window = Tally()
        return {
            "stats": self.stats.to_json(),
            "places": [[*place, region, pop, n, size]
                       for (place, region, pop), (n, size) in self.places.items()],
            "sent": self.sent,
            "abandoned": self.pending,
            "elapsed_s": self.last_done - self.start,
            "planned_s": self.planned_s,
            "first_sent_s": self.first_sent,
            "last_sent_s": self.last_sent,
        }

    async def _drain(self, main: asyncio.Task[None], stop: asyncio.Event) -> None:
        """Wait for the outstanding requests: each ends within its timeout, or a stop cuts the
        wait to `STOP_GRACE`."""
        loop = asyncio.get_running_loop()
        deadline = None
        while self.pending or not main.done():
            if stop.is_set() and deadline is None:
                deadline = loop.time() + STOP_GRACE
                self.stopping = True
                for task in list(self.thinking):
                    task.cancel()
            if deadline is not None and loop.time() > deadline:
                return
            await asyncio.sleep(0.02)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(1.0)
            self.on_tick(self.window)
            self.window = Tally()


def _place(city: City) -> Place:
    return (city.name, city.country_code, city.latitude, city.longitude, city.continent)


def _head_size(response: aiohttp.ClientResponse) -> int:
    """The response's status line and headers as they came over the wire, in bytes."""
    status_line = len(f"HTTP/1.1 {response.status} {response.reason or ''}\r\n")
    return status_line + sum(len(k) + len(v) + 4 for k, v in response.raw_headers) + 2


def _keep_cookies(visitor: _Visitor, response: aiohttp.ClientResponse) -> None:
    """What a browser would keep of `Set-Cookie`, for one site: names and values; a cookie
    set to expire at once is deleted."""
    for name, morsel in response.cookies.items():
        if morsel["max-age"] == "0" or not morsel.value:
            visitor.cookies.pop(name, None)
        else:
            visitor.cookies[name] = morsel.value


# -- workers as processes --------------------------------------------------------------------


def _worker_process(plan: Plan, worker: int, conn: Connection) -> None:
    """A worker process: loads its share, says "ready", starts on "go", stops on "stop"."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when to stop
    try:
        import uvloop
    except ImportError:
        factory = None
    else:
        factory = uvloop.new_event_loop

    async def main() -> None:
        loop = asyncio.get_running_loop()
        try:
            work = _Worker(plan, worker, lambda window: conn.send(("tick", window.to_json())))
        except LoadInputError as error:
            conn.send(("failed", str(error)))
            return
        conn.send(("ready", None))
        go = asyncio.Event()
        stop = asyncio.Event()

        def readable() -> None:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                message = "stop"  # the parent is gone
            (go if message == "go" and not go.is_set() else stop).set()
            if message == "stop":
                go.set()

        _watch(loop, conn, readable)
        await go.wait()
        if stop.is_set():
            conn.send(("done", None))
            return
        result = await work.run(stop)
        loop.remove_reader(conn.fileno())
        conn.send(("done", result))

    with asyncio.Runner(loop_factory=factory) as runner:
        runner.run(main())
    conn.close()


def _watch(loop: asyncio.AbstractEventLoop, conn: Connection, callback: Callable[..., None],
           *args: Any) -> None:
    """`add_reader` on a worker pipe, the pipe left blocking: uvloop makes a watched descriptor
    non-blocking, and a `Connection` reads or writes a message longer than the socket's buffer
    (a worker's figures) in several calls, each of which must wait for the other end."""
    loop.add_reader(conn.fileno(), callback, *args)
    os.set_blocking(conn.fileno(), True)


@contextlib.contextmanager
def _sigint_ignored() -> Iterator[None]:
    """Children started meanwhile begin with SIGINT ignored (an ignored signal stays ignored
    across exec), so a Ctrl-C during their start-up reaches only the parent."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: signals are not ours to set
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


async def _in_processes(plan: Plan, on_tick: Callable[[Tally], None],
                        stop: asyncio.Event) -> list[dict[str, Any]]:
    loop = asyncio.get_running_loop()
    context = multiprocessing.get_context("spawn")
    pipes = [context.Pipe() for _ in range(plan.workers)]
    processes = [context.Process(target=_worker_process, args=(plan, w, child), daemon=True,
                                 name=f"edgesim-load-{w}")
                 for w, (_, child) in enumerate(pipes)]
    with _sigint_ignored():
        for process in processes:
            process.start()
    for _, child in pipes:
        child.close()
    messages: asyncio.Queue[tuple[int, str, Any]] = asyncio.Queue()

    def readable(worker: int, conn: Connection) -> None:
        try:
            kind, body = conn.recv()
        except (EOFError, OSError):
            loop.remove_reader(conn.fileno())
            kind, body = "exited", None
        messages.put_nowait((worker, kind, body))

    for w, (conn, _) in enumerate(pipes):
        _watch(loop, conn, readable, w, conn)
    results: dict[int, dict[str, Any]] = {}
    ready: set[int] = set()
    told_to_stop = False
    try:
        stopped = loop.create_task(stop.wait())
        while len(results) < plan.workers:
            got = loop.create_task(messages.get())
            await asyncio.wait({got, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if stop.is_set() and not told_to_stop:
                told_to_stop = True
                for conn, _ in pipes:
                    with contextlib.suppress(OSError):
                        conn.send("stop")
            if not got.done():
                got.cancel()
                await asyncio.wait({got})
                if not got.cancelled():
                    messages.put_nowait(got.result())
                continue
            worker, kind, body = got.result()
            if kind == "tick":
                on_tick(Tally.from_json(body))
            elif kind == "ready":
                ready.add(worker)
                if len(ready) == plan.workers:
                    for conn, _ in pipes:
                        conn.send("go")
            elif kind == "failed":
                raise LoadInputError(body)
            elif kind == "exited" and worker not in results:
                raise LoadInputError(f"load worker {worker} exited before sending its figures")
            elif kind == "done" and body is not None:
                results[worker] = body
            elif kind == "done":
                raise LoadInputError("stopped before the workers started")
        stopped.cancel()
    finally:
        for conn, _ in pipes:
            loop.remove_reader(conn.fileno())
            with contextlib.suppress(OSError):
                conn.send("stop")
            conn.close()
        for process in processes:
            await loop.run_in_executor(None, process.join, 5)
            if process.is_alive():
                process.kill()
    return [results[w] for w in range(plan.workers)]


# -- the run ---------------------------------------------------------------------------------


class Progress:
    """What the live line shows, from the workers' windows of about a second each."""

    def __init__(self) -> None:
        self.total = Tally()
        self.started = time.monotonic()
        self._recent: list[tuple[float, int]] = []  # (when, requests of a window)

    def add(self, window: Tally) -> None:
        self.total.merge(window)
        now = time.monotonic()
        self._recent = [(t, n) for t, n in self._recent if now - t < 2.0] + [
            (now, window.requests)]

    @property
    def rate(self) -> float:
        """Requests per second over the last two seconds or so."""
        if not self._recent:
            return 0.0
        span = min(2.0, max(1.0, time.monotonic() - self.started))
        return sum(n for _, n in self._recent) / span

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.started


async def run_load(
    plan: Plan,
    counters: Counters,
    *,
    on_progress: Callable[[Tally], None] | None = None,
    stop: asyncio.Event | None = None,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """Run `plan` against the network and return the result document (load-contract).

    `on_progress` gets each worker's window of about a second; setting `stop` ends the run
    early, with the figures of what was answered so far. `warnings` were known before the run
    (what the caller told the user at its start): the result's warnings begin with them.
    """
    stop = stop or asyncio.Event()
    on_tick = on_progress or (lambda window: None)
    started_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    async with aiohttp.ClientSession() as session:
        before = await counters.read(session)
        if plan.workers == 1:
            results = [await _Worker(plan, 0, on_tick).run(stop)]
        else:
            results = await _in_processes(plan, on_tick, stop)
        stats = LoadStats()
        for result in results:
            stats.merge(LoadStats.from_json(result["stats"]))
        after = await _settled(session, counters, before, stats)
    return _document(plan, counters, results, stats, before, after, started_at,
                     stopped=stop.is_set(), known=warnings)


async def _settled(session: aiohttp.ClientSession, counters: Counters, before: Snapshot,
                   stats: LoadStats) -> Snapshot:
    """The counters once the PoPs have counted every answer: a node counts a request when it
    has finished sending the response, a moment after the viewer may have read it."""
    answered = stats.total.requests - stats.total.statuses.get(0, 0)
    pops = [n.id for n in counters.nodes if n.kind == "pop"]

    def counted(snapshot: Snapshot) -> int:
        return sum((snapshot.nodes.get(p) or {}).get("requests", 0)
                   - (before.nodes.get(p) or {}).get("requests", 0) for p in pops)

    for _ in range(40):  # two seconds at most: answers from elsewhere are never counted here
        await asyncio.sleep(0.05)
        after = await counters.read(session)
        if not pops or counted(after) >= answered:
            break
    await asyncio.sleep(0.05)  # the regional caches count after the PoPs have their answer
    return await counters.read(session)


def _document(
    plan: Plan, counters: Counters, results: list[dict[str, Any]], stats: LoadStats,
    before: Snapshot, after: Snapshot, started_at: str, *, stopped: bool,
    known: Sequence[str] = (),
) -> dict[str, Any]:
    elapsed = max(max(r["elapsed_s"] for r in results), 1e-3)
    sending = _sending_window(results)
    total = stats.total.requests
    achieved = total / sending if sending else None
    requested = plan.model.rate if isinstance(plan.model, OpenModel) else None
    places: dict[tuple[Any, ...], list[int]] = {}
    for result in results:
        for *key, n, size in result["places"]:
            entry = places.setdefault(tuple(key), [0, 0])
            entry[0] += n
            entry[1] += size
    pops = {p.id: p for p in plan.pops}
    pop_places = {p.id: pop_city(p.city, p.latitude, p.longitude) for p in plan.pops}
    functions = function_deltas(before, after)
    warnings = [*known, *_warnings(plan, results, achieved, counters, before, after, stopped),
                *_not_found(plan, stats.total)]
    return {
        "format": RESULT_FORMAT,
        "started_at": started_at,
        "elapsed_s": round(elapsed, 3),
        "sending_s": round(sending, 3),
        "settings": plan.settings(),
        "requested_rate": requested,
        "achieved_rate": None if achieved is None else round(achieved, 3),
        "stats": stats.to_json(),
        "viewers": [
            {"city": city, "country": country, "lat": lat, "lon": lon, "region": region,
             "pop": pop, "requests": n, "bytes": size}
            for (city, country, lat, lon, _, region, pop), (n, size) in sorted(
                places.items(), key=lambda item: -item[1][0])
        ],
        "pops": {
            pop_id: {"city": p.city, "lat": p.latitude, "lon": p.longitude,
                     "country": pop_places[pop_id].country_code}
            for pop_id, p in sorted(pops.items())
        },
        "origin": origin_delta(before, after),
        "origin_unknown": origin_unknown(counters, before, after),
        "nodes": node_deltas(counters.nodes, before, after),
        "functions": functions,
        # A month at the rate the requests went out; a run sent all at once has no such
        # rate, and its whole length stands in.
        "bill": monthly_bill(_traffic(plan, places, pop_places, functions,
                                      sending or elapsed)).to_json(),
        "warnings": warnings,
    }


def _sending_window(results: list[dict[str, Any]]) -> float:
    """Seconds from the run's first send to its last, over every worker (each counts from its
    own start, and they start together); 0 when one request (or none) went out."""
    firsts = [r["first_sent_s"] for r in results if r["first_sent_s"] is not None]
    if not firsts:
        return 0.0
    return max(r["last_sent_s"] for r in results) - min(firsts)


def pop_city(name: str, latitude: float, longitude: float) -> City:
    """The world's city a PoP stands in, for its country and price region: the city with the
    PoP's configured name, as `edgesim geo NAME` finds it (`Cities.named`), the nearest to the
    PoP's coordinates when several have it; the nearest city of all when none has.

    Not the nearest city alone: an airport PoP can be nearer a town over a border (Singapore's
    Changi is nearer Pasir Gudang, Malaysia, than Singapore's own point)."""
    cities = _cities()
    return _nearest_city(latitude, longitude, cities.named(name) or cities)


def _nearest_city(latitude: float, longitude: float, among: Iterable[City]) -> City:
    """The city of `among` closest to a point."""
    return min(among, key=lambda c: haversine_km((latitude, longitude),
                                                 (c.latitude, c.longitude)))


def _traffic(
    plan: Plan, places: dict[tuple[Any, ...], list[int]], pop_places: dict[str, City],
    functions: dict[str, dict[str, Any]], elapsed: float,
) -> Traffic:
    """The run's billable traffic, by the price region of the PoP that served it (a PoP the
    config does not name is priced where its viewer is)."""
    https = (plan.target or "").startswith("https:")
    regions: dict[PriceRegion, list[int]] = {}
    for (_, country, _, _, continent, _, pop), (n, size) in places.items():
        if pop == "-":
            continue  # no answer: nothing served, nothing billed
        city = pop_places.get(pop)
        region = (price_region(city.country_code, city.continent) if city is not None
                  else price_region(country, continent) if continent in REGIONS else None)
        if region is None:
            continue
        entry = regions.setdefault(region, [0, 0])
        entry[0] += size
        entry[1] += n
    return Traffic(
        seconds=elapsed,
        regions={region: RegionTraffic(size, 0 if https else n, n if https else 0)
                 for region, (size, n) in regions.items()},
        function_requests=sum(f["invocations"] for f in functions.values()),
        function_gb_seconds=sum(f["gb_seconds"] for f in functions.values()),
    )


def _warnings(
    plan: Plan, results: list[dict[str, Any]], achieved: float | None, counters: Counters,
    before: Snapshot, after: Snapshot, stopped: bool,
) -> list[str]:
    warnings = []
    if stopped:
        warnings.append("stopped early: the figures are those of the requests answered so far")
    sent = sum(r["sent"] for r in results)
    planned_s = max(r["planned_s"] for r in results)
    if plan.model is not None and not isinstance(plan.model, ClosedModel) and planned_s > 0 \
            and sent >= 20:
        planned = sent / planned_s
        if achieved is not None and achieved < KEPT_UP * planned:
            warnings.append(
                f"achieved {achieved:.1f} req/s of the {plan.model.rate:g} requested: the "
                f"machine could not keep up (the generator, the network or both; try "
                f"--workers, or a lower --rate)")
    abandoned = sum(r["abandoned"] for r in results)
    if abandoned:
        warnings.append(f"{counted(abandoned, 'request')} still unanswered when the run "
                        f"stopped {'is' if abandoned == 1 else 'are'} left out of the figures")
    silent = [n.id for n in counters.nodes
              if before.nodes.get(n.id) is None or after.nodes.get(n.id) is None]
    if silent:
        warnings.append(f"no counters from {', '.join(silent)} ("
                        + ("its admin API" if len(silent) == 1 else "their admin APIs")
                        + " did not answer)")
    if counters.origin_url is not None and before.origin is None:
        warnings.append(f"no origin counters: {counters.origin_url}/_origin/stats did not "
                        f"answer as the sample origin does")
    elif counters.origin_url is not None and after.origin is None:
        warnings.append(f"no origin counters: the sample origin ({counters.origin_url}) "
                        f"answered before the run but not after it")
    return warnings


def _not_found(plan: Plan, total: Tally) -> list[str]:
    """A warning when nearly every answer was a 404: the origin has not the paths the workload
    sends (the sample site's to another origin, a URL list or a log of another site), and the
    hit ratios and the bill are of error pages."""
    answered = total.requests - total.statuses.get(0, 0)
    missing = total.statuses.get(404, 0)
    if answered < 10 or missing < MOSTLY_NOT_FOUND * answered:
        return []
    kind, _, path = plan.workload.partition(":")
    what = {"site": "the sample site's paths, which the default workload sends (--workload "
                    "FILE sends your own)",
            "urls": f"the paths of {path}",
            "log": f"the paths replayed from {path}"}.get(kind, "the workload's paths")
    return [f"{missing / answered * 100:.1f}% of the answers were 404 Not Found "
            f"({missing:,} of {answered:,}): the origin does not have {what}; the figures and "
            f"the bill are those of error pages"]
