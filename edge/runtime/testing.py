"""Helpers for testing handlers with pytest: build CloudFront events, run a handler once.

    from edge.runtime.testing import invoke, viewer_request_event

    def test_redirects_to_index():
        request = invoke(handler, viewer_request_event(uri="/docs/")).request
        assert request["uri"] == "/docs/index.html"

`invoke` applies the production validation (a `FunctionValidationError` says what CloudFront
would reject) and Lambda's JSON marshalling, in-process, with no time or memory limits, so a
handler's own exceptions surface in the test as they are.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Mapping
from typing import Any

from edge.runtime.context import context_class
from edge.runtime.events import (
    EventConfig,
    EventType,
    OriginRequest,
    OriginResponse,
    RequestData,
    ResponseData,
    ViewerRequest,
    ViewerResponse,
    custom_origin,
)
from edge.runtime.function import DEFAULT_TIMEOUTS
from edge.runtime.handler import HandlerSpec, InitError, load
from edge.runtime.validation import AcceptedRequest, AcceptedResponse, ValidationError, validate

__all__ = [
    "FunctionValidationError",
    "invoke",
    "origin_headers",
    "origin_request_event",
    "origin_response_event",
    "viewer_request_event",
    "viewer_response_event",
]

Pairs = tuple[tuple[str, str], ...]
Event = dict[str, Any]

# The values of AWS's own sample events.
CONFIG = EventConfig(
    distribution_domain_name="d111111abcdef8.cloudfront.net",
    distribution_id="EDFDVBD6EXAMPLE",
    request_id="4TyzHTaYWb1GX1qTfsHhEqV6HUDd_BzoBZnwfnvQc_1oF26ClkoUSEQ==",
)
CLIENT_IP = "203.0.113.178"
HEADERS: Pairs = (
    ("Host", "d111111abcdef8.cloudfront.net"),
    ("User-Agent", "curl/7.66.0"),
    ("Accept", "*/*"),
)
ORIGIN = custom_origin("example.org")


def origin_headers(client_ip: str = CLIENT_IP) -> Pairs:
    """What a PoP sends the origin for a viewer at `client_ip` (spec §1.3): the request headers
    origin events show by default."""
    return (
        ("Host", "example.org"),
        ("User-Agent", "Amazon CloudFront"),
        ("Via", "2.0 2afae0d44e2540f472c0635ab62c232b.cloudfront.net (CloudFront)"),
        ("X-Forwarded-For", client_ip),
    )


def default_headers(event_type: EventType, client_ip: str = CLIENT_IP) -> Pairs:
    """The request headers of an event of `event_type`: the viewer's, or what reaches the
    origin."""
    return HEADERS if event_type.is_viewer else origin_headers(client_ip)


class FunctionValidationError(AssertionError):
    """CloudFront would answer 502 LambdaValidationError; the message says why."""


def viewer_request_event(
    uri: str = "/",
    *,
    method: str = "GET",
    querystring: str = "",
    headers: Pairs = HEADERS,
    client_ip: str = CLIENT_IP,
    body: bytes = b"",
    include_body: bool = False,
    config: EventConfig = CONFIG,
) -> Event:
    request = _request(client_ip, method, uri, querystring, headers, body)
    return ViewerRequest(config, request, include_body).event()


def origin_request_event(
    uri: str = "/",
    *,
    method: str = "GET",
    querystring: str = "",
    headers: Pairs | None = None,  # origin_headers(client_ip)
    client_ip: str = CLIENT_IP,
    body: bytes = b"",
    include_body: bool = False,
    origin: Mapping[str, Any] = ORIGIN,
    config: EventConfig = CONFIG,
) -> Event:
    request = _request(client_ip, method, uri, querystring,
                       origin_headers(client_ip) if headers is None else headers, body)
    return OriginRequest(config, request, origin, include_body).event()


def origin_response_event(
    uri: str = "/",
    *,
    status: int = 200,
    status_description: str = "OK",
    response_headers: Pairs = (),
    method: str = "GET",
    querystring: str = "",
    headers: Pairs | None = None,  # origin_headers(client_ip)
    client_ip: str = CLIENT_IP,
    origin: Mapping[str, Any] = ORIGIN,
    config: EventConfig = CONFIG,
) -> Event:
    request = _request(client_ip, method, uri, querystring,
                       origin_headers(client_ip) if headers is None else headers)
    response = ResponseData(status, status_description, response_headers)
    return OriginResponse(config, request, origin, response).event()


def viewer_response_event(
    uri: str = "/",
    *,
    status: int = 200,
    status_description: str = "OK",
    response_headers: Pairs = (),
    method: str = "GET",
    querystring: str = "",
    headers: Pairs = HEADERS,
    client_ip: str = CLIENT_IP,
    config: EventConfig = CONFIG,
) -> Event:
    request = _request(client_ip, method, uri, querystring, headers)
    response = ResponseData(status, status_description, response_headers)
    return ViewerResponse(config, request, response).event()


def _request(
    client_ip: str, method: str, uri: str, querystring: str, headers: Pairs, body: bytes = b""
) -> RequestData:
    """The request of an event; a `uri` with `?query` is split as CloudFront splits it (an event's
    `uri` never holds the query)."""
    if "?" in uri:
        if querystring:
            raise ValueError(f"uri {uri!r} has a query and querystring gives one too; use one")
        uri, _, querystring = uri.partition("?")
    return RequestData(client_ip, method, uri, querystring, headers, body)


def invoke(
    handler: Callable[[Any, Any], Any] | str,
    event: Event,
    *,
    function_name: str = "test-function",
    memory_size: int = 128,
) -> AcceptedRequest | AcceptedResponse:
    """Run `handler` (a function, or `file.py[:name]` / `module[:name]`) on `event`."""
    if isinstance(handler, str):
        module_name = f"_edge_test_{function_name}"
        sys.modules.pop(module_name, None)  # a fresh import per call: no state between tests
        loaded = load(HandlerSpec.parse(handler), module_name)
        if isinstance(loaded, InitError):
            raise ImportError(f"{loaded.error_type}: {loaded.message}\n{loaded.trace}")
        handler = loaded
    cf = event["Records"][0]["cf"]
    event_type = EventType(cf["config"]["eventType"])
    context = context_class(
        function_name=function_name,
        function_version="1",
        memory_size=memory_size,
        log_stream_name="2024/01/01/[1]test",
    )("00000000-0000-4000-8000-000000000000", time.monotonic() + DEFAULT_TIMEOUTS[event_type])
    # Called directly, not through the runtime's boundary: the test sees the real exception.
    value = handler(json.loads(json.dumps(event)), context)
    verdict = validate(event_type, json.loads(json.dumps(value)), cf)
    if isinstance(verdict, ValidationError):
        raise FunctionValidationError(verdict.reason)
    return verdict
