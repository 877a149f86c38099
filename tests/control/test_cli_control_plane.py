"""`edgesim up` with a control plane, as a user runs it: real processes and signals. The banner
gives the dashboard with the token once, the API answers that token, an edit of the config file
reaches the PoP, `edgesim invalidate` and `edgesim load` go through the control plane, and
Ctrl-C stops every process."""

from __future__ import annotations

import json
import signal
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.test_cli_processes import EDGESIM, children_of, fetch, wait_for_banner
from tests.test_cli_world import world_ports, write_world


def _api(base: str, path: str, token: str | None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    request = urllib.request.Request(base + path, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def _until(check, seconds: float = 20.0) -> Any:
    deadline = time.monotonic() + seconds
    while not (result := check()):
        assert time.monotonic() < deadline, f"not so within {seconds} s"
        time.sleep(0.2)
    return result


def test_up_runs_the_control_plane_and_ctrl_c_stops_it(tmp_path: Path) -> None:
    ports = world_ports(control_plane=True)
    config = tmp_path / "world.toml"
    write_world(config, ports, cache_policy="CachingDisabled")
    process = subprocess.Popen(
        [*EDGESIM, "up", "--config", str(config), "--pops", "IAD89-C1"], cwd=tmp_path,
        text=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
    )
    kids: list[int] = []
    try:
        banner = wait_for_banner(process)
        token = (tmp_path / ".edgesim" / "admin-token").read_text().strip()
        base = f"http://127.0.0.1:{ports['control']}"
        assert f"Dashboard: {base}/#token={token}" in banner
        assert banner.count(token) == 1
        assert json.loads((tmp_path / ".edgesim" / "control.json").read_text()) == {
            "url": base + "/"}
        kids = children_of(process.pid)
        assert len(kids) == 4  # origin, the PoP, the front door, the control plane

        assert _api(base, "/api/health", None) == (200, {"status": "ok"})
        assert _api(base, "/api/topology", None)[0] == 401
        status, topology = _api(base, "/api/topology", token)
        assert status == 200 and [n["id"] for n in topology["nodes"]] == ["IAD89-C1"]

        # An edit of the file is picked up by itself and rules the PoP's next responses.
        page = f"http://127.0.0.1:{ports['IAD89-C1']}/index.html"
        assert fetch(page)[1]["X-Cache"] == fetch(page)[1]["X-Cache"] == "Miss from cloudfront"
        write_world(config, ports)
        reload = _until(lambda: _api(base, "/api/config", token)[1]["last_reload"])
        assert reload["result"] == "applied", reload
        assert fetch(page)[1]["X-Cache"] == "Miss from cloudfront"
        assert fetch(page)[1]["X-Cache"] == "Hit from cloudfront"

        invalidate = subprocess.run([*EDGESIM, "invalidate", "/index.html"], cwd=tmp_path,
                                    capture_output=True, text=True, timeout=60)
        assert invalidate.returncode == 0, invalidate.stderr
        assert "IAD89-C1             removed 1 object(s)" in invalidate.stdout
        assert "invalidation I" in invalidate.stderr
        invalidations = _api(base, "/api/invalidations", token)[1]["invalidations"]
        assert [i["status"] for i in invalidations] == ["Completed"]
        assert fetch(page)[1]["X-Cache"] == "Miss from cloudfront"

        load = subprocess.run([*EDGESIM, "load", "--config", str(config), "--requests", "20",
                               "--rate", "100", "--quiet"], cwd=tmp_path, capture_output=True,
                              text=True, timeout=60)
        assert load.returncode == 0, load.stderr
        status, progress = _api(base, "/api/load", token)
        assert status == 200 and progress["finished"] is True
        assert progress["requests"] == progress["requests_planned"] == 20
        assert progress["errors"] == 0
    finally:
        process.send_signal(signal.SIGINT)
        out, _ = process.communicate(timeout=30)
    assert process.returncode == 0
    assert "Traceback" not in out and "edgesim: stopped" in out
    for kid in kids:
        assert not Path(f"/proc/{kid}").exists()
    assert not (tmp_path / ".edgesim" / "control.json").exists()
