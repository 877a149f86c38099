"""The wire format between the node and a worker: a 4-byte big-endian length, then the message.

What the worker sends is JSON: Lambda marshals a handler's return value as JSON, so a value
that would fail there fails here too, and the node never loads anything but JSON from user code
(marshal, like pickle, is not safe against data built to attack it). What the node sends is
`marshal`: the node's own values (the event is JSON-shaped already), read by a worker that trusts
the node, at a fraction of JSON's cost on both sides. Without the wire, `copy` gives what a
round trip gives, and `dumps` checks what an inline handler returned.
"""

from __future__ import annotations

import json
import marshal
from _json import encode_basestring, make_encoder
from collections.abc import Iterator
from json.scanner import make_scanner
from typing import Any

__all__ = [
    "HEADER_SIZE",
    "copy",
    "dumps",
    "pack",
    "pack_for_worker",
    "unpack",
    "unpack_from_node",
]

HEADER_SIZE = 4
_dumps = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
_loads = json.JSONDecoder().decode
_scan = make_scanner(json.JSONDecoder())  # the C scanner `_loads` runs after a regex


def _refuse(value: Any) -> Any:
    raise TypeError


# The C encoder alone: no check for cycles (one ends in a RecursionError) and no wrapper.
# When it fails, `_dumps` encodes again, for the message json gives.
_encode = make_encoder(None, _refuse, encode_basestring, None, ":", ",", False, False, True)


def dumps(value: Any) -> str:
    """`value` as compact JSON; raises TypeError or ValueError for what JSON cannot carry."""
    try:
        return "".join(_encode(value, 0))
    except (TypeError, ValueError, RecursionError):
        return _dumps(value)


def pack(message: Any) -> bytes:
    """One frame of JSON, from a worker; raises TypeError or ValueError for what JSON cannot
    carry."""
    payload = dumps(message).encode()
    return len(payload).to_bytes(HEADER_SIZE, "big") + payload


def unpack(buffer: bytearray, data: bytes = b"") -> Iterator[Any]:
    """Every complete JSON frame of `buffer` followed by `data`, taken off `buffer`, which keeps
    a partial one.

    The common case, `data` one whole frame after an empty buffer, is read from `data` itself.
    """
    if not buffer and len(data) >= HEADER_SIZE and \
            len(data) == HEADER_SIZE + int.from_bytes(data[:HEADER_SIZE], "big"):
        yield _message(data)
        return
    buffer += data
    while len(buffer) >= HEADER_SIZE:
        end = HEADER_SIZE + int.from_bytes(buffer[:HEADER_SIZE], "big")
        if len(buffer) < end:
            return
        message = _message(buffer[:end])
        del buffer[:end]
        yield message


def _message(frame: bytes | bytearray) -> Any:
    """The message of one whole JSON frame."""
    return _load(frame[HEADER_SIZE:].decode())


def _load(text: str) -> Any:
    """`json.loads`, straight to the scanner for the compact JSON a worker sends."""
    try:
        value, end = _scan(text, 0)
    except StopIteration:  # leading whitespace, or not JSON: the decoder says which
        return _loads(text)
    return value if end == len(text) else _loads(text)


def copy(value: Any) -> Any:
    """A deep copy of a JSON-shaped value, as JSON would give it back.

    `marshal` does it in C, faster than `copy.deepcopy` or JSON; what marshal refuses (a str
    subclass such as a header name from a multidict, an enum member) goes through JSON instead.
    """
    try:
        return marshal.loads(marshal.dumps(value))
    except ValueError:
        return _loads(dumps(value))


def pack_for_worker(message: Any) -> bytes:
    """One frame of `marshal`, from the node; a message marshal refuses is sent as JSON gives it
    back (str subclasses become str)."""
    try:
        payload = marshal.dumps(message)
    except ValueError:
        payload = marshal.dumps(_loads(dumps(message)))
    return len(payload).to_bytes(HEADER_SIZE, "big") + payload


def unpack_from_node(buffer: bytearray) -> Any:
    """Take the first complete frame from the node off `buffer`; None when there is none yet."""
    if len(buffer) < HEADER_SIZE:
        return None
    end = HEADER_SIZE + int.from_bytes(buffer[:HEADER_SIZE], "big")
    if len(buffer) < end:
        return None
    message = marshal.loads(buffer[HEADER_SIZE:end])
    del buffer[:end]
    return message
