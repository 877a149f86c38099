"""The events handlers receive (spec §1.2–1.5) and the Lambda `context` object."""

from __future__ import annotations

import base64

import pytest

from edge.runtime.context import context_class
from edge.runtime.events import (
    BODY_LIMITS,
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

CONFIG = EventConfig("d111111abcdef8.cloudfront.net", "EDFDVBD6EXAMPLE", "cf-id==")
REQUEST = RequestData(
    client_ip="203.0.113.178",
    method="GET",
    uri="/picture.jpg",
    querystring="size=large",
    headers=(
        ("Host", "d111111abcdef8.cloudfront.net"),
        ("Accept", "image/webp"),
        ("accept", "*/*"),
        ("Connection", "keep-alive"),
        ("X-Amz-Cf-Id", "leaked"),
        ("X-Edge-Location", "leaked"),
    ),
)
RESPONSE = ResponseData(200, "OK", (("Content-Type", "image/jpeg"), ("X-Cache", "Miss")))
ORIGIN = custom_origin("origin.example.org", path="/static")


def test_viewer_request_envelope_and_request_fields() -> None:  # §1.2, §1.3
    event = ViewerRequest(CONFIG, REQUEST).event()
    assert event == {
        "Records": [
            {
                "cf": {
                    "config": {
                        "distributionDomainName": "d111111abcdef8.cloudfront.net",
                        "distributionId": "EDFDVBD6EXAMPLE",
                        "eventType": "viewer-request",
                        "requestId": "cf-id==",
                    },
                    "request": {
                        "clientIp": "203.0.113.178",
                        "headers": {
                            "host": [{"key": "Host", "value": "d111111abcdef8.cloudfront.net"}],
                            "accept": [
                                {"key": "Accept", "value": "image/webp"},
                                {"key": "accept", "value": "*/*"},
                            ],
                        },
                        "method": "GET",
                        "querystring": "size=large",
                        "uri": "/picture.jpg",
                    },
                }
            }
        ]
    }


def test_origin_request_carries_the_origin() -> None:  # §1.3
    cf = OriginRequest(CONFIG, REQUEST, ORIGIN).event()["Records"][0]["cf"]
    assert cf["config"]["eventType"] == "origin-request"
    assert cf["request"]["origin"]["custom"]["domainName"] == "origin.example.org"
    assert cf["request"]["origin"]["custom"]["path"] == "/static"
    assert "response" not in cf


def test_origin_response_has_request_origin_and_response_without_body() -> None:  # §1.4
    cf = OriginResponse(CONFIG, REQUEST, ORIGIN, RESPONSE).event()["Records"][0]["cf"]
    assert cf["request"]["origin"] == ORIGIN
    assert cf["response"] == {
        "headers": {"content-type": [{"key": "Content-Type", "value": "image/jpeg"}]},
        "status": "200",
        "statusDescription": "OK",
    }


def test_viewer_response_status_is_a_string() -> None:  # §1.4
    cf = ViewerResponse(CONFIG, REQUEST, ResponseData(304, "Not Modified")).event()
    assert cf["Records"][0]["cf"]["response"]["status"] == "304"
    assert "origin" not in cf["Records"][0]["cf"]["request"]


def test_disallowed_headers_are_never_shown_to_functions() -> None:  # §2.1
    headers = ViewerRequest(CONFIG, REQUEST).event()["Records"][0]["cf"]["request"]["headers"]
    assert set(headers) == {"host", "accept"}


def test_without_include_body_there_is_no_body_field() -> None:  # §1.3
    request = ViewerRequest(CONFIG, REQUEST).event()["Records"][0]["cf"]["request"]
    assert "body" not in request


@pytest.mark.parametrize(
    ("trigger", "size", "truncated"),
    [
        (EventType.VIEWER_REQUEST, 40 * 1024, False),  # §1.5: 40 KB exposed
        (EventType.VIEWER_REQUEST, 40 * 1024 + 1, True),
        (EventType.ORIGIN_REQUEST, 1024 * 1024, False),  # §1.5: 1 MB exposed
        (EventType.ORIGIN_REQUEST, 1024 * 1024 + 1, True),
    ],
)
def test_include_body_truncates_at_the_trigger_limit(
    trigger: EventType, size: int, truncated: bool
) -> None:
    request = RequestData("203.0.113.1", "POST", "/form", body=b"x" * size)
    if trigger is EventType.VIEWER_REQUEST:
        event = ViewerRequest(CONFIG, request, include_body=True).event()
    else:
        event = OriginRequest(CONFIG, request, ORIGIN, include_body=True).event()
    body = event["Records"][0]["cf"]["request"]["body"]
    assert body["inputTruncated"] is truncated
    assert body["action"] == "read-only"
    assert body["encoding"] == "base64"
    assert len(base64.b64decode(body["data"])) == min(size, BODY_LIMITS[trigger].exposed)


def test_base64_replacement_limits_are_the_encoded_text_limits() -> None:  # §1.5: 53.2 KB, 1.33 MB
    assert BODY_LIMITS[EventType.VIEWER_REQUEST].base64 == len(base64.b64encode(b"x" * 40 * 1024))
    assert BODY_LIMITS[EventType.ORIGIN_REQUEST].base64 == len(base64.b64encode(b"x" * 1024 * 1024))


def test_context_matches_lambdas_python_context() -> None:
    now = [100.0]
    context = context_class(
        function_name="resize",
        function_version="3",
        memory_size=128,
        log_stream_name="2024/01/01/[3]abc",
        clock=lambda: now[0],
    )("req-1", 105.0)
    assert context.function_name == "resize" and context.function_version == "3"
    assert context.identity is None and context.client_context is None
    assert context.invoked_function_arn == "arn:aws:lambda:us-east-1:123456789012:function:resize:3"
    assert context.memory_limit_in_mb == "128"  # a str, as Lambda's runtime gives it
    assert context.log_group_name == "/aws/lambda/us-east-1.resize"
    assert context.log_stream_name == "2024/01/01/[3]abc"
    assert context.aws_request_id == "req-1"
    assert context.get_remaining_time_in_millis() == 5000
    now[0] = 104.25
    assert context.get_remaining_time_in_millis() == 750
    now[0] = 106.0
    assert context.get_remaining_time_in_millis() == 0
