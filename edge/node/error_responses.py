"""Custom error responses (spec §6.3): the distribution's own page for an error status.

The page is fetched through the cache behavior its path matches, like any object, and replaces
the error's body (and its status, when `response_code` says so). If the page cannot be had,
the viewer gets the original error. Only the viewer-facing PoP substitutes; a regional cache
passes errors down unchanged.
"""

from __future__ import annotations

from dataclasses import replace

from multidict import CIMultiDict

from edge.config import CustomErrorResponse
from edge.http.message import RequestHead
from edge.node.cache_flow import serve_cacheable
from edge.node.context import NodeContext
from edge.node.exchange import Exchange, Reply

PAGE_HEADERS = ("Content-Type", "Content-Language", "Content-Encoding", "ETag", "Last-Modified")
MAX_PAGE = 1024 * 1024


async def with_custom_page(
    ctx: NodeContext, ex: Exchange, reply: Reply, custom: CustomErrorResponse
) -> Reply:
    if custom.response_page_path is None:
        return reply
    page_path = custom.response_page_path
    behavior = ctx.matcher.match(page_path)
    page_request = RequestHead(
        method="GET",
        path=page_path,
        query="",
        headers=CIMultiDict(
            (k, v) for k, v in ex.head.headers.items() if k.lower() == "accept-encoding"
        ),
        http_version=ex.head.http_version,
    )
    page_exchange = replace(ex, head=page_request, behavior=behavior)
    page = await serve_cacheable(ctx, page_exchange, behavior)
    body = page.body
    if page.stream is not None:
        body, complete = await page.stream.read(MAX_PAGE)
        page.stream.close()
        if not complete:
            return reply
    if page.status != 200:
        return reply
    if reply.stream is not None:
        reply.stream.close()
    headers = CIMultiDict(reply.headers)
    # A plain hit's headers are in its prepared bytes; the object's own are kept beside them.
    page_headers = page.headers if page.prepared is None else page.prepared.stored
    for name in PAGE_HEADERS:
        headers.popall(name, None)
        for value in page_headers.getall(name, ()):
            headers.add(name, value)
    headers.popall("Content-Length", None)
    headers.popall("Content-Range", None)
    status = custom.response_code or reply.status
    reason = "OK" if status == 200 else reply.reason
    return Reply(status, reason, headers, body=body)
