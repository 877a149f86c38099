"""The viewer-facing side of a node: from an aiohttp request to a response and a log line.

Pipeline (DESIGN.md): resolve the viewer (1) → request checks (2), geo restriction → cache
behavior on the original URI (3), [signed URL or cookies] → [viewer-request function, 4] →
[CloudFront-* headers, 5] → cache or dynamic path (6–7) → [viewer-response function, 8] →
CloudFront's response headers, access log (9). Steps in brackets run only when the behavior
asks for them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Coroutine
from itertools import chain

from aiohttp import HttpVersion10, HttpVersion11, web
from multidict import CIMultiDict, CIMultiDictProxy

from edge.config import ALL_METHODS, Behavior, TrustedKeyGroups
from edge.http.message import COOKIE, HOST, USER_AGENT, X_FORWARDED_FOR, RequestHead
from edge.http.signed_requests import check_signed_request
from edge.node.access_log import AccessLogRecord, hit_fields
from edge.node.cache_flow import CacheMiss, answer_from_cache, fetch_for_cache
from edge.node.context import CurrentContext, NodeContext
from edge.node.dynamic import serve_dynamic
from edge.node.error_responses import with_custom_page
from edge.node.exchange import Exchange, Reply
from edge.node.identity import BEHAVIOR_HINT, SHIELD_HINT, is_cloudfront_via, new_request_id
from edge.node.location import (
    OVERRIDE_HEADER,
    city_ip,
    city_override,
    unknown_city,
    with_cloudfront_headers,
    without_cloudfront_headers,
)
from edge.node.outcome import Outcome
from edge.node.prepared import PreparedResponse, hit_bytes
from edge.node.replies import generated_error
from edge.node.response_headers import edge_headers
from edge.node.triggers import runs_viewer_response, viewer_request, viewer_response
from edge.node.upstream import UpstreamError

MAX_URL = 8192  # spec §0 step 2
MAX_REQUEST_HEAD = 20480
_HTTP_VERSIONS = {HttpVersion11: "1.1", HttpVersion10: "1.0"}


def start_exchange(ctx: NodeContext, request: web.BaseRequest) -> Exchange:
    # The connection's peer, which aiohttp asks the transport for once per connection.
    peername = request.protocol.peername
    peer, port = (peername[0], peername[1]) if peername else ("127.0.0.1", 0)
    client_ip = peer
    incoming_via = None
    request_id = None
    viewers = ctx.viewers
    trusted = viewers.trusts(peer)  # config `trusted_proxies`
    headers = request.headers
    sent: str | None = None  # the X-Forwarded-For before a trusted proxy's hop
    if trusted:
        if X_FORWARDED_FOR in headers:
            forwarded = ",".join(headers.getall(X_FORWARDED_FOR))
            sent, _, hop = forwarded.rpartition(",")
            client_ip = hop.strip() or peer  # the hop next to us
        if ctx.node.kind == "rec":
            # A regional cache carries on its PoP's request: same id, same Via (spec §5.1).
            request_id = request.headers.get("X-Amz-Cf-Id")
            vias = [t for t in request.headers.get("Via", "").split(",") if is_cloudfront_via(t)]
            incoming_via = vias[-1].strip() if vias else None
    if viewers.host is not None:  # at a PoP
        host = viewers.host.replacement(headers.get(HOST))
        if sent is not None or host is not None:
            headers = _as_the_viewer_sent(headers, sent, host)
    url = request.rel_url
    version = request.version
    behavior = None
    as_shield = False
    if ctx.layer != "EDGE" and trusted and BEHAVIOR_HINT in headers:
        behavior, as_shield, headers = _hinted_behavior(ctx, headers)
    # Positional, in the order of the fields: keyword arguments cost a request a little more.
    ex = Exchange(
        request_id or new_request_id(),
        client_ip,
        port,
        RequestHead(
            request.method,
            url.raw_path,
            url.raw_query_string,
            headers,
            _HTTP_VERSIONS.get(version) or f"{version.major}.{version.minor}",
        ),
        time.perf_counter(),
        incoming_via or ctx.via,
        _head_size(request),  # bytes_in: the body's bytes are added as it is read
        behavior,
    )
    if as_shield:
        ex.as_shield = True
    return ex


def _as_the_viewer_sent(
    headers: CIMultiDictProxy[str], sent: str | None, host: str | None
) -> CIMultiDictProxy[str]:
    """The request as a CloudFront viewer would have sent it, in one copy of its headers.

    `sent`: the hop a trusted proxy added to `X-Forwarded-For` says who the viewer is (the
    front door, a load test, `curl -H`), so it is no part of the viewer's request; what came
    before it, if anything, the viewer sent itself (None: no hop to take off). Functions,
    cache keys, the log and the origin see that (the origin then gets the viewer's address
    appended, as from CloudFront). `host`: the distribution's domain name, for a `Host` that
    named one of edgesim's own addresses (edge.http.host); None keeps the viewer's."""
    rest = CIMultiDict(headers)
    if sent is not None:
        sent = sent.strip()
        if sent:
            rest[X_FORWARDED_FOR] = sent
        else:
            rest.popall(X_FORWARDED_FOR)
    if host is not None:
        rest[HOST] = host
    return CIMultiDictProxy(rest)


def _hinted_behavior(
    ctx: NodeContext, headers: CIMultiDictProxy[str]
) -> tuple[Behavior | None, bool, CIMultiDictProxy[str]]:
    """The behavior a PoP chose on the viewer's original URI (spec §0 step 4), which a
    viewer-request function may have rewritten since, and whether a regional cache is asking
    this one as its Origin Shield; the hint goes no further."""
    behaviors = ctx.config.distribution.behaviors
    value = headers[BEHAVIOR_HINT]
    as_shield = value.endswith(SHIELD_HINT)
    value = value.removesuffix(SHIELD_HINT)
    rest = CIMultiDict(headers)
    rest.popall(BEHAVIOR_HINT)
    index = int(value) if value.isdigit() else -1
    behavior = behaviors[index] if 0 <= index < len(behaviors) else None
    return behavior, as_shield, CIMultiDictProxy(rest)


def _head_size(request: web.BaseRequest) -> int:
    """Request line and header lines as received, with their CRLFs."""
    raw = request.raw_headers
    line = len(request.method) + len(request.raw_path) + 11
    return line + sum(map(len, chain.from_iterable(raw))) + 4 * len(raw)


def _method_allowed(method: str, behavior: Behavior) -> bool:
    if method in behavior.allowed_methods:
        return True
    return method not in ALL_METHODS and behavior.allowed_methods == ALL_METHODS


def route(
    ctx: NodeContext, ex: Exchange, request: web.BaseRequest
) -> Reply | Coroutine[None, None, Reply]:
    """Steps 2–7: checks, behavior, then the cache or the dynamic path.

    What needs no I/O (a refused request, a cache hit) is answered here, synchronously; what does
    comes back as the coroutine that fetches it. Most requests are hits: they pay for no
    coroutine but `handle`.
    """
    # Nothing of the body is read yet: `bytes_in` is the request head's size.
    if len(request.raw_path) > MAX_URL or ex.bytes_in > MAX_REQUEST_HEAD:
        ex.outcome, ex.detail = Outcome.ERROR, "InvalidRequest"
        return generated_error(413, ex.request_id)
    headers = ex.head.headers
    if (OVERRIDE_HEADER in headers or COOKIE in headers) and \
            (refused := _seen_from_city(ctx, ex)) is not None:
        return refused
    method = request.method
    has_body = request.body_exists and request.content_length != 0
    if method in ("GET", "HEAD") and has_body:
        ex.outcome, ex.detail = Outcome.ERROR, "InvalidRequest"
        return generated_error(403, ex.request_id, "GET and HEAD requests cannot have a body.")
    viewers = ctx.viewers
    if viewers.restriction is not None and viewers.blocked(ex.client_ip):
        ex.outcome, ex.detail = Outcome.ERROR, "ClientGeoBlocked"  # spec §6.4
        return generated_error(403, ex.request_id, "The Amazon CloudFront distribution is "
                               "configured to block access from your country.")
    behavior = ex.behavior or ctx.matcher.match(ex.head.path)
    ex.behavior = behavior
    if not _method_allowed(method, behavior):
        ex.outcome, ex.detail = Outcome.ERROR, "InvalidRequestMethod"
        return generated_error(
            403, ex.request_id, "This distribution is not configured to allow the HTTP "
            "request method that was used for this request."
        )
    if behavior.trusted_key_groups is not None and ctx.layer == "EDGE" and \
            (refused := _unsigned(ctx, ex, behavior.trusted_key_groups, request)) is not None:
        return refused
    # Only at a PoP, and only for a behavior with CloudFront-* headers or a function to see them.
    names = viewers.plans.get(id(behavior))
    if names is not None:
        head = ex.head
        headers = without_cloudfront_headers(head.headers)
        if headers is not head.headers:
            ex.head = head._replace(headers=headers)
        if behavior.functions.viewer_request is not None:
            return _after_viewer_request(ctx, ex, behavior, request, names)
        if names:
            _add_cloudfront_headers(ctx, ex, names)
    return _serve(ctx, ex, behavior, request)


def _unsigned(
    ctx: NodeContext, ex: Exchange, trusted: TrustedKeyGroups, request: web.BaseRequest
) -> Reply | None:
    """Step 3's signed URL or cookie check (spec §6.5), at the PoP only: a regional cache gets
    what the policies forward, which may leave the signature out. The URL that was signed has
    the `Host` as the viewer typed it (README), not the domain name the PoP takes it for."""
    head = ex.head
    refusal = check_signed_request(
        trusted.keys, request.headers.get(HOST) or ctx.config.distribution.domain_name,
        head.path, head.query, head.headers, ex.client_ip, ctx.clock(),
    )
    if refusal is None:
        return None
    ex.outcome, ex.detail = Outcome.ERROR, refusal.code  # CloudFront documents no detail here
    return Reply(403, "Forbidden", CIMultiDict({"Content-Type": "text/xml"}), body=refusal.body,
                 generated=True)


def _seen_from_city(ctx: NodeContext, ex: Exchange) -> Reply | None:
    """Step 1's override (README, "Viewer location"): the viewer is given an address in the
    city its header or cookie names, which no one downstream sees; a 400 for an unknown city."""
    override = city_override(ex.head.headers)
    if override is None:
        return None
    city, headers = override
    ex.head = ex.head._replace(headers=headers)
    ip = city_ip(city)
    if ip is None:
        ex.outcome = Outcome.ERROR
        return generated_error(400, ex.request_id, unknown_city(city))
    ex.client_ip = ip
    return None


def _add_cloudfront_headers(ctx: NodeContext, ex: Exchange, names: frozenset[str]) -> None:
    """Step 5: the CloudFront-* headers the policies name join the request, after the
    viewer-request function, for the cache key, the origin and the later functions."""
    head = ex.head
    user_agent = (ex.original or head).headers.get(USER_AGENT)  # as the viewer sent it
    values = ctx.viewers.cloudfront_headers(names, ex.client_ip, ex.client_port,
                                            head.http_version, user_agent)
    ex.head = head._replace(headers=with_cloudfront_headers(head.headers, names, values))


def _serve(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, request: web.BaseRequest
) -> Reply | Coroutine[None, None, Reply]:
    """Steps 6–7: the cache for cacheable requests, else straight to the origin."""
    if ex.head.method in behavior.cached_methods and not behavior.cache_policy.caching_disabled:
        answer = answer_from_cache(ctx, ex, behavior)
        if isinstance(answer, CacheMiss):
            return fetch_for_cache(ctx, ex, behavior, answer)
        return answer
    return serve_dynamic(ctx, ex, behavior, request)


async def _after_viewer_request(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, request: web.BaseRequest,
    names: frozenset[str],
) -> Reply:
    """Step 4: the viewer-request function, then the rest on the request it returned."""
    association = behavior.functions.viewer_request
    assert association is not None
    reply = await viewer_request(ctx, ex, association, request)
    if reply is not None:
        return reply
    if names:
        _add_cloudfront_headers(ctx, ex, names)
    answer = _serve(ctx, ex, behavior, request)
    return answer if isinstance(answer, Reply) else await answer


def viewer_headers(ctx: NodeContext, ex: Exchange, reply: Reply) -> None:
    """Step 9: the headers CloudFront adds to every response (spec §5.1)."""
    headers = reply.headers
    edge_headers(ctx, ex.behavior, headers, ex.outcome.x_cache, generated=reply.generated)
    headers["X-Amz-Cf-Id"] = ex.request_id
    headers.add("Server-Timing", server_timing(ctx, ex))


def server_timing(ctx: NodeContext, ex: Exchange) -> str:
    metrics = f'{ctx.pop_timing}{ex.request_id}"'
    if (cache_metric := ex.outcome.server_timing) is not None:
        metrics = f"{cache_metric},{metrics}"
    if ex.hit_layer is not None:
        metrics += f',cdn-hit-layer;desc="{ex.hit_layer}"'
    elapsed = (time.perf_counter() - ex.started) * 1000
    t = ex.upstream_timing
    rtt = ex.viewer_rtt_ms
    if t is None and rtt is None:  # nothing but this node's own work (most hits)
        return f"{metrics},cdn-downstream-fbl;dur={elapsed:.0f}"
    waited = 0.0
    if t is not None:
        metrics += (f',cdn-upstream-layer;desc="{ex.upstream_layer}",cdn-upstream-dns;dur=0,'
                    f"cdn-upstream-connect;dur={t.connect_ms:.0f},"
                    f"cdn-upstream-fbl;dur={t.first_byte_ms:.0f}")
        waited = t.first_byte_ms
        if t.simulated_ms:
            metrics += f',sim-upstream;desc="{ex.upstream_layer}";dur={t.simulated_ms:.0f}'
    if rtt is not None:
        metrics += f",sim-viewer;dur={rtt:.0f}"
        waited += rtt * ctx.latency.time_scale
    return (f"{metrics},cdn-downstream-fbl;dur={elapsed:.0f},"
            f"edge-processing;dur={max(0.0, elapsed - waited):.1f}")


def send_prepared(
    ctx: NodeContext, request: web.BaseRequest, ex: Exchange, reply: Reply
) -> PreparedResponse:
    """Write a prepared hit (step 9 is in its bytes) to the transport, now.

    One synchronous write, as aiohttp's writer would make it: the response aiohttp then finishes
    only waits for the transport to drain.
    """
    assert reply.prepared is not None
    data = hit_bytes(request, reply.prepared, reply.age, ex.request_id, server_timing(ctx, ex),
                     reply.body)
    transport = request.transport
    if transport is None or transport.is_closing():
        ex.detail = "ClientHungUpRequest"
    else:
        transport.write(data)
        ex.first_byte_ms = (time.perf_counter() - ex.started) * 1000
    return PreparedResponse(reply.status, reply.reason, len(data), request.keep_alive)


async def send(
    request: web.BaseRequest, ex: Exchange, reply: Reply
) -> tuple[web.StreamResponse, int]:
    """Write the reply; returns the response and the body bytes the viewer was sent.

    Whole bodies are written here too, not left to aiohttp after the handler returns, so the
    log line knows how the transfer ended and how many bytes it took.
    """
    stream = reply.stream
    if stream is None:
        response = web.Response(status=reply.status, reason=reply.reason, headers=reply.headers,
                                body=reply.body)
        try:
            await response.prepare(request)
            ex.first_byte_ms = (time.perf_counter() - ex.started) * 1000
            await response.write_eof()
        except ConnectionError:
            ex.detail = "ClientHungUpRequest"
        return response, 0 if request.method == "HEAD" else len(reply.body)
    response = web.StreamResponse(status=reply.status, reason=reply.reason, headers=reply.headers)
    sent = 0
    try:
        await response.prepare(request)
        ex.first_byte_ms = (time.perf_counter() - ex.started) * 1000
        if request.method != "HEAD":
            if reply.prefix:
                await response.write(reply.prefix)
                sent += len(reply.prefix)
            async for chunk in stream.iter_chunks():
                await response.write(chunk)
                sent += len(chunk)
        await response.write_eof()
    except UpstreamError as err:
        ex.detail = err.detail
        response.force_close()
        if request.transport is not None:
            request.transport.close()  # the viewer sees the transfer cut, as from CloudFront
    except ConnectionError:
        ex.detail = "ClientHungUpRequest"
    finally:
        stream.close() if ex.detail else stream.release()
    return response, sent


def log_record(
    ctx: NodeContext, ex: Exchange, request: web.BaseRequest, response: web.StreamResponse,
    sent: int,
) -> AccessLogRecord:
    """The request's log line; Content-Type and length as sent (aiohttp may add them)."""
    result = ex.outcome.result_type
    status = 0 if ex.detail == "ClientHungUpRequest" else response.status
    range_start = range_end = None
    content_range = response.headers.get("Content-Range")
    if content_range is not None and content_range.startswith("bytes ") and "-" in content_range:
        span = content_range[6:].split("/", 1)[0]
        if "-" in span:
            start, end = span.split("-", 1)
            range_start, range_end = int(start), int(end)
    viewer = ex.original or ex.head  # the request as the viewer sent it, less the city override
    request_headers = viewer.headers
    return AccessLogRecord(
        time=ctx.clock(),
        x_edge_location=ctx.node.id,
        sc_bytes=_response_size(response, sent),
        c_ip=ex.client_ip,
        cs_method=request.method,
        cs_host=ctx.config.distribution.domain_name,
        cs_uri_stem=viewer.path,
        sc_status=status,
        cs_referer=request_headers.get("Referer"),
        cs_user_agent=request_headers.get("User-Agent"),
        cs_uri_query=viewer.query or None,
        cs_cookie=request_headers.get("Cookie"),
        x_edge_result_type=result,
        x_edge_request_id=ex.request_id,
        x_host_header=request_headers.get("Host", ""),
        cs_protocol="http",
        cs_bytes=ex.bytes_in,
        time_taken=time.perf_counter() - ex.started,
        x_forwarded_for=request_headers.get("X-Forwarded-For"),
        x_edge_response_result_type=result,
        cs_protocol_version="HTTP/" + ex.head.http_version,
        c_port=ex.client_port,
        time_to_first_byte=ex.first_byte_ms / 1000,
        x_edge_detailed_result_type=ex.detail or result,
        sc_content_type=response.headers.get("Content-Type"),
        sc_content_len=response.content_length,
        sc_range_start=range_start,
        sc_range_end=range_end,
    )


