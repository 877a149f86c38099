"""A worker's patch: the value the node puts back together from the event it sent and the patch
(after the patch's trip through JSON) is the value the handler returned, as JSON writes it (types
and order included, but for the order of the value's own fields, which nothing reads), and the
patch carries only what changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from edge.runtime import framing
from edge.runtime.changes import patch, patched
from edge.runtime.events import (
    EventConfig,
    OriginRequest,
    RequestData,
    ResponseData,
    ViewerResponse,
    custom_origin,
)

CONFIG = EventConfig("d1.cloudfront.net", "EDIST", "id==")
REQUEST = RequestData("198.51.100.7", "GET", "/page", "a=1",
                      (("Host", "d1.cloudfront.net"), ("Accept", "*/*"), ("Accept", "text/html"),
                       ("User-Agent", "curl/8")), b"hello")
Event = dict[str, Any]


def origin_request() -> Event:
    return OriginRequest(CONFIG, REQUEST, custom_origin("example.org"), include_body=True).event()


def viewer_response() -> Event:
    response = ResponseData(200, "OK", (("Content-Type", "text/html"), ("ETag", '"x"')))
    return ViewerResponse(CONFIG, REQUEST, response).event()


def request_of(event: Event) -> Event:
    return event["Records"][0]["cf"]["request"]


def response_of(event: Event) -> Event:
    return event["Records"][0]["cf"]["response"]


def added_header(event: Event) -> Any:
    request = request_of(event)
    request["headers"]["x-added"] = [{"key": "X-Added", "value": "1"}]
    return request


def header_moved_first(event: Event) -> Any:
    request = request_of(event)
    request["headers"] = {"user-agent": request["headers"].pop("user-agent"),
                          **request["headers"]}
    return request


def port_as_float(event: Event) -> Any:
    request = request_of(event)
    request["origin"]["custom"]["port"] = 443.0  # == 443, but JSON writes 443.0
    return request


def entry_keys_swapped(event: Event) -> Any:
    request = request_of(event)
    request["headers"]["accept"][0] = {"value": "*/*", "key": "Accept"}
    return request


def body_replaced(event: Event) -> Any:
    request = request_of(event)
    request["body"] = {"action": "replace", "encoding": "text", "data": "bye"}
    return request


def headers_dropped_and_uri(event: Event) -> Any:
    request = request_of(event)
    del request["headers"]["accept"]
    request["uri"] = "/other"
    del request["querystring"]
    return request


def a_tuple(event: Event) -> Any:
    request = request_of(event)
    request["headers"]["x-tuple"] = ({"key": "X-Tuple", "value": "t"},)
    return request


def a_new_request(event: Event) -> Any:
    return {"uri": "/fresh", "method": "GET", "headers": {}}


def response_headers(event: Event) -> Any:
    response = response_of(event)
    response["headers"]["cache-control"] = [{"key": "Cache-Control", "value": "no-store"}]
    response["headers"]["etag"][0]["value"] = '"y"'
    response["statusDescription"] = "Fine"
    return response


def generated_response(event: Event) -> Any:
    return {"status": "302", "headers": {"location": [{"key": "Location", "value": "/x"}]}}


CHANGES: list[tuple[Callable[[], Event], Callable[[Event], Any]]] = [
    (origin_request, request_of),  # nothing changed
    (origin_request, added_header),
    (origin_request, header_moved_first),
    (origin_request, port_as_float),
    (origin_request, entry_keys_swapped),
    (origin_request, body_replaced),
    (origin_request, headers_dropped_and_uri),
    (origin_request, a_tuple),
    (origin_request, a_new_request),
    (viewer_response, response_of),
    (viewer_response, response_headers),
    (origin_request, generated_response),  # a response where the event has none: goes whole
    (origin_request, lambda event: event),  # the event itself: goes whole
    (origin_request, lambda event: "not an object"),
]


@pytest.mark.parametrize(("make", "change"), CHANGES,
                         ids=[getattr(c, "__name__", "lambda") for _, c in CHANGES])
def test_the_value_is_rebuilt_as_json_would_bring_it(
    make: Callable[[], Event], change: Callable[[Event], Any]
) -> None:
    sent = make()  # the node's event
    given = framing.copy(sent)  # the worker's: the handler changes it
    original = framing.copy(given)  # the worker's copy to tell changes against
    returned = change(given)
    through_json = json.loads(framing.dumps(returned))
    change_sent = patch(returned, original)
    if change_sent is None:
        assert returned is given or type(returned) is not dict or "status" in returned
        return
    rebuilt = patched(sent, json.loads(framing.dumps(change_sent)))
    assert framing.dumps(fields_sorted(rebuilt)) == framing.dumps(fields_sorted(through_json))


def fields_sorted(value: dict[str, Any]) -> dict[str, Any]:
    return dict(sorted(value.items()))


def test_a_patch_carries_only_what_changed() -> None:
    event = origin_request()
    returned = added_header(framing.copy(event))
    returned["uri"] = "/new"
    part, changed, dropped, set_headers, drop_headers = patch(returned, event) or []
    assert (part, changed, dropped, drop_headers) == ("request", {"uri": "/new"}, [], [])
    assert set_headers == {"x-added": [{"key": "X-Added", "value": "1"}]}


def test_unchanged_parts_are_the_nodes_own_objects() -> None:
    event = origin_request()
    returned = added_header(framing.copy(event))
    rebuilt = patched(event, json.loads(framing.dumps(patch(returned, event))))
    before = request_of(event)
    assert rebuilt["headers"]["accept"] is before["headers"]["accept"]
    assert rebuilt["origin"] is before["origin"] and rebuilt["body"] is before["body"]
