"""Worlds with edge functions on the `/t/*` behavior, handlers written as files by the test."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from tests.world import World, start_world

FUNCTION_BEHAVIOR = 0  # `/t/*` in the test world: every query string keyed and forwarded


def handler_file(directory: Path, name: str, source: str) -> str:
    path = directory / f"{name}.py"
    path.write_text(textwrap.dedent(source))
    return str(path)


async def function_world(
    tmp_path: Path,
    functions: dict[str, dict[str, Any] | str],
    *,
    tiers: bool = True,
    behavior: int | str = FUNCTION_BEHAVIOR,
    clock: Any = None,
) -> World:
    """A world whose behavior `behavior` (its place in the list, or its path pattern) has
    `functions`: trigger → handler source (or a full association table whose `source` key is
    the handler's code)."""
    handlers = tmp_path / "handlers"
    handlers.mkdir(exist_ok=True)
    tables: dict[str, dict[str, Any]] = {}
    for trigger, spec in functions.items():
        table = {"source": spec} if isinstance(spec, str) else dict(spec)
        name = table.pop("file", trigger.replace("-", "_"))
        table["handler"] = handler_file(handlers, name, table.pop("source"))
        table.setdefault("timeout", 2)
        tables[trigger] = table

    def edit(data: dict[str, Any]) -> None:
        behaviors = data["behaviors"]
        index = behavior if isinstance(behavior, int) else next(
            i for i, b in enumerate(behaviors) if b["path_pattern"] == behavior)
        behaviors[index]["functions"] = tables

    return await start_world(tmp_path / "logs", edit, tiers=tiers, clock=clock)
