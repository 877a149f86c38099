"""The misbehaviours a test can ask of the origin, shared by per-request knobs and set faults."""

from __future__ import annotations

from http import HTTPStatus

from aiohttp import web

__all__ = ["ADMIN_PREFIX", "MAX_DELAY", "drop_connection", "is_admin", "status_response"]

ADMIN_PREFIX = "/_origin/"  # the origin's own control endpoints: never delayed, faulted or counted
MAX_DELAY = 300.0  # seconds; longer than any edge timeout worth testing

_NO_BODY = frozenset({204, 304})  # RFC 9110 §15.3.5, §15.4.5


def is_admin(request: web.BaseRequest) -> bool:
    return request.path.startswith(ADMIN_PREFIX)


def status_response(status: int) -> web.Response:
    """A small answer with the asked status, so the edge sees a real origin error (or success)."""
    if status in _NO_BODY:
        return web.Response(status=status)
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Unassigned"
    return web.Response(status=status, text=f"{status} {reason}\n")


def drop_connection(request: web.BaseRequest) -> web.Response:
    """Close the socket before any byte of the answer; the returned response is never sent.

    The edge sees the connection end with no status line, as when an origin process dies.
    """
    if request.transport is not None:
        request.transport.close()
    return web.Response(status=502)
