"""The cacheable path of a node (pipeline steps 6–7): look up, revalidate or fetch, store.

Decisions (key, freshness, storability, compression) come from the pure `edge.http` layer; this
module only drives them: it fetches, stores and hands a `Reply` back. Concurrent misses for one
key collapse into one upstream fetch (spec §4.4).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from multidict import CIMultiDict, CIMultiDictProxy

from edge.cache.entry import CachedResponse
from edge.config import Behavior
from edge.http.age import age_value, current_age
from edge.http.compression import choose_encoding, compress, weaken_etag
from edge.http.conditional import freshened_headers, revalidation_headers
from edge.http.forwarding import cookies_forwarded, forwarded_query, forwarded_request_headers
from edge.http.semantics import Fresh, Stale
from edge.node.collapse import Lead
from edge.node.context import NodeContext
from edge.node.exchange import Exchange, Reply
from edge.node.identity import BEHAVIOR_HINT, SHIELD_HINT, SHIELD_LAYER, STALE_ON_ERROR_HINT
from edge.node.outcome import Outcome, outcome_from_x_cache
from edge.node.prepared import prepare_hit
from edge.node.replies import entry_reply, generated_error, hit_reply
from edge.node.response_headers import hit_layer, stored_headers
from edge.node.triggers import FUNCTION_FAILURES, OriginCall, fetch_from_origin
from edge.node.upstream import UpstreamError, UpstreamResponse

# The node fetches whole objects; the viewer's validators and ranges are answered from them.
VIEWER_ONLY = ("range", "if-range", "if-match", "if-none-match", "if-modified-since",
               "if-unmodified-since")


@dataclass(frozen=True, slots=True)
class CacheMiss:
    """What a lookup that cannot answer leaves to the fetch: the key, and any stale copy held."""

    key: str
    stale: tuple[CachedResponse, Stale] | None


def answer_from_cache(ctx: NodeContext, ex: Exchange, behavior: Behavior) -> Reply | CacheMiss:
    """Step 6 without I/O: a hit (or a 504 for `only-if-cached`) is answered here.

    Synchronous, so that a hit, most of a node's requests, costs no coroutine of its own.
    """
    head = ex.head
    sem = ctx.semantics
    key = sem.cache_key(head, behavior.cache_policy)
    entry = ctx.store.lookup(key, lambda vary: sem.variant_key(vary, head.headers))
    if entry is not None:
        age = current_age(entry.initial_age, entry.response_time, ctx.clock())
        freshness = sem.freshness(head, entry.storage, age)
        if isinstance(freshness, Fresh):
            return _hit(ctx, ex, entry, age)
        if freshness.while_revalidate:
            _refresh_in_background(ctx, ex, behavior, key, entry)
            return _hit(ctx, ex, entry, age)
        return CacheMiss(key, (entry, freshness))
    if sem.only_if_cached(head):
        ex.outcome = Outcome.ERROR
        return generated_error(504, ex.request_id, "The object is not in the cache.")
    return CacheMiss(key, None)


async def fetch_for_cache(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, miss: CacheMiss
) -> Reply:
    """Step 7 for what the cache could not answer: fetch (or follow a fetch in flight), store."""
    key, stale = miss.key, miss.stale
    if not _collapses(behavior):
        return await _fetch(ctx, ex, behavior, key, stale, Lead(None))
    shared = await ctx.collapser.follow(key)
    if shared is not None:
        # Collapsed requests are logged as hits (spec §4.4).
        return _hit(ctx, ex, shared, current_age(shared.initial_age, shared.response_time,
                                                       ctx.clock()))
    with ctx.collapser.leading(key) as lead:
        return await _fetch(ctx, ex, behavior, key, stale, lead)


async def serve_cacheable(ctx: NodeContext, ex: Exchange, behavior: Behavior) -> Reply:
    """Steps 6–7 in one call, for a request that has no faster path to take (an error page)."""
    answer = answer_from_cache(ctx, ex, behavior)
    if isinstance(answer, CacheMiss):
        return await fetch_for_cache(ctx, ex, behavior, answer)
    return answer


def _collapses(behavior: Behavior) -> bool:
    """Spec §4.4: forwarding cookies turns request collapsing off."""
    return behavior.cache_policy.cookies.behavior == "none"


def _hit(ctx: NodeContext, ex: Exchange, entry: CachedResponse, age: float) -> Reply:
    ex.outcome = Outcome.ERROR if entry.status >= 400 else Outcome.HIT
    ex.hit_layer = ctx.layer
    if ex.as_shield:  # spec §4.4: a regional cache's fetch answered by its Origin Shield
        ex.hit_layer, ex.detail = SHIELD_LAYER, "OriginShieldHit"
    behavior = ex.behavior
    if behavior is not None and behavior.functions.viewer_response is not None:
        return entry_reply(entry, age, ex.head)  # headers the function can see and change
    return hit_reply(entry, age, ex.head)


def _refresh_in_background(
    ctx: NodeContext, ex: Exchange, behavior: Behavior, key: str, entry: CachedResponse
) -> None:
    """stale-while-revalidate: the viewer gets the stale copy now; one refresh runs behind it."""
    if ctx.collapser.in_flight(key):
        return
    shadow = replace(ex, outcome=Outcome.MISS)
    freshness = Stale(age=0.0, while_revalidate=False, if_error=True)

    async def refresh() -> None:
        with ctx.collapser.leading(key) as lead:
            reply = await _fetch(ctx, shadow, behavior, key, (entry, freshness), lead)
            if reply.stream is not None:
                reply.stream.close()

    ctx.spawn(refresh())


async def _fetch(
    ctx: NodeContext,
    ex: Exchange,
    behavior: Behavior,
    key: str,
    stale: tuple[CachedResponse, Stale] | None,
    lead: Lead[CachedResponse],
) -> Reply:
    head = ex.head
    headers = forwarded_request_headers(
        head, behavior, client_ip=ex.client_ip, request_id=ex.request_id, via=ex.via,
        semantics=ctx.semantics.name,
    )
    for name in VIEWER_ONLY:
        headers.popall(name, None)
    stale_entry = stale[0] if stale else None
    if stale_entry is not None and stale_entry.storage.conditional:
        headers.update(revalidation_headers(stale_entry.headers))
    query = forwarded_query(head, behavior, ctx.semantics.name)
    ex.uri = head.path + (f"?{query}" if query else "")
    route = ctx.cache_route(behavior)
    layer = route.targets[0].layer
    if layer != "Origin":  # a tier of ours: it applies the behavior chosen here
        hint = str(ctx.behavior_index[id(behavior)])
        headers[BEHAVIOR_HINT] = hint + SHIELD_HINT if layer == SHIELD_LAYER else hint
    # A HEAD is fetched as GET so the object stored is whole (as Varnish does).
    call = OriginCall(route, "GET" if head.method == "HEAD" else head.method, head.path, query,
                      headers)
    request_time = ctx.clock()
    try:
        sent = await fetch_from_origin(ctx, ex, behavior, call)
    except UpstreamError as err:
        if stale is not None and stale[1].if_error:
            return _serve_stale(ctx, ex, stale[0], err.detail)
        return _failed(ctx, ex, behavior, key, err, lead)
    if isinstance(sent, Reply):
        return sent  # an origin-facing function failed: nothing to store
    upstream = sent
    ex.from_upstream(upstream)
    ctx.stats.observe_upstream(upstream.timing.first_byte_ms)
    response_time = ctx.clock()
    from_tier = upstream.target.layer != "Origin"
    if from_tier:
        parent = outcome_from_x_cache(upstream.headers.get("X-Cache"))
        if parent in (Outcome.HIT, Outcome.REFRESH_HIT):
            ex.outcome, ex.hit_layer = parent, hit_layer(upstream.headers) or "REC"
        elif parent in FUNCTION_FAILURES:
            # The regional cache's function failed: the viewer gets its answer, not stored.
            ex.outcome = parent
            return Reply(upstream.status, upstream.reason, stored_headers(
                upstream.headers, from_tier=True, keep_set_cookie=False), stream=upstream)
        failure = upstream.headers.get(STALE_ON_ERROR_HINT)
        if failure is not None:
            # The tier above served its stale copy because the origin failed. Its 304 says
            # ours is that copy: served stale here too, not refreshed (README, "Stale on error").
            if upstream.status == 304 and stale_entry is not None:
                upstream.release()
                return _serve_stale(ctx, ex, stale_entry, failure)
            ex.detail = failure

    if upstream.status == 304 and stale_entry is not None:
        upstream.release()
        return _refreshed(ctx, ex, behavior, key, stale_entry, upstream, request_time,
                          response_time, lead)
    if upstream.status >= 500 and stale is not None and stale[1].if_error:
        upstream.release()
        return _serve_stale(ctx, ex, stale[0], "OriginError")
    return await _store(ctx, ex, behavior, key, upstream, request_time, response_time,
                        from_tier, lead)


async def _store(
    ctx: NodeContext,
    ex: Exchange,
    behavior: Behavior,
    key: str,
    upstream: UpstreamResponse,
    request_time: float,
    response_time: float,
    from_tier: bool,
    lead: Lead[CachedResponse],
) -> Reply:
    head, sem = ex.head, ctx.semantics
    status = upstream.status
    if status >= 400:
        ex.outcome = Outcome.ERROR
    headers = stored_headers(
        upstream.headers,
        from_tier=from_tier,
        keep_set_cookie=sem.name == "rfc9111" or cookies_forwarded(behavior),
    )
    storage = sem.storage(
        head, status, upstream.headers, behavior.cache_policy, ctx.error_caching_min_ttl(status),
        response_time,
    )
    length = upstream.content_length
    limit = ctx.node.max_object_size
    if storage is None or status == 206 or (length is not None and length > limit):
        return Reply(status, upstream.reason, headers, stream=upstream)
    body, complete = await upstream.read(limit)
    if not complete:
        return Reply(status, upstream.reason, headers, stream=upstream, prefix=body)
    upstream.release()
    if length is not None and len(body) != length:
        return Reply(status, upstream.reason, headers, body=body)  # cut short: never stored
    if sem.name == "cloudfront":
        body = _compressed(behavior, ex, status, headers, body)
    vary = headers.get("Vary")
    variant = sem.variant_key(vary, head.headers)
    stored = CIMultiDictProxy(headers)
    entry = CachedResponse(
        status=status,
        reason=upstream.reason,
        headers=stored,
        body=body,
        storage=storage,
        initial_age=ctx.semantics.initial_age(upstream.headers, request_time, response_time),
        response_time=response_time,
        uri=ex.uri,
        vary=vary,
        variant=variant or "",
        prepared=prepare_hit(ctx, behavior, status, upstream.reason, stored, body),
    )
    if variant is not None:
        ctx.store.store(key, entry)
        if storage.ttl > 0:  # spec §4.4: no collapsing onto objects that expire at once
            lead.share(entry)
    return entry_reply(entry, _fetched_age(entry, upstream), head)


def _fetched_age(entry: CachedResponse, upstream: UpstreamResponse) -> float | None:
    """`Age` on a reply just fetched: the upstream's own, passed on (a tier's hit, an origin
    that sent one), else only what this node's semantics counted to 1 s or more (RFC 9111 adds
    the fetch time and `Date`; CloudFront counts from receipt, so its Misses carry none)."""
    age = entry.initial_age
    return age if age >= 1 or age_value(upstream.headers) is not None else None


def _compressed(
    behavior: Behavior, ex: Exchange, status: int, headers: CIMultiDict[str], body: bytes
) -> bytes:
    """Compress at the edge when spec §4.8 allows; the key already holds the viewer's encoding."""
    encoding = choose_encoding(
        behavior=behavior, request=ex.head, status=status, response_headers=headers,
        body_length=len(body),
    )
    if encoding is None:
        return body
    body = compress(body, encoding)
    headers["Content-Encoding"] = encoding
    headers["Content-Length"] = str(len(body))
    etag = weaken_etag(headers.get("ETag"))
    headers.popall("ETag", None)
    if etag is not None:
        headers["ETag"] = etag
    vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if "accept-encoding" not in (v.lower() for v in vary):
        headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
    return body


