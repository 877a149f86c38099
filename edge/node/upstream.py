"""Fetching from the next tier up: a parent cache or the origin (spec §2.3 timeouts, §6.2 failover).

CloudFront retries an origin that refuses or does not accept the connection up to
`connection_attempts` times, each within `connection_timeout`; a response that does not start
within `response_timeout` is a 504. An origin group moves to its secondary on the configured
statuses, connection failures and timeouts, for GET, HEAD and OPTIONS only.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass, field
from types import SimpleNamespace

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from edge.config import Latency

FAILOVER_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Target:
    """One place a request can be sent: a parent tier or an origin."""

    url: URL  # scheme://host:port[/path prefix]
    layer: str  # "REC" or "Origin" (Server-Timing `cdn-upstream-layer`)
    connection_timeout: float = 10.0
    response_timeout: float = 30.0
    connection_attempts: int = 3
    custom_headers: tuple[tuple[str, str], ...] = ()  # the origin's, added to every request
    rtt_ms: float = 0.0  # the simulated round trip to it (DESIGN.md, latency)

    @property
    def host_header(self) -> str:
        """`host[:port]`, the port left out when it is the scheme's default."""
        url = self.url
        return url.raw_host or "" if url.is_default_port() else f"{url.raw_host}:{url.port}"


@dataclass(frozen=True, slots=True)
class Route:
    """The targets for one request, in failover order, and when to move to the next."""

    targets: tuple[Target, ...]
    failover_statuses: frozenset[int] = frozenset()


class UpstreamError(Exception):
    """The upstream could not give a response. `detail` is the log's detailed result type."""

    def __init__(self, status: int, detail: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.detail = detail


@dataclass(slots=True)
class Timing:
    """Milliseconds spent on the upstream leg, for Server-Timing (spec §5.1)."""

    connect_ms: float = 0.0
    first_byte_ms: float = 0.0  # the simulated round trip included
    simulated_ms: float = 0.0  # the round trip the link was given (whatever the time scale)


@dataclass(slots=True)
class UpstreamResponse:
    status: int
    reason: str
    headers: CIMultiDictProxy[str]
    target: Target
    timing: Timing
    _response: aiohttp.ClientResponse | None = field(repr=False)  # None: GeneratedResponse

    @property
    def content_length(self) -> int | None:
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    async def read(self, limit: int) -> tuple[bytes, bool]:
        """Read up to `limit` bytes; returns (data, complete)."""
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = await self._read_chunk(min(65536, limit + 1 - size))
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks), False

    async def iter_chunks(self) -> AsyncIterator[bytes]:
        while chunk := await self._read_chunk(65536):
            yield chunk

    async def _read_chunk(self, size: int) -> bytes:
        assert self._response is not None
        try:
            return await self._response.content.read(size)
        except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
            raise UpstreamError(504, "OriginReadError", "response timeout mid-body") from exc
        except (aiohttp.ClientError, OSError) as exc:
            raise UpstreamError(502, "OriginReadError", f"body cut short: {exc!r}") from exc

    def release(self) -> None:
        assert self._response is not None
        self._response.release()

    def close(self) -> None:
        """Abandon the transfer: the connection is not reused."""
        assert self._response is not None
        self._response.close()


@dataclass(slots=True)
class GeneratedResponse(UpstreamResponse):
    """A response an origin-facing edge function generated, or whose body it replaced: the
    body is in hand, and the rest of the node reads it as it would the origin's."""

    body: bytes = b""
    _offset: int = 0

    async def _read_chunk(self, size: int) -> bytes:
        chunk = self.body[self._offset : self._offset + size]
        self._offset += len(chunk)
        return chunk

    def release(self) -> None:
        pass

    def close(self) -> None:
        pass


def _named_as_sent(response: aiohttp.ClientResponse) -> CIMultiDictProxy[str]:
    """The response's headers, each named as the upstream spelled it.

    aiohttp's parser gives the names it knows its own spelling (`ETag` becomes `Etag`); CloudFront
    passes the origin's names on as sent. `raw_headers` holds the received names, one per header
    line in the same order, decoded here as aiohttp decodes the others. Done once per fetch: a
    stored object keeps these names, and its hits are written from them.
    """
    headers = response.headers
    raw = response.raw_headers
    if len(raw) != len(headers):  # both have one entry per header line; if not, keep aiohttp's
        return headers
    names = [name.decode("utf-8", "surrogateescape") for name, _ in raw]
    return CIMultiDictProxy(CIMultiDict(zip(names, headers.values(), strict=True)))


