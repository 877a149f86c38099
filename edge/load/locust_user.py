"""edgesim's viewers as Locust users, for load spread over Locust's master and workers.

Each Locust user is one viewer of the population (`edge.load.population`): it sends from its
own address in its city (`X-Forwarded-For`, which the edge believes from a trusted proxy:
loopback by default, see `trusted_proxies`), keeps its own cookies for the whole run (A/B
buckets, sessions), asks for what the workload draws (`edge.load.workload`, Zipf popularity;
members' pages with a token the members function accepts) and thinks between answers as the
closed model's users do (`edge.load.arrivals.ClosedModel`). Requests go to the host, usually
the front door, or with `--direct` to the viewer's nearest PoP of the edge config, as DNS
would send it.

Locust's statistics group requests by path group ("/images/*", "/images/*?width"), so a site
of many URLs keeps a short table; `--stats-by region` or `--stats-by pop` splits each group by
the viewer's region or the PoP that answered. Every request event's `context` carries the
viewer's region and city and the PoP that answered, for listeners that count by them.

A request fails only on a 5xx or no answer at all: a 4xx or a redirect is the edge answering,
as it would a person (the members' sign-in redirect, a geo-blocked country).

Only this module and the locustfile need Locust; nothing else in edgesim imports it.
"""

from __future__ import annotations

import argparse
import functools
import logging
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit

import gevent
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from locust import FastHttpUser, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import WorkerRunner

from edge.config import ConfigError, Node, load_config
from edge.credentials import MembersToken, demo_signing_key
from edge.geo.cities import Cities
from edge.geo.nearest import nearest
from edge.load.arrivals import ClosedModel
from edge.load.errors import LoadInputError
from edge.load.population import Population, Viewer
from edge.load.workload import Request, SiteWorkload, Workload, ZipfWorkload, read_url_list

__all__ = ["DEFAULT_HOST", "EdgeViewer", "add_arguments",
           "path_group"]

DEFAULT_HOST = "http://127.0.0.1:8080"  # the default world's front door
STATS_BY = ("path", "region", "pop")

log = logging.getLogger(__name__)


@events.init_command_line_parser.add_listener
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """edgesim's options, on Locust's command line, in locust.conf and as LOCUST_* variables.

    The master sends them to its workers with each run.
    """
    group = parser.add_argument_group("edgesim viewers")
    where = group.add_mutually_exclusive_group()
    where.add_argument("--population", metavar="FILE", env_var="LOCUST_POPULATION",
                       help="viewers by region, country and city (a population TOML); "
                            "default: the world's cities by population")
    where.add_argument("--city", metavar="NAME", env_var="LOCUST_CITY",
                       help="every viewer in this city ('Tokyo', 'Paris, FR')")
    group.add_argument("--alpha", type=float, default=1.0, env_var="LOCUST_ALPHA",
                       help="Zipf exponent of the objects' popularity (default 1.0)")
    group.add_argument("--workload", metavar="site|FILE", default="site",
                       env_var="LOCUST_WORKLOAD",
                       help="'site' (the sample site, the default) or a file of URLs, one "
                            "`[METHOD] path` a line, most popular first")
    group.add_argument("--think-min", type=float, default=1.0, env_var="LOCUST_THINK_MIN",
                       help="shortest think time between an answer and the next request, "
                            "seconds (default 1)")
    group.add_argument("--think-max", type=float, default=3.0, env_var="LOCUST_THINK_MAX",
                       help="longest think time, seconds (default 3)")
    group.add_argument("--direct", action="store_true", env_var="LOCUST_DIRECT",
                       help="send each viewer to its nearest PoP of --edge-config (on the "
                            "host's address), not to the host's front door")
    group.add_argument("--edge-config", metavar="FILE", env_var="LOCUST_EDGE_CONFIG",
                       help="the edge network's config, for --direct (default: edgesim's "
                            "default world)")
    group.add_argument("--stats-by", choices=STATS_BY, default="path",
                       env_var="LOCUST_STATS_BY",
                       help="split each path group of the statistics by the viewer's region "
                            "or the PoP that answered (default: path groups only)")