def _refreshed(
    ctx: NodeContext,
    ex: Exchange,
    behavior: Behavior,
    key: str,
    entry: CachedResponse,
    upstream: UpstreamResponse,
    request_time: float,
    response_time: float,
    lead: Lead[CachedResponse],
) -> Reply:
    """A 304 to our revalidation: the stored object is good again (`RefreshHit`, spec §4.5)."""
    update = stored_headers(upstream.headers, from_tier=upstream.target.layer != "Origin",
                            keep_set_cookie=True)
    merged = freshened_headers(entry.headers, update)
    storage = ctx.semantics.storage(
        ex.head, entry.status, merged, behavior.cache_policy,
        ctx.error_caching_min_ttl(entry.status), response_time,
    )
    stored = CIMultiDictProxy(merged)
    refreshed = replace(
        entry,
        headers=stored,
        storage=storage or entry.storage,
        initial_age=ctx.semantics.initial_age(upstream.headers, request_time, response_time),
        response_time=response_time,
        prepared=prepare_hit(ctx, behavior, entry.status, entry.reason, stored, entry.body),
    )
    if storage is None:
        ctx.store.remove(key, entry.variant)
    else:
        ctx.store.store(key, refreshed)
        lead.share(refreshed)
    ex.outcome = Outcome.REFRESH_HIT
    ex.hit_layer = ctx.layer
    return entry_reply(refreshed, refreshed.initial_age, ex.head)