def _trace_config() -> aiohttp.TraceConfig:
    """Record the time spent opening a new connection (0 when one is reused)."""

    async def start(_s: object, ctx: SimpleNamespace, _p: object) -> None:
        ctx.trace_request_ctx.connect_started = time.perf_counter()

    async def end(_s: object, ctx: SimpleNamespace, _p: object) -> None:
        timing: Timing = ctx.trace_request_ctx.timing
        timing.connect_ms = (time.perf_counter() - ctx.trace_request_ctx.connect_started) * 1000

    config = aiohttp.TraceConfig(trace_config_ctx_factory=SimpleNamespace)
    config.on_connection_create_start.append(start)
    config.on_connection_create_end.append(end)
    return config


def new_session() -> aiohttp.ClientSession:
    """A client that forwards bytes as they are: no decompression, cookies or added headers."""
    return aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(limit=0, ttl_dns_cache=300),
        auto_decompress=False,
        cookie_jar=aiohttp.DummyCookieJar(),
        trace_configs=[_trace_config()],
        skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding", "Content-Type"),
    )


class Upstream:
    """Sends requests up; each response waits out its link's simulated round trip and, with a
    bandwidth, its body's transfer time, times the time scale (0: reported, never waited)."""

    def __init__(self, session: aiohttp.ClientSession, latency: Latency | None = None) -> None:
        self._session = session
        self._latency = latency or Latency(time_scale=0)

    async def send(
        self,
        route: Route,
        method: str,
        path_qs: str,
        headers: CIMultiDict[str],
        body: bytes | AsyncIterable[bytes] | None = None,
        keep_host: bool = False,
    ) -> UpstreamResponse:
        """Send to the first target; fail over along the route where CloudFront would."""
        can_fail_over = method in FAILOVER_METHODS
        last = len(route.targets) - 1
        for index, target in enumerate(route.targets):
            try:
                response = await self._attempts(target, method, path_qs, headers, body, keep_host)
            except UpstreamError:
                if index == last or not can_fail_over:
                    raise
                continue
            if index < last and can_fail_over and response.status in route.failover_statuses:
                response.release()
                continue
            return response
        raise AssertionError("a route has at least one target")

    async def _attempts(
        self,
        target: Target,
        method: str,
        path_qs: str,
        headers: CIMultiDict[str],
        body: bytes | AsyncIterable[bytes] | None,
        keep_host: bool,
    ) -> UpstreamResponse:
        send_headers = CIMultiDict(headers)
        if not keep_host or "Host" not in send_headers:
            send_headers["Host"] = target.host_header
        for name, value in target.custom_headers:
            send_headers[name] = value  # an origin custom header overrides the viewer's
        url = URL(str(target.url).rstrip("/") + path_qs, encoded=True)
        timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=target.connection_timeout, sock_read=target.response_timeout
        )
        for attempt in range(1, target.connection_attempts + 1):
            trace = SimpleNamespace(timing=Timing(), connect_started=0.0)
            started = time.perf_counter()
            try:
                response = await self._session.request(
                    method,
                    url,
                    headers=send_headers,
                    data=body,
                    timeout=timeout,
                    allow_redirects=False,
                    trace_request_ctx=trace,
                )
            except aiohttp.ConnectionTimeoutError as exc:
                if attempt == target.connection_attempts:
                    raise UpstreamError(
                        504, "OriginConnectError", f"connect timeout: {exc}"
                    ) from exc
            except aiohttp.ClientConnectorError as exc:
                if attempt == target.connection_attempts:
                    raise UpstreamError(
                        502, "OriginConnectError", f"cannot connect: {exc}"
                    ) from exc
            except (TimeoutError, aiohttp.ServerTimeoutError) as exc:
                raise UpstreamError(504, "OriginReadError", f"response timeout: {exc}") from exc
            except aiohttp.ClientResponseError as exc:
                raise UpstreamError(502, "OriginInvalidResponseError", str(exc)) from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise UpstreamError(502, "OriginCommError", str(exc) or type(exc).__name__) from exc
            else:
                if target.rtt_ms:
                    latency = self._latency
                    length = response.content_length
                    simulated = target.rtt_ms + latency.transfer_ms(length or 0)
                    trace.timing.simulated_ms = simulated
                    if latency.time_scale:
                        await asyncio.sleep(simulated * latency.time_scale / 1000)
                trace.timing.first_byte_ms = (time.perf_counter() - started) * 1000
                return UpstreamResponse(
                    status=response.status,
                    reason=response.reason or "",
                    headers=_named_as_sent(response),
                    target=target,
                    timing=trace.timing,
                    _response=response,
                )
        raise AssertionError("connection_attempts is at least 1")
