"""The review flow in headless Chromium, as staff use it.

GIVEN the seeded campaign (2 of 8 invited municipalities signed) and a scanned, image-only
      declaration from Asker sent from a scanner address that is not Asker's
WHEN a reviewer logs in, opens the queue and the item, sees its page image, picks the
     municipality by typing part of its name, accepts, looks at the dashboard, undoes and
     logs out
THEN each step shows what it should, the dashboard count and share move and move back,
     and the acknowledgement is queued once and stays queued after the undo.
Screenshots of each page go to test-output/screenshots/.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from storage.db import session_scope
from storage.models import OutboxMail, Submission
from tests.web import seed as seeded
from tests.web.conftest import SCANNED_FILE, SCANNED_FROM, shot

pytestmark = pytest.mark.browser

ASKER_POPULATION = 94_441


def _share_text(signed_population: int) -> str:
    return f"{signed_population / seeded.POPULATION_INVITED * 100:.1f}".replace(".", ",")


def _dashboard(page, site, name: str) -> tuple[str, str]:
    page.goto(site.url + "/")
    shot(page, name)
    status = page.locator("#h-status").locator("xpath=..").inner_text()
    return " ".join(status.split()), page.locator("#signert-andel").inner_text()


def _acks(site, submission_id: int) -> list[tuple[str, str]]:
    with session_scope(site.app.sessions) as s:
        return [(m.key, m.state) for m in s.scalars(select(OutboxMail).where(OutboxMail.submission_id == submission_id))]


def test_review_a_scanned_declaration_end_to_end(live_site, page):
    site, sid = live_site, live_site.ids["scanned"]
    page.goto(site.url + "/review")
    assert "/login" in page.url
    shot(page, "01-login")
    site.login(page)
    assert page.url.endswith("/review")

    status, share = _dashboard(page, site, "02-dashboard-before")
    assert "2 av 8" in status and share.startswith(_share_text(seeded.POPULATION_SIGNED))

    page.goto(site.url + "/review")
    count = page.get_by_role("navigation").locator(".count").inner_text()
    assert count == "2"        # Stavanger (hostile) and the scanned declaration
    shot(page, "03-queue")
    page.get_by_role("link", name="Skannet dokument").click()
    page.wait_for_url(f"**/review/{sid}")

    image = page.get_by_role("img", name=f"Side 1 av 1 i {SCANNED_FILE}")
    image.wait_for()
    # Rendered from the PDF on the server: an A4 page at the bounded 1400-pixel height.
    assert image.evaluate("img => img.complete && [img.naturalWidth, img.naturalHeight]") == [990, 1400]
    assert "Ingen lesbar tekst" in page.content()
    shot(page, "04-review-scanned")

    page.get_by_label("Kommune (skriv navn eller nummer)").fill("aske")
    page.get_by_role("button", name="Velg kommune").click()
    expect(page.locator("#valgt-kommune")).to_contain_text("Asker", timeout=20_000)
    shot(page, "05-municipality-chosen")

    page.get_by_role("button", name="Godkjenn").click()
    expect(page.get_by_role("status")).to_contain_text("Godkjent", timeout=20_000)
    flash = page.get_by_role("status").inner_text()
    assert "Godkjent" in flash and f"ack:{sid}" in flash
    assert _acks(site, sid) == [(f"ack:{sid}", "queued")]
    shot(page, "06-accepted")

    status, share = _dashboard(page, site, "07-dashboard-after-accept")
    assert "3 av 8" in status
    assert share.startswith(_share_text(seeded.POPULATION_SIGNED + ASKER_POPULATION))

    page.goto(site.url + "/utboks?tilstand=queued")
    ack_row = page.get_by_role("row").filter(has_text=SCANNED_FROM)
    assert ack_row.count() == 1 and "Asker" in ack_row.inner_text()
    shot(page, "08-outbox-ack-queued")

    page.goto(f"{site.url}/review/{sid}")
    page.get_by_role("button", name=re.compile("^Angre")).click()
    expect(page.get_by_role("status")).to_contain_text("angret", timeout=20_000)
    assert "ikke trukket tilbake" in page.get_by_role("status").inner_text()
    assert page.locator("#resultat").get_by_text("Til gjennomgang").is_visible()
    shot(page, "09-undone")
    with session_scope(site.app.sessions) as s:
        assert s.get(Submission, sid).status == "needs_review"
    assert _acks(site, sid) == [(f"ack:{sid}", "queued")]   # not unsent, and not doubled

    status, _share = _dashboard(page, site, "10-dashboard-after-undo")
    assert "2 av 8" in status

    page.get_by_role("button", name="Logg ut").click()
    page.wait_for_url("**/login")
    assert "Du er logget ut" in page.content()
    shot(page, "11-logged-out")
    page.goto(site.url + "/review")
    assert "/login" in page.url
    assert page.console_errors == []


def test_hostile_subject_and_file_name_show_as_text(live_site, page):
    site, sid = live_site, live_site.ids["stavanger"]
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    site.login(page)
    page.goto(site.url + "/review")
    assert page.get_by_text(seeded.HOSTILE_FILE).is_visible()
    assert page.get_by_text(seeded.HOSTILE_SUBJECT).first.is_visible()
    shot(page, "12-queue-hostile")
    page.goto(f"{site.url}/review/{sid}")
    assert page.get_by_role("heading", level=1).inner_text().endswith(seeded.HOSTILE_SUBJECT)
    assert page.locator("img[src='x']").count() == 0 and page.locator("main script").count() == 0
    shot(page, "13-review-hostile")
    assert dialogs == []
