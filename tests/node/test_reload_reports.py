"""How the nodes' hot-reload reports become `edgesim up`'s lines: one per save and outcome, none
lost, none held back longer than the window. Pure decisions, time passed in; the reporter's
pipe is a real one."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from edge.config import load_config, with_pops
from edge.node.functions import watchers
from edge.node.reloads import WINDOW, Reload, ReloadReports, reporter
from edge.supervisor import REPORT_FD_ENV, report_channel

PROBLEM = "SyntaxError: expected ':' (line 1)"


def reloaded(node: str, version: str = "2", function: str = "rewrite") -> bytes:
    return (Reload(node, function, version, "rewrite.py").to_json() + "\n").encode()


def broken(node: str, version: str = "1") -> bytes:
    return (Reload(node, "rewrite", version, "rewrite.py", PROBLEM).to_json() + "\n").encode()


NODES = [f"POP{i}" for i in range(12)]


def test_a_save_seen_by_every_node_is_one_line_as_soon_as_the_last_one_reports() -> None:
    reports = ReloadReports({"rewrite": NODES})
    said = [line for i, node in enumerate(NODES) for line in reports.add(reloaded(node), i / 100)]
    assert said == ["edgesim: rewrite: reloaded, version 2 serves new requests (12 nodes)"]
    assert reports.deadline() is None and reports.flush() == []


def test_a_file_that_does_not_load_is_said_once_with_its_error() -> None:
    reports = ReloadReports({"rewrite": NODES})
    said = [line for node in NODES for line in reports.add(broken(node), 0.0)]
    assert said == ["edgesim: rewrite: the new rewrite.py does not load, version 1 keeps serving "
                    f"(12 nodes): {PROBLEM}"]


def test_a_node_that_failed_where_the_others_reloaded_gets_its_own_line() -> None:
    reports = ReloadReports({"rewrite": NODES})
    said = [line for node in NODES
            for line in reports.add(broken(node) if node == "POP7" else reloaded(node), 0.0)]
    assert said == [
        "edgesim: rewrite: reloaded, version 2 serves new requests (11 nodes)",
        f"edgesim: rewrite: the new rewrite.py does not load, version 1 keeps serving (POP7): "
        f"{PROBLEM}",
    ]


def test_nodes_counting_other_versions_are_named_apart() -> None:
    """A node restarted since the last save counts its versions from 1 again."""
    reports = ReloadReports({"rewrite": ["B", "A", "C", "D"]})
    said = [line for node, version in [("C", "2"), ("A", "5"), ("B", "5"), ("D", "5")]
            for line in reports.add(reloaded(node, version), 0.0)]
    assert said == ["edgesim: rewrite: reloaded, version 2 serves new requests (C)",
                    "edgesim: rewrite: reloaded, version 5 serves new requests (A, B, D)"]


def test_a_node_that_does_not_report_holds_the_line_back_for_the_window_only() -> None:
    reports = ReloadReports({"rewrite": ["A", "B", "C"]})  # C is down
    assert reports.add(reloaded("B"), 10.0) == []
    assert reports.add(reloaded("A"), 10.2) == []
    assert reports.deadline() == 10.0 + WINDOW
    assert reports.due(10.0 + WINDOW - 0.01) == []
    assert reports.due(10.0 + WINDOW) == [
        "edgesim: rewrite: reloaded, version 2 serves new requests (A, B)"]
    # C, back and late, is not lost: a line of its own, a window after its report at most.
    assert reports.add(reloaded("C"), 12.0) == []
    assert reports.due(12.0 + WINDOW) == [
        "edgesim: rewrite: reloaded, version 2 serves new requests (C)"]


def test_functions_are_collected_apart_and_a_function_nobody_was_known_to_watch_waits_the_window(
) -> None:
    reports = ReloadReports({"rewrite": ["A", "B"]})
    assert reports.add(reloaded("A", function="added-by-a-config-reload"), 0.0) == []
    assert reports.add(reloaded("A"), 0.1) == []
    assert reports.add(reloaded("B"), 0.2) == [
        "edgesim: rewrite: reloaded, version 2 serves new requests (A, B)"]
    assert reports.due(WINDOW) == [
        "edgesim: added-by-a-config-reload: reloaded, version 2 serves new requests (A)"]


def test_what_is_held_back_when_the_network_stops_is_said() -> None:
    reports = ReloadReports({"rewrite": ["A", "B"]})
    assert reports.add(broken("A"), 0.0) == []
    assert reports.flush() == [
        f"edgesim: rewrite: the new rewrite.py does not load, version 1 keeps serving (A): "
        f"{PROBLEM}"]
    assert reports.deadline() is None


def test_a_line_that_is_not_a_report_is_said_as_it_came() -> None:
    reports = ReloadReports({"rewrite": ["A"]})
    assert reports.add(b"something else\n", 0.0) == ["something else"]
    assert reports.add(b'["a", "list"]\n', 0.0) == ['["a", "list"]']


def test_the_nodes_that_watch_a_function_are_those_that_can_run_it() -> None:
    config = with_pops(load_config(None), "2")
    pops = {p.id for p in config.pops}
    recs = {r.id for r in config.regional_caches}
    watched = watchers(config)
    viewer = {a.function.name for b in config.distribution.behaviors for a in b.functions
              if a.function.event_type.is_viewer}
    assert viewer and all(watched[name] == pops for name in viewer)
    assert all(watched[name] == pops | recs for name in set(watched) - viewer)


@pytest.fixture
def pipe() -> Iterator[tuple[int, int]]:
    read, write = os.pipe()
    try:
        yield read, write
    finally:
        os.close(read)
        os.close(write)


def test_a_supervised_node_reports_through_its_pipe_and_says_nothing_itself(
    pipe: tuple[int, int], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    read, write = pipe
    monkeypatch.setenv(REPORT_FD_ENV, str(write))
    report = reporter(report_channel())
    report(Reload("IAD89-C1", "rewrite", "2", "rewrite.py"))
    assert Reload.from_json(os.read(read, 4096)) == Reload("IAD89-C1", "rewrite", "2",
                                                           "rewrite.py")
    assert capsys.readouterr().err == ""


def test_a_node_whose_supervisor_is_gone_says_it_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    read, write = os.pipe()
    os.close(read)  # nobody reads any more: the write fails (EPIPE)
    monkeypatch.setenv(REPORT_FD_ENV, str(write))
    try:
        reporter(report_channel())(Reload("IAD89-C1", "rewrite", "1", "rewrite.py", PROBLEM))
    finally:
        os.close(write)
    assert capsys.readouterr().err == (
        "edgesim: IAD89-C1: rewrite: the new rewrite.py does not load, version 1 keeps serving: "
        f"{PROBLEM}\n")


def test_a_node_alone_says_it_itself(capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(REPORT_FD_ENV, raising=False)
    assert report_channel() is None
    reporter(None)(Reload("IAD89-C1", "rewrite", "2", "rewrite.py"))
    assert capsys.readouterr().err == (
        "edgesim: IAD89-C1: rewrite: reloaded, version 2 serves new requests\n")
