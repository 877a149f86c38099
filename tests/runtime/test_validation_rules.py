"""Each rule Lambda@Edge applies to what a handler returns (spec §1.3–1.5, §2, §10): one row
per rule, the clause it comes from, and the reason the 502 would give."""

from __future__ import annotations

import base64
import copy
from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from edge.runtime.events import EventType, custom_origin
from edge.runtime.testing import (
    origin_request_event,
    origin_response_event,
    viewer_request_event,
    viewer_response_event,
)
from edge.runtime.validation import (
    AcceptedRequest,
    AcceptedResponse,
    ValidationError,
    validate,
)

VR, OR = EventType.VIEWER_REQUEST, EventType.ORIGIN_REQUEST
ORESP, VRESP = EventType.ORIGIN_RESPONSE, EventType.VIEWER_RESPONSE
KB, MB = 1024, 1024 * 1024

REQUEST_HEADERS = (
    ("Host", "d111111abcdef8.cloudfront.net"),
    ("Accept-Encoding", "gzip"),
    ("Content-Length", "5"),
    ("Via", "2.0 abc.cloudfront.net (CloudFront)"),
)
RESPONSE_HEADERS = (
    ("Content-Type", "text/html"),
    ("Transfer-Encoding", "chunked"),
    ("Via", "1.1 origin"),
    ("Warning", '110 - "stale"'),
)
EVENTS = {
    VR: viewer_request_event(
        "/index.html",
        method="POST",
        querystring="a=1",
        headers=REQUEST_HEADERS,
        body=b"hello",
        include_body=True,
    ),
    OR: origin_request_event(
        "/index.html",
        method="POST",
        querystring="a=1",
        headers=REQUEST_HEADERS,
        body=b"hello",
        include_body=True,
    ),
    ORESP: origin_response_event("/index.html", response_headers=RESPONSE_HEADERS),
    VRESP: viewer_response_event("/index.html", response_headers=RESPONSE_HEADERS),
}


def cf(event_type: EventType) -> dict[str, Any]:
    return copy.deepcopy(EVENTS[event_type]["Records"][0]["cf"])


def request_with(**changes: Any) -> Callable[[dict[str, Any]], Any]:
    def change(record: dict[str, Any]) -> Any:
        return {**record["request"], **changes}

    return change


def header_added(name: str, value: Any = None) -> Callable[[dict[str, Any]], Any]:
    """The event's own object (request or response) with one header entry added."""

    def change(record: dict[str, Any]) -> Any:
        target = record.get("response", record["request"])
        target["headers"][name] = value if value is not None else [{"value": "1"}]
        return target

    return change


def header_removed(name: str) -> Callable[[dict[str, Any]], Any]:
    def change(record: dict[str, Any]) -> Any:
        target = record.get("response", record["request"])
        del target["headers"][name]
        return target

    return change


def response(**fields: Any) -> Callable[[dict[str, Any]], Any]:
    return lambda record: {"status": "200", **fields}


def body(**fields: Any) -> Callable[[dict[str, Any]], Any]:
    def change(record: dict[str, Any]) -> Any:
        record["request"]["body"].update(fields)
        return record["request"]

    return change


def origin(kind: str = "custom", **fields: Any) -> Callable[[dict[str, Any]], Any]:
    def change(record: dict[str, Any]) -> Any:
        if kind == "custom":
            base = dict(record["request"]["origin"]["custom"])
        else:
            base = {
                "authMethod": "none",
                "customHeaders": {},
                "domainName": "bucket.s3.amazonaws.com",
                "path": "",
                "region": "us-east-1",
            }
        record["request"]["origin"] = {kind: {**base, **fields}}
        return record["request"]

    return change


class Rule(NamedTuple):
    clause: str
    event_type: EventType
    change: Callable[[dict[str, Any]], Any]
    reason: str | None  # None: accepted


