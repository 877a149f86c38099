"""Handler specs and per-function settings, checked once against the quotas (spec §2.3)."""

from __future__ import annotations

import pytest

from edge.runtime.events import EventType
from edge.runtime.function import EdgeFunction
from edge.runtime.handler import HandlerSpec


@pytest.mark.parametrize(
    ("text", "spec"),
    [
        ("functions/auth.py", HandlerSpec("functions/auth.py", None, "handler")),
        ("functions/auth.py:check", HandlerSpec("functions/auth.py", None, "check")),
        ("functions/auth", HandlerSpec("functions/auth", None, "handler")),
        ("mypkg.edge", HandlerSpec(None, "mypkg.edge", "handler")),
        ("mypkg.edge:lambda_handler", HandlerSpec(None, "mypkg.edge", "lambda_handler")),
    ],
)
def test_handler_spec_forms(text: str, spec: HandlerSpec) -> None:
    assert HandlerSpec.parse(text) == spec


@pytest.mark.parametrize("text", ["", ":handler", "auth.py:not-a-name", "my-pkg"])
def test_bad_handler_specs(text: str) -> None:
    with pytest.raises(ValueError, match="handler"):
        HandlerSpec.parse(text)


SPEC = HandlerSpec.parse("h.py")


@pytest.mark.parametrize(
    ("event_type", "timeout"),
    [
        (EventType.VIEWER_REQUEST, 5.0),
        (EventType.VIEWER_RESPONSE, 5.0),
        (EventType.ORIGIN_REQUEST, 30.0),
        (EventType.ORIGIN_RESPONSE, 30.0),
    ],
)
def test_default_timeouts_per_trigger(event_type: EventType, timeout: float) -> None:
    assert EdgeFunction("f", SPEC, event_type).timeout == timeout


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"timeout": 6.0}, "viewer-request allows more than 0 and at most 5 s"),
        ({"timeout": 0}, "timeout 0: viewer-request allows more than 0"),
        ({"timeout": -1}, "timeout -1: viewer-request allows more than 0"),
        ({"memory_size": 256}, "viewer-request allows 128 MB only"),
        ({"memory_size": 64}, "allows 128 MB only"),
        ({"max_concurrency": 0}, "at least 1"),
        ({"name": "has space"}, "letters, digits, hyphens or underscores"),
    ],
)
def test_settings_beyond_the_quotas_are_refused(settings: dict, message: str) -> None:
    fields = {"name": "f", "handler": SPEC, "event_type": EventType.VIEWER_REQUEST, **settings}
    with pytest.raises(ValueError, match=message):
        EdgeFunction(**fields)


def test_origin_functions_may_have_more_memory_and_time() -> None:
    function = EdgeFunction("f", SPEC, EventType.ORIGIN_REQUEST, memory_size=10240, timeout=30)
    assert (function.memory_size, function.timeout) == (10240, 30)
