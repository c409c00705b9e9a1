"""The dashboard, a municipality page and the outbox in headless Chromium (Playwright).

GIVEN the seeded campaign served by uvicorn on a loopback port
WHEN a reviewer logs in, reads the dashboard, follows the first municipality to call,
     opens the outbox and retries the failed reminder
THEN each page shows what it should, the retry is confirmed and the row is queued again,
     and the pages do not scroll sideways at 200 % zoom. Screenshots of each page are
     saved under the test output folder.
"""
from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from intake.web.app import create_app
from storage import outbox
from storage.db import session_scope
from tests.helpers import ROOT
from tests.web import seed as seeded
from tests.web.pages_helper import PASSWORD, sqlite_site  # noqa: F401 - fixture

CHROMIUM = "/usr/bin/chromium"
# CSS pixels of a 1280-pixel-wide window at 200 % zoom.
ZOOMED_WIDTH = 640

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") or os.environ.get("AKSON_REQUIRE_SERVICES"):
        pytest.fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    pytest.skip(f"{CHROMIUM} is missing; set AKSON_REQUIRE_SERVICES=1 to make this a failure")


@pytest.fixture
def served(sqlite_site):  # noqa: F811
    import uvicorn
    app, ids = sqlite_site
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    server = uvicorn.Server(uvicorn.Config(create_app(app, clock=lambda: seeded.NOW), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app, ids
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture
def shots(request) -> Path:
    base = Path(os.environ.get("AKSON_TEST_OUTPUT", ROOT / "test-output"))
    path = base / "screenshots" / request.node.name
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def browser():
    _require_chromium()
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_dashboard_municipality_and_outbox_retry(served, browser, shots):
    base, app, ids = served
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)
    failed: list[str] = []   # the browser's own favicon request is no resource of ours
    page.on("response", lambda r: failed.append(r.url) if r.status >= 400 and "favicon" not in r.url else None)
    page.goto(base + "/")
    page.fill("#name", "kari")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")

    assert " ".join(page.inner_text("main").split()).count("2 av 8 inviterte kommuner har signert") == 1
    assert page.inner_text("#signert-andel") == "5,9\u00a0%"
    assert page.locator("svg#andel-graf").is_visible()
    crossing = page.locator("tr.crossing")
    assert crossing.count() == 1 and "Asker" in crossing.inner_text() and "55\u00a0% nås her" in crossing.inner_text()
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)

    page.click("text=Vis tallene i grafen som tabell")
    assert page.locator("details table tbody tr").count() == 2
    page.get_by_role("link", name="Bergen").first.click()
    page.wait_for_url(base + "/kommuner/4601")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bergen")
    assert seeded.FAILED_REPLY in page.inner_text("main")
    page.screenshot(path=str(shots / "municipality.png"), full_page=True)

    page.get_by_role("navigation").get_by_role("link", name="Utboks", exact=True).click()
    page.wait_for_url(base + "/utboks")
    page.screenshot(path=str(shots / "outbox.png"), full_page=True)
    row = page.locator(f"#mail-{ids['rem_bergen_7']}")
    assert "Feilet" in row.inner_text()
    row.get_by_role("button", name="Prøv e-post").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/utboks?tilstand=queued")
    assert "er lagt i kø igjen" in page.inner_text("[role=status]")
    assert "I kø" in page.locator(f"#mail-{ids['rem_bergen_7']}").inner_text()
    page.screenshot(path=str(shots / "outbox-after-retry.png"), full_page=True)
    with session_scope(app.sessions) as s:
        assert outbox.get(s, ids["rem_bergen_7"]).state == "queued"

    page.set_viewport_size({"width": ZOOMED_WIDTH, "height": 900})
    for name, url in (("dashboard", "/"), ("municipality", "/kommuner/4601"), ("outbox", "/utboks")):
        page.goto(base + url)
        assert _no_sideways_scroll(page), f"{url} scrolls sideways at 200 % zoom"
        page.screenshot(path=str(shots / f"{name}-200pct.png"), full_page=True)
    # The chart and the pages' style sheet must work under the strict Content-Security-Policy.
    assert csp_errors == [] and failed == []