RULES = [
    # What each trigger may return (§1.1, §1.4)
    Rule("§1.4 not an object", VR, lambda r: None, "must return a request or response object"),
    Rule("§1.4 a list", VR, lambda r: [r["request"]], "not list"),
    Rule("§1.4 the whole event", VR, lambda r: {"Records": [r]}, "returned the event"),
    Rule("§1.1 viewer-request may continue", VR, lambda r: r["request"], None),
    Rule("§1.1 origin-request may continue", OR, lambda r: r["request"], None),
    Rule("§1.1 viewer-request may answer", VR, response(), None),
    Rule("§1.1 origin-request may answer", OR, response(), None),
    Rule(
        "§1.1 origin-response returns a response",
        ORESP,
        lambda r: r["request"],
        "origin-response functions must return the response, not the request",
    ),
    Rule(
        "§1.1 viewer-response returns a response",
        VRESP,
        lambda r: r["request"],
        "viewer-response functions must return the response",
    ),
    Rule("§1.4 status required", ORESP, lambda r: {"headers": {}}, "response.status is required"),
    # Header shape (§1.3, §10)
    Rule(
        "§1.3 header value not a list",
        VR,
        header_added("x-foo", "bar"),
        "headers['x-foo'] must be a list of {key, value} objects",
    ),
    Rule(
        "§1.3 entry without value",
        VR,
        header_added("x-foo", [{"key": "X-Foo"}]),
        "headers['x-foo'] must be a list of {key, value} objects",
    ),
    Rule(
        "§1.3 entry value not a string",
        ORESP,
        header_added("x-foo", [{"value": 1}]),
        "headers['x-foo'] must be a list of {key, value} objects",
    ),
    Rule(
        "§10 map keys are lowercase",
        VR,
        header_added("X-Foo"),
        "headers names must be lowercase header names, not 'X-Foo'",
    ),
    Rule(
        "§10 key matches the map key",
        VR,
        header_added("x-foo", [{"key": "X-Bar", "value": "1"}]),
        "headers['x-foo'] has an entry whose key 'X-Bar' is another name",
    ),
    Rule(
        "§10 no header injection",
        VRESP,
        header_added("x-foo", [{"value": "a\r\nSet-Cookie: b"}]),
        "headers['x-foo'] has a value with control characters",
    ),
    Rule("§1.3 key may be left out", VR, header_added("x-foo-bar"), None),
    Rule(
        "§1.3 headers must be an object", VR, request_with(headers=[]), "headers must be an object"
    ),
    # Disallowed and read-only headers (§2.1)
    Rule(
        "§2.1 disallowed: Connection",
        VR,
        header_added("connection"),
        "headers['connection'] is not allowed",
    ),
    Rule(
        "§2.1 disallowed: X-Cache",
        VRESP,
        header_added("x-cache"),
        "headers['x-cache'] is not allowed",
    ),
    Rule(
        "§2.1 disallowed: X-Amz-Cf-*",
        ORESP,
        header_added("x-amz-cf-pop"),
        "headers['x-amz-cf-pop'] is not allowed",
    ),
    Rule(
        "§2.1 disallowed: X-Edge-*",
        OR,
        header_added("x-edge-location"),
        "headers['x-edge-location'] is not allowed",
    ),
    Rule(
        "§2.1 disallowed in a generated response",
        VR,
        response(headers={"x-real-ip": [{"value": "1.2.3.4"}]}),
        "headers['x-real-ip'] is not allowed",
    ),
    Rule(
        "§2.1 read-only: Host (viewer-request)",
        VR,
        header_added("host", [{"value": "evil.example"}]),
        "headers['host'] is read-only in viewer-request functions",
    ),
    Rule(
        "§2.1 read-only: Content-Length removed (viewer-request)",
        VR,
        header_removed("content-length"),
        "headers['content-length'] is read-only",
    ),
    Rule(
        "§2.1 read-only: Accept-Encoding (origin-request)",
        OR,
        header_added("accept-encoding", [{"value": "br"}]),
        "headers['accept-encoding'] is read-only",
    ),
    Rule(
        "§2.1 read-only: If-None-Match added (origin-request)",
        OR,
        header_added("if-none-match"),
        "headers['if-none-match'] is read-only in origin-request functions",
    ),
    Rule(
        "§2.1 Accept-Encoding is writable in viewer-request",
        VR,
        header_added("accept-encoding", [{"value": "br"}]),
        None,
    ),
    Rule(
        "§2.1 read-only: Transfer-Encoding (origin-response)",
        ORESP,
        header_removed("transfer-encoding"),
        "headers['transfer-encoding'] is read-only",
    ),
    Rule(
        "§2.1 read-only: Warning (viewer-response)",
        VRESP,
        header_added("warning", [{"value": "199 - x"}]),
        "headers['warning'] is read-only",
    ),
    Rule(
        "§2.1 read-only: Via (viewer-response)",
        VRESP,
        header_removed("via"),
        "headers['via'] is read-only in viewer-response functions",
    ),
    Rule(
        "§2.1 key case of a read-only header may change",
        VR,
        header_added("host", [{"key": "HOST", "value": "d111111abcdef8.cloudfront.net"}]),
        None,
    ),
    Rule(
        "§2.1 viewer-request cannot add CloudFront-Viewer-Country",
        VR,
        header_added("cloudfront-viewer-country", [{"value": "JP"}]),
        "headers['cloudfront-viewer-country'] cannot be added by a viewer-request function",
    ),
    Rule(
        "§2.1 viewer-request cannot add CloudFront-Is-Mobile-Viewer",
        VR,
        header_added("cloudfront-is-mobile-viewer", [{"value": "true"}]),
        "cannot be added",
    ),
    Rule(
        "§2.1 origin-request may add CloudFront-Viewer-Country",
        OR,
        header_added("cloudfront-viewer-country", [{"value": "JP"}]),
        None,
    ),
    # Status (§1.4, §2.2)
    Rule(
        "§10 status is a string",
        VR,
        lambda r: {"status": 200},
        'response.status must be a string such as "200", not int',
    ),
    Rule("§1.4 status below 200", VR, response(status="199"), "between 200 and 599, not '199'"),
    Rule("§1.4 status above 599", OR, response(status="600"), "between 200 and 599, not '600'"),
    Rule("§1.4 status not a number", ORESP, response(status="OK"), "between 200 and 599"),
    Rule("§1.4 status 599", ORESP, lambda r: {**r["response"], "status": "599"}, None),
    Rule(
        "§2.2 viewer-response cannot change the status",
        VRESP,
        lambda r: {**r["response"], "status": "404"},
        "viewer-response functions cannot change the status (200 to 404)",
    ),
    Rule("§2.2 viewer-response keeps the status", VRESP, lambda r: r["response"], None),
    Rule(
        "§1.4 origin-response may change the status",
        ORESP,
        lambda r: {**r["response"], "status": "503"},
        None,
    ),
    Rule(
        "§1.4 statusDescription is text",
        VR,
        response(statusDescription=3),
        "statusDescription must be a string",
    ),
    # Generated response body and size (§1.4, §2.3)
    Rule(
        "§1.4 bodyEncoding base64 must be valid",
        VR,
        response(body="not base64!", bodyEncoding="base64"),
        "response.body is not valid base64",
    ),
    Rule(
        "§1.4 bodyEncoding text or base64",
        VR,
        response(body="x", bodyEncoding="gzip"),
        "bodyEncoding must be 'text' or 'base64'",
    ),
    Rule(
        "§1.4 body is a string",
        VR,
        response(body=b"x".hex().encode().__len__()),
        "response.body must be a string",
    ),
    Rule(
        "§1.4 204 with a body from viewer-request",
        VR,
        response(status="204", body="x"),
        "a 204 response generated by a viewer-request function cannot have a body",
    ),
    Rule("§1.4 204 without a body", VR, response(status="204"), None),
    Rule("§1.4 204 with a body from origin-request", OR, response(status="204", body="x"), None),
    Rule("§2.3 viewer response of exactly 40 KB", VR, response(body="x" * 40 * KB), None),
    Rule(
        "§2.3 viewer response over 40 KB",
        VR,
        response(body="x" * (40 * KB + 1)),
        "the response is 40961 bytes (headers + body); "
        "viewer-request functions may return at most 40960",
    ),
    Rule(
        "§2.3 headers count towards the 40 KB",
        VRESP,
        lambda r: {**r["response"], "body": "x" * (40 * KB - 60)},
        "may return at most 40960",
    ),
    Rule(
        "§2.3 base64 body counted decoded",
        VR,
        response(body=base64.b64encode(b"x" * 40 * KB).decode(), bodyEncoding="base64"),
        None,
    ),
    Rule("§2.3 origin response of 1 MB", OR, response(body="x" * MB), None),
    Rule(
        "§2.3 origin response over 1 MB",
        ORESP,
        lambda r: {**r["response"], "body": "x" * (MB + 1)},
        "origin-response functions may return at most 1048576",
    ),
    # URI and query string (§1.3, §2.2)
    Rule(
        "§1.3 uri starts with /",
        VR,
        request_with(uri="index.html"),
        "request.uri must be a string starting with '/'",
    ),
    Rule(
        "§1.3 uri is a string",
        OR,
        request_with(uri=None),
        "request.uri must be a string starting with '/', not None",
    ),
    Rule(
        "§2.2 no spaces in uri", VR, request_with(uri="/a b"), "request.uri must not contain spaces"
    ),
    Rule(
        "§2.2 no space in querystring",
        VR,
        request_with(querystring="a=1 2"),
        "request.querystring must not contain spaces, control characters or '#'",
    ),
    Rule(
        "§2.2 no # in querystring",
        OR,
        request_with(querystring="a=1#frag"),
        "request.querystring must not contain",
    ),
    Rule(
        "§2.2 no control characters in querystring",
        VR,
        request_with(querystring="a=\x01"),
        "request.querystring must not contain",
    ),
    Rule(
        "§2.2 querystring is a string",
        VR,
        request_with(querystring=1),
        "request.querystring must be a string",
    ),
    Rule(
        "§2.2 uri + query of 8191 characters",
        VR,
        request_with(uri="/" + "a" * 8186, querystring="b=1"),
        None,
    ),
    Rule(
        "§2.2 uri + query of 8192 characters",
        VR,
        request_with(uri="/" + "a" * 8187, querystring="b=1"),
        "request.uri and querystring are 8192 characters; the limit is 8191",
    ),
    Rule("§2.2 querystring may change", OR, request_with(querystring="b=2"), None),
    # Read-only request fields (§1.3)
    Rule(
        "§1.3 method is read-only",
        VR,
        request_with(method="GET"),
        "request.method is read-only ('POST' changed to 'GET')",
    ),
    Rule(
        "§1.3 clientIp is read-only",
        OR,
        request_with(clientIp="198.51.100.1"),
        "request.clientIp is read-only",
    ),
    # Request body (§1.3, §1.5)
    Rule("§1.3 read-only body ignores changes", VR, body(data="!!!", encoding="text"), None),
    Rule(
        "§1.3 replace with invalid base64",
        VR,
        body(action="replace", data="!!!"),
        "request.body.data is not valid base64",
    ),
    Rule("§1.3 replace with text", OR, body(action="replace", encoding="text", data="new"), None),
    Rule(
        "§1.3 unknown action",
        VR,
        body(action="append"),
        "request.body.action must be 'read-only' or 'replace'",
    ),
    Rule(
        "§1.3 unknown encoding",
        VR,
        body(action="replace", encoding="hex", data="00"),
        "request.body.encoding must be 'base64' or 'text'",
    ),
    Rule(
        "§1.3 body data is a string",
        VR,
        body(action="replace", data=None),
        "request.body.data must be a string",
    ),
    Rule("§1.3 body is an object", VR, request_with(body="x"), "request.body must be an object"),
    Rule(
        "§1.5 text replacement of 40 KB",
        VR,
        body(action="replace", encoding="text", data="x" * 40 * KB),
        None,
    ),
    Rule(
        "§1.5 text replacement over 40 KB",
        VR,
        body(action="replace", encoding="text", data="x" * (40 * KB + 1)),
        "request.body.data is 40961 bytes; the limit is 40960",
    ),
    Rule(
        "§1.5 base64 replacement over 53.2 KB",
        VR,
        body(action="replace", data=base64.b64encode(b"x" * (40 * KB + 3)).decode()),
        "request.body.data is 54620 base64 characters; the limit is 54616",
    ),
    Rule(
        "§1.5 text replacement over 1 MB",
        OR,
        body(action="replace", encoding="text", data="x" * (MB + 1)),
        "the limit is 1048576",
    ),
    # Origin (§1.3)
    Rule(
        "§1.3 only origin-request changes the origin",
        VR,
        request_with(origin={"custom": {}}),
        "request.origin cannot be changed by a viewer-request function",
    ),
    Rule("§1.3 custom origin switch", OR, origin(domainName="other.example.org", port=8443), None),
    Rule("§1.3 S3 origin switch", OR, origin("s3"), None),
    Rule(
        "§1.3 exactly one of custom or s3",
        OR,
        lambda r: {**r["request"], "origin": {"custom": {}, "s3": {}}},
        "request.origin must have exactly one of 'custom' or 's3'",
    ),
    Rule(
        "§1.3 custom fields are required",
        OR,
        lambda r: {**r["request"], "origin": {"custom": {"domainName": "a.example"}}},
        "request.origin.custom.customHeaders is required",
    ),
    Rule(
        "§1.3 domainName is not an IP",
        OR,
        origin(domainName="192.0.2.10"),
        "request.origin.custom.domainName must be a DNS name",
    ),
    Rule(
        "§1.3 domainName has no port",
        OR,
        origin(domainName="a.example:8080"),
        "no IP address, no port",
    ),
    Rule(
        "§1.3 domainName at most 253",
        OR,
        origin(domainName="a." * 126 + "com"),
        "at most 253 characters",
    ),
    Rule("§1.3 port 80", OR, origin(port=80), None),
    Rule(
        "§1.3 port below 1024",
        OR,
        origin(port=81),
        "request.origin.custom.port must be 80, 443 or 1024-65535, not 81",
    ),
    Rule("§1.3 port above 65535", OR, origin(port=65536), "port must be 80, 443 or 1024-65535"),
    Rule(
        "§1.3 protocol",
        OR,
        origin(protocol="ftp"),
        "request.origin.custom.protocol must be 'http' or 'https'",
    ),
    Rule(
        "§1.3 keepaliveTimeout 1-60",
        OR,
        origin(keepaliveTimeout=61),
        "request.origin.custom.keepaliveTimeout must be an integer from 1 to 60, not 61",
    ),
    Rule(
        "§1.3 readTimeout 4-60",
        OR,
        origin(readTimeout=3),
        "request.origin.custom.readTimeout must be an integer from 4 to 60, not 3",
    ),
    Rule(
        "§1.3 path starts with /",
        OR,
        origin(path="static"),
        "request.origin.custom.path must be empty or start with '/'",
    ),
    Rule("§1.3 path has no trailing /", OR, origin(path="/static/"), "not end with '/'"),
    Rule("§1.3 path at most 255", OR, origin(path="/" + "a" * 255), "at most 255 characters"),
    Rule(
        "§1.3 sslProtocols",
        OR,
        origin(sslProtocols=["TLSv1.3"]),
        "request.origin.custom.sslProtocols must be a list drawn from",
    ),
    Rule(
        "§1.3 customHeaders not disallowed",
        OR,
        origin(customHeaders={"x-real-ip": [{"value": "1"}]}),
        "request.origin.custom.customHeaders['x-real-ip'] is not allowed",
    ),
    Rule(
        "§1.3 customHeaders not duplicating request headers",
        OR,
        origin(customHeaders={"host": [{"value": "x"}]}),
        "request.origin.custom.customHeaders['host'] duplicates a request header",
    ),
    Rule(
        "§1.3 customHeaders shape",
        OR,
        origin(customHeaders={"x-secret": "s"}),
        "request.origin.custom.customHeaders['x-secret'] must be a list of {key, value} objects",
    ),
    Rule(
        "§1.3 S3 domainName lowercase",
        OR,
        origin("s3", domainName="Bucket.s3.amazonaws.com"),
        "request.origin.s3.domainName must be a lowercase bucket DNS name",
    ),
    Rule(
        "§1.3 S3 domainName at most 128",
        OR,
        origin("s3", domainName="a" * 120 + ".s3.amazonaws.com"),
        "at most 128 characters",
    ),
    Rule(
        "§1.3 S3 authMethod",
        OR,
        origin("s3", authMethod="origin-access-control"),
        "request.origin.s3.authMethod must be 'origin-access-identity' or 'none'",
    ),
    Rule(
        "§1.3 S3 region required with OAI",
        OR,
        origin("s3", authMethod="origin-access-identity", region=""),
        "request.origin.s3.region is required with origin-access-identity",
    ),
]


