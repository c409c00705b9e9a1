"""``akson-intake demo``: one cycle on sample mail, then the web UI on that data."""
from __future__ import annotations

import re
import subprocess
import sys
import time

import httpx
import pytest

from tests.helpers import ROOT, run_cli

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def test_demo_without_web_prints_and_exits(tmp_path):
    r = run_cli(None, "demo", "--dir", str(tmp_path / "demo"), "--count", "6", "--no-web")
    assert r.code == 0, r.err
    assert "waiting for review" in r.out and "Web UI" not in r.out


@pytest.mark.slow
def test_demo_serves_the_web_ui_with_a_printed_login(tmp_path):
    """GIVEN the demo started on any free port WHEN the printed login is used THEN the queue opens."""
    proc = subprocess.Popen([sys.executable, "-m", "intake", "demo", "--dir", str(tmp_path / "demo"),
                             "--count", "6", "--port", "0"], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        deadline = time.monotonic() + 240
        line = ""
        while "Web UI:" not in line:
            assert time.monotonic() < deadline and proc.poll() is None, "the demo did not start its web UI"
            line = proc.stdout.readline()
        match = re.search(r"Web UI: (http://127\.0\.0\.1:\d+/)\s+log in as (\S+) with password (\S+)", line)
        assert match, line
        url, name, password = match.groups()
        with httpx.Client(base_url=url, follow_redirects=False, timeout=30) as c:
            token = CSRF.search(c.get("/login").text).group(1)
            r = c.post("/login", data={"name": name, "password": password, "csrf_token": token, "next": "/review"})
            assert r.status_code == 303
            queue = c.get("/review")
            assert queue.status_code == 200 and "Til gjennomgang" in queue.text
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
