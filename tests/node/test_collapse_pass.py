"""Request collapsing per object (spec §4.4): no queueing behind fetches that share nothing."""

from __future__ import annotations

import asyncio

from edge.node.collapse import Collapser


async def _lead(collapser: Collapser[str], key: str, release: asyncio.Event,
                value: str | None) -> None:
    with collapser.leading(key) as lead:
        await release.wait()
        if value is not None:
            lead.share(value)


async def test_followers_get_what_the_leader_shares() -> None:
    collapser: Collapser[str] = Collapser()
    release = asyncio.Event()
    leader = asyncio.create_task(_lead(collapser, "k", release, "object"))
    await asyncio.sleep(0)
    follower = asyncio.create_task(collapser.follow("k"))
    await asyncio.sleep(0)
    assert not follower.done()  # waits for the fetch in flight
    release.set()
    await leader
    assert await follower == "object"


async def test_after_a_leader_shared_nothing_requests_do_not_wait_for_the_key() -> None:
    collapser: Collapser[str] = Collapser()
    release = asyncio.Event()
    first = asyncio.create_task(_lead(collapser, "k", release, None))  # e.g. no-store
    await asyncio.sleep(0)
    waiting = asyncio.create_task(collapser.follow("k"))
    release.set()
    await first
    assert await waiting is None  # it was already queued: it fetches for itself now

    release = asyncio.Event()
    second = asyncio.create_task(_lead(collapser, "k", release, None))
    await asyncio.sleep(0)
    assert collapser.in_flight("k")
    follower = asyncio.create_task(collapser.follow("k"))
    await asyncio.sleep(0)
    assert follower.done() and follower.result() is None  # no queueing behind the fetch
    release.set()
    await second


async def test_a_leader_that_shares_again_turns_collapsing_back_on() -> None:
    collapser: Collapser[str] = Collapser()
    nothing = asyncio.Event()
    nothing.set()
    await _lead(collapser, "k", nothing, None)
    release = asyncio.Event()
    leader = asyncio.create_task(_lead(collapser, "k", release, "object"))
    await asyncio.sleep(0)
    release.set()
    await leader
    again = asyncio.Event()
    third = asyncio.create_task(_lead(collapser, "k", again, "fresh"))
    await asyncio.sleep(0)
    follower = asyncio.create_task(collapser.follow("k"))
    await asyncio.sleep(0)
    assert not follower.done()
    again.set()
    await third
    assert await follower == "fresh"


async def test_a_failed_leader_leaves_the_key_collapsible() -> None:
    collapser: Collapser[str] = Collapser()
    cancelled = asyncio.create_task(_lead(collapser, "k", asyncio.Event(), None))
    await asyncio.sleep(0)
    cancelled.cancel()
    await asyncio.gather(cancelled, return_exceptions=True)
    release = asyncio.Event()
    leader = asyncio.create_task(_lead(collapser, "k", release, "object"))
    await asyncio.sleep(0)
    follower = asyncio.create_task(collapser.follow("k"))
    await asyncio.sleep(0)
    assert not follower.done()
    release.set()
    await leader
    assert await follower == "object"