def _serve_stale(ctx: NodeContext, ex: Exchange, entry: CachedResponse, detail: str) -> Reply:
    """stale-if-error (spec §4.5): the upstream failed, the expired copy is still allowed.

    A tier of ours asking is told why (`STALE_ON_ERROR_HINT`), so it reports the same.
    """
    age = current_age(entry.initial_age, entry.response_time, ctx.clock())
    reply = _hit(ctx, ex, entry, age)
    ex.detail = detail
    if _asked_by_a_tier(ctx, ex):
        if reply.prepared is not None:  # its bytes have no room for the hint
            reply = entry_reply(entry, age, ex.head)
        reply.headers[STALE_ON_ERROR_HINT] = detail
    return reply


def _asked_by_a_tier(ctx: NodeContext, ex: Exchange) -> bool:
    """A regional cache carries on the request of the trusted tier below with that tier's Via
    token (`edge.node.viewer.start_exchange`); a viewer's request keeps this node's own."""
    return ctx.node.kind == "rec" and ex.via != ctx.via


def _failed(
    ctx: NodeContext,
    ex: Exchange,
    behavior: Behavior,
    key: str,
    err: UpstreamError,
    lead: Lead[CachedResponse],
) -> Reply:
    """502/504 error page; cached like an origin error for the error-caching TTL (spec §6.3)."""
    ex.outcome = Outcome.ERROR
    ex.detail = err.detail
    reply = generated_error(err.status, ex.request_id)
    now = ctx.clock()
    storage = ctx.semantics.storage(
        ex.head, err.status, reply.headers, behavior.cache_policy,
        ctx.error_caching_min_ttl(err.status), now,
    )
    if storage is not None and ctx.semantics.name == "cloudfront":
        reply.headers["Server"] = "CloudFront"
        entry = CachedResponse(
            status=err.status, reason=reply.reason, headers=CIMultiDictProxy(reply.headers),
            body=reply.body, storage=storage, initial_age=0.0, response_time=now, uri=ex.uri,
            vary=None, variant="",
        )
        ctx.store.store(key, entry)
        lead.share(entry)
    return reply
