"""The dashboard, a municipality page and the outbox in headless Chromium (Playwright).

GIVEN the seeded campaign served by uvicorn on a loopback port
WHEN a reviewer logs in, reads the dashboard, follows the first municipality to call,
     opens the outbox and retries the failed reminder
THEN each page shows what it should, the retry is confirmed and the row is queued again,
     and the pages do not scroll sideways at 200 % zoom. Screenshots of each page are
     saved under the test output folder (test-output/screenshots/dashboard-browser-*.png).
"""
from __future__ import annotations

import pytest

from storage import outbox
from storage.db import session_scope
from tests.web import seed as seeded
from tests.web.conftest import serve_in_thread, shot
from tests.web.pages_helper import PASSWORD, sqlite_site  # noqa: F401 - fixture

# CSS pixels of a 1280-pixel-wide window at 200 % zoom.
ZOOMED_WIDTH = 640

pytestmark = pytest.mark.browser


@pytest.fixture
def served(sqlite_site):  # noqa: F811
    """The seeded campaign alone (no extra submission), served on a loopback port."""
    app, ids = sqlite_site
    url, stop = serve_in_thread(app, lambda: seeded.NOW)
    try:
        yield url, app, ids
    finally:
        stop()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_dashboard_municipality_and_outbox_retry(served, page):
    base, app, ids = served
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
    shot(page, "dashboard-browser-dashboard")

    page.click("text=Vis tallene i grafen som tabell")
    assert page.locator("details table tbody tr").count() == 2
    page.get_by_role("link", name="Bergen").first.click()
    page.wait_for_url(base + "/kommuner/4601")
    assert page.get_by_role("heading", level=1).inner_text().startswith("Bergen")
    assert seeded.FAILED_REPLY in page.inner_text("main")
    shot(page, "dashboard-browser-municipality")

    page.get_by_role("navigation").get_by_role("link", name="Utboks", exact=True).click()
    page.wait_for_url(base + "/utboks")
    shot(page, "dashboard-browser-outbox")
    row = page.locator(f"#mail-{ids['rem_bergen_7']}")
    assert "Feilet" in row.inner_text()
    row.get_by_role("button", name="Prøv e-post").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(base + "/utboks?tilstand=queued")
    assert "er lagt i kø igjen" in page.inner_text("[role=status]")
    assert "I kø" in page.locator(f"#mail-{ids['rem_bergen_7']}").inner_text()
    shot(page, "dashboard-browser-outbox-after-retry")
    with session_scope(app.sessions) as s:
        assert outbox.get(s, ids["rem_bergen_7"]).state == "queued"

    page.set_viewport_size({"width": ZOOMED_WIDTH, "height": 900})
    for name, url in (("dashboard", "/"), ("municipality", "/kommuner/4601"), ("outbox", "/utboks")):
        page.goto(base + url)
        assert _no_sideways_scroll(page), f"{url} scrolls sideways at 200 % zoom"
        shot(page, f"dashboard-browser-{name}-200pct")
    # No CSP violation (the chart and the style sheet work under the strict policy), no
    # failed request; the browser's own favicon request is no resource of ours.
    assert [e for e in page.console_errors if "favicon" not in e] == []
