"""`edgesim load`'s progress feed is best effort: a control plane that is not there costs the run
nothing but the feed's own short timeouts, and never an error."""

from __future__ import annotations

import asyncio

from edge.load.arrivals import Bounds, OpenModel
from edge.load.progress_feed import ProgressFeed, feed_progress, progress_document
from edge.load.runner import Plan, Progress
from tests.world import free_port

PLAN = Plan("http://127.0.0.1:9", (), OpenModel(10.0), Bounds(None, 50))


async def test_a_control_plane_that_is_not_there_is_skipped_silently() -> None:
    done = asyncio.Event()
    feed = ProgressFeed(f"http://127.0.0.1:{free_port()}/api/load", "token")
    feeding = asyncio.create_task(feed_progress(feed, PLAN, Progress(), done))
    await asyncio.sleep(1.2)  # a PUT at the start and one a second later, both refused
    done.set()
    await asyncio.wait_for(feeding, 2.0)  # the last word, and no exception


def test_the_progress_document_has_the_contract_fields() -> None:
    document = progress_document("run1", PLAN, Progress(), 0.0, finished=False)
    assert document == {
        "id": "run1", "target": "http://127.0.0.1:9", "started": "1970-01-01T00:00:00Z",
        "elapsed_s": document["elapsed_s"], "duration_s": None, "requests": 0,
        "requests_planned": 50, "rate": 0.0, "errors": 0, "p50_ms": 0.0, "p99_ms": 0.0,
        "hit_ratio": None, "finished": False,
    }