@pytest.mark.parametrize("built_by_node", [False, True], ids=["given", "built"])
@pytest.mark.parametrize("rule", RULES, ids=[rule.clause for rule in RULES])
def test_validation_rule(rule: Rule, built_by_node: bool) -> None:
    """Every rule holds whether or not the original is known to be as the node builds events
    (then headers returned unchanged skip their checks)."""
    original = cf(rule.event_type)
    verdict = validate(rule.event_type, rule.change(cf(rule.event_type)), original,
                       built_by_node=built_by_node)
    if rule.reason is None:
        assert isinstance(verdict, AcceptedRequest | AcceptedResponse), verdict
    else:
        assert isinstance(verdict, ValidationError)
        assert rule.reason in verdict.reason


def test_missing_keys_are_synthesised_by_capitalising_words() -> None:  # §1.3
    verdict = validate(VR, header_added("x-foo-bar")(cf(VR)), cf(VR))
    assert isinstance(verdict, AcceptedRequest)
    assert verdict.request["headers"]["x-foo-bar"] == [{"key": "X-Foo-Bar", "value": "1"}]
    assert ("X-Foo-Bar", "1") in verdict.headers


def test_read_only_body_sends_the_original_upstream() -> None:  # §1.3
    verdict = validate(VR, body(data="changed", encoding="text")(cf(VR)), cf(VR))
    assert isinstance(verdict, AcceptedRequest)
    assert verdict.body is None
    assert verdict.request["body"] == cf(VR)["request"]["body"]


