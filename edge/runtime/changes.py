"""What a handler changed in its event: sent by a worker instead of the whole value returned.

The reply is the largest thing the node reads per isolated invocation, and most handlers change
little of what they return: a URI, a header or two. So a worker sends the difference between the
request (or response) its handler returned and the one in the event it was given, and the node
puts the value back together from the event it sent. What the handler left alone is then the
node's own objects, equal to what JSON would have brought, which validation takes without a look
(see `validation`); what it changed came through JSON like a whole value.

A `Patch` is `[part, set, drop, set_headers, drop_headers]`: `part` is "request" or "response";
`set` the fields added or changed, `drop` the ones removed; the two header lists the same for
the header names, when only some of them changed. Kept JSON-shaped: it crosses the socket as is.
The order of the value's own fields is not kept (nothing reads it); the order of headers is.
"""

from __future__ import annotations

from typing import Any

__all__ = ["Patch", "patch", "patched"]

Patch = list[Any]


def patch(returned: Any, event: Any) -> Patch | None:
    """How `returned` differs from the request or response of `event` (which the handler has
    not touched: a copy), or None when it is neither (a generated response, the event itself,
    not an object): then the value goes whole."""
    if type(returned) is not dict:
        return None
    part = "response" if "status" in returned else "request"
    try:
        base = event["Records"][0]["cf"][part]
    except (KeyError, IndexError, TypeError):
        return None
    if type(base) is not dict:
        return None
    changed: dict[str, Any] = {}
    set_headers: dict[str, Any] = {}
    drop_headers: list[str] = []
    for key, value in returned.items():
        if key == "headers" and key in base:
            headers = _header_patch(value, base[key])
            if headers is not None:
                set_headers, drop_headers = headers
                continue
        if key not in base or not _same(value, base[key]):
            changed[key] = value
    dropped = [key for key in base if key not in returned]
    return [part, changed, dropped, set_headers, drop_headers]


def patched(event: dict[str, Any], change: Patch) -> dict[str, Any]:
    """The value a worker's handler returned, from the event the node sent and the `change`
    the worker made of it."""
    part, changed, dropped, set_headers, drop_headers = change
    base = event["Records"][0]["cf"][part]
    value = dict(base)
    for key in dropped:
        del value[key]
    if set_headers or drop_headers:
        headers = dict(base["headers"])
        for name in drop_headers:
            del headers[name]
        headers.update(set_headers)
        value["headers"] = headers
    value.update(changed)
    return value


def _header_patch(value: Any, base: Any) -> tuple[dict[str, Any], list[str]] | None:
    """The names changed or added and the names removed; None when the headers go whole (not
    both objects, or in an order that changing names in place would not give: order is the
    order headers are sent in)."""
    if type(value) is not dict or type(base) is not dict:
        return None
    changed = {name: entries for name, entries in value.items()
               if name not in base or not _same(entries, base[name])}
    dropped = [name for name in base if name not in value]
    if list(value) != [name for name in base if name in value] + \
            [name for name in value if name not in base]:
        return None
    return changed, dropped


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON writes them: `==` without 1 == 1.0 == True, and with keys in order."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return list(a) == list(b) and all(_same(value, b[key]) for key, value in a.items())
    if type(a) is list:
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)
