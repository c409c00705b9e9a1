"""Browser fixtures: the app served by uvicorn on a loopback port, headless Debian Chromium.

- ``live_site``: the seeded campaign (tests/web/seed.py) plus one scanned declaration
  (an image-only PDF made here, from Asker, not authenticated) taken through the real
  poll-and-process path, users ``kari`` (reviewer) and ``leser`` (viewer), served on a
  free 127.0.0.1 port. Yields a ``LiveSite``.
- ``chromium``: one browser per test session, launched from /usr/bin/chromium (never a
  downloaded one). Missing, it fails the test under CI/AKSON_REQUIRE_SERVICES, else skips.
- ``page``: a fresh context and page per test; ``shot(page, name)`` saves a full-page
  screenshot as ``test-output/screenshots/<name>.png`` (git-ignored; set
  AKSON_TEST_OUTPUT to put it elsewhere).
"""
from __future__ import annotations

import email.message
import email.utils
import io
import mailbox
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont

from intake.app import App
from tests.helpers import ROOT
from tests.web import seed as seeded
from tests.web.pages_helper import PASSWORD, add_users

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = Path(os.environ.get("AKSON_TEST_OUTPUT") or ROOT / "test-output")
SCREENSHOTS = OUTPUT / "screenshots"
SCANNED_FROM = "skanner@vestviken-ikt.no"
SCANNED_FILE = "skann_0042.pdf"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("AKSON_REQUIRE_SERVICES"))


def scanned_pdf(lines: list[str]) -> bytes:
    """An image-only PDF: the text exists only as pixels, as from a scanner."""
    page = Image.new("L", (1240, 1754), 255)             # A4 at 150 dpi
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(DEJAVU), 34) if DEJAVU.exists() else ImageFont.load_default()
    y = 160
    for line in lines:
        draw.text((140, y), line, fill=20, font=font)
        y += 70
    draw.line((140, y + 120, 640, y + 90), fill=30, width=4)   # a signature stroke
    out = io.BytesIO()
    page.save(out, format="PDF", resolution=150)
    return out.getvalue()


def scanned_mail() -> bytes:
    msg = email.message.EmailMessage()
    msg["From"] = f"Skanner IKT-samarbeidet <{SCANNED_FROM}>"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Skannet dokument"
    msg["Date"] = email.utils.format_datetime(seeded.at(23, 14))
    msg["Message-ID"] = "<skann-0042@asker.kommune.no>"
    msg.set_content("Skannet fra multifunksjonsmaskin.\n")
    pdf = scanned_pdf(["INTENSJONSERKLÆRING – AKSON", "Asker kommune slutter seg til",
                       "samarbeidet om felles kommunal journal.", "", "Asker, 22. juni 2020",
                       "Lene Conradi, ordfører"])
    msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=SCANNED_FILE)
    return msg.as_bytes()


@dataclass
class LiveSite:
    url: str
    app: App
    ids: dict[str, int]

    def login(self, page, name: str = "kari") -> None:
        if "/login" not in page.url:
            page.goto(self.url + "/login")
        page.get_by_label("Brukernavn").fill(name)
        page.get_by_label("Passord").fill(PASSWORD)
        page.get_by_role("button", name="Logg inn").click()
        page.wait_for_url(lambda url: "/login" not in url)


def _process_scanned(app: App, tmp_path: Path) -> int:
    from intake.commands import poll_and_process
    from storage.db import session_scope
    from storage.models import Submission
    box = mailbox.Maildir(str(tmp_path / "inbox"), create=True)
    box.add(scanned_mail())
    poll_and_process(app, lambda: seeded.NOW)
    with session_scope(app.sessions) as s:
        row = s.query(Submission).filter(Submission.attachment == SCANNED_FILE).one()
        assert row.status == "needs_review", row.reasons
        return row.id


def serve_in_thread(app: App, clock):
    """Start uvicorn on a free loopback port; returns (url, stop)."""
    import uvicorn
    from intake.web.app import create_app
    from intake.web.serve import bind
    sock = bind("127.0.0.1", 0)
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(app, clock), log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)

    def stop() -> None:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
    return f"http://127.0.0.1:{port}", stop


@pytest.fixture
def live_site(tmp_path):
    app, ids = seeded.seeded_app(tmp_path, f"sqlite:///{tmp_path / 'akson.db'}")
    add_users(app)
    ids["scanned"] = _process_scanned(app, tmp_path)
    url, stop = serve_in_thread(app, lambda: seeded.NOW)
    try:
        yield LiveSite(url, app, ids)
    finally:
        stop()
        app.close()


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if _required():
            pytest.fail(message)
        pytest.skip(message + "; set AKSON_REQUIRE_SERVICES=1 to make this a failure")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900}, locale="nb-NO")
    context.set_default_timeout(15_000)
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.console_errors = errors
    try:
        yield pg
    finally:
        context.close()


def shot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
