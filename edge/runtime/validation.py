"""What a handler returned, checked as Lambda@Edge checks it (spec §1.3–1.5, §2, §10).

`validate` is a pure function of the trigger, the returned value and the event's original
`cf` record. It answers with the accepted request or response, normalised (a header entry
without `key` gets one), or with a `ValidationError` whose reason names the offending field;
the caller turns that into 502 `LambdaValidationError`. The first violation found is reported.

It runs on every invocation, so the common case is kept cheap: what a header name is (a valid
token, disallowed, CloudFront-generated, its default key) is worked out once per name and kept
in a bounded table, a string that `isprintable` already clears skips the regular expression,
and the accepted values are NamedTuples.
"""

from __future__ import annotations

import binascii
import ipaddress
import re
from base64 import b64decode
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, NamedTuple

from edge.runtime.events import BODY_LIMITS, EventType
from edge.runtime.headers import header_key, is_cloudfront_generated, is_disallowed

__all__ = [
    "RULES",
    "AcceptedRequest",
    "AcceptedResponse",
    "TriggerRules",
    "ValidationError",
    "Verdict",
    "marshals_as_is",
    "validate",
]

Pairs = tuple[tuple[str, str], ...]
CfHeaders = dict[str, list[dict[str, str]]]

KB = 1024
MB = 1024 * KB


@dataclass(frozen=True, slots=True)
class TriggerRules:
    """What a function at one trigger point may return and change."""

    may_return_request: bool  # §1.1: otherwise only a response
    may_change_status: bool  # §2.2: viewer-response cannot
    may_change_origin: bool  # §1.3: origin-request only
    may_add_cloudfront_headers: bool  # §2.1: viewer-request runs before CloudFront adds them
    forbids_204_with_body: bool  # §1.4
    response_size_limit: int  # §2.3: headers + body of a response the function returns
    read_only_headers: frozenset[str]  # §2.1: adding, editing or removing one is an error


RULES: dict[EventType, TriggerRules] = {
    EventType.VIEWER_REQUEST: TriggerRules(
        may_return_request=True,
        may_change_status=True,
        may_change_origin=False,
        may_add_cloudfront_headers=False,
        forbids_204_with_body=True,
        response_size_limit=40 * KB,
        read_only_headers=frozenset({"content-length", "host", "transfer-encoding", "via"}),
    ),
    EventType.ORIGIN_REQUEST: TriggerRules(
        may_return_request=True,
        may_change_status=True,
        may_change_origin=True,
        may_add_cloudfront_headers=True,
        forbids_204_with_body=False,
        response_size_limit=1 * MB,
        read_only_headers=frozenset(
            {
                "accept-encoding",
                "content-length",
                "if-modified-since",
                "if-none-match",
                "if-range",
                "if-unmodified-since",
                "transfer-encoding",
                "via",
            }
        ),
    ),
    EventType.ORIGIN_RESPONSE: TriggerRules(
        may_return_request=False,
        may_change_status=True,
        may_change_origin=False,
        may_add_cloudfront_headers=True,
        forbids_204_with_body=False,
        response_size_limit=1 * MB,
        read_only_headers=frozenset({"transfer-encoding", "via"}),
    ),
    EventType.VIEWER_RESPONSE: TriggerRules(
        may_return_request=False,
        may_change_status=False,
        may_change_origin=False,
        may_add_cloudfront_headers=True,
        forbids_204_with_body=False,
        response_size_limit=40 * KB,
        read_only_headers=frozenset({"warning", "via"}),
    ),
}

# §1.3: the fields of `request.origin.custom` and `.s3`; all are required, as in AWS's examples.
CUSTOM_ORIGIN_FIELDS = (
    "customHeaders",
    "domainName",
    "keepaliveTimeout",
    "path",
    "port",
    "protocol",
    "readTimeout",
    "sslProtocols",
)
S3_ORIGIN_FIELDS = ("authMethod", "customHeaders", "domainName", "path")
SSL_PROTOCOLS = frozenset({"TLSv1.2", "TLSv1.1", "TLSv1", "SSLv3"})
URI_AND_QUERY_LIMIT = 8192  # §2.2: uri + "?" + querystring must stay below this

_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9a-z]+")
_BAD_VALUE_CHARS = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")  # header values: HTAB allowed
_BAD_URI_CHARS = re.compile(r"[\x00-\x20\x7f#]")  # §2.2: no spaces, control characters or #
_DNS_NAME = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)*[A-Za-z0-9-]{1,63}")


class _Name(NamedTuple):
    """What the rules need to know about a valid lowercase header name."""

    name: str
    key: str  # the key an entry without one gets
    disallowed: bool
    cloudfront_generated: bool


