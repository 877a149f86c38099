"""The helper users import into their own test suites."""

from __future__ import annotations

from typing import Any

import pytest

from edge.runtime.testing import (
    FunctionValidationError,
    invoke,
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
