"""The CloudFront event a handler receives (spec §1.2–1.5).

Events are plain dicts, exactly the JSON Lambda@Edge passes, built from plain inputs: the four
trigger classes say when each fires and what its function may still change.
"""

from __future__ import annotations

import json
import marshal
from base64 import b64encode
from collections.abc import Mapping
from enum import StrEnum
from typing import Any, NamedTuple

from edge.runtime.headers import cf_headers

__all__ = [
    "BODY_LIMITS",
    "BodyLimits",
    "EventConfig",
    "EventType",
    "OriginRequest",
    "OriginResponse",
    "RequestData",
    "ResponseData",
    "Trigger",
    "ViewerRequest",
    "ViewerResponse",
    "custom_origin",
]

Event = dict[str, Any]
Pairs = tuple[tuple[str, str], ...]


class EventType(StrEnum):
    """The four trigger points, named as in `config.eventType` (§1.1)."""

    VIEWER_REQUEST = "viewer-request"
    ORIGIN_REQUEST = "origin-request"
    ORIGIN_RESPONSE = "origin-response"
    VIEWER_RESPONSE = "viewer-response"

    @property
    def is_viewer(self) -> bool:
        return self in (EventType.VIEWER_REQUEST, EventType.VIEWER_RESPONSE)

    @property
    def is_request(self) -> bool:
        return self in (EventType.VIEWER_REQUEST, EventType.ORIGIN_REQUEST)


# As plain strs: `marshal` refuses a str subclass, and `.value` costs an enum lookup.
_NAMES = {event_type: str(event_type.value) for event_type in EventType}


class BodyLimits(NamedTuple):
    exposed: int  # the body handed to the function is cut here (`inputTruncated`)
    text: int  # a replacement body with `encoding: text`, in bytes
    base64: int  # a replacement body with `encoding: base64`, in characters