_NAMES: dict[str, _Name] = {}  # valid names seen so far
_NAMES_KEPT = 4096  # a handler inventing names on every call cannot grow the table without end


def _name(name: Any) -> _Name | None:
    """The facts about a header name, or None when it is not a lowercase token."""
    facts = _NAMES.get(name) if type(name) is str else None
    if facts is None and type(name) is str and _TOKEN.fullmatch(name):
        facts = _Name(name, header_key(name), is_disallowed(name), is_cloudfront_generated(name))
        if len(_NAMES) < _NAMES_KEPT:
            _NAMES[name] = facts
    return facts


class AcceptedRequest(NamedTuple):
    """A request the function returned: the pipeline continues with it."""

    request: dict[str, Any]  # normalised, in the event's shape
    uri: str
    querystring: str
    headers: Pairs
    body: bytes | None  # a replacement body; None keeps the original
    origin: dict[str, Any] | None  # origin events only


class AcceptedResponse(NamedTuple):
    """A response the function returned: generated, or replacing the origin's."""

    response: dict[str, Any]  # normalised, in the event's shape
    status: int
    status_description: str
    headers: Pairs
    body: bytes | None  # None keeps the origin's body (response events)


@dataclass(frozen=True, slots=True)
class ValidationError:
    """Why CloudFront would reject what the function returned (502 LambdaValidationError)."""

    reason: str


Verdict = AcceptedRequest | AcceptedResponse | ValidationError


class _Invalid(Exception):
    """Raised by the checks below; `validate` turns it into a `ValidationError`."""


def validate(
    event_type: EventType, returned: Any, original: dict[str, Any], *, built_by_node: bool = False
) -> Verdict:
    """Check `returned` from a handler given the event's `cf` record (`original`).

    `built_by_node`: the original is an event the node built, whose headers are normalised and
    allowed; headers returned just as they were are then taken without a check per entry.
    """
    rules = RULES[event_type]
    try:
        if not isinstance(returned, dict):
            raise _Invalid(
                f"the function must return a request or response object, not {_kind(returned)}"
            )
        if "Records" in returned:
            raise _Invalid("the function returned the event; return the request or a response")
        if "status" in returned:
            return _response(event_type, rules, returned, original, built_by_node)
        if not rules.may_return_request:
            if "uri" in returned:
                raise _Invalid(f"{event_type} functions must return the response, not the request")
            raise _Invalid("response.status is required")
        return _request(event_type, rules, returned, original, built_by_node)
    except _Invalid as invalid:
        return ValidationError(str(invalid))


def _request(
    event_type: EventType, rules: TriggerRules, returned: dict[str, Any], original: dict[str, Any],
    built_by_node: bool,
) -> AcceptedRequest:
    before = original["request"]
    uri = returned.get("uri")
    if not isinstance(uri, str) or not uri.startswith("/"):
        raise _Invalid(f"request.uri must be a string starting with '/', not {uri!r}")
    if _BAD_URI_CHARS.search(uri):
        raise _Invalid(f"request.uri must not contain spaces, control characters or '#': {uri!r}")
    querystring = returned.get("querystring", "")
    if not isinstance(querystring, str):
        raise _Invalid(f"request.querystring must be a string, not {_kind(querystring)}")
    if querystring and _BAD_URI_CHARS.search(querystring):
        raise _Invalid(
            f"request.querystring must not contain spaces, control characters or '#': "
            f"{querystring!r}"
        )
    length = len(uri) + (len(querystring) + 1 if querystring else 0)
    if length >= URI_AND_QUERY_LIMIT:
        raise _Invalid(f"request.uri and querystring are {length} characters; the limit is 8191")
    for field in ("clientIp", "method"):
        if field in returned and returned[field] != before.get(field):
            raise _Invalid(
                f"request.{field} is read-only ({before.get(field)!r} changed to "
                f"{returned[field]!r})"
            )
    headers = _changed_headers(event_type, rules, returned.get("headers"),
                               before.get("headers", {}), built_by_node)

    request: dict[str, Any] = {
        "clientIp": before.get("clientIp"),
        "headers": headers.entries,
        "method": before.get("method"),
        "querystring": querystring,
        "uri": uri,
    }
    body = None
    if "body" in returned:
        if "body" not in before:
            raise _Invalid("request.body is only available when the trigger includes the body")
        request["body"], body = _request_body(event_type, returned["body"], before["body"])
    origin = None
    if "origin" in before or "origin" in returned:
        origin = returned.get("origin", before.get("origin"))
        if origin != before.get("origin"):
            if not rules.may_change_origin:
                raise _Invalid(f"request.origin cannot be changed by a {event_type} function")
            origin = _origin(origin, headers.entries, before.get("origin"))
        request["origin"] = origin
    return AcceptedRequest(request, uri, querystring, headers.pairs, body, origin)