def _response_size(response: web.StreamResponse, body_bytes: int) -> int:
    """sc-bytes: what the viewer was sent, status line and headers included.

    aiohttp counts the bytes written once a response completes; a transfer cut short is counted
    as the body bytes sent plus the header lines.
    """
    if response.body_length:
        return response.body_length
    return body_bytes + sum(len(k) + len(v) + 4 for k, v in response.headers.items())


def hit_log_fields(
    ctx: NodeContext, ex: Exchange, request: web.BaseRequest, response: PreparedResponse,
    reply: Reply,
) -> str:
    """A prepared hit's log line (fields 3-33): what `log_record` would log, without a record."""
    assert reply.prepared is not None
    result = ex.outcome.result_type
    head = ex.original or ex.head  # the request as the viewer sent it
    return hit_fields(
        ctx.node.id, response.body_length, ex.client_ip, ctx.config.distribution.domain_name,
        head.path, 0 if ex.detail == "ClientHungUpRequest" else reply.status, head.headers,
        head.query, result, ex.request_id, ex.bytes_in, time.perf_counter() - ex.started,
        "HTTP/" + head.http_version, ex.client_port, ex.first_byte_ms / 1000,
        ex.detail or result, reply.prepared.content_type, len(reply.body),
    )


async def _finished_at_pop(ctx: NodeContext, ex: Exchange, reply: Reply) -> Reply:
    """Step 8 and the custom error page of step 9: what only a PoP does to a response."""
    behavior = ex.behavior
    if (behavior is not None and (association := behavior.functions.viewer_response) is not None
            and runs_viewer_response(ex, reply)):
        reply = await viewer_response(ctx, ex, association, reply)
    if reply.status >= 400 and ex.outcome is not Outcome.LAMBDA_LIMIT_EXCEEDED:
        # Spec §6.3: a 503 for a limit exceeded bypasses the custom error pages.
        custom = ctx.config.distribution.custom_error_responses.get(reply.status)
        if custom is not None:
            reply = await with_custom_page(ctx, ex, reply, custom)
    return reply


