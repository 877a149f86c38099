"""The helper users import into their own test suites."""

from __future__ import annotations

from typing import Any

import pytest

from edge.runtime.testing import (
    FunctionValidationError,
    invoke,
    origin_request_event,
    origin_response_event,
    viewer_request_event,
)
from edge.runtime.validation import AcceptedRequest, AcceptedResponse
from tests.runtime.conftest import HANDLERS


def add_security_header(event: dict[str, Any], context: Any) -> dict[str, Any]:
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["strict-transport-security"] = [{"value": "max-age=63072000"}]
    return response


def test_invoke_a_function_with_the_production_validation() -> None:
    result = invoke(add_security_header, origin_response_event(status=200))
    assert isinstance(result, AcceptedResponse)
    assert ("Strict-Transport-Security", "max-age=63072000") in result.headers


def test_invoke_a_handler_file() -> None:
    result = invoke(f"{HANDLERS / 'ok.py'}:handler", viewer_request_event("/page"))
    assert isinstance(result, AcceptedRequest)
    assert ("X-Handled-By", "test-function") in result.headers


def test_a_rejected_return_value_says_why() -> None:
    with pytest.raises(FunctionValidationError, match=r"headers\['x-foo'\] must be a list"):
        invoke(str(HANDLERS / "bad_headers.py"), viewer_request_event())


def test_the_handlers_own_exception_reaches_the_test() -> None:
    with pytest.raises(ValueError, match="something broke"):
        invoke(str(HANDLERS / "exception.py"), viewer_request_event(), function_name="raises")


def test_a_uri_with_a_query_is_split_as_cloudfront_splits_it() -> None:
    request = viewer_request_event("/search?Page=2&q=edge")["Records"][0]["cf"]["request"]
    assert (request["uri"], request["querystring"]) == ("/search", "Page=2&q=edge")
    with pytest.raises(ValueError, match="has a query and querystring gives one too"):
        origin_response_event("/search?Page=2", querystring="q=edge")


def test_origin_events_carry_what_a_pop_sends_the_origin() -> None:
    """Spec §1.3: at origin triggers, Host is the origin's, and CloudFront's User-Agent, Via and
    X-Forwarded-For (the viewer's address) are there."""
    for event in (origin_request_event(client_ip="198.51.100.9"),
                  origin_response_event(client_ip="198.51.100.9")):
        headers = event["Records"][0]["cf"]["request"]["headers"]
        assert headers["host"][0]["value"] == "example.org"
        assert headers["user-agent"][0]["value"] == "Amazon CloudFront"
        assert headers["via"][0]["value"].endswith(".cloudfront.net (CloudFront)")
        assert headers["x-forwarded-for"][0]["value"] == "198.51.100.9"
    viewer = viewer_request_event()["Records"][0]["cf"]["request"]["headers"]
    assert "via" not in viewer and viewer["user-agent"][0]["value"] == "curl/7.66.0"
