"""Events as the node builds them for a handler, and the fast path of `framing`: `unpack` gives
what `json.loads` gives."""

from __future__ import annotations

import json
import marshal
from typing import Any

import pytest
from multidict import CIMultiDict

from edge.runtime import framing
from edge.runtime.events import (
    EventConfig,
    OriginRequest,
    OriginResponse,
    RequestData,
    ResponseData,
    Trigger,
    ViewerRequest,
    ViewerResponse,
    custom_origin,
)
from edge.runtime.headers import cf_headers

CONFIG = EventConfig("d111.cloudfront.net", "EDFDVBD6EXAMPLE", "id==")
REQUEST = RequestData("203.0.113.178", "GET", "/a", "x=1",
                      (("Host", "d111.cloudfront.net"), ("Accept", "*/*"), ("accept", "b")))
RESPONSE = ResponseData(200, "OK", (("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")))
ORIGIN = custom_origin("example.org", custom_headers=(("X-Secret", "s"),))
TRIGGERS = [
    ViewerRequest(CONFIG, REQUEST),
    ViewerRequest(CONFIG, REQUEST._replace(body=b"hello"), include_body=True),
    OriginRequest(CONFIG, REQUEST, ORIGIN, include_body=True),
    OriginResponse(CONFIG, REQUEST, ORIGIN, RESPONSE),
    ViewerResponse(CONFIG, REQUEST, RESPONSE),
]


def _containers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [id(value), *(i for item in value.values() for i in _containers(item))]
    if isinstance(value, list):
        return [id(value), *(i for item in value for i in _containers(item))]
    return []


@pytest.mark.parametrize("trigger", TRIGGERS, ids=lambda t: str(t.event_type))
def test_each_event_a_trigger_builds_is_new_and_the_same(trigger: Trigger) -> None:
    """Inline, the handler gets the event itself and validation a second build of it: the two
    must be equal and share nothing a handler could change in one and see in the other."""
    first, second = trigger.event(), trigger.event()
    assert first == second
    assert not set(_containers(first)) & set(_containers(second))
    assert not set(_containers(first)) & set(_containers(ORIGIN))
    assert framing.copy(first) == first
    assert marshal.loads(marshal.dumps(first)) == first  # plain values: a worker gets them as is


def test_header_names_from_a_multidict_become_plain_strings() -> None:
    headers = cf_headers(CIMultiDict([("Host", "a"), ("X-Amz-Cf-Id", "b"), ("host", "c")]).items())
    assert headers == {"host": [{"key": "Host", "value": "a"}, {"key": "host", "value": "c"}]}
    assert all(type(entry["key"]) is str for entry in headers["host"])


@pytest.mark.parametrize(
    "text", ['["return",{"a":[1,2.5,null,true]},1.5,20]', ' ["spaced"] ', '"\\u00e9t\\u00e9"']
)
def test_frames_decode_as_json_loads_does(text: str) -> None:
    buffer = bytearray(framing.HEADER_SIZE + len(text.encode()))
    buffer[: framing.HEADER_SIZE] = len(text.encode()).to_bytes(framing.HEADER_SIZE, "big")
    buffer[framing.HEADER_SIZE :] = text.encode()
    assert list(framing.unpack(buffer)) == [json.loads(text)]
    assert buffer == b""


@pytest.mark.parametrize("text", ["[1] x", "nope", ""])
def test_a_frame_that_is_not_json_fails_as_json_loads_does(text: str) -> None:
    payload = text.encode()
    buffer = bytearray(len(payload).to_bytes(framing.HEADER_SIZE, "big") + payload)
    with pytest.raises(json.JSONDecodeError) as raised:
        list(framing.unpack(buffer))
    with pytest.raises(json.JSONDecodeError) as expected:
        json.loads(text)
    assert str(raised.value) == str(expected.value)


def test_frames_arriving_whole_split_or_together_are_each_read_once() -> None:
    frames = [framing.pack(["output", "a"]), framing.pack(["return", {"b": [1]}, 1.5, 20])]
    assert list(framing.unpack(bytearray(), frames[0])) == [["output", "a"]]
    buffer = bytearray()
    assert list(framing.unpack(buffer, frames[1][:7])) == []
    assert list(framing.unpack(buffer, frames[1][7:] + frames[0])) == [
        ["return", {"b": [1]}, 1.5, 20], ["output", "a"]]
    assert buffer == b""
