"""Worlds running the example functions of `functions/` on behaviors of their own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import aiohttp

from tests.world import World, start_world

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


def handler(file: str, function: str = "handler") -> str:
    """The association's `handler` for an example: an absolute path, as the node needs."""
    return f"{FUNCTIONS / file}:{function}"


async def example_world(
    tmp_path: Path, *behaviors: dict[str, Any], cache_policies: dict[str, Any] | None = None,
    origin_request_policies: dict[str, Any] | None = None,
) -> World:
    """The test world with `behaviors` (path pattern, policies, `functions`) matched first, in
    place of the default world's behaviors with the same patterns."""
    patterns = {b["path_pattern"] for b in behaviors}

    def edit(data: dict[str, Any]) -> None:
        kept = [b for b in data["behaviors"] if b["path_pattern"] not in patterns]
        data["behaviors"] = [{"origin": "site", **b} for b in behaviors] + kept
        data["cache_policies"].update(cache_policies or {})
        data.setdefault("origin_request_policies", {}).update(origin_request_policies or {})

    world = await start_world(tmp_path / "logs", edit)
    # Bodies as a browser reads them: these tests look at pages, not at their encoding.
    assert world.session is not None
    await world.session.close()
    world.session = aiohttp.ClientSession()
    return world
