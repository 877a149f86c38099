"""Event documents written by hand or by AWS's tooling, completed into the event CloudFront sends.

The Lambda console's CloudFront samples leave out fields CloudFront always sends: no
`config.eventType` or `requestId`, no `clientIp` or `querystring`, no `statusDescription`, even
no request in a response sample. `complete_event` fills each one in as CloudFront would (an
empty query string, the status's reason phrase; AWS's sample values for the distribution,
request id, client, request and origin), drops the headers CloudFront never shows a function,
and rejects what no default can stand in for, or what CloudFront never sends, with an
`EventError` that names the field. It is pure: the caller reads the file.
"""

from __future__ import annotations

import binascii
import ipaddress
import re
from base64 import b64decode, b64encode
from http import HTTPStatus
from typing import Any

from edge.runtime.events import BODY_LIMITS, EventType
from edge.runtime.headers import cf_headers, header_key, is_disallowed
from edge.runtime.testing import CLIENT_IP, CONFIG, HEADERS, ORIGIN

__all__ = ["METHODS", "EventError", "complete_event"]

Event = dict[str, Any]
CfHeaders = dict[str, list[dict[str, str]]]

METHODS = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")  # all CloudFront accepts

_SAMPLE_REQUEST = {"headers": cf_headers(HEADERS), "method": "GET", "uri": "/"}
_CONFIG_FIELDS = ("distributionDomainName", "distributionId", "eventType", "requestId")
_REQUEST_FIELDS = ("clientIp", "headers", "method", "querystring", "uri", "body", "origin")
_RESPONSE_FIELDS = ("headers", "status", "statusDescription")
_BODY_FIELDS = ("inputTruncated", "action", "encoding", "data")
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")  # a lowercase token (RFC 9110 §5.1)
_JSON_NAMES: dict[type, str] = {
    str: "a string",
    int: "a number",
    float: "a number",
    bool: "a boolean",
    list: "a list",
    dict: "an object",
}


class EventError(ValueError):
    """The document cannot stand for a CloudFront event: `field` says where, `problem` what."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def complete_event(document: Any, event_type: EventType | None = None) -> Event:
    """The event CloudFront would send for `document`, a `{"Records": [{"cf": ...}]}` object.

    The event type is `event_type` or else the document's `config.eventType`; when both are
    given they must agree.
    """
    if not isinstance(document, dict):
        raise EventError("the document", f'an object {{"Records": [{{"cf": ...}}]}}, '
                         f"not {_kind(document)}")
    _object(document, "", ("Records",))
    records = _field(document, "Records", "", list)
    if len(records) != 1:
        raise EventError("Records", f"CloudFront sends exactly one record, not {len(records)}")
    record = _object(records[0], "Records[0]", ("cf",))
    cf = _object(_field(record, "cf", "Records[0]", dict), "Records[0].cf",
                 ("config", "request", "response"))
    at = "Records[0].cf"
    config = _object(cf.get("config", {}), f"{at}.config", _CONFIG_FIELDS)
    event_type = _event_type(config, event_type, f"{at}.config.eventType")
    # A response sample may leave the request out; a request event has nothing else.
    if event_type.is_request or "request" in cf:
        request = _field(cf, "request", at, dict)
    else:
        request = _SAMPLE_REQUEST

    completed: Event = {
        "config": _config(config, event_type, f"{at}.config"),
        "request": _request(request, event_type, f"{at}.request"),
    }
    if event_type.is_request:
        if "response" in cf:
            raise EventError(f"{at}.response", f"{event_type} events carry no response")
    else:
        completed["response"] = _response(_field(cf, "response", at, dict), event_type,
                                          f"{at}.response")
    return {"Records": [{"cf": completed}]}


def _event_type(config: dict[str, Any], given: EventType | None, at: str) -> EventType:
    if "eventType" not in config:
        if given is None:
            raise EventError(at, "missing, and no event type was given")
        return given
    try:
        stated = EventType(config["eventType"])
    except ValueError:
        raise EventError(
            at, f"one of {', '.join(EventType)}, not {config['eventType']!r}"
        ) from None
    if given is not None and stated is not given:
        raise EventError(at, f"the document says {stated}, but the event type is {given}")
    return stated


def _config(config: dict[str, Any], event_type: EventType, at: str) -> dict[str, str]:
    return {
        "distributionDomainName": _string(config, "distributionDomainName", at,
                                          CONFIG.distribution_domain_name),
        "distributionId": _string(config, "distributionId", at, CONFIG.distribution_id),
        "eventType": event_type.value,
        "requestId": _string(config, "requestId", at, CONFIG.request_id),
    }


def _request(request: dict[str, Any], event_type: EventType, at: str) -> Event:
    _object(request, at, _REQUEST_FIELDS)
    client_ip = _string(request, "clientIp", at, CLIENT_IP)
    try:
        ipaddress.ip_address(client_ip)
    except ValueError:
        raise EventError(f"{at}.clientIp", f"an IPv4 or IPv6 address, not {client_ip!r}") from None
    method = _field(request, "method", at, str)
    if method not in METHODS:
        raise EventError(f"{at}.method", f"one of {', '.join(METHODS)}, not {method!r}")
    uri = _field(request, "uri", at, str)
    if not uri.startswith("/"):
        raise EventError(f"{at}.uri", f"a path starting with '/', not {uri!r}")
    completed: Event = {
        "clientIp": client_ip,
        "headers": _headers(request.get("headers", {}), f"{at}.headers"),
        "method": method,
        "querystring": _string(request, "querystring", at, ""),
        "uri": uri,
    }
    if "body" in request:
        if not event_type.is_request:
            raise EventError(f"{at}.body", f"{event_type} events carry no request body")
        completed["body"] = _body(request["body"], event_type, f"{at}.body")
    if event_type.is_viewer:
        if "origin" in request:
            raise EventError(f"{at}.origin", "only origin events carry the origin")
    else:
        completed["origin"] = _origin(request.get("origin", ORIGIN), f"{at}.origin")
    return completed


def _body(body: Any, event_type: EventType, at: str) -> dict[str, Any]:
    """CloudFront hands the body over base64-encoded, cut at the trigger's limit (§1.5)."""
    _object(body, at, _BODY_FIELDS)
    if body.get("encoding", "base64") != "base64":
        raise EventError(f"{at}.encoding", f"CloudFront sends the body as 'base64', "
                         f"not {body['encoding']!r}")
    if body.get("action", "read-only") != "read-only":
        raise EventError(f"{at}.action", f"CloudFront sends the body 'read-only', "
                         f"not {body['action']!r}")
    data = _string(body, "data", at, "")
    try:
        content = b64decode(data, validate=True)
    except binascii.Error:
        raise EventError(f"{at}.data", "not valid base64") from None
    limit = BODY_LIMITS[event_type].exposed
    truncated = body.get("inputTruncated", False)
    if not isinstance(truncated, bool):
        raise EventError(f"{at}.inputTruncated", f"true or false, not {truncated!r}")
    return {
        "inputTruncated": truncated or len(content) > limit,
        "action": "read-only",
        "encoding": "base64",
        "data": b64encode(content[:limit]).decode("ascii"),
    }