def test_replaced_body_is_decoded() -> None:  # §1.3
    data = base64.b64encode(b"\x00new body").decode()
    verdict = validate(OR, body(action="replace", data=data)(cf(OR)), cf(OR))
    assert isinstance(verdict, AcceptedRequest)
    assert verdict.body == b"\x00new body"


def test_accepted_request_carries_the_new_origin() -> None:  # §1.3
    verdict = validate(OR, origin(domainName="other.example.org")(cf(OR)), cf(OR))
    assert isinstance(verdict, AcceptedRequest)
    assert verdict.origin is not None
    assert verdict.origin["custom"]["domainName"] == "other.example.org"


def test_generated_response_is_decoded_and_described() -> None:  # §1.4
    returned = {
        "status": "302",
        "headers": {"location": [{"value": "https://example.org/"}]},
        "body": base64.b64encode(b"moved").decode(),
        "bodyEncoding": "base64",
    }
    verdict = validate(VR, returned, cf(VR))
    assert isinstance(verdict, AcceptedResponse)
    assert (verdict.status, verdict.status_description) == (302, "Found")
    assert verdict.headers == (("Location", "https://example.org/"),)
    assert verdict.body == b"moved"


def test_response_without_body_keeps_the_origins() -> None:  # §1.4
    record = cf(ORESP)
    record["response"]["headers"]["cache-control"] = [{"value": "max-age=60"}]
    verdict = validate(ORESP, record["response"], cf(ORESP))
    assert isinstance(verdict, AcceptedResponse)
    assert verdict.body is None
    assert ("Cache-Control", "max-age=60") in verdict.headers


