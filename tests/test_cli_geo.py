"""`edgesim geo IP|CITY`: the location, nearest PoPs with RTTs, and an IP in the city."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from edge.cli import main
from tests.test_cli_processes import EDGESIM


def test_city_prints_an_ip_inside_it_and_pops_nearest_first(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["geo", "Frankfurt"]) == 0
    out = capsys.readouterr().out
    first_line, *rest = out.splitlines()
    assert first_line.startswith("198.18.") and "Frankfurt" in first_line and "(DE)" in first_line
    pops = [line.split()[0] for line in rest if line.startswith("    ")]
    assert pops[:3] == ["FRA56-C1", "CDG50-C1", "LHR61-C1"]


def test_ip_of_a_city_gives_the_same_city(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["geo", "Sao Paulo"]) == 0
    ip = capsys.readouterr().out.split(":", 1)[0]
    assert main(["geo", ip]) == 0
    assert "São Paulo" in capsys.readouterr().out


@pytest.mark.parametrize("query", ["8.8.8.8", "Atlantis"])
def test_unknown_place_is_a_clear_error(
    query: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["geo", query]) == 1
    err = capsys.readouterr().err
    assert err.startswith("edgesim: ") and "Traceback" not in err


@pytest.mark.parametrize(("query", "hint"), [
    ("Atlantis", "(did you mean 'Atlanta'"),  # a name close to the world's
    ("Xyzzyq", "(try 'Tokyo'"),  # nothing close: examples
])
def test_an_unknown_city_gets_close_names_or_examples(
    query: str, hint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["geo", query]) == 1
    assert f"edgesim: no city matches {query!r} {hint}" in capsys.readouterr().err


def test_a_reader_that_goes_away_ends_it_quietly() -> None:
    """`edgesim geo Tokyo | head -0`: the pipe is closed before anything is written."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        done = subprocess.run([*EDGESIM, "geo", "Tokyo"], stdout=write_end,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    finally:
        os.close(write_end)
    assert (done.returncode, done.stderr) == (128 + signal.SIGPIPE, "")
