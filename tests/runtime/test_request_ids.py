"""Lambda RequestIds: shaped as version-4 UUIDs, one per invocation, never repeated, and drawn
afresh in a forked process."""

from __future__ import annotations

import multiprocessing
import re

import pytest

from edge.runtime.function import Mode
from edge.runtime.runner import invoke
from edge.runtime.testing import viewer_request_event
from tests.runtime.conftest import Deploy

UUID4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")


@pytest.mark.parametrize("mode", [Mode.ISOLATED, Mode.INLINE])
async def test_each_invocation_has_its_own_uuid4_request_id(deploy: Deploy, mode: Mode) -> None:
    function = deploy("ok", name=f"ids-{mode}", mode=mode)
    results = [await invoke(function, viewer_request_event()) for _ in range(20)]
    ids = [result.request_id for result in results]
    assert all(UUID4.fullmatch(request_id) for request_id in ids), ids
    assert len(set(ids)) == len(ids)
    for result in results:
        assert result.log.startswith(f"START RequestId: {result.request_id} Version: 1\n")
        assert f"REPORT RequestId: {result.request_id}\t" in result.log


def _child_id(answer: multiprocessing.connection.Connection) -> None:
    from edge.runtime.runner import _request_id

    answer.send(_request_id())


def test_a_forked_process_draws_its_own_ids() -> None:
    from edge.runtime.runner import _request_id

    ours = _request_id()
    fork = multiprocessing.get_context("fork")
    theirs = []
    for _ in range(2):
        receive, send = fork.Pipe(duplex=False)
        child = fork.Process(target=_child_id, args=(send,))
        child.start()
        theirs.append(receive.recv())
        child.join(10)
    prefixes = {request_id[:23] for request_id in (ours, *theirs)}
    assert len(prefixes) == 3  # the random part differs in each process