@pytest.mark.parametrize("added", [False, True], ids=["unchanged", "one-added"])
@pytest.mark.parametrize("event_type", list(EventType))
def test_original_headers_give_the_same_verdict_taken_as_they_are(
    event_type: EventType, added: bool
) -> None:
    record = cf(event_type)
    returned = copy.deepcopy(record["request" if event_type.is_request else "response"])
    if added:
        returned["headers"]["x-added"] = [{"value": "1"}]
    checked = validate(event_type, returned, record)
    taken = validate(event_type, copy.deepcopy(returned), record, built_by_node=True)
    assert isinstance(checked, AcceptedRequest | AcceptedResponse)
    assert taken == checked


def test_an_origin_name_kept_from_the_event_is_not_checked_again() -> None:
    """An edgesim origin is often an address, which a function could not choose (§1.3): one
    that keeps it and changes only the path is accepted; an address of its own is refused."""
    event = origin_request_event(
        "/index.html", origin=custom_origin("127.0.0.1", port=8000, protocol="http"))
    record = event["Records"][0]["cf"]
    request = copy.deepcopy(record["request"])
    request["origin"]["custom"]["path"] = "/v2"
    verdict = validate(OR, request, record)
    assert isinstance(verdict, AcceptedRequest)
    assert verdict.origin == {"custom": {**record["request"]["origin"]["custom"], "path": "/v2"}}
    request["origin"]["custom"]["domainName"] = "192.0.2.10"
    refused = validate(OR, request, record)
    assert isinstance(refused, ValidationError)
    assert "domainName must be a DNS name" in refused.reason
