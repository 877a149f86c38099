"""Edge functions at the four trigger points of a request's way through a node (spec §0, §1).

- viewer-request (PoPs): before the cache lookup, on the behavior chosen from the original URI;
  it may rewrite the request or answer it (never cached).
- origin-request and origin-response (the node that contacts the origin: a regional cache, or a
  PoP for dynamic requests and when it has no regional cache): only when the origin is asked,
  so never on a hit; a response generated here is cached like the origin's.
- viewer-response (PoPs): hit or miss, unless the status is 400 or more, the response came from
  a viewer-request function, or a function failed; it cannot change the status.

Each trigger builds CloudFront's event, runs it through the node's functions, and turns the
validated result back into the node's own types. A failed function ends the request with
CloudFront's error (spec §2.4), whose reason goes to the distribution's error log.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from edge.config import Behavior, FunctionAssociation
from edge.http.message import RequestHead
from edge.node.context import NodeContext
from edge.node.exchange import Exchange, Reply
from edge.node.outcome import Outcome
from edge.node.replies import generated_error
from edge.node.upstream import GeneratedResponse, Route, Target, Timing, UpstreamResponse
from edge.runtime.events import (
    EventConfig,
    OriginRequest,
    OriginResponse,
    RequestData,
    ResponseData,
    ViewerRequest,
    ViewerResponse,
    custom_origin,
)
from edge.runtime.failures import Failure
from edge.runtime.function import EdgeFunction
from edge.runtime.runner import FunctionError
from edge.runtime.validation import AcceptedRequest, AcceptedResponse

__all__ = ["OriginCall", "fetch_from_origin", "viewer_request", "viewer_response"]

_FAILURE_OUTCOMES = {
    Failure.VALIDATION_ERROR: Outcome.LAMBDA_VALIDATION_ERROR,
    Failure.EXECUTION_ERROR: Outcome.LAMBDA_EXECUTION_ERROR,
    Failure.LIMIT_EXCEEDED: Outcome.LAMBDA_LIMIT_EXCEEDED,
}
FUNCTION_FAILURES = frozenset(_FAILURE_OUTCOMES.values())
_PAGE_REASONS = {
    Failure.VALIDATION_ERROR: "The Lambda function result failed validation: {}.",
    Failure.EXECUTION_ERROR: "The Lambda function associated with the CloudFront distribution "
                             "failed: {}.",
    Failure.LIMIT_EXCEEDED: "The Lambda function associated with the CloudFront distribution "
                            "was throttled: {}.",
}


def _config(ctx: NodeContext, ex: Exchange) -> EventConfig:
    dist = ctx.config.distribution
    return EventConfig(dist.domain_name, dist.id, ex.request_id)


def _failed(
    ctx: NodeContext, ex: Exchange, function: EdgeFunction, error: FunctionError
) -> Reply:
    """CloudFront's answer to a failed function (spec §2.4); the reason is logged."""
    ctx.functions.record_error(function, ex.request_id, error)
    ex.outcome = _FAILURE_OUTCOMES[error.failure]
    reason = _PAGE_REASONS[error.failure].format(error.reason.rstrip("."))
    return generated_error(error.response.status, ex.request_id, reason)


def _generated(response: AcceptedResponse) -> tuple[CIMultiDict[str], bytes]:
    headers = CIMultiDict(response.headers)
    body = response.body or b""
    headers.popall("Content-Length", None)
    headers.popall("Transfer-Encoding", None)
    return headers, body


# -- viewer-request ---------------------------------------------------------------------------


async def viewer_request(
    ctx: NodeContext, ex: Exchange, association: FunctionAssociation, request: web.BaseRequest
) -> Reply | None:
    """Run the viewer-request function: None to go on with `ex.head`, or the reply to send."""
    head = ex.head
    if association.include_body and ex.body is None:
        ex.body = await request.content.read()  # whole, without aiohttp's 1 MiB cap (§1.5)
        ex.bytes_in += len(ex.body)
    data = RequestData(ex.client_ip, head.method, head.path, head.query,
                       tuple(head.headers.items()), ex.body or b"")
    function = association.function
    trigger = ViewerRequest(_config(ctx, ex), data, association.include_body)
    result = await ctx.functions.invoke(function, trigger)
    outcome = result.outcome
    if isinstance(outcome, FunctionError):
        return _failed(ctx, ex, function, outcome)
    if isinstance(outcome, AcceptedResponse):
        ex.outcome = Outcome.LAMBDA_GENERATED
        headers, body = _generated(outcome)
        return Reply(outcome.status, outcome.status_description, headers, body=body)
    headers = head.headers
    if outcome.headers != data.headers:
        headers = CIMultiDictProxy(CIMultiDict(outcome.headers))
    if headers is not head.headers or outcome.uri != head.path or outcome.querystring != head.query:
        ex.original = head
        ex.head = RequestHead(head.method, outcome.uri, outcome.querystring, headers,
                              head.http_version)
    if outcome.body is not None:
        ex.body = outcome.body
    return None


