"""The wire format between the node and a worker: a 4-byte big-endian length, then JSON.

JSON rather than pickle because Lambda marshals a handler's return value as JSON, so a value
that would fail there fails here too; and a worker never unpickles anything from the node.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

__all__ = ["HEADER_SIZE", "pack", "unpack"]

HEADER_SIZE = 4
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def pack(message: Any) -> bytes:
    """One frame; raises TypeError or ValueError for what JSON cannot carry."""
    payload = _dumps(message).encode()
    return len(payload).to_bytes(HEADER_SIZE, "big") + payload


def unpack(buffer: bytearray) -> Iterator[Any]:
    """Take every complete frame off the front of `buffer`, leaving a partial one."""
    while len(buffer) >= HEADER_SIZE:
        end = HEADER_SIZE + int.from_bytes(buffer[:HEADER_SIZE], "big")
        if len(buffer) < end:
            return
        message = json.loads(buffer[HEADER_SIZE:end])
        del buffer[:end]
        yield message