def _origin(origin: Any, at: str) -> dict[str, Any]:
    if not isinstance(origin, dict) or len(origin) != 1 or not origin.keys() <= {"custom", "s3"}:
        raise EventError(at, "an object with exactly one of 'custom' or 's3'")
    ((kind, fields),) = origin.items()
    if not isinstance(fields, dict):
        raise EventError(f"{at}.{kind}", f"an object, not {_kind(fields)}")
    custom_headers = _headers(fields.get("customHeaders", {}), f"{at}.{kind}.customHeaders")
    return {kind: {**fields, "customHeaders": custom_headers}}


def _response(response: dict[str, Any], event_type: EventType, at: str) -> Event:
    _object(response, at, _RESPONSE_FIELDS)
    if "status" not in response:
        raise EventError(f"{at}.status", "missing")
    status = response["status"]
    if not (isinstance(status, str | int) and not isinstance(status, bool)
            and str(status).isascii() and str(status).isdigit() and 200 <= int(status) <= 599):
        raise EventError(f"{at}.status", f'a status from 200 to 599, such as "200", not {status!r}')
    code = int(status)
    if event_type is EventType.VIEWER_RESPONSE and code >= 400:
        raise EventError(f"{at}.status", f"viewer-response functions do not run for an origin "
                         f"status of 400 or more ({code})")
    return {
        "headers": _headers(response.get("headers", {}), f"{at}.headers"),
        "status": str(code),
        "statusDescription": _string(response, "statusDescription", at, _reason_phrase(code)),
    }


def _headers(headers: Any, at: str) -> CfHeaders:
    """The `{lowercase: [{key, value}]}` shape (§1.3); a missing `key` is synthesised."""
    if not isinstance(headers, dict):
        raise EventError(at, f"an object keyed by lowercase header name, not {_kind(headers)}")
    completed: CfHeaders = {}
    for name, entries in headers.items():
        where = f"{at}[{name!r}]"
        if name != name.lower():
            raise EventError(where, f"header names are lowercase in events ({name.lower()!r})")
        if not _HEADER_NAME.fullmatch(name):
            raise EventError(where, "not a header name")
        if is_disallowed(name):
            continue  # §2.1: CloudFront never shows it to a function (AWS's samples have X-Cache)
        if not isinstance(entries, list) or not entries:
            raise EventError(where, "a list of {key, value} objects")
        completed[name] = []
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict) or not isinstance(entry.get("value"), str):
                raise EventError(f"{where}[{index}]", "a {key, value} object with a string value")
            key = entry.get("key", header_key(name))
            if not isinstance(key, str) or key.lower() != name:
                raise EventError(f"{where}[{index}].key", f"{key!r} is not the header {name!r}")
            completed[name].append({"key": key, "value": entry["value"]})
    return completed


def _field(parent: Any, name: str, at: str, kind: type) -> Any:
    where = f"{at}.{name}" if at else name
    if not isinstance(parent, dict) or name not in parent:
        raise EventError(where, "missing")
    value = parent[name]
    if not isinstance(value, kind) or isinstance(value, bool):
        raise EventError(where, f"{_JSON_NAMES[kind]}, not {_kind(value)}")
    return value


def _string(parent: dict[str, Any], name: str, at: str, default: str) -> str:
    return _field(parent, name, at, str) if name in parent else default


def _object(value: Any, at: str, fields: tuple[str, ...]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise EventError(at, f"an object, not {_kind(value)}")
    for name in value:
        if name not in fields:
            where = f"{at}.{name}" if at else name
            raise EventError(where, f"not a field CloudFront sends ({', '.join(fields)})")
    return value


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _kind(value: Any) -> str:
    return "null" if value is None else _JSON_NAMES.get(type(value), type(value).__name__)

