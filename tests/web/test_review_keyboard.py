"""The review flow with the keyboard alone, and the review page at 200 % zoom.

GIVEN the scanned declaration in the queue
WHEN a reviewer uses only Tab, typing and Enter: logs in, opens the item, types part of the
     municipality's name, chooses it, accepts and undoes
THEN every step works, and the focused control always shows a visible outline.
"""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from storage.db import session_scope
from storage.models import Submission
from tests.web.conftest import shot
from tests.web.pages_helper import PASSWORD

pytestmark = pytest.mark.browser

# Tab presses allowed to reach a control: the review page has about 40 focusable ones.
MAX_TABS = 80
# CSS pixels across a 1280-pixel window at 200 % zoom.
ZOOMED_WIDTH = 640

_FOCUSED = """() => {
  const e = document.activeElement;
  const label = (e.labels && e.labels.length) ? e.labels[0].innerText : '';
  const style = getComputedStyle(e);
  return {tag: e.tagName, id: e.id, text: (e.innerText || e.value || label || '').trim(),
          label: label.trim(), outline: style.outlineStyle, width: parseFloat(style.outlineWidth)};
}"""


def _tab_to(page, matches) -> dict:
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        focused = page.evaluate(_FOCUSED)
        if matches(focused):
            assert focused["outline"] != "none" and focused["width"] >= 2, f"focus not visible on {focused}"
            return focused
    raise AssertionError("the control was not reachable with Tab")


def test_review_flow_with_the_keyboard_only(live_site, page):
    site, sid = live_site, live_site.ids["scanned"]
    page.goto(site.url + "/review")
    page.wait_for_url("**/login?next=/review")
    page.wait_for_load_state()
    assert page.evaluate(_FOCUSED)["id"] == "name"      # the login form takes the focus
    page.keyboard.type("kari")
    page.keyboard.press("Tab")
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(site.url + "/review")

    _tab_to(page, lambda f: f["tag"] == "A" and f["text"] == "Skannet dokument")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/review/{sid}")

    _tab_to(page, lambda f: f["id"] == "kommune")
    page.keyboard.type("aske")
    page.keyboard.press("Enter")
    expect(page.locator("#valgt-kommune")).to_contain_text("Asker", timeout=20_000)

    _tab_to(page, lambda f: f["id"] == "godkjenn")
    shot(page, "14-keyboard-focus-on-accept")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Godkjent", timeout=20_000)
    with session_scope(site.app.sessions) as s:
        assert s.get(Submission, sid).status == "accepted"

    _tab_to(page, lambda f: f["id"] == "angre")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("angret", timeout=20_000)
    with session_scope(site.app.sessions) as s:
        assert s.get(Submission, sid).status == "needs_review"


def test_review_page_reflows_at_200_percent(live_site, chromium):
    site, sid = live_site, live_site.ids["scanned"]
    context = chromium.new_context(viewport={"width": ZOOMED_WIDTH, "height": 900})
    try:
        page = context.new_page()
        site.login(page)
        for path in ("/review", f"/review/{sid}"):
            page.goto(site.url + path)
            overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 200 %"
        shot(page, "15-review-at-200-percent")
    finally:
        context.close()