# -- origin-request and origin-response -------------------------------------------------------


class OriginCall:
    """A request about to leave for the next tier up, as the cache or dynamic path built it."""

    __slots__ = ("body", "headers", "method", "path", "query", "route")

    def __init__(
        self, route: Route, method: str, path: str, query: str, headers: CIMultiDict[str],
        body: Any = None,
    ) -> None:
        self.route = route
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body  # bytes, a stream of the viewer's body, or None


async def fetch_from_origin(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, call: OriginCall
) -> UpstreamResponse | Reply:
    """Send `call` upstream, with the behavior's origin functions around it when this node is
    the one that contacts the origin. A Reply means a function failed.

    Raises UpstreamError as `Upstream.send` does.
    """
    functions = behavior.functions
    to_origin = call.route.targets[0].layer == "Origin"
    request_fn = functions.origin_request if to_origin else None
    response_fn = functions.origin_response if to_origin else None
    keep_host = "Host" in call.headers
    origin = _origin_event(call.route.targets[0]) if to_origin else {}
    if request_fn is not None:
        answered = await _origin_request(ctx, ex, request_fn, call, origin)
        if not isinstance(answered, dict):
            return answered
        origin, keep_host = answered, True
    if isinstance(call.body, bytes):  # read whole, maybe replaced: its own length goes up
        call.headers.popall("Content-Length", None)
        call.headers.popall("Transfer-Encoding", None)
    ctx.stats.upstream_requests += 1  # sent for real: not when a function answered or failed
    upstream = await ctx.upstream.send(
        call.route, call.method, call.path + (f"?{call.query}" if call.query else ""),
        call.headers, call.body, keep_host=keep_host,
    )
    if response_fn is None or upstream.status == 304:
        return upstream
    return await _origin_response(ctx, ex, response_fn.function, call, origin, upstream)


def _origin_event(target: Target) -> dict[str, Any]:
    """`request.origin` for a custom origin (spec §1.3), from where the route sends it."""
    url = target.url
    return custom_origin(
        url.raw_host or "",
        port=url.port or 80,
        protocol=url.scheme,
        path=url.raw_path.rstrip("/"),
        read_timeout=round(target.response_timeout),
        custom_headers=target.custom_headers,
    )


def _request_data(ex: Exchange, call: OriginCall, body: bytes = b"") -> RequestData:
    """The request as CloudFront sends it upstream; `X-Amz-Cf-*` never shows to functions."""
    headers = tuple((k, v) for k, v in call.headers.items() if k.lower() != "x-amz-cf-id")
    if "Host" not in call.headers:
        headers = (("Host", call.route.targets[0].host_header), *headers)
    return RequestData(ex.client_ip, call.method, call.path, call.query, headers, body)


async def _origin_request(
    ctx: NodeContext, ex: Exchange, association: FunctionAssociation, call: OriginCall,
    origin: dict[str, Any],
) -> dict[str, Any] | UpstreamResponse | Reply:
    """Run origin-request; `call` is updated in place. Returns the origin to send to, a
    generated response (cached like the origin's), or the reply for a failure."""
    body = b""
    if association.include_body:
        if call.body is not None and not isinstance(call.body, bytes):
            call.body = b"".join([chunk async for chunk in call.body])
        body = call.body or b""
    function = association.function
    trigger = OriginRequest(_config(ctx, ex), _request_data(ex, call, body), origin,
                            association.include_body)
    result = await ctx.functions.invoke(function, trigger)
    outcome = result.outcome
    if isinstance(outcome, FunctionError):
        return _failed(ctx, ex, function, outcome)
    if isinstance(outcome, AcceptedResponse):
        headers, generated = _generated(outcome)
        return _in_hand(outcome.status, outcome.status_description, headers, generated,
                        call.route.targets[0])
    assert isinstance(outcome, AcceptedRequest)
    call.path, call.query = outcome.uri, outcome.querystring
    headers = CIMultiDict(outcome.headers)
    headers["X-Amz-Cf-Id"] = ex.request_id
    call.headers = headers
    if outcome.body is not None:
        call.body = outcome.body
    chosen = outcome.origin or origin
    if chosen != origin:
        call.route = Route((_target(chosen),))
    return chosen


