"""The admin API's door: every endpoint refuses a request without the token (or with a wrong
one) and answers the token; the health check and the dashboard's files need none, and the files
never leave their folder."""

from __future__ import annotations

import pytest

from edge.control.app import STATIC_DIR
from tests.control.plane import PlaneServer

ENDPOINTS = [
    ("GET", "/api/topology", None, 200),
    ("GET", "/api/stats", None, 200),
    ("GET", "/api/recent?limit=5", None, 200),
    ("POST", "/api/invalidations", {"paths": ["/index.html"]}, 201),
    ("GET", "/api/invalidations", None, 200),
    ("GET", "/api/invalidations/I0000000000000", None, 404),
    ("GET", "/api/nodes/{pop}/cache?prefix=/&limit=10", None, 200),
    ("GET", "/api/functions", None, 200),
    ("GET", "/api/functions/logs?lines=5", None, 200),
    ("GET", "/api/config", None, 200),
    ("POST", "/api/config/reload", None, 200),
    ("GET", "/api/cities", None, 200),
    ("PUT", "/api/load", {"id": "run", "requests": 1, "finished": False}, 204),
    ("GET", "/api/load", None, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "status"), ENDPOINTS,
                         ids=[f"{m} {p.split('?')[0]}" for m, p, _, _ in ENDPOINTS])
async def test_every_endpoint_needs_the_token(plane: PlaneServer, world, method, path, body,
                                              status) -> None:
    path = path.format(pop=world.pop)
    for token in (None, "wrong-token", ""):
        refused, error = await plane.call(method, path, token=token, json=body)
        assert refused == 401, (token, refused)
        assert error == {"error": "missing or wrong admin token"}
    answered, _ = await plane.call(method, path, json=body)
    assert answered == status


async def test_a_path_or_method_the_api_lacks_is_a_json_error(plane: PlaneServer) -> None:
    assert await plane.call("GET", "/api/nope") == (
        404, {"error": "no such endpoint", "path": "/api/nope"})
    assert await plane.call("DELETE", "/api/stats") == (
        405, {"error": "DELETE is not allowed here", "path": "/api/stats",
              "allowed": ["GET", "HEAD"]})
    assert (await plane.call("GET", "/api/nope", token=None))[0] == 401
    # Outside the API, a path that is not the dashboard's is still aiohttp's own 404.
    status, body = await plane.call("GET", "/nope", token=None)
    assert (status, body) == (404, b"404: Not Found")


async def test_the_event_stream_takes_the_token_as_a_query_parameter(plane: PlaneServer) -> None:
    refused, _ = await plane.call("GET", "/api/events?token=wrong", token=None)
    assert refused == 401
    refused, _ = await plane.call("GET", "/api/events", token=None)
    assert refused == 401
    # Only the stream: elsewhere a token in the address is no token.
    refused, _ = await plane.call("GET", "/api/stats?token=test-token", token=None)
    assert refused == 401
    async for snapshot in plane.snapshots():
        assert set(snapshot) == {"time", "stats", "recent", "functions", "load", "config",
                                 "invalidations"}
        break


async def test_health_and_the_dashboard_need_no_token(plane: PlaneServer) -> None:
    assert await plane.call("GET", "/api/health", token=None) == (200, {"status": "ok"})
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        pytest.skip("the dashboard's files are not in edge/control/static")
    status, page = await plane.call("GET", "/", token=None)
    assert (status, page) == (200, index.read_bytes())


async def test_static_files_never_leave_their_folder(plane: PlaneServer) -> None:
    # app.py is one level up from static/: a file server that follows `..` would send it.
    for path in ("/static/../app.py", "/static/%2e%2e/app.py", "/static/..%2fapp.py",
                 "/static/%2e%2e%2fapp.py", "/static//etc/passwd", "/static/nothing.js"):
        status, body = await plane.call("GET", path, token=None)
        assert status == 404, path
        assert b"def control_app" not in body
