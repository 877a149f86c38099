"""A run's progress for the dashboard: sent to the control plane every second while `edgesim load`
drives the network that `edgesim up` runs here.

Best effort by design: when there is no control plane, or it does not answer within
`FEED_TIMEOUT`, the run goes on as if nothing were sent. Nothing here can slow or fail a run.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp

from edge.load.runner import Plan, Progress

__all__ = ["FEED_INTERVAL", "ProgressFeed", "control_plane_feed", "progress_document"]

FEED_INTERVAL = 1.0
FEED_TIMEOUT = 0.5


@dataclass(frozen=True, slots=True)
class ProgressFeed:
    url: str  # the control plane's `/api/load`
    token: str


def control_plane_feed() -> ProgressFeed | None:
    """Where `.edgesim/` says the control plane listens; None when this network runs none."""
    from edge.runstate import read_control, read_token

    plane = read_control()
    if plane is None:
        return None
    try:
        return ProgressFeed(plane + "api/load", read_token())
    except OSError:
        return None


def progress_document(run_id: str, plan: Plan, progress: Progress, started: float,
                      finished: bool) -> dict[str, Any]:
    total = progress.total
    return {
        "id": run_id,
        "target": plan.target or "each viewer's nearest PoP",
        "started": datetime.fromtimestamp(started, UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "elapsed_s": progress.elapsed,
        "duration_s": plan.bounds.duration,
        "requests": total.requests,
        "requests_planned": plan.bounds.requests,
        "rate": progress.rate,
        "errors": total.errors,
        "p50_ms": total.latency.percentile(0.50),
        "p99_ms": total.latency.percentile(0.99),
        "hit_ratio": total.hit_ratio,
        "finished": finished,
    }


async def feed_progress(feed: ProgressFeed, plan: Plan, progress: Progress,
                        done: asyncio.Event) -> None:
    """PUT the progress every FEED_INTERVAL, and once more, finished, when `done` is set."""
    run_id = secrets.token_hex(6)
    started = time.time()
    headers = {"Authorization": f"Bearer {feed.token}"}
    timeout = aiohttp.ClientTimeout(total=FEED_TIMEOUT)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as session:
        while True:
            finished = done.is_set()
            document = progress_document(run_id, plan, progress, started, finished)
            with contextlib.suppress(aiohttp.ClientError, TimeoutError, OSError):
                async with session.put(feed.url, json=document, headers=headers,
                                       timeout=timeout):
                    pass
            if finished:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), FEED_INTERVAL)
