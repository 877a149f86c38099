"""Headers on the way back: what the node keeps from upstream and what it adds for the viewer.

Upstream hop-by-hop headers never pass (RFC 9110 §7.6.1). When the upstream is a parent tier,
its own CloudFront headers (X-Cache, X-Amz-Cf-*, its Via token, its `cdn-*` Server-Timing
metrics) are taken off: the viewer sees one set, from the node that answers it (spec §5.1).
"""

from __future__ import annotations

from multidict import CIMultiDict

from edge.config import Behavior
from edge.http.forwarding import hop_by_hop, viewer_vary
from edge.http.message import Headers
from edge.node.context import NodeContext
from edge.node.identity import STALE_ON_ERROR_HINT, is_cloudfront_via

TIER_HEADERS = frozenset({"x-cache", "x-amz-cf-pop", "x-amz-cf-id"})
NODE_METRICS = ("cdn-", "sim-", "edge-processing")  # a node's own Server-Timing metrics
# Never kept from any upstream: Age is recomputed on every reply; the hint is read from the
# upstream's headers by the node it is meant for, and an origin cannot send one that counts.
_NEVER_KEPT = frozenset({"age", STALE_ON_ERROR_HINT.lower()})


def stored_headers(
    upstream: Headers, *, from_tier: bool, keep_set_cookie: bool
) -> CIMultiDict[str]:
    """The upstream headers worth keeping with an object, named as the upstream sent them."""
    dropped = hop_by_hop(upstream)
    kept: CIMultiDict[str] = CIMultiDict()
    for name, value in upstream.items():
        lower = name.lower()
        if lower in dropped or lower in _NEVER_KEPT:
            continue
        if lower == "set-cookie" and not keep_set_cookie:
            continue
        if from_tier:
            if lower in TIER_HEADERS:
                continue
            if lower == "via":
                value = ", ".join(t for t in value.split(",") if not is_cloudfront_via(t))
                if not value:
                    continue
            elif lower == "server-timing":
                value = ", ".join(
                    m.strip() for m in value.split(",")
                    if not m.strip().startswith(NODE_METRICS)
                )
                if not value:
                    continue
        kept.add(name, value)
    return kept


def edge_headers(
    ctx: NodeContext, behavior: Behavior | None, headers: CIMultiDict[str], x_cache: str, *,
    generated: bool,
) -> None:
    """What CloudFront adds to a response that is the same for every request of it (spec §5.1).

    The request id, `Age` and `Server-Timing` are the viewer's own; everything here can also be
    applied once to a stored object's headers (`edge.node.prepared`).
    """
    if behavior is not None and ctx.semantics.name == "cloudfront" and "Vary" in headers:
        vary = viewer_vary(headers["Vary"], behavior)
        headers.popall("Vary")
        if vary:
            headers["Vary"] = vary
    if generated or "Server" not in headers:
        headers["Server"] = "CloudFront"
    headers["X-Cache"] = x_cache
    via = headers.get("Via")
    headers["Via"] = f"{via}, {ctx.via}" if via else ctx.via
    headers["X-Amz-Cf-Pop"] = ctx.node.id


def hit_layer(upstream: Headers) -> str | None:
    """The tier a parent says its hit came from (its `cdn-hit-layer`), to report it again."""
    for value in upstream.getall("Server-Timing", ()):
        for metric in value.split(","):
            name, _, params = metric.strip().partition(";")
            if name == "cdn-hit-layer" and 'desc="' in params:
                return params.split('desc="', 1)[1].split('"', 1)[0]
    return None