def path_group(target: str) -> str:
    """The statistics name of a request: its first path segment, and its query's keys.

    "/images/rocket.jpg?width=400" -> "/images/*?width"; "/about.html" -> "/about.html".
    Values are dropped, so the table grows with the site's sections, not with its URLs.
    """
    parts = urlsplit(target)
    first, separator, _ = parts.path.lstrip("/").partition("/")
    group = f"/{first}/*" if separator else f"/{first}"
    keys = sorted({key for key, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return group + (f"?{'&'.join(keys)}" if keys else "")


@dataclass
class Crowd:
    """What the users of one Locust process share: who they are, what they ask for, where."""

    viewers: Iterator[Viewer]  # each user takes the next one
    workload: Workload
    think: ClosedModel
    pops: tuple[Node, ...]  # for --direct; empty when requests go to the host
    stats_by: str
    signing_key: RSAPrivateKey  # loaded once: parsing a PEM key takes longer than signing
    rng: random.Random

    @classmethod
    def from_options(cls, options: argparse.Namespace, worker: int, workers: int) -> Crowd:
        """Raises LoadInputError or ConfigError with a one-line message on unusable options."""
        cities = _cities()
        if options.population:
            population = Population.from_file(cities, options.population)
        elif options.city:
            population = Population.single_city(cities, options.city)
        else:
            population = Population.world(cities)
        workload: Workload = (SiteWorkload(options.alpha) if options.workload == "site"
                              else ZipfWorkload(read_url_list(options.workload), options.alpha))
        think = ClosedModel(max(options.num_users or 1, 1), options.think_min, options.think_max)
        pops = load_config(options.edge_config).pops if options.direct else ()
        rng = random.Random()
        return cls(population.viewers(rng, worker=worker, workers=workers), workload, think,
                   tuple(pops), options.stats_by, demo_signing_key(), rng)


_cities = functools.cache(Cities.load)  # read once per process: checking options reads it too
_crowd: Crowd | None = None  # this process's, made anew for each run (the options may change)


def _worker_slot(environment: Environment) -> tuple[int, int]:
    """This process's worker number and the number of workers, for distinct viewers.

    A worker cannot see how many workers there are; `--expect-workers` on the master says
    (every worker's index is below it unless more join later).
    """
    runner = environment.runner
    if not isinstance(runner, WorkerRunner):
        return 0, 1
    expected = getattr(environment.parsed_options, "expect_workers", 1) or 1
    return runner.worker_index, max(expected, runner.worker_index + 1)


@events.init.add_listener
def _check_options(environment: Environment, **_: object) -> None:
    """Refuse bad options before the run, on the machine the user typed them on."""
    if isinstance(environment.runner, WorkerRunner) or environment.parsed_options is None:
        _cities()  # read now, not once the master's run has started its clock
        return
    try:
        Crowd.from_options(environment.parsed_options, 0, 1)
    except (LoadInputError, ConfigError) as error:
        sys.exit(f"edgesim: {error}")
    # The check blocked the event loop for a moment: let it see the time, or the --run-time
    # timer Locust arms next would count from before the check and end the run that much early.
    gevent.sleep(0)


@events.test_start.add_listener
def _gather_crowd(environment: Environment, **_: object) -> None:
    # On a worker this runs once the master's options have arrived with the run.
    global _crowd
    try:
        _crowd = Crowd.from_options(environment.parsed_options, *_worker_slot(environment))
    except (LoadInputError, ConfigError) as error:
        # Only a worker gets here (the master checked the same options at start): a file the
        # options name is missing on this machine.
        log.error("edgesim: %s; this worker stops", error)
        _crowd = None
        environment.process_exit_code = 1
        if environment.runner is not None:
            gevent.spawn(environment.runner.quit)


class EdgeViewer(FastHttpUser):
    """One viewer of the population, for the whole run: its address, cookies and PoP."""

    host = DEFAULT_HOST

    def on_start(self) -> None:
        if _crowd is None:
            raise StopUser  # the worker is stopping: its options were refused
        self.crowd = _crowd
        self.viewer: Viewer = next(self.crowd.viewers)
        self.token = MembersToken(self.crowd.signing_key, f"viewer-{self.viewer.number}")
        self.base = ""  # the host (front door)
        if self.crowd.pops:
            pop, _ = nearest(self.crowd.pops, (self.viewer.city.latitude,
                                               self.viewer.city.longitude),
                             lambda node: (node.latitude, node.longitude))[0]
            host = urlsplit(self.environment.host or DEFAULT_HOST)
            self.base = f"{host.scheme}://{host.hostname}:{pop.port}"

    def wait_time(self) -> float:
        return self.crowd.think.think_time(self.crowd.rng)

    def context(self) -> dict[str, str]:
        return {"region": self.viewer.region, "city": self.viewer.city.name}

    @task
    def request(self) -> None:
        self.send(self.crowd.workload.next_request(self.crowd.rng))

    def send(self, request: Request) -> None:
        headers = {"X-Forwarded-For": self.viewer.ip}
        if request.credentials:
            headers["Authorization"] = f"Bearer {self.token.get(time.time())}"
        name = path_group(request.target)
        with self.client.request(request.method, self.base + request.target, name=name,
                                 headers=headers, allow_redirects=False,
                                 catch_response=True) as response:
            pop = (response.headers or {}).get("X-Amz-Cf-Pop") or "-"
            response.request_meta["context"]["pop"] = pop
            if self.crowd.stats_by == "region":
                response.request_meta["name"] = f"{name} [{self.viewer.region}]"
            elif self.crowd.stats_by == "pop":
                response.request_meta["name"] = f"{name} [{pop}]"
            status = response.status_code or 0
            if status == 0:
                response.failure(f"no answer: {response.error}")
            elif status >= 500:
                response.failure(f"{status} from {pop}")
            else:
                response.success()
