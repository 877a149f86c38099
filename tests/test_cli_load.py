"""`edgesim load` as a user runs it: against `edgesim up` in real processes, and its mistakes."""

from __future__ import annotations

import json
import signal
import subprocess
from pathlib import Path

import pytest

from edge.cli import main
from tests.test_cli_processes import EDGESIM, wait_for_banner
from tests.test_cli_world import world_with_front_door
from tests.world import free_port

CONTRACT_KEYS = {"format", "started_at", "elapsed_s", "settings", "requested_rate",
                 "achieved_rate", "stats", "viewers", "pops", "origin", "nodes", "functions",
                 "bill", "warnings"}


def _load(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*EDGESIM, "load", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=60)


def test_a_run_through_the_front_door_writes_every_figure(tmp_path: Path) -> None:
    config = tmp_path / "world.toml"
    world_with_front_door(config)
    up = subprocess.Popen([*EDGESIM, "up", "--config", str(config)], cwd=tmp_path, text=True,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_banner(up)
        run = _load("--config", str(config), "--requests", "200", "--rate", "400",
                    "--json", "out.json", "--seed", "3", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        result = json.loads((tmp_path / "out.json").read_text())
        assert result.keys() >= CONTRACT_KEYS
        total = result["stats"]["total"]["requests"]
        assert total == 200
        assert sum(n["requests"] for n in result["nodes"].values()) == 200
        assert result["origin"]["requests"] > 0
        assert set(result["pops"]) == {"IAD89-C1", "NRT57-C1", "SYD62-C1"}
        assert result["settings"]["direct"] is False
        # Another run with other settings, its HTML report, and the two side by side.
        other = _load("--config", str(config), "--requests", "200", "--rate", "400",
                      "--alpha", "0.5", "--json", "b.json", "--html", "b.html", "--quiet",
                      cwd=tmp_path)
        assert other.returncode == 0, other.stderr
        html = (tmp_path / "b.html").read_text()
        assert "<svg" in html and "<script" not in html
        compared = _load("--compare", "out.json", "b.json", cwd=tmp_path)
        assert compared.returncode == 0, compared.stderr
        assert "hit ratio" in compared.stdout.lower()
    finally:
        up.send_signal(signal.SIGINT)
        up.communicate(timeout=30)


def test_a_dead_target_fails_fast_with_a_message(tmp_path: Path) -> None:
    run = _load(f"http://127.0.0.1:{free_port()}", "--requests", "10", cwd=tmp_path)
    assert run.returncode == 1
    assert "does not answer" in run.stderr and "Traceback" not in run.stderr


def test_no_network_here_says_how_to_start_one(tmp_path: Path) -> None:
    run = _load("--requests", "10", cwd=tmp_path)
    assert run.returncode == 1
    assert "edgesim up" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize("args", [
    ["--rate", "10", "--users", "3"], ["--think", "0", "1"], ["http://127.0.0.1:1", "--direct"],
    ["--replay", "x.log", "--rate", "5"], ["--users", "1", "--workers", "2"],
])
def test_contradicting_options_exit_2(args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["load", *args]) == 2
    assert "edgesim load: error:" in capsys.readouterr().err


def test_an_unknown_city_or_an_empty_workload_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = f"http://127.0.0.1:{free_port()}"
    assert main(["load", target, "--city", "Tokoy", "--requests", "5"]) == 1
    assert "unknown city 'Tokoy' (did you mean 'Tokyo'" in capsys.readouterr().err
    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing\n")
    assert main(["load", target, "--workload", str(urls), "--requests", "5"]) == 1
    assert "no requests" in capsys.readouterr().err



def test_compare_refuses_a_file_that_is_not_a_result(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    done = _load("--compare", str(bad), str(bad), cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith("edgesim load --compare: ")