def _request_body(
    event_type: EventType, body: Any, before: dict[str, Any]
) -> tuple[dict[str, Any], bytes | None]:
    """The body as forwarded, and the replacement bytes (None: the original goes upstream)."""
    if not isinstance(body, dict):
        raise _Invalid(f"request.body must be an object, not {_kind(body)}")
    action = body.get("action", "read-only")
    if action == "read-only":  # §1.3: any change to data or encoding is ignored
        return before, None
    if action != "replace":
        raise _Invalid(f"request.body.action must be 'read-only' or 'replace', not {action!r}")
    encoding = body.get("encoding", "base64")
    data = body.get("data")
    if not isinstance(data, str):
        raise _Invalid(f"request.body.data must be a string, not {_kind(data)}")
    limits = BODY_LIMITS[event_type]
    if encoding == "base64":
        if len(data) > limits.base64:
            raise _Invalid(
                f"request.body.data is {len(data)} base64 characters; the limit is {limits.base64}"
            )
        replacement = _base64("request.body.data", data)
    elif encoding == "text":
        replacement = data.encode()
        if len(replacement) > limits.text:
            raise _Invalid(
                f"request.body.data is {len(replacement)} bytes; the limit is {limits.text}"
            )
    else:
        raise _Invalid(f"request.body.encoding must be 'base64' or 'text', not {encoding!r}")
    accepted = {
        "inputTruncated": before.get("inputTruncated", False),
        "action": "replace",
        "encoding": encoding,
        "data": data,
    }
    return accepted, replacement


def _origin(origin: Any, request_headers: CfHeaders, before: Any) -> dict[str, Any]:
    """The origin a function chose, checked (§1.3). A `domainName` kept from the event's origin
    is not checked again: that is the distribution's own origin, whose name CloudFront gave, and
    an edgesim origin is often an address (`127.0.0.1`) that a function could not choose."""
    if not isinstance(origin, dict) or len(origin) != 1 or not origin.keys() <= {"custom", "s3"}:
        raise _Invalid("request.origin must have exactly one of 'custom' or 's3'")
    ((kind, fields),) = origin.items()
    where = f"request.origin.{kind}"
    if not isinstance(fields, dict):
        raise _Invalid(f"{where} must be an object, not {_kind(fields)}")
    for field in CUSTOM_ORIGIN_FIELDS if kind == "custom" else S3_ORIGIN_FIELDS:
        if field not in fields:
            raise _Invalid(f"{where}.{field} is required")
    custom_headers = _headers(fields["customHeaders"], f"{where}.customHeaders")
    for facts in custom_headers.names:
        name = facts.name
        if facts.disallowed:
            raise _Invalid(f"{where}.customHeaders[{name!r}] is not allowed")
        if name in request_headers:
            raise _Invalid(f"{where}.customHeaders[{name!r}] duplicates a request header")
    domain_name = fields["domainName"]
    path = fields["path"]
    if not isinstance(path, str) or (
        path and (not path.startswith("/") or path.endswith("/") or len(path) > 255)
    ):
        raise _Invalid(
            f"{where}.path must be empty or start with '/', not end with '/', "
            f"and be at most 255 characters: {path!r}"
        )
    if _BAD_URI_CHARS.search(path):
        raise _Invalid(f"{where}.path must be URL-encoded: {path!r}")
    given = before.get(kind) if isinstance(before, dict) else None
    own_name = isinstance(given, dict) and given.get("domainName") == domain_name
    if kind == "custom":
        _check_custom_origin(where, fields, domain_name, own_name)
    else:
        _check_s3_origin(where, fields, domain_name, own_name)
    return {kind: {**fields, "customHeaders": custom_headers.entries}}


