"""Saving a handler file replaces the function on a running node; a broken save changes nothing."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from edge.runtime.function import Mode
from tests.node.functions import function_world
from tests.world import World

VERSION = """
def handler(event, context):
    return {{"status": "200", "body": "{text} " + context.function_version}}
"""


async def _body(world: World) -> str:
    return (await (await world.get("/t/x")).read()).decode()


async def _body_within(world: World, expected: str, seconds: float = 2.0) -> float:
    """Seconds until the edge answers `expected`; fails after `seconds`."""
    started = time.monotonic()
    while True:
        body = await _body(world)
        if body == expected:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"still {body!r}"
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("mode", list(Mode))
async def test_a_saved_handler_serves_the_next_requests(
    tmp_path: Path, mode: Mode, capsys: pytest.CaptureFixture[str]
) -> None:
    world = await function_world(tmp_path, {"viewer-request": {
        "source": VERSION.format(text="first"), "name": "page", "mode": mode.value}})
    handler = tmp_path / "handlers" / "viewer_request.py"
    try:
        assert await _body(world) == "first 1"
        handler.write_text(VERSION.format(text="second, longer"))
        assert await _body_within(world, "second, longer 2") < 1.5
        reloaded = [line for line in capsys.readouterr().err.splitlines()
                    if "page: reloaded, version 2" in line]
        assert reloaded == [f"edgesim: {world.pop}: page: reloaded, version 2 serves new "
                            "requests"]  # not the regional cache: it runs no viewer trigger

        handler.write_text("def handler(event, context)\n    return None\n")
        await asyncio.sleep(0.6)
        assert await _body(world) == "second, longer 2"  # the old version serves on
        err = capsys.readouterr().err
        assert "page: the new viewer_request.py does not load, version 2 keeps serving" in err
        assert "SyntaxError" in err and "line 1" in err

        handler.write_text(VERSION.format(text="third"))
        assert await _body_within(world, "third 3") < 1.5
        meter = world.context(world.pop).functions.readings()["page"]
        assert meter["version"] == "3" and meter["cold_starts"] == 3  # one meter, all versions
    finally:
        await world.close()
    log = (tmp_path / "logs" / world.pop / "functions" / "us-east-1.page.log").read_text()
    assert "does not load, version 2 keeps serving: SyntaxError" in log


async def test_versions_do_not_depend_on_whether_the_node_ran_the_function_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every node counts the same versions: one that has not run a function yet carries its
    saves through a config reload, and a settings change is its next version there too."""
    world = await function_world(tmp_path, {"viewer-request": {
        "source": VERSION.format(text="first"), "name": "page"}})
    handler = tmp_path / "handlers" / "viewer_request.py"
    try:
        handler.write_text(VERSION.format(text="second, longer"))
        deadline = time.monotonic() + 2.0
        err = ""
        while "page: reloaded, version 2" not in err:
            assert time.monotonic() < deadline, err
            await asyncio.sleep(0.05)
            err += capsys.readouterr().err
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200  # nothing changed
        association = world.document["behaviors"][0]["functions"]["viewer-request"]
        association["timeout"] = 3  # its settings: the next version
        assert (await world.admin(world.pop, "POST", "/config"))[0] == 200
        assert world.context(world.pop).functions.readings() == {}  # never run here yet
        assert await _body(world) == "second, longer 3"
    finally:
        await world.close()