def _body_limits(text: int) -> BodyLimits:
    # AWS quotes 53.2 KB and 1.33 MB for base64: the encoded length of the text limit, rounded.
    return BodyLimits(exposed=text, text=text, base64=-(-text // 3) * 4)


# §1.5: include-body limits per request trigger (KB and MB taken as 1024-based).
BODY_LIMITS: dict[EventType, BodyLimits] = {
    EventType.VIEWER_REQUEST: _body_limits(40 * 1024),
    EventType.ORIGIN_REQUEST: _body_limits(1024 * 1024),
}


class EventConfig(NamedTuple):
    """`cf.config` (§1.2): read-only; `request_id` is the request's `X-Amz-Cf-Id`.

    This and every class below are NamedTuples: a node builds them for every invocation, and a
    tuple costs a fraction of a frozen dataclass to build.
    """

    distribution_domain_name: str
    distribution_id: str
    request_id: str

    def to_event(self, event_type: EventType) -> dict[str, str]:
        return {
            "distributionDomainName": self.distribution_domain_name,
            "distributionId": self.distribution_id,
            "eventType": _NAMES[event_type],
            "requestId": self.request_id,
        }


class RequestData(NamedTuple):
    """The request as CloudFront would show it: headers in arrival order, query without `?`."""

    client_ip: str
    method: str
    uri: str
    querystring: str = ""
    headers: Pairs = ()
    body: bytes = b""

    def to_event(self, event_type: EventType, include_body: bool) -> Event:
        request: Event = {
            "clientIp": self.client_ip,
            "headers": cf_headers(self.headers),
            "method": self.method,
            "querystring": self.querystring,
            "uri": self.uri,
        }
        if include_body:
            limit = BODY_LIMITS[event_type].exposed
            request["body"] = {
                "inputTruncated": len(self.body) > limit,
                "action": "read-only",
                "encoding": "base64",
                "data": b64encode(self.body[:limit]).decode("ascii"),
            }
        return request


class ResponseData(NamedTuple):
    """The origin's (or cached) response head; its body is never shown to functions (§1.4)."""

    status: int
    status_description: str
    headers: Pairs = ()

    def to_event(self) -> Event:
        return {
            "headers": cf_headers(self.headers),
            "status": str(self.status),
            "statusDescription": self.status_description,
        }


# Each trigger's `event()` builds a new event, sharing no container with another: a handler
# may change its event as it likes (inline, the node hands it over as is), and building the
# same trigger's event again gives the original to validate against.


class ViewerRequest(NamedTuple):
    """Fires for every viewer request, before the cache lookup.

    The function may change uri, querystring, headers and (with include body) the body, or
    return a response, which goes to the viewer and is never cached.
    """

    config: EventConfig
    request: RequestData
    include_body: bool = False

    event_type = EventType.VIEWER_REQUEST

    def event(self) -> Event:
        event_type = EventType.VIEWER_REQUEST
        return {"Records": [{"cf": {
            "config": self.config.to_event(event_type),
            "request": self.request.to_event(event_type, self.include_body),
        }}]}


class OriginRequest(NamedTuple):
    """Fires only when CloudFront is about to contact the origin (miss or expired).

    The function may change uri, querystring, headers, body and `origin` (another custom or S3
    origin), or return a response, which is cached like the origin's would be.
    """

    config: EventConfig
    request: RequestData
    origin: Mapping[str, Any]
    include_body: bool = False

    event_type = EventType.ORIGIN_REQUEST

    def event(self) -> Event:
        event_type = EventType.ORIGIN_REQUEST
        request = self.request.to_event(event_type, self.include_body)
        request["origin"] = _fresh(self.origin)
        return {"Records": [{"cf": {"config": self.config.to_event(event_type),
                                    "request": request}}]}


class OriginResponse(NamedTuple):
    """Fires on every origin answer (4xx/5xx too) before it is cached.

    The function may change status, headers and body; the request is read-only here.
    """

    config: EventConfig
    request: RequestData
    origin: Mapping[str, Any]
    response: ResponseData

    event_type = EventType.ORIGIN_RESPONSE

    def event(self) -> Event:
        event_type = EventType.ORIGIN_RESPONSE
        request = self.request.to_event(event_type, include_body=False)
        request["origin"] = _fresh(self.origin)
        return {"Records": [{"cf": {
            "config": self.config.to_event(event_type),
            "request": request,
            "response": self.response.to_event(),
        }}]}


class ViewerResponse(NamedTuple):
    """Fires before a response goes to the viewer, hit or miss, unless the origin said >= 400.

    The function may change headers and replace the body, but not the status.
    """

    config: EventConfig
    request: RequestData
    response: ResponseData

    event_type = EventType.VIEWER_RESPONSE

    def event(self) -> Event:
        event_type = EventType.VIEWER_RESPONSE
        return {"Records": [{"cf": {
            "config": self.config.to_event(event_type),
            "request": self.request.to_event(event_type, include_body=False),
            "response": self.response.to_event(),
        }}]}


Trigger = ViewerRequest | OriginRequest | OriginResponse | ViewerResponse


def _fresh(value: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a JSON-shaped mapping: `marshal` does it in C; what it refuses (a str
    subclass) goes through JSON."""
    try:
        return marshal.loads(marshal.dumps(dict(value)))  # type: ignore[no-any-return]
    except ValueError:
        return json.loads(json.dumps(value))  # type: ignore[no-any-return]


def custom_origin(
    domain_name: str,
    *,
    port: int = 443,
    protocol: str = "https",
    path: str = "",
    read_timeout: int = 30,
    keepalive_timeout: int = 5,
    custom_headers: Pairs = (),
) -> dict[str, Any]:
    """`request.origin` for a custom origin (§1.3), with CloudFront's default timeouts."""
    return {
        "custom": {
            "customHeaders": cf_headers(custom_headers),
            "domainName": domain_name,
            "keepaliveTimeout": keepalive_timeout,
            "path": path,
            "port": port,
            "protocol": protocol,
            "readTimeout": read_timeout,
            "sslProtocols": ["TLSv1.2"],
        }
    }