def _check_custom_origin(
    where: str, fields: dict[str, Any], domain_name: Any, own_name: bool
) -> None:
    if not own_name and (not isinstance(domain_name, str) or not _is_dns_name(domain_name, 253)):
        raise _Invalid(
            f"{where}.domainName must be a DNS name of at most 253 characters "
            f"(no IP address, no port): {domain_name!r}"
        )
    _int_in(f"{where}.keepaliveTimeout", fields["keepaliveTimeout"], 1, 60)
    _int_in(f"{where}.readTimeout", fields["readTimeout"], 4, 60)
    port = fields["port"]
    if type(port) is not int or not (port in (80, 443) or 1024 <= port <= 65535):
        raise _Invalid(f"{where}.port must be 80, 443 or 1024-65535, not {port!r}")
    if fields["protocol"] not in ("http", "https"):
        raise _Invalid(f"{where}.protocol must be 'http' or 'https', not {fields['protocol']!r}")
    protocols = fields["sslProtocols"]
    if (
        not isinstance(protocols, list)
        or not protocols
        or not all(isinstance(p, str) and p in SSL_PROTOCOLS for p in protocols)
    ):
        raise _Invalid(
            f"{where}.sslProtocols must be a list drawn from "
            f"{sorted(SSL_PROTOCOLS)}, not {protocols!r}"
        )


def _check_s3_origin(
    where: str, fields: dict[str, Any], domain_name: Any, own_name: bool
) -> None:
    if not own_name and (
        not isinstance(domain_name, str)
        or domain_name != domain_name.lower()
        or not _is_dns_name(domain_name, 128)
    ):
        raise _Invalid(
            f"{where}.domainName must be a lowercase bucket DNS name of at most "
            f"128 characters: {domain_name!r}"
        )
    auth_method = fields["authMethod"]
    if auth_method not in ("origin-access-identity", "none"):
        raise _Invalid(
            f"{where}.authMethod must be 'origin-access-identity' or 'none', not {auth_method!r}"
        )
    region = fields.get("region")
    if auth_method == "origin-access-identity" and not (isinstance(region, str) and region):
        raise _Invalid(f"{where}.region is required with origin-access-identity")


def _response(
    event_type: EventType, rules: TriggerRules, returned: dict[str, Any], original: dict[str, Any],
    built_by_node: bool,
) -> AcceptedResponse:
    status_text = returned["status"]
    if not isinstance(status_text, str):
        raise _Invalid(f'response.status must be a string such as "200", not {_kind(status_text)}')
    if not (status_text.isascii() and status_text.isdigit() and 200 <= int(status_text) <= 599):
        raise _Invalid(f"response.status must be between 200 and 599, not {status_text!r}")
    status = int(status_text)
    before = original.get("response")
    if not rules.may_change_status and before is not None and status_text != before["status"]:
        raise _Invalid(
            f"{event_type} functions cannot change the status ({before['status']} to {status})"
        )
    description = returned.get("statusDescription")
    if description is None:
        description = _reason_phrase(status)
    elif not isinstance(description, str):
        raise _Invalid(f"response.statusDescription must be a string, not {_kind(description)}")
    if before is not None:
        headers = _changed_headers(event_type, rules, returned.get("headers", {}),
                                   before.get("headers", {}), built_by_node)
    else:
        headers = _headers(returned.get("headers", {}), "headers")
        _check_disallowed(headers)

    response: dict[str, Any] = {
        "headers": headers.entries,
        "status": status_text,
        "statusDescription": description,
    }
    body = None
    if "body" in returned:
        text = returned["body"]
        if not isinstance(text, str):
            raise _Invalid(f"response.body must be a string, not {_kind(text)}")
        encoding = returned.get("bodyEncoding", "text")
        if encoding == "text":
            body = text.encode()
        elif encoding == "base64":
            body = _base64("response.body", text)
        else:
            raise _Invalid(f"response.bodyEncoding must be 'text' or 'base64', not {encoding!r}")
        response["body"] = text
        response["bodyEncoding"] = encoding
    if rules.forbids_204_with_body and status == 204 and body:
        raise _Invalid("a 204 response generated by a viewer-request function cannot have a body")
    size = sum(len(f"{key}: {value}\r\n".encode()) for key, value in headers.pairs)
    size += len(body or b"")
    if size > rules.response_size_limit:
        raise _Invalid(
            f"the response is {size} bytes (headers + body); {event_type} functions may "
            f"return at most {rules.response_size_limit}"
        )
    return AcceptedResponse(response, status, description, headers.pairs, body)


class _Headers(NamedTuple):
    entries: CfHeaders  # normalised: every entry {key, value}, no empty lists
    pairs: Pairs  # the same as (key, value), in order
    names: list[_Name]  # the names of `entries` (none when the original's were taken whole)


