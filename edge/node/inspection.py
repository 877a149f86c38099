"""What a node's admin API shows of its state: recent requests, cached objects, function logs.

Read from what the node keeps anyway (the access log's last lines, the store's entries and hit
counts, each function log's last lines), when asked, so inspecting a node costs its viewers
nothing.
"""

from __future__ import annotations

from typing import Any

from edge.cache.store import CacheStore
from edge.http.age import current_age
from edge.node.access_log import AccessLog, parse_record
from edge.node.functions import NodeFunctions


def recent_requests(log: AccessLog, after: int) -> list[dict[str, Any]]:
    """The viewer requests logged after line number `after`, oldest first, as the dashboard and
    the control plane show them."""
    out = []
    for seq, line in log.recent(after):
        r = parse_record(line)
        out.append({
            "seq": seq,
            "time": r.time,
            "pop": r.x_edge_location,
            "c_ip": r.c_ip,
            "method": r.cs_method,
            "path": r.cs_uri_stem,
            "query": r.cs_uri_query,
            "status": r.sc_status,
            "result_type": r.x_edge_result_type,
            "detailed_result_type": r.x_edge_detailed_result_type,
            "x_cache": f"{r.x_edge_result_type} from cloudfront",
            "bytes": r.sc_bytes,
            "time_taken_ms": round(r.time_taken * 1000, 3),
        })
    return out


def cache_entries(store: CacheStore, now: float, prefix: str, limit: int) -> dict[str, Any]:
    """The objects whose URI starts with `prefix`, most hit first: the cache inspector.

    `ttl_left_s` is negative for a stale object, which the node revalidates (or serves within a
    stale window) rather than serving as a hit.
    """
    matched = []
    for key, entry in store.entries():
        if not entry.uri.startswith(prefix):
            continue
        age = current_age(entry.initial_age, entry.response_time, now)
        matched.append({
            "key": key,
            "uri": entry.uri,
            "variant": entry.variant,
            "status": entry.status,
            "size": entry.size,
            "age_s": round(age, 3),
            "ttl_left_s": round(entry.storage.ttl - age, 3),
            "hits": store.hits(key, entry.variant),
        })
    matched.sort(key=lambda e: (-e["hits"], e["uri"], e["variant"]))
    return {
        "objects": store.count,
        "bytes": store.size_bytes,
        "max_bytes": store.max_bytes,
        "evictions": store.evictions,
        "matched": len(matched),
        "entries": matched[:limit],
    }


def function_logs(functions: NodeFunctions, lines: int) -> dict[str, list[str]]:
    """The last `lines` lines of each function's log on this node."""
    return {name: list(log)[-lines:] if lines else []
            for name, log in functions.recent_log_lines().items()}
