"""Edge functions at the four trigger points, end to end through origin, regional cache, PoP."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from origin.app import make_app
from tests.node.functions import FUNCTION_BEHAVIOR, function_world, handler_file
from tests.world import access_log_lines, reserve_port, site, start_world

REWRITE_TO_ECHO = """
def handler(event, context):
    request = event["Records"][0]["cf"]["request"]
    request["uri"] = "/api/echo" + request["uri"]
    return request
"""


async def test_viewer_request_rewrite_keeps_the_behavior_chosen_on_the_original_uri(
    tmp_path: Path,
) -> None:
    world = await function_world(tmp_path, {"viewer-request": REWRITE_TO_ECHO})
    try:
        first = await world.get("/t/page?cc=max-age%3D60")
        echoed = json.loads(await first.read())
        assert echoed["path"] == "/api/echo/t/page"
        assert echoed["query"] == "cc=max-age%3D60"
        assert first.headers["X-Cache"] == "Miss from cloudfront"
        # `/api/*` is CachingDisabled: had either tier matched the rewritten URI, nothing
        # would be stored. Both keep `/t/*`, chosen on the viewer's URI.
        assert world.context(world.rec).store.count == 1
        second = await world.get("/t/page?cc=max-age%3D60")
        assert second.headers["X-Cache"] == "Hit from cloudfront"
        assert await world.origin_count("/api/echo/t/page") == 1
        readings = world.context(world.pop).functions.readings()
        assert readings["viewer_request"]["invocations"] == 2  # hit or miss, it runs
    finally:
        await world.close()
    lines = [line.split("\t") for line in access_log_lines(tmp_path / "logs" / world.pop)]
    assert [fields[7] for fields in lines] == ["/t/page", "/t/page"]  # cs-uri-stem: the viewer's


async def test_viewer_request_response_is_sent_and_never_cached(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        return {
            "status": "200",
            "statusDescription": "OK",
            "headers": {
                "content-type": [{"key": "Content-Type", "value": "text/plain"}],
                "cache-control": [{"key": "Cache-Control", "value": "max-age=600"}],
            },
            "body": "made at the edge for " + request["uri"],
        }
    """
    world = await function_world(tmp_path, {"viewer-request": source})
    try:
        for _ in range(2):
            response = await world.get("/t/static")
            assert response.status == 200
            assert await response.read() == b"made at the edge for /t/static"
            assert response.headers["X-Cache"] == "LambdaGeneratedResponse from cloudfront"
            assert response.headers["Content-Type"] == "text/plain"
        assert world.context(world.pop).store.count == 0
        assert (await world.origin_stats())["by_path"] == {}
    finally:
        await world.close()


async def test_origin_request_response_is_generated_at_the_regional_cache_and_cached(
    tmp_path: Path,
) -> None:
    source = """
    def handler(event, context):
        return {
            "status": "200",
            "headers": {"cache-control": [{"key": "Cache-Control", "value": "max-age=300"}]},
            "body": "generated",
        }
    """
    world = await function_world(tmp_path, {"origin-request": source})
    try:
        first = await world.get("/t/generated")
        assert (first.status, await first.read()) == (200, b"generated")
        assert first.headers["X-Cache"] == "Miss from cloudfront"
        second = await world.get("/t/generated")
        assert second.headers["X-Cache"] == "Hit from cloudfront"
        assert (await world.origin_stats())["by_path"] == {}
        # Origin triggers run where the origin is contacted: the regional cache.
        assert world.context(world.rec).functions.readings()["origin_request"]["invocations"] == 1
        assert world.context(world.pop).functions.readings() == {}
    finally:
        await world.close()


async def test_origin_request_can_send_the_request_to_another_origin(tmp_path: Path) -> None:
    other_port = reserve_port()
    source = f"""
    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        request["origin"] = {{"custom": {{
            "domainName": "localhost", "port": {other_port}, "protocol": "http", "path": "",
            "sslProtocols": ["TLSv1.2"], "readTimeout": 5, "keepaliveTimeout": 5,
            "customHeaders": {{"x-picked": [{{"key": "X-Picked", "value": "by-function"}}]}},
        }}}}
        request["headers"]["host"] = [{{"key": "Host", "value": "localhost:{other_port}"}}]
        request["uri"] = "/api/echo" + request["uri"]
        return request
    """
    other = web.AppRunner(make_app(), access_log=None)
    await other.setup()
    await site(other, other_port).start()
    world = await function_world(tmp_path, {"origin-request": source}, tiers=False)
    try:
        response = await world.get("/t/elsewhere")
        echoed = json.loads(await response.read())
        assert echoed["path"] == "/api/echo/t/elsewhere"
        headers = dict(echoed["headers"])
        assert headers["Host"] == f"localhost:{other_port}"
        assert headers["X-Picked"] == "by-function"
        assert (await world.origin_stats())["by_path"] == {}
        async with aiohttp.ClientSession() as session, \
                session.get(f"http://127.0.0.1:{other_port}/_origin/stats") as r:
            assert (await r.json())["by_path"] == {"/api/echo/t/elsewhere": {"GET": 1}}
    finally:
        await world.close()
        await other.cleanup()


