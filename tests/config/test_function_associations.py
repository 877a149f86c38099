"""The `functions` table of a behavior: what it builds, and each mistake located and explained."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from edge.config import ConfigError, default_config_path, load_config
from edge.runtime.events import EventType
from edge.runtime.function import Mode

HANDLER = "def handler(event, context):\n    return event['Records'][0]['cf']['request']\n"


def _write(tmp_path: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    """The default world with `edit` applied, as a TOML file next to a handler file."""
    (tmp_path / "functions").mkdir(exist_ok=True)
    (tmp_path / "functions" / "redirect.py").write_text(HANDLER)
    with open(default_config_path(), "rb") as f:
        data = tomllib.load(f)
    edit(data)
    path = tmp_path / "edgesim.toml"
    path.write_text(_toml(data))
    return path


def _toml(data: dict[str, Any]) -> str:
    """Enough of a TOML writer for the config: tables as inline tables, one key per line."""
    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, str):
            escaped = v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            return '"' + escaped + '"'
        if isinstance(v, list):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{" + ", ".join(f'"{k}" = {value(x)}' for k, x in v.items()) + "}"
        return repr(v)

    return "".join(f'"{k}" = {value(v)}\n' for k, v in data.items())


def _images(data: dict[str, Any]) -> dict[str, Any]:
    return next(b for b in data["behaviors"] if b["path_pattern"] == "/images/*")


def _associate(**functions: dict[str, Any]) -> Callable[[dict[str, Any]], None]:
    return lambda data: _images(data).update(functions=functions)


def test_associations_are_read_with_defaults_from_the_trigger_quotas(tmp_path: Path) -> None:
    config = load_config(str(_write(tmp_path, _associate(**{
        "viewer-request": {"handler": "functions/redirect.py", "include_body": True},
        "origin-response": {"handler": "functions/redirect.py:handler", "name": "resize",
                            "timeout": 10, "memory_size": 1024, "mode": "inline"},
    }))))
    behavior = next(b for b in config.distribution.behaviors if b.path_pattern == "/images/*")
    viewer = behavior.functions.viewer_request
    assert viewer is not None and viewer.include_body
    assert viewer.function.name == "redirect"
    assert viewer.function.event_type is EventType.VIEWER_REQUEST
    assert viewer.function.timeout == 5.0 and viewer.function.memory_size == 128
    assert viewer.function.handler.path == str(tmp_path / "functions" / "redirect.py")
    origin = behavior.functions.origin_response
    assert origin is not None
    assert (origin.function.name, origin.function.timeout, origin.function.memory_size,
            origin.function.mode) == ("resize", 10.0, 1024, Mode.INLINE)
    assert behavior.functions.origin_request is None
    assert [a.function.name for a in behavior.functions] == ["redirect", "resize"]
    assert config.distribution.function_limits.concurrency == 64  # the default world's


def test_edge_function_limits_are_read(tmp_path: Path) -> None:
    config = load_config(str(_write(tmp_path, lambda d: d.update(
        edge_functions={"concurrency": 10, "idle_timeout": 30}))))
    limits = config.distribution.function_limits
    assert (limits.concurrency, limits.idle_timeout) == (10, 30.0)


def _two_names(data: dict[str, Any]) -> None:
    _images(data)["functions"] = {"viewer-request": {"handler": "functions/redirect.py"}}
    data["default_behavior"]["functions"] = {
        "viewer-request": {"handler": "functions/redirect.py", "timeout": 1}}


CASES = [
    ("unknown trigger", _associate(**{"viewer_request": {"handler": "functions/redirect.py"}}),
     "behaviors[1].functions.viewer_request", "did you mean 'viewer-request'?"),
    ("no handler", _associate(**{"viewer-request": {"timeout": 1}}),
     "behaviors[1].functions.viewer-request.handler", "required"),
    ("missing file", _associate(**{"viewer-request": {"handler": "functions/nope.py"}}),
     "behaviors[1].functions.viewer-request.handler", "an existing handler file"),
    ("unknown module", _associate(**{"viewer-request": {"handler": "no_such_module_x"}}),
     "behaviors[1].functions.viewer-request.handler", "an importable module"),
    ("bad function name", _associate(**{"viewer-request": {"handler": "functions/x.py:1a"}}),
     "behaviors[1].functions.viewer-request.handler", "FILE.py[:FUNCTION]"),
    ("timeout over the viewer quota",
     _associate(**{"viewer-request": {"handler": "functions/redirect.py", "timeout": 10}}),
     "behaviors[1].functions.viewer-request.timeout",
     "viewer-request allows more than 0 and at most 5 s"),
    ("memory over the viewer quota",
     _associate(**{"viewer-response": {"handler": "functions/redirect.py",
                                       "memory_size": 256}}),
     "behaviors[1].functions.viewer-response.memory_size", "128 MB only"),
    ("include_body on a response trigger",
     _associate(**{"origin-response": {"handler": "functions/redirect.py",
                                       "include_body": True}}),
     "behaviors[1].functions.origin-response.include_body", "a known key"),
    ("unknown mode",
     _associate(**{"viewer-request": {"handler": "functions/redirect.py", "mode": "fast"}}),
     "behaviors[1].functions.viewer-request.mode", "'isolated', 'inline'"),
    ("invalid function name",
     _associate(**{"viewer-request": {"handler": "functions/redirect.py", "name": "a b"}}),
     "behaviors[1].functions.viewer-request.name", "letters, digits"),
    ("one name, two settings", _two_names,
     "default_behavior.functions.viewer-request.name", "already defines 'redirect'"),
    ("limits", lambda d: d.update(edge_functions={"concurrency": 0}),
     "edge_functions.concurrency", "integer from 1"),
]


@pytest.mark.parametrize(("case", "edit", "key", "expected"), CASES, ids=[c[0] for c in CASES])
def test_mistakes_are_located(
    tmp_path: Path, case: str, edit: Callable[[dict[str, Any]], None], key: str, expected: str
) -> None:
    path = _write(tmp_path, edit)
    with pytest.raises(ConfigError) as caught:
        load_config(str(path))
    assert caught.value.key == key
    assert expected in str(caught.value)
    assert str(path) in str(caught.value)