def _body_size(reply: Reply) -> int:
    """The bytes a reply's body will take, when they are known before it is sent."""
    if reply.stream is None:
        return len(reply.body)
    return reply.stream.content_length or len(reply.prefix)


async def handle(current: CurrentContext, request: web.BaseRequest) -> web.StreamResponse:
    ctx = current.context
    ex = start_exchange(ctx, request)
    answer = route(ctx, ex, request)
    reply = answer if isinstance(answer, Reply) else await answer
    if ctx.layer == "EDGE" and (rtt := ctx.viewers.rtt_ms(ex.client_ip)) is not None:
        # The viewer's leg, waited out once for the request and its response (DESIGN.md).
        latency = ctx.latency
        if latency.bandwidth_mbps:
            rtt += latency.transfer_ms(_body_size(reply))
        ex.viewer_rtt_ms = rtt
        if latency.time_scale:
            await asyncio.sleep(rtt * latency.time_scale / 1000)
    response: web.StreamResponse
    if reply.prepared is not None:
        response = prepared = send_prepared(ctx, request, ex, reply)
        sent = len(reply.body)
        ctx.access_log.write_fields(ctx.clock(), hit_log_fields(ctx, ex, request, prepared, reply))
    else:
        if ctx.node.kind == "pop":
            reply = await _finished_at_pop(ctx, ex, reply)
        viewer_headers(ctx, ex, reply)
        response, sent = await send(request, ex, reply)
        ctx.access_log.write(log_record(ctx, ex, request, response, sent))
    stats = ctx.stats
    stats.requests += 1
    stats.bytes_sent += sent
    stats.results[ex.outcome.result_type] += 1
    return response
