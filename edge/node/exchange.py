"""One request's journey through a node, and the reply it ends with.

The pipeline steps fill in an `Exchange` as they go (outcome, hit layer, upstream timing); the
viewer module turns the final `Reply` into bytes, response headers and one access-log line.
"""

from __future__ import annotations

from dataclasses import dataclass

from multidict import CIMultiDict

from edge.cache.entry import PreparedHit
from edge.config import Behavior
from edge.http.message import RequestHead
from edge.node.outcome import Outcome
from edge.node.upstream import Timing, UpstreamResponse


@dataclass(slots=True)
class Reply:
    """What to send: a whole body, or a body streamed from upstream (after `prefix`).

    A hit with `prepared` has its headers already serialized there (`headers` stays empty): the
    viewer module only adds the per-request lines, `age` among them.
    """

    status: int
    reason: str
    headers: CIMultiDict[str]
    body: bytes = b""
    stream: UpstreamResponse | None = None
    prefix: bytes = b""
    generated: bool = False  # made by CloudFront itself (error page): `Server: CloudFront`
    prepared: PreparedHit | None = None
    age: int = 0  # whole seconds, for `Age` on a prepared hit


@dataclass(slots=True)
class Exchange:
    request_id: str
    client_ip: str
    client_port: int
    head: RequestHead
    started: float  # perf_counter, for time-taken
    via: str  # the Via token this request carries upstream (a REC keeps its PoP's)
    bytes_in: int  # the request head's size, then its body's bytes as they are read
    behavior: Behavior | None = None
    uri: str = ""  # path and forwarded query: what an invalidation path matches
    outcome: Outcome = Outcome.MISS
    detail: str | None = None  # detailed result type when it says more than the outcome
    hit_layer: str | None = None  # "EDGE" | "REC" | "Origin Shield" (cdn-hit-layer)
    as_shield: bool = False  # a regional cache's request to this one as its Origin Shield
    upstream_layer: str | None = None
    upstream_timing: Timing | None = None
    first_byte_ms: float = 0.0
    viewer_rtt_ms: float | None = None  # the simulated viewer leg (PoPs; None: not placed)
    original: RequestHead | None = None  # the viewer's request, once a function rewrote `head`
    body: bytes | None = None  # the viewer's body, once a function asked for it or replaced it

    def from_upstream(self, response: UpstreamResponse) -> None:
        self.upstream_layer = response.target.layer
        self.upstream_timing = response.timing
