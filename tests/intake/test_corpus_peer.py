"""Other projects' test mail and PDFs: taken, kept, and never counted.

GIVEN every message of ../shared/corpus/peer/mail, and every PDF and TNEF file there
wrapped in a mail from a municipality's own domain with a declaration-like subject,
WHEN they are polled from a maildir and processed,
THEN nothing crashes, every distinct message is recorded as a submission, none is
accepted, and every municipality is still without a response.
"""
from __future__ import annotations

import hashlib
from email.message import EmailMessage
from email.utils import format_datetime
import datetime as dt

import pytest

from tests.helpers import PEER, cli_json, make_config, require_shared, run_cli

pytestmark = pytest.mark.slow

# Invited municipalities with unambiguous conventional domains, used as wrapper senders.
SENDERS = [("Nesna", "nesna.kommune.no"), ("Gran", "gran.kommune.no"), ("Tolga", "tolga.kommune.no"),
           ("Vestby", "vestby.kommune.no"), ("Hamar", "hamar.kommune.no")]


def _wrap(data: bytes, filename: str, mime: tuple[str, str], i: int) -> bytes:
    name, domain = SENDERS[i % len(SENDERS)]
    msg = EmailMessage()
    msg["From"] = f"Postmottak {name} kommune <postmottak@{domain}>"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = f"Signert intensjonserklæring Akson – {name} kommune"
    msg["Date"] = format_datetime(dt.datetime(2020, 6, 2, 10, 0, tzinfo=dt.timezone.utc))
    msg["Message-ID"] = f"<peer-wrap-{i}@{domain}>"
    msg["Authentication-Results"] = (f"mx.dep.no; dkim=pass header.d={domain}; spf=pass smtp.mailfrom={domain}; "
                                     f"dmarc=pass header.from={domain}")
    msg.set_content("Hei,\n\nVedlagt følger signert intensjonserklæring.\n\nMed vennlig hilsen\nPostmottak\n")
    msg.add_attachment(data, maintype=mime[0], subtype=mime[1], filename=filename)
    return bytes(msg)


@pytest.fixture(scope="module")
def peer_run(tmp_path_factory):
    require_shared()
    tmp = tmp_path_factory.mktemp("peer")
    inbox = tmp / "inbox"
    for sub in ("new", "cur", "tmp"):
        (inbox / sub).mkdir(parents=True)
    contents = []
    for i, path in enumerate(sorted((PEER / "mail").rglob("*"))):
        if path.is_file():
            contents.append(path.read_bytes())
    mails = len(contents)
    for i, path in enumerate(sorted((PEER / "pdf").rglob("*.pdf"))):
        contents.append(_wrap(path.read_bytes(), path.name, ("application", "pdf"), i))
    for i, path in enumerate(sorted((PEER / "tnef").rglob("*"))):
        if path.is_file():
            contents.append(_wrap(path.read_bytes(), "winmail.dat", ("application", "ms-tnef"), i))
    for i, raw in enumerate(contents):
        (inbox / "new" / f"{i:05d}.peer").write_bytes(raw)
    # No OCR: here nothing may be counted, and reading scans is tested in test_ocr.py;
    # OCR of every image-only page among these PDFs would take many minutes.
    config = make_config(tmp, inbox=inbox, extra="[ocr]\nenabled = false")
    assert run_cli(config, "db", "upgrade").code == 0
    result = run_cli(config, "poll", "--once")
    return {"config": config, "result": result, "mails": mails, "total": len(contents),
            "distinct": len({hashlib.sha256(c).hexdigest() for c in contents})}


def test_the_corpus_is_all_there(peer_run):
    assert peer_run["mails"] >= 250
    assert peer_run["total"] >= 250 + 165 + 24


def test_every_distinct_message_is_recorded(peer_run):
    assert peer_run["result"].code == 0, peer_run["result"].err
    subs = cli_json(peer_run["config"], "export", "submissions", "--format", "json")
    assert len(subs) == peer_run["distinct"]


def test_none_is_counted(peer_run):
    subs = cli_json(peer_run["config"], "export", "submissions", "--format", "json")
    assert [s for s in subs if s["status"] == "accepted"] == []
    status = cli_json(peer_run["config"], "status", "--json")
    assert status["signed"] == status["declined"] == status["pending_review"] == 0
    assert status["no_response"] == status["invited"] == 291


def test_reports_and_bounces_are_ignored(peer_run):
    subs = cli_json(peer_run["config"], "export", "submissions", "--format", "json")
    ignored = [s for s in subs if s["status"] == "ignored"]
    # the corpus holds 19 delivery reports and several auto-replies
    assert len(ignored) >= 19
