"""Requests the edge does not cache go to the origin as they are, body streamed both ways.

Methods outside the behavior's cached methods, and every request of a behavior whose cache
policy disables caching, are "dynamic": the PoP sends them straight to the origin, skipping the
regional cache (spec §4.4), with the viewer's validators and ranges left for the origin to answer.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web

from edge.config import Behavior
from edge.http.forwarding import cookies_forwarded, forwarded_query, forwarded_request_headers
from edge.node.context import NodeContext
from edge.node.exchange import Exchange, Reply
from edge.node.outcome import Outcome
from edge.node.replies import generated_error
from edge.node.response_headers import stored_headers
from edge.node.triggers import OriginCall, fetch_from_origin
from edge.node.upstream import UpstreamError


async def serve_dynamic(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, request: web.BaseRequest
) -> Reply:
    head = ex.head
    headers = forwarded_request_headers(
        head, behavior, client_ip=ex.client_ip, request_id=ex.request_id, via=ex.via,
        semantics=ctx.semantics.name,
    )
    query = forwarded_query(head, behavior, ctx.semantics.name)
    body: bytes | AsyncIterator[bytes] | None = ex.body
    if body is None and request.body_exists:
        body = _body(request, ex)
    call = OriginCall(ctx.origin_route(behavior), head.method, head.path, query, headers, body)
    try:
        sent = await fetch_from_origin(ctx, ex, behavior, call)
    except UpstreamError as err:
        ex.outcome = Outcome.ERROR
        ex.detail = err.detail
        return generated_error(err.status, ex.request_id)
    if isinstance(sent, Reply):
        return sent  # an origin-facing function failed
    upstream = sent
    ex.from_upstream(upstream)
    ctx.stats.observe_upstream(upstream.timing.first_byte_ms)
    if upstream.status >= 400:
        ex.outcome = Outcome.ERROR
    kept = stored_headers(
        upstream.headers,
        from_tier=False,
        keep_set_cookie=ctx.semantics.name == "rfc9111" or cookies_forwarded(behavior),
    )
    return Reply(upstream.status, upstream.reason, kept, stream=upstream)


async def _body(request: web.BaseRequest, ex: Exchange) -> AsyncIterator[bytes]:
    async for chunk in request.content.iter_chunked(65536):
        ex.bytes_in += len(chunk)
        yield chunk
