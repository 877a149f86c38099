"""`edgesim load` as a user runs it: against `edgesim up` in real processes, and its mistakes."""

from __future__ import annotations

import html
import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from edge.cli import main
from tests.test_cli_processes import EDGESIM, fetch, wait_for, wait_for_banner
from tests.test_cli_world import world_ports, world_with_front_door, write_world
from tests.world import free_port

CONTRACT_KEYS = {"format", "started_at", "elapsed_s", "sending_s", "settings", "requested_rate",
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
        # A run of other viewers and another model, compared both ways: the regions one run
        # lacks show as missing there, and the models are told in words.
        tokyo = _load("--config", str(config), "--city", "Tokyo", "--users", "4",
                      "--requests", "40", "--json", "tokyo.json", "--quiet", cwd=tmp_path)
        assert tokyo.returncode == 0, tokyo.stderr
        regions = set(result["stats"]["by_region"]) - {"Asia"}
        assert regions  # 200 viewers of the world's cities are not all in Asia
        for files, world_column in ((("out.json", "tokyo.json"), 1),
                                    (("tokyo.json", "out.json"), 2)):
            compared = _load("--compare", *files, cwd=tmp_path)
            assert compared.returncode == 0, compared.stderr
            assert "None" not in compared.stdout
            for region in regions:
                row = next(line for line in compared.stdout.splitlines()
                           if line.startswith(f"p95 latency, {region} "))
                cells = re.split(r"\s{2,}", row)
                assert cells[world_column].endswith(" ms") and cells[3 - world_column] == "-"
        assert "differ in model: A closed model, 4 users, B open model at 400 req/s" in \
            " ".join(compared.stdout.split())
    finally:
        up.send_signal(signal.SIGINT)
        up.communicate(timeout=30)


@contextmanager
def edgesim_up(config: Path, *args: str) -> Iterator[subprocess.Popen[str]]:
    """`edgesim up` of `config` in the config's directory, stopped with Ctrl-C at the end."""
    up = subprocess.Popen([*EDGESIM, "up", "--config", str(config), *args], cwd=config.parent,
                          text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_for_banner(up)
        yield up
    finally:
        if up.poll() is None:
            up.send_signal(signal.SIGINT)
        up.communicate(timeout=30)


def _requests_logged(log_dir: Path, user_agent: str | None = None) -> list[list[str]]:
    """The request lines of the access logs under `log_dir`, as fields (of one user agent)."""
    lines = [line.split("\t") for log in sorted(log_dir.glob("*/*.log"))
             for line in log.read_text().splitlines() if not line.startswith("#")]
    return [f for f in lines if user_agent is None or f[10] == user_agent]


def _until(found: Callable[[], list[list[str]]], count: int) -> list[list[str]]:
    """`found()` once it has `count` items (nodes flush their logs every second)."""
    deadline = time.monotonic() + 10
    while len(items := found()) < count:
        assert time.monotonic() < deadline, f"{len(items)} of {count} found: {items}"
        time.sleep(0.2)
    return items


def test_replaying_the_edges_own_access_log_sends_every_method_and_reports(
    tmp_path: Path,
) -> None:
    """The README's replay, end to end: a few lines of a PoP's access log (its two header lines
    included), methods it does not serve among them, replayed through the front door; the
    summary, the JSON and the HTML report all say it was a replay."""
    config = tmp_path / "world.toml"
    ports = world_with_front_door(config)
    with edgesim_up(config):
        door = f"http://127.0.0.1:{ports['door']}/index.html"
        methods = ["GET", "HEAD", "TRACE", "PROPFIND"]
        for method in methods:  # this machine's address is nowhere: Ashburn, the first PoP
            fetch(door, method)
        _until(lambda: _requests_logged(tmp_path / "logs"), len(methods))
        (log,) = (tmp_path / "logs" / "IAD89-C1").glob("*.log")
        small = tmp_path / "small.log"
        small.write_text(log.read_text())
        assert small.read_text().count("\n#") == 1 and len(small.read_text().splitlines()) == 6
        run = _load("--config", str(config), "--replay", str(small), "--quiet",
                    "--json", "r.json", "--html", "r.html", cwd=tmp_path)
        assert run.returncode == 0, run.stderr
        assert "Traceback" not in run.stderr
        sent_again = _until(lambda: _requests_logged(tmp_path / "logs", "edgesim-load/1"),
                            len(methods))
    assert sorted(f[5] for f in sent_again) == sorted(methods)
    result = json.loads((tmp_path / "r.json").read_text())
    assert result["settings"]["model"] == "replay" and result["requested_rate"] is None
    assert result["stats"]["total"]["statuses"] == {"200": 2, "403": 2}
    said = "replay of the access log at its logged times"
    assert said in " ".join(run.stdout.split())
    assert said in (tmp_path / "r.html").read_text()


def test_a_network_stopped_during_a_run_is_why_the_origin_is_not_counted(
    tmp_path: Path,
) -> None:
    config = tmp_path / "world.toml"
    ports = world_with_front_door(config)
    with edgesim_up(config) as up:
        load = subprocess.Popen([*EDGESIM, "load", "--config", str(config), "--duration", "5",
                                 "--rate", "20", "--json", "out.json", "--quiet"],
                                cwd=tmp_path, text=True, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE)
        try:
            # Stopped once the run is under way: its first requests are in the PoPs' logs.
            _until(lambda: _requests_logged(tmp_path / "logs", "edgesim-load/1"), 5)
            up.send_signal(signal.SIGINT)
            out, err = load.communicate(timeout=60)
        finally:
            if load.poll() is None:
                load.kill()
                load.communicate()
    assert load.returncode == 0, err
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["origin"] is None
    assert result["origin_unknown"] == (f"the sample origin at http://127.0.0.1:"
                                        f"{ports['origin']} stopped answering during the run")
    summary = " ".join(out.split())
    assert f"origin not counted ({result['origin_unknown']})" in summary
    assert "not edgesim's" not in summary


def test_in_front_of_your_own_app_load_does_not_look_for_the_sample_origin(
    tmp_path: Path,
) -> None:
    """`edgesim up --origin URL` runs no sample origin, and its control plane says which origin
    the nodes use: no warning about the sample origin's counters, and a true reason."""
    config = tmp_path / "world.toml"
    ports = world_ports(control_plane=True)
    write_world(config, ports)
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>mine</p>")
    app_port = free_port()
    app = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1",
                            "--directory", str(site), str(app_port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(f"http://127.0.0.1:{app_port}/")
        with edgesim_up(config, "--origin", f"http://127.0.0.1:{app_port}"):
            run = _load("--config", str(config), "--requests", "20", "--rate", "40",
                        "--json", "out.json", "--quiet", cwd=tmp_path)
    finally:
        app.terminate()
        app.wait(timeout=30)
    assert run.returncode == 0, run.stderr
    result = json.loads((tmp_path / "out.json").read_text())
    assert result["stats"]["total"]["requests"] == 20
    assert result["origin"] is None
    assert not [w for w in result["warnings"] if "origin counters" in w], result["warnings"]
    assert result["origin_unknown"] == (f"the running network's origin (http://127.0.0.1:"
                                        f"{app_port}) is not edgesim's sample origin")
    assert f"origin not counted ({result['origin_unknown']})" in " ".join(run.stdout.split())


# An app of the user's own: a page at /hello, 404 for every other path.
OWN_APP = """
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"hello" if self.path == "/hello" else b"no such page"
        self.send_response(200 if self.path == "/hello" else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def test_the_sample_sites_workload_sent_to_your_own_app_is_warned_about(
    tmp_path: Path,
) -> None:
    """In front of the user's own app (`edgesim up --origin URL`), the default workload is the
    sample site's, whose paths the app does not have: `load` says so when it starts and in the
    report, with the way out (--workload FILE), and the report says that nearly every answer
    was a 404. The user's own paths, given with --workload, draw no such warning."""
    config = tmp_path / "world.toml"
    write_world(config, world_ports(control_plane=True))
    (tmp_path / "app.py").write_text(OWN_APP)
    app_port = free_port()
    app = subprocess.Popen([sys.executable, str(tmp_path / "app.py"), str(app_port)],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    (tmp_path / "urls.txt").write_text("/hello\n")
    try:
        wait_for(f"http://127.0.0.1:{app_port}/hello")
        with edgesim_up(config, "--origin", f"http://127.0.0.1:{app_port}"):
            site = _load("--config", str(config), "--requests", "20", "--rate", "40",
                         "--json", "site.json", "--html", "site.html", "--quiet", cwd=tmp_path)
            own = _load("--config", str(config), "--requests", "20", "--rate", "40",
                        "--workload", "urls.txt", "--json", "own.json", "--quiet", cwd=tmp_path)
    finally:
        app.terminate()
        app.wait(timeout=30)
    assert site.returncode == 0, site.stderr
    result = json.loads((tmp_path / "site.json").read_text())
    assert result["stats"]["total"]["statuses"] == {"404": 20}
    workload, not_found = result["warnings"]
    assert workload == (
        f"the workload is the sample site's (its pages, images, API and members' paths), but "
        f"the running network's origin (http://127.0.0.1:{app_port}) is not edgesim's sample "
        f"origin: expect 404s, not figures of your site; send its own paths with --workload "
        f"FILE (one `[METHOD] path` a line, most popular first)")
    assert site.stderr.startswith(f"edgesim load: warning: {workload}\n")
    assert not_found == ("100.0% of the answers were 404 Not Found (20 of 20): the origin does "
                         "not have the sample site's paths, which the default workload sends "
                         "(--workload FILE sends your own); the figures and the bill are those "
                         "of error pages")
    summary = " ".join(site.stdout.split())
    assert f"warning {workload}" in summary and f"warning {not_found}" in summary
    page = (tmp_path / "site.html").read_text()
    assert html.escape(workload) in page and html.escape(not_found) in page
    # The user's own paths: answered, and nothing to warn about.
    assert own.returncode == 0, own.stderr
    assert "warning" not in own.stderr and "warning" not in own.stdout
    mine = json.loads((tmp_path / "own.json").read_text())
    assert mine["stats"]["total"]["statuses"] == {"200": 20} and mine["warnings"] == []


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
