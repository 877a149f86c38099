"""What a node did when a handler file was saved, and how `edgesim up` says it once.

Every node watches the handler files of the functions it can run and reloads them on its own:
it compiles the file itself and counts its own versions. Run alone (`edgesim node`), a node
says what it did on stderr, naming itself:

    edgesim: IAD89-C1: rewrite: reloaded, version 2 serves new requests

Under `edgesim up`, a dozen nodes would each say the same. There each node sends its `Reload`
to the supervisor instead (one JSON line on a pipe the supervisor gave it), and
`ReloadReports` folds the reports of one save into one line per outcome:

    edgesim: rewrite: reloaded, version 2 serves new requests (12 nodes)
    edgesim: rewrite: the new rewrite.py does not load, version 1 keeps serving (12 nodes): ...

The supervisor folds what every node reports rather than letting one node speak for all,
because the nodes need not agree: a node can read a save half-written and fail where the
others succeed, or have been restarted and count other versions; a designated node may not even
run the function (a regional cache runs no viewer trigger). So no report is dropped: the reports
of one function are collected from the first one until every node that watches the function has
reported, or for at most `WINDOW` seconds (a node may be down, or slow), and then said, one line
per (version, file, problem) with the nodes that share it; a report after that starts a new
collection, so a straggler gets a line of its own. A node that cannot reach its supervisor says
its report itself.

The decisions are pure: time is passed in, and the supervisor does the reading and the saying.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Collection, Mapping
from dataclasses import asdict, dataclass, field

__all__ = ["WINDOW", "Reload", "ReloadReports", "reporter", "say"]

# Seconds a report may wait for the other nodes' reports of the same save. The nodes look at
# their handler files every 0.25 s (functions.RELOAD_INTERVAL), so all of them usually report
# within a third of a second, and a collection closes as soon as the last one has.
WINDOW = 1.0
NAMED = 3  # up to this many nodes are named in a folded line; more are counted


@dataclass(frozen=True, slots=True)
class Reload:
    """One node's outcome of a save: the version it serves now, and why the new file does not
    load when it does not (the version it had keeps serving)."""

    node: str
    function: str
    version: str
    file: str  # the handler file's name, or "module"
    problem: str | None = None

    def what(self) -> str:
        """What the node did, without its name (also the line in the function's log)."""
        return _with(_outcome(self.version, self.file, self.problem), self.problem)

    def said_alone(self) -> str:
        """The line a node says on its own."""
        return f"edgesim: {self.node}: {self.function}: {self.what()}"

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str | bytes) -> Reload:
        """The report a node sent; ValueError if it is not one."""
        try:
            return cls(**json.loads(text))
        except TypeError as error:  # not an object, or not these fields
            raise ValueError(f"not a reload report: {text!r}") from error


def _outcome(version: str, file: str, problem: str | None) -> str:
    if problem is None:
        return f"reloaded, version {version} serves new requests"
    return f"the new {file} does not load, version {version} keeps serving"


def _with(text: str, problem: str | None) -> str:
    return text if problem is None else f"{text}: {problem}"


@dataclass(slots=True)
class _Collection:
    deadline: float
    reports: list[Reload] = field(default_factory=list)


class ReloadReports:
    """The nodes' reports of handler saves, folded into what `edgesim up` says.

    `watchers` names, per function, the nodes that watch its handler file: a collection is
    complete once each of them has reported. A function missing from it (a config reload added
    it) is collected for the whole window.
    """

    def __init__(
        self, watchers: Mapping[str, Collection[str]], window: float = WINDOW,
    ) -> None:
        self._watchers = {name: frozenset(nodes) for name, nodes in watchers.items()}
        self._window = window
        self._open: dict[str, _Collection] = {}  # by function

    def add(self, report: str | bytes, now: float) -> list[str]:
        """Take one node's report; returns the lines to say now (its collection is complete).
        A line that is not a report is said as it came rather than lost."""
        try:
            reload = Reload.from_json(report)
        except ValueError:
            text = report.decode(errors="replace") if isinstance(report, bytes) else report
            return [text.rstrip("\n")]
        collection = self._open.setdefault(reload.function, _Collection(now + self._window))
        collection.reports.append(reload)
        watchers = self._watchers.get(reload.function)
        if watchers and watchers <= {r.node for r in collection.reports}:
            return _said(self._open.pop(reload.function).reports)
        return []

    def due(self, now: float) -> list[str]:
        """The lines of the collections whose window has passed."""
        closed = [name for name, c in self._open.items() if c.deadline <= now]
        return [line for name in closed for line in _said(self._open.pop(name).reports)]

    def deadline(self) -> float | None:
        """When the next collection's window passes; None when none is open."""
        return min((c.deadline for c in self._open.values()), default=None)

    def flush(self) -> list[str]:
        """Every open collection's lines, now (the network stops)."""
        lines = [line for c in self._open.values() for line in _said(c.reports)]
        self._open.clear()
        return lines


def _said(reports: list[Reload]) -> list[str]:
    """One line per outcome, in the order they were first reported, with the nodes sharing it
    (named in order of their ids, or counted) before the problem, which may end in parentheses
    of its own."""
    outcomes: dict[tuple[str, str, str | None], set[str]] = {}
    for r in reports:
        outcomes.setdefault((r.version, r.file, r.problem), set()).add(r.node)
    function = reports[0].function
    return [_with(f"edgesim: {function}: {_outcome(version, file, problem)} ({_named(nodes)})",
                  problem)
            for (version, file, problem), nodes in outcomes.items()]


def _named(nodes: set[str]) -> str:
    return ", ".join(sorted(nodes)) if len(nodes) <= NAMED else f"{len(nodes)} nodes"


def say(reload: Reload) -> None:
    """A node on its own says what it did."""
    print(reload.said_alone(), file=sys.stderr, flush=True)


def reporter(send: Callable[[str], bool] | None) -> Callable[[Reload], None]:
    """How a node reports its reloads: to its supervisor through `send` when it has one (the
    supervisor says them once for every node), else itself. Should `send` fail (the supervisor
    is gone), the node says it after all."""
    if send is None:
        return say

    def report(reload: Reload) -> None:
        if not send(reload.to_json()):
            say(reload)

    return report
