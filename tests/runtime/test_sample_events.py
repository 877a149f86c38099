"""Event documents with fields left out, completed as CloudFront sends them (spec §1.2–1.5)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from edge.runtime.events import BODY_LIMITS, EventType
from edge.runtime.sample_events import EventError, complete_event
from edge.runtime.testing import ORIGIN, viewer_request_event


def document(**cf: Any) -> dict[str, Any]:
    cf.setdefault("request", {"uri": "/", "method": "GET"})
    return {"Records": [{"cf": cf}]}


def cf_of(event: dict[str, Any]) -> dict[str, Any]:
    return event["Records"][0]["cf"]


def test_a_complete_event_comes_back_unchanged() -> None:
    event = viewer_request_event("/index.html", querystring="a=1")
    assert complete_event(event) == event


def test_missing_optional_request_fields_get_cloudfronts_values() -> None:
    request = cf_of(complete_event(document(), EventType.VIEWER_REQUEST))["request"]
    assert request == {
        "clientIp": "203.0.113.178",
        "headers": {},
        "method": "GET",
        "querystring": "",
        "uri": "/",
    }


def test_origin_events_get_the_sample_origin_and_viewer_events_may_not_have_one() -> None:
    assert cf_of(complete_event(document(), EventType.ORIGIN_REQUEST))["request"]["origin"] == (
        ORIGIN
    )
    with_origin = document(request={"uri": "/", "method": "GET", "origin": ORIGIN})
    with pytest.raises(EventError, match=r"^Records\[0\]\.cf\.request\.origin: only origin"):
        complete_event(with_origin, EventType.VIEWER_REQUEST)


def test_headers_get_their_keys_and_lose_those_cloudfront_never_shows() -> None:
    headers = {
        "x-custom-thing": [{"value": "1"}],
        "x-forwarded-proto": [{"key": "X-Forwarded-Proto", "value": "https"}],
    }
    request = {"uri": "/", "method": "GET", "headers": headers}
    completed = cf_of(complete_event(document(request=request), EventType.VIEWER_REQUEST))
    assert completed["request"]["headers"] == {
        "x-custom-thing": [{"key": "X-Custom-Thing", "value": "1"}]
    }


def test_a_body_is_cut_at_the_triggers_limit() -> None:
    limit = BODY_LIMITS[EventType.VIEWER_REQUEST].exposed
    data = base64.b64encode(b"x" * (limit + 1)).decode()
    request = {"uri": "/", "method": "POST", "body": {"data": data}}
    body = cf_of(complete_event(document(request=request), EventType.VIEWER_REQUEST))["request"][
        "body"
    ]
    assert body["inputTruncated"] is True and body["action"] == "read-only"
    assert base64.b64decode(body["data"]) == b"x" * limit


def test_a_response_gets_its_reason_phrase_and_a_number_becomes_a_string() -> None:
    completed = cf_of(complete_event(document(response={"status": 503}), EventType.ORIGIN_RESPONSE))
    assert completed["response"] == {
        "headers": {},
        "status": "503",
        "statusDescription": "Service Unavailable",
    }


@pytest.mark.parametrize(
    ("cf", "event_type", "message"),
    [
        ({"request": {"uri": "/", "method": "GET"}}, None,
         "Records[0].cf.config.eventType: missing, and no event type was given"),
        ({"config": {"eventType": "edge-request"}, "request": {"uri": "/", "method": "GET"}},
         None, "Records[0].cf.config.eventType: one of viewer-request, origin-request, "
         "origin-response, viewer-response, not 'edge-request'"),
        ({"request": {"uri": "/", "method": "GET", "clientIp": "localhost"}},
         EventType.VIEWER_REQUEST,
         "Records[0].cf.request.clientIp: an IPv4 or IPv6 address, not 'localhost'"),
        ({"request": {"uri": "picture.jpg", "method": "GET"}}, EventType.VIEWER_REQUEST,
         "Records[0].cf.request.uri: a path starting with '/', not 'picture.jpg'"),
        ({"request": {"uri": "/", "method": "GET", "headers": {"Host": [{"value": "a"}]}}},
         EventType.VIEWER_REQUEST,
         "Records[0].cf.request.headers['Host']: header names are lowercase in events ('host')"),
        ({"request": {"uri": "/", "method": "GET", "headers": {"host": "a"}}},
         EventType.VIEWER_REQUEST,
         "Records[0].cf.request.headers['host']: a list of {key, value} objects"),
        ({"request": {"uri": "/", "method": "GET", "path": "/"}}, EventType.VIEWER_REQUEST,
         "Records[0].cf.request.path: not a field CloudFront sends (clientIp, headers, method, "
         "querystring, uri, body, origin)"),
        ({"request": {"uri": "/", "method": "GET"}, "response": {"status": "200"}},
         EventType.ORIGIN_REQUEST, "Records[0].cf.response: origin-request events carry no "
         "response"),
        ({"response": {"statusDescription": "OK"}}, EventType.ORIGIN_RESPONSE,
         "Records[0].cf.response.status: missing"),
        ({"response": {"status": "404"}}, EventType.VIEWER_RESPONSE,
         "Records[0].cf.response.status: viewer-response functions do not run for an origin "
         "status of 400 or more (404)"),
        ({"response": {"status": True}}, EventType.ORIGIN_RESPONSE,
         "Records[0].cf.response.status: a status from 200 to 599, such as \"200\", not True"),
    ],
)
def test_what_no_default_can_stand_in_for_is_named(
    cf: dict[str, Any], event_type: EventType | None, message: str
) -> None:
    with pytest.raises(EventError) as raised:
        complete_event({"Records": [{"cf": cf}]}, event_type)
    assert str(raised.value) == message