async def test_origin_response_changes_are_cached_with_the_object(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        cf = event["Records"][0]["cf"]
        response = cf["response"]
        response["headers"]["x-origin-status"] = [
            {"key": "X-Origin-Status", "value": response["status"]}]
        response["headers"]["x-origin-host"] = [
            {"key": "X-Origin-Host", "value": cf["request"]["origin"]["custom"]["domainName"]}]
        return response
    """
    world = await function_world(tmp_path, {"origin-response": source})
    try:
        first = await world.get("/t/page?size=100&cc=max-age%3D60")
        second = await world.get("/t/page?size=100&cc=max-age%3D60")
        for response in (first, second):
            assert response.headers["X-Origin-Status"] == "200"
            assert response.headers["X-Origin-Host"] == "127.0.0.1"
        assert second.headers["X-Cache"] == "Hit from cloudfront"
        readings = world.context(world.rec).functions.readings()
        assert readings["origin_response"]["invocations"] == 1
    finally:
        await world.close()


async def test_origin_response_runs_on_errors_and_may_replace_them(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        response = event["Records"][0]["cf"]["response"]
        if int(response["status"]) >= 500:
            return {"status": "200", "statusDescription": "OK",
                    "headers": {"content-type": [{"key": "Content-Type", "value": "text/plain"}]},
                    "body": "friendly " + response["status"]}
        return response
    """
    world = await function_world(tmp_path, {"origin-response": source})
    try:
        response = await world.get("/t/broken?status=503")
        assert (response.status, await response.read()) == (200, b"friendly 503")
    finally:
        await world.close()


VIEWER_RESPONSE = """
def handler(event, context):
    response = event["Records"][0]["cf"]["response"]
    response["headers"]["x-viewer-response"] = [{"key": "X-Viewer-Response", "value": "ran"}]
    return response
"""


async def test_viewer_response_runs_on_hits_and_misses_but_not_on_errors(tmp_path: Path) -> None:
    world = await function_world(tmp_path, {"viewer-response": VIEWER_RESPONSE})
    try:
        miss = await world.get("/t/page?size=100&cc=max-age%3D60")
        hit = await world.get("/t/page?size=100&cc=max-age%3D60")
        assert [r.headers["X-Cache"] for r in (miss, hit)] == [
            "Miss from cloudfront", "Hit from cloudfront"]
        assert miss.headers["X-Viewer-Response"] == hit.headers["X-Viewer-Response"] == "ran"
        missing = await world.get("/t/nothing-here?status=404")
        assert missing.status == 404
        assert "X-Viewer-Response" not in missing.headers
        readings = world.context(world.pop).functions.readings()
        assert readings["viewer_response"]["invocations"] == 2
    finally:
        await world.close()


async def test_viewer_response_cannot_change_the_status(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        response = event["Records"][0]["cf"]["response"]
        response["status"] = "201"
        return response
    """
    world = await function_world(tmp_path, {"viewer-response": source})
    try:
        response = await world.get("/t/page?size=100")
        assert response.status == 502
        assert response.headers["X-Cache"] == "LambdaValidationError from cloudfront"
        assert "cannot change the status" in (await response.read()).decode()
    finally:
        await world.close()


async def test_viewer_response_may_replace_the_body(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        response = event["Records"][0]["cf"]["response"]
        response["body"] = "replaced"
        return response
    """
    world = await function_world(tmp_path, {"viewer-response": source})
    try:
        for _ in range(2):
            response = await world.get("/t/page?size=100&cc=max-age%3D60")
            assert (response.status, await response.read()) == (200, b"replaced")
    finally:
        await world.close()


async def test_request_body_is_given_to_the_function_up_to_the_trigger_limit(
    tmp_path: Path,
) -> None:
    source = """
    import base64, json

    def handler(event, context):
        body = event["Records"][0]["cf"]["request"]["body"]
        seen = {"inputTruncated": body["inputTruncated"],
                "length": len(base64.b64decode(body["data"]))}
        return {"status": "200", "body": json.dumps(seen)}
    """
    world = await function_world(
        tmp_path, {"viewer-request": {"source": source, "include_body": True}},
        behavior="/api/echo/plain*",
    )  # `/api/echo/plain*`: every method allowed
    try:
        assert world.session is not None
        url = world.url(world.pop, "/api/echo/plain")
        for size, truncated in ((40 * 1024, False), (40 * 1024 + 1, True)):
            async with world.session.post(url, data=b"x" * size) as response:
                assert json.loads(await response.read()) == {
                    "inputTruncated": truncated, "length": 40 * 1024}
    finally:
        await world.close()


async def test_a_body_over_a_mebibyte_is_truncated_for_the_function_and_sent_whole(
    tmp_path: Path,
) -> None:
    source = """
    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        request["uri"] += "/truncated" if request["body"]["inputTruncated"] else "/whole"
        return request
    """
    world = await function_world(
        tmp_path, {"viewer-request": {"source": source, "include_body": True}},
        behavior="/api/echo/plain*",
    )
    try:
        assert world.session is not None
        body = bytes(range(256)) * 6000  # 1.5 MB: more than aiohttp reads by default
        async with world.session.post(world.url(world.pop, "/api/echo/plain"),
                                      data=body) as response:
            assert response.status == 200
            echoed = json.loads(await response.read())
        assert echoed["body_length"] == len(body)
        assert echoed["path"] == "/api/echo/plain/truncated"
    finally:
        await world.close()


async def test_replaced_request_body_reaches_the_origin(tmp_path: Path) -> None:
    source = """
    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        request["body"] = {"action": "replace", "encoding": "text", "data": "name=edge"}
        return request
    """
    world = await function_world(
        tmp_path, {"origin-request": {"source": source, "include_body": True}},
        behavior="/api/echo/plain*",
    )
    try:
        assert world.session is not None
        async with world.session.post(world.url(world.pop, "/api/echo/plain"),
                                      data=b"name=viewer") as response:
            echoed = json.loads(await response.read())
        assert echoed["body"] == "name=edge"
        assert echoed["method"] == "POST"
        # A dynamic request goes from the PoP to the origin: the PoP ran the function.
        assert world.context(world.pop).functions.readings()["origin_request"]["invocations"] == 1
    finally:
        await world.close()


async def test_the_hop_naming_the_viewer_is_no_part_of_its_request(tmp_path: Path) -> None:
    """A trusted proxy's last `X-Forwarded-For` hop says who the viewer is (the front door, a
    load test): the function sees what the viewer itself sent, and the origin gets that with
    the viewer's address appended, as from CloudFront."""
    source = """
    import json

    def handler(event, context):
        headers = event["Records"][0]["cf"]["request"]["headers"]
        seen = [entry["value"] for entry in headers.get("x-forwarded-for", [])]
        return {"status": "200", "body": json.dumps(seen)}
    """
    world = await function_world(tmp_path, {"viewer-request": source})
    try:
        only_hop = await world.get("/t/xff-a", headers={"X-Forwarded-For": "198.51.100.7"})
        assert json.loads(await only_hop.read()) == []
        chain = await world.get("/t/xff-b",
                                headers={"X-Forwarded-For": "203.0.113.5, 198.51.100.7"})
        assert json.loads(await chain.read()) == ["203.0.113.5"]
    finally:
        await world.close()
    fields = [line.split("\t") for line in access_log_lines(tmp_path / "logs" / world.pop)]
    assert [(f[4], f[19]) for f in fields] == [("198.51.100.7", "-"),  # c-ip, x-forwarded-for
                                             ("198.51.100.7", "203.0.113.5")]


async def test_functions_see_the_region_their_replica_runs_in(tmp_path: Path) -> None:
    """A London PoP behind a Frankfurt regional cache: its viewer trigger runs in eu-west-2,
    the origin trigger at the regional cache in eu-central-1 (spec §0)."""
    viewer = """
    import os

    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        request["uri"] = "/api/echo" + request["uri"]
        request["querystring"] = "viewer-region=" + os.environ["AWS_REGION"]
        return request
    """
    origin = """
    import os

    def handler(event, context):
        request = event["Records"][0]["cf"]["request"]
        request["headers"]["x-origin-region"] = [{"value": os.environ["AWS_REGION"]}]
        return request
    """
    handlers = tmp_path / "handlers"
    handlers.mkdir()

    def edit(data: dict[str, Any]) -> None:
        data["pops"][0].update(city="London", latitude=51.51, longitude=-0.13)
        data["regional_caches"][0].update(city="Frankfurt", latitude=50.11, longitude=8.68)
        data["behaviors"][FUNCTION_BEHAVIOR]["functions"] = {
            trigger: {"handler": handler_file(handlers, trigger.replace("-", "_"), source),
                      "timeout": 2}
            for trigger, source in (("viewer-request", viewer), ("origin-request", origin))}

    world = await start_world(tmp_path / "logs", edit)
    try:
        echoed = json.loads(await (await world.get("/t/region")).read())
        seen = {name.lower(): value for name, value in echoed["headers"]}
        assert (echoed["query"], seen["x-origin-region"]) == (
            "viewer-region=eu-west-2", "eu-central-1")
    finally:
        await world.close()