def _target(origin: dict[str, Any]) -> Target:
    """Where a function's `request.origin` sends the request (dynamic origin selection)."""
    if "custom" in origin:
        fields = origin["custom"]
        url = URL.build(scheme=fields["protocol"], host=fields["domainName"],
                        port=fields["port"], path=fields["path"] or "")
        timeout = float(fields["readTimeout"])
    else:  # s3: the bucket's endpoint, over HTTPS
        fields = origin["s3"]
        url = URL.build(scheme="https", host=fields["domainName"], path=fields["path"] or "")
        timeout = 30.0
    custom = tuple(
        (entry["key"], entry["value"])
        for entries in fields["customHeaders"].values() for entry in entries
    )
    return Target(url=url, layer="Origin", response_timeout=timeout, custom_headers=custom)


async def _origin_response(
    ctx: NodeContext, ex: Exchange, function: EdgeFunction, call: OriginCall,
    origin: dict[str, Any], upstream: UpstreamResponse,
) -> UpstreamResponse | Reply:
    if isinstance(upstream, GeneratedResponse):
        return upstream  # made by origin-request: origin-response does not run (spec §1.1)
    response = ResponseData(upstream.status, upstream.reason, tuple(upstream.headers.items()))
    trigger = OriginResponse(_config(ctx, ex), _request_data(ex, call), origin, response)
    result = await ctx.functions.invoke(function, trigger)
    outcome = result.outcome
    if isinstance(outcome, FunctionError):
        upstream.close()
        return _failed(ctx, ex, function, outcome)
    assert isinstance(outcome, AcceptedResponse)
    if outcome.body is None:
        headers = CIMultiDictProxy(CIMultiDict(outcome.headers))
        return replace(upstream, status=outcome.status, reason=outcome.status_description,
                       headers=headers)
    upstream.close()
    headers, body = _generated(outcome)
    return _in_hand(outcome.status, outcome.status_description, headers, body, upstream.target,
                    upstream.timing)


def _in_hand(
    status: int, reason: str, headers: CIMultiDict[str], body: bytes, target: Target,
    timing: Timing | None = None,
) -> GeneratedResponse:
    headers["Content-Length"] = str(len(body))
    return GeneratedResponse(status, reason, CIMultiDictProxy(headers), target,
                             timing or Timing(), None, body)


# -- viewer-response --------------------------------------------------------------------------


async def viewer_response(
    ctx: NodeContext, ex: Exchange, association: FunctionAssociation, reply: Reply
) -> Reply:
    """Run viewer-response on what is about to be sent; the status stays (spec §1.1)."""
    head = ex.head
    data = RequestData(ex.client_ip, head.method, head.path, head.query,
                       tuple(head.headers.items()))
    response = ResponseData(reply.status, reply.reason, tuple(reply.headers.items()))
    function = association.function
    trigger = ViewerResponse(_config(ctx, ex), data, response)
    result = await ctx.functions.invoke(function, trigger)
    outcome = result.outcome
    if isinstance(outcome, FunctionError):
        if reply.stream is not None:
            reply.stream.close()
        return _failed(ctx, ex, function, outcome)
    assert isinstance(outcome, AcceptedResponse)
    headers = CIMultiDict(outcome.headers)
    if outcome.body is None:
        return Reply(reply.status, outcome.status_description, headers, body=reply.body,
                     stream=reply.stream, prefix=reply.prefix)
    if reply.stream is not None:
        reply.stream.close()
    headers.popall("Content-Length", None)
    return Reply(reply.status, outcome.status_description, headers, body=outcome.body)


def runs_viewer_response(ex: Exchange, reply: Reply) -> bool:
    """Spec §1.1: not for errors, nor after a viewer-request function answered or failed."""
    return reply.status < 400 and ex.outcome is not Outcome.LAMBDA_GENERATED \
        and ex.outcome not in FUNCTION_FAILURES