def _headers(value: Any, where: str, built: CfHeaders | None = None) -> _Headers:
    """Check the `{lowercase: [{key, value}]}` shape and fill in missing keys.

    `built`: headers the node built, normalised and allowed; a name whose entries are still
    theirs is taken as it is (and left out of `names`: no rule applies to what did not change).
    """
    if not isinstance(value, dict):
        raise _Invalid(f"{where} must be an object keyed by lowercase header name")
    headers: CfHeaders = {}
    pairs: list[tuple[str, str]] = []
    names: list[_Name] = []
    for name, entries in value.items():
        if built is not None and (kept := built.get(name)) is not None and \
                (entries is kept or entries == kept):
            headers[name] = kept
            for entry in kept:  # a loop, not a comprehension: no function made per name
                pairs.append((entry["key"], entry["value"]))
            continue
        facts = _NAMES.get(name) or _name(name)
        if facts is None:
            raise _Invalid(f"{where} names must be lowercase header names, not {name!r}")
        if type(entries) is not list:
            raise _Invalid(f"{where}[{name!r}] must be a list of {{key, value}} objects")
        normalised = []
        for entry in entries:
            text = entry.get("value") if type(entry) is dict else None
            if type(text) is not str:
                raise _Invalid(f"{where}[{name!r}] must be a list of {{key, value}} objects")
            key = entry.get("key")
            if key is None:
                key = facts.key
            elif type(key) is not str or (key != facts.key and key.lower() != name):
                raise _Invalid(f"{where}[{name!r}] has an entry whose key {key!r} is another name")
            if not text.isprintable() and _BAD_VALUE_CHARS.search(text):
                raise _Invalid(f"{where}[{name!r}] has a value with control characters")
            normalised.append({"key": key, "value": text})
            pairs.append((key, text))
        if normalised:
            headers[name] = normalised
            names.append(facts)
    return _Headers(headers, tuple(pairs), names)


def _changed_headers(
    event_type: EventType, rules: TriggerRules, value: Any, before: CfHeaders, built_by_node: bool
) -> _Headers:
    """The returned headers of a request or response the event carried, checked against the
    original's: the shape and names, then what a function may not change."""
    if built_by_node and value == before:  # one comparison in C, then nothing to check
        pairs = tuple([(entry["key"], entry["value"]) for entries in before.values()
                       for entry in entries])
        return _Headers(before, pairs, [])
    headers = _headers(value, "headers", before if built_by_node else None)
    _check_header_rules(event_type, rules, headers, before)
    return headers


def _check_disallowed(headers: _Headers) -> None:
    for facts in headers.names:
        if facts.disallowed:
            raise _Invalid(f"headers[{facts.name!r}] is not allowed in Lambda@Edge functions")


def _check_header_rules(
    event_type: EventType, rules: TriggerRules, headers: _Headers, before: CfHeaders
) -> None:
    _check_disallowed(headers)
    entries = headers.entries
    if entries == before:  # the rules below are about changes: none was made
        return
    for name in rules.read_only_headers:
        now, then = entries.get(name), before.get(name)
        if (now or then) and now != then and _values(now) != _values(then):
            raise _Invalid(f"headers[{name!r}] is read-only in {event_type} functions")
    if not rules.may_add_cloudfront_headers:
        for facts in headers.names:
            name = facts.name
            if facts.cloudfront_generated and name not in before:
                raise _Invalid(
                    f"headers[{name!r}] cannot be added by a {event_type} function "
                    "(CloudFront adds it later)"
                )


def marshals_as_is(returned: Any, verdict: Verdict) -> bool:
    """Whether `returned` is exactly what `verdict` accepted, so that JSON carries it unchanged.

    Then the handler's value needs no trip through JSON to be known marshallable (inline mode).
    Every value in an accepted request or response was checked to be a string, or built here,
    except the fields only compared with a string (checked here to be strings themselves) and a
    request's body and origin (then the answer is False).
    """
    if type(returned) is not dict:
        return False
    if type(verdict) is AcceptedRequest:
        return (
            "body" not in returned
            and "origin" not in returned
            and type(returned.get("clientIp")) is str
            and type(returned.get("method")) is str
            and returned == verdict.request
        )
    return (
        type(verdict) is AcceptedResponse
        and type(returned.get("bodyEncoding", "")) is str
        and returned == verdict.response
    )


def _values(entries: list[dict[str, str]] | None) -> list[str]:
    return [entry["value"] for entry in entries or ()]


def _base64(where: str, data: str) -> bytes:
    try:
        return b64decode(data, validate=True)
    except binascii.Error:
        raise _Invalid(f"{where} is not valid base64") from None


def _int_in(where: str, value: Any, low: int, high: int) -> None:
    if type(value) is not int or not low <= value <= high:
        raise _Invalid(f"{where} must be an integer from {low} to {high}, not {value!r}")


def _is_dns_name(name: str, limit: int) -> bool:
    if len(name) > limit or not _DNS_NAME.fullmatch(name):
        return False
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return True
    return False


def _reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__
