"""The baseline `hit_path.py` measures a PoP against: the least an aiohttp caching proxy does.

A hit is a dict lookup and a response; a miss is one request through aiohttp's client. No TTL,
no cache key beyond the path, no headers of its own: whatever the PoP costs beyond this is the
price of its pipeline. Run as its own process: `python bench/bare_proxy.py --origin URL --port N`.
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Mapping

import aiohttp
import uvloop
from aiohttp import web
from multidict import CIMultiDict

# Recomputed by aiohttp for each response or meaningful only on one connection (RFC 9110 §7.6.1).
HOP_BY_HOP = frozenset({"connection", "keep-alive", "transfer-encoding", "content-length",
                        "host", "te", "trailer", "upgrade", "proxy-connection"})
SESSION = web.AppKey("session", aiohttp.ClientSession)

Stored = tuple[int, CIMultiDict[str], bytes]


def end_to_end(headers: Mapping[str, str]) -> CIMultiDict[str]:
    return CIMultiDict((k, v) for k, v in headers.items() if k.lower() not in HOP_BY_HOP)


def proxy_app(origin: str) -> web.Application:
    cache: dict[str, Stored] = {}

    async def client(app: web.Application) -> AsyncIterator[None]:
        async with aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0), auto_decompress=False,
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        ) as session:
            app[SESSION] = session
            yield

    async def proxy(request: web.Request) -> web.Response:
        stored = cache.get(request.path_qs)
        if stored is None:
            session = request.app[SESSION]
            async with session.get(origin + request.path_qs,
                                   headers=end_to_end(request.headers)) as upstream:
                body = await upstream.read()
            stored = (upstream.status, end_to_end(upstream.headers), body)
            if "max-age" in upstream.headers.get("Cache-Control", ""):
                cache[request.path_qs] = stored
        status, headers, body = stored
        return web.Response(status=status, headers=headers, body=body)

    app = web.Application()
    app.cleanup_ctx.append(client)
    app.router.add_get("/{path:.*}", proxy)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--origin", required=True, help="e.g. http://127.0.0.1:8000")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    web.run_app(proxy_app(args.origin.rstrip("/")), host="127.0.0.1", port=args.port,
                access_log=None, print=None, shutdown_timeout=2.0,
                loop=uvloop.new_event_loop())


if __name__ == "__main__":
    main()
