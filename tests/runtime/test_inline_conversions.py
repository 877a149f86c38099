"""The fast paths of `framing` give what the general conversions give: `copy_event` what
`copy` gives, `unpack` what `json.loads` gives."""

from __future__ import annotations

import json
from typing import Any

import pytest
from multidict import CIMultiDict

from edge.runtime import framing
from edge.runtime.headers import cf_headers
from edge.runtime.testing import (
    origin_request_event,
    origin_response_event,
    viewer_request_event,
    viewer_response_event,
)

NODE_EVENTS = [
    viewer_request_event("/a", querystring="x=1"),
    viewer_request_event("/a", body=b"hello", include_body=True),
    origin_request_event("/b"),
    origin_response_event("/c", response_headers=(("Cache-Control", "max-age=60"),)),
    viewer_response_event("/d", response_headers=(("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"))),
]


def _containers(value: Any) -> list[int]:
    if isinstance(value, dict):
        return [id(value), *(i for item in value.values() for i in _containers(item))]
    if isinstance(value, list):
        return [id(value), *(i for item in value for i in _containers(item))]
    return []


@pytest.mark.parametrize("event", NODE_EVENTS)
def test_an_event_is_copied_as_copy_would_and_shares_no_container(event: dict[str, Any]) -> None:
    copied = framing.copy_event(event)
    assert copied == framing.copy(event)
    assert json.dumps(copied) == json.dumps(event)  # same keys in the same order
    assert not set(_containers(copied)) & set(_containers(event))


@pytest.mark.parametrize(
    "event",
    [
        {"Records": [{"cf": {"request": {"headers": {"host": [{"value": "a"}]}}}}]},  # no key
        {"Records": [{"cf": {"request": {"uri": ("a", "tuple")}}}]},
        {"Records": [{"cf": {"request": {}}}], "extra": 1},
        {"Records": [{"cf": {"config": {}}, "other": {}}]},
        {"Records": [{"cf": {"request": {"headers": {"host": "not a list"}}}}]},
        {"Records": []},
        ["not", "an", "event"],
    ],
)
def test_another_shape_is_copied_by_copy(event: Any) -> None:
    assert framing.copy_event(event) == framing.copy(event)


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
