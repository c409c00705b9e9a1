"""Outbound mail through the command line, one behaviour at a time.

Each test builds a small campaign: a maildir inbox with mail from the sample factory,
a database on the parametrized backend, contacts for the municipalities involved and a
real SMTP server (aiosmtpd) or the maildir outbox.
"""
from __future__ import annotations

import datetime as dt
import email
import email.policy
import mailbox
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from intake.samples import Attachment, DeclarationSpec, declaration_pdf, submission_email
from intake.samples.specs import Signer
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401 - fixtures
from tests.helpers import ROOT, cli_json, make_config, run_cli

OSLO = dt.timezone(dt.timedelta(hours=2))
GRAN, GRAN_MAIL = "3446", "postmottak@gran.kommune.no"
HAMAR, HAMAR_MAIL = "3403", "postmottak@hamar.kommune.no"


def declaration(*, municipality="Gran kommune", place="Gran", sender="ordforer@gran.kommune.no",
                at=dt.datetime(2020, 6, 2, 10, 0, tzinfo=OSLO), seed=1, in_reply_to=None) -> bytes:
    pdf = declaration_pdf(DeclarationSpec(municipality=municipality, place=place,
                                          signed_on=at.date(), signers=(Signer("Kari Nordmann", "ordfører"),)))
    return submission_email(from_name="Kari Nordmann", from_address=sender, subject="Intensjonserklæring Akson",
                            body="Vedlagt signert intensjonserklæring.", sent_at=at, received_at=at, seed=seed,
                            attachments=[Attachment("intensjonserklaering.pdf", pdf)], in_reply_to=in_reply_to)


@pytest.fixture
def setup(tmp_path, db_url):
    """A campaign with contacts for Gran and Hamar; returns (config, inbox, tmp)."""
    inbox = tmp_path / "inbox"
    mailbox.Maildir(str(inbox), create=True)
    config = make_config(tmp_path, inbox=inbox, db_url=db_url,
                         extra='[campaign]\ninvited = ["3446", "3403"]\n')
    assert run_cli(config, "db", "upgrade").code == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(f"number,email\n{GRAN},{GRAN_MAIL}\n{HAMAR},{HAMAR_MAIL}\n", encoding="utf-8")
    assert run_cli(config, "municipalities", "import", str(contacts)).code == 0
    return config, inbox, tmp_path


def use_smtp(config: Path, url: str) -> None:
    text = config.read_text(encoding="utf-8")
    start = text.index('[smtp]\nurl = "') + len('[smtp]\nurl = "')
    end = text.index('"', start)
    config.write_text(text[:start] + url + text[end:], encoding="utf-8")


def deliver(inbox: Path, raw: bytes) -> None:
    mailbox.Maildir(str(inbox)).add(raw)


def test_acknowledgement_is_delivered_once_over_smtp(setup, smtp_sink):  # noqa: F811
    """GIVEN a signed declaration from Gran WHEN `run --once` runs twice THEN the sender
    gets one acknowledgement (official address in copy) threaded under the submission."""
    config, inbox, _ = setup
    use_smtp(config, smtp_sink.url)
    deliver(inbox, declaration())
    for _ in range(2):
        result = run_cli(config, "run", "--once", "--now", "2020-06-02T12:00:00+02:00")
        assert result.code == 0, result.err
    assert len(smtp_sink.messages) == 1
    got = smtp_sink.messages[0]
    assert sorted(got.rcpt_tos) == sorted(["ordforer@gran.kommune.no", GRAN_MAIL])
    sub = cli_json(config, "export", "submissions")[0]
    assert sub["status"] == "accepted"
    assert got.message["In-Reply-To"] == sub["message_id"]
    assert got.message["Auto-Submitted"] == "auto-replied"
    assert "Gran kommune" in got.message.get_body(("plain",)).get_content()


def test_permanent_failure_is_kept_and_shown_in_status(setup, smtp_sink):  # noqa: F811
    config, inbox, _ = setup
    use_smtp(config, smtp_sink.url)
    smtp_sink.reply_rcpt["ordforer@gran.kommune.no"] = "550 5.1.1 <ordforer@gran.kommune.no>: no such user"
    smtp_sink.reply_rcpt[GRAN_MAIL] = "550 5.1.1 <postmottak@gran.kommune.no>: no such user"
    deliver(inbox, declaration())
    assert run_cli(config, "run", "--once", "--now", "2020-06-02T12:00:00+02:00").code == 0
    status = cli_json(config, "status", "--json")
    assert status["outbox"]["failed"] == 1
    assert "550 5.1.1" in status["outbox"]["failures"][0]["reply"]
    text = run_cli(config, "status").out
    assert "FAILED ack:" in text and "550 5.1.1" in text


def test_remind_dry_run_prints_and_queues_nothing(setup):
    config, _, tmp = setup
    result = run_cli(config, "remind", "--dry-run", "--now", "2020-06-10T09:00:00+02:00")
    assert result.code == 0, result.err
    assert "would queue 2" in result.out
    assert f"reminder:{GRAN}:21 -> {GRAN_MAIL}" in result.out
    assert f"reminder:{HAMAR}:21 -> {HAMAR_MAIL}" in result.out
    assert cli_json(config, "status", "--json")["outbox"]["queued"] == 0
    assert not (tmp / "outbox").exists() or not any((tmp / "outbox" / "new").iterdir())


def test_no_reminder_for_who_signed_and_none_before_the_step(setup, smtp_sink):  # noqa: F811
    config, inbox, _ = setup
    use_smtp(config, smtp_sink.url)
    deliver(inbox, declaration())
    assert run_cli(config, "run", "--once", "--now", "2020-06-09T09:00:00+02:00").code == 0
    acks = len(smtp_sink.messages)
    assert acks == 1
    # Step 21 is due at 09:00 on 10 June: a minute before, nothing.
    assert run_cli(config, "run", "--once", "--now", "2020-06-10T08:59:00+02:00").code == 0
    assert len(smtp_sink.messages) == acks
    # Missed at 09:00, the worker is back at 15:00 the same day: sent once, to Hamar only.
    for _ in range(2):
        assert run_cli(config, "run", "--once", "--now", "2020-06-10T15:00:00+02:00").code == 0
    reminders = smtp_sink.messages[acks:]
    assert [r.rcpt_tos for r in reminders] == [[HAMAR_MAIL]]
    assert reminders[0].message["Auto-Submitted"] == "auto-generated"
    exported = {m["number"]: m["reminders_sent"] for m in cli_json(config, "export", "municipalities")}
    assert exported == {GRAN: 0, HAMAR: 1}


def test_weeks_of_downtime_send_only_the_newest_step(setup, smtp_sink):  # noqa: F811
    config, _, _ = setup
    use_smtp(config, smtp_sink.url)
    assert run_cli(config, "run", "--once", "--now", "2020-06-25T10:00:00+02:00").code == 0
    assert sorted(r.rcpt_tos[0] for r in smtp_sink.messages) == sorted([HAMAR_MAIL, GRAN_MAIL])
    body = smtp_sink.messages[0].message.get_body(("plain",)).get_content()
    assert "30. juni 2020" in body
    exported = {m["number"]: m["reminders_sent"] for m in cli_json(config, "export", "municipalities")}
    assert exported == {GRAN: 1, HAMAR: 1}


def test_bounce_marks_the_contact_and_the_next_step_skips_it(setup, smtp_sink):  # noqa: F811
    """GIVEN the 21-day reminder went out WHEN a delivery report for Hamar's address comes
    back THEN status and export show the bounce and the 7-day step is not sent there."""
    config, inbox, _ = setup
    use_smtp(config, smtp_sink.url)
    assert run_cli(config, "run", "--once", "--now", "2020-06-10T09:00:00+02:00").code == 0
    to_hamar = next(r for r in smtp_sink.messages if r.rcpt_tos == [HAMAR_MAIL])
    deliver(inbox, _bounce(to_hamar.message["Message-ID"], HAMAR_MAIL))
    assert run_cli(config, "run", "--once", "--now", "2020-06-11T09:00:00+02:00").code == 0
    status = cli_json(config, "status", "--json")
    assert [b["number"] for b in status["outbox"]["bouncing"]] == [HAMAR]
    exported = {m["number"]: m for m in cli_json(config, "export", "municipalities")}
    assert HAMAR_MAIL in exported[HAMAR]["bounced"] and exported[GRAN]["bounced"] is None
    sub = [s for s in cli_json(config, "export", "submissions") if "delivery_report" in s["reasons"]]
    assert len(sub) == 1 and sub[0]["status"] == "ignored"
    before = len(smtp_sink.messages)
    result = run_cli(config, "run", "--once", "--now", "2020-06-24T09:00:00+02:00")
    assert result.code == 0
    assert [r.rcpt_tos for r in smtp_sink.messages[before:]] == [[GRAN_MAIL]]


def _bounce(original_id: str, address: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.hod.dep.no>\r\n"
        "To: akson@hod.dep.no\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Date: Thu, 11 Jun 2020 08:00:00 +0200\r\nMessage-ID: <bounce-1@mx.hod.dep.no>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n\r\n'
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.hod.dep.no\r\n\r\n"
        f"Final-Recipient: rfc822; {address}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        f"Diagnostic-Code: smtp; 550 5.1.1 <{address}>: Recipient address rejected\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"Message-ID: {original_id}\r\nTo: {address}\r\nSubject: Påminnelse\r\n"
        "--b1--\r\n").encode("utf-8")


def test_reply_to_our_reminder_from_the_contact_counts_as_the_domain(tmp_path, db_url, smtp_sink):  # noqa: F811
    """GIVEN Gran's registered contact is a private address WHEN the signed form comes back
    as a reply to our reminder from that address THEN it is accepted on that link."""
    inbox = tmp_path / "inbox"
    mailbox.Maildir(str(inbox), create=True)
    config = make_config(tmp_path, inbox=inbox, db_url=db_url, extra='[campaign]\ninvited = ["3446"]\n')
    use_smtp(config, smtp_sink.url)
    assert run_cli(config, "db", "upgrade").code == 0
    contacts = tmp_path / "contacts.csv"
    contacts.write_text(f"number,email\n{GRAN},kari.ordforer@gmail.com\n", encoding="utf-8")
    assert run_cli(config, "municipalities", "import", str(contacts)).code == 0
    assert run_cli(config, "run", "--once", "--now", "2020-06-10T09:00:00+02:00").code == 0
    reminder_id = smtp_sink.messages[0].message["Message-ID"]
    at = dt.datetime(2020, 6, 11, 10, 0, tzinfo=OSLO)
    deliver(inbox, declaration(sender="kari.ordforer@gmail.com", at=at, in_reply_to=reminder_id))
    deliver(inbox, declaration(sender="someone.else@gmail.com", at=at, seed=2, in_reply_to=reminder_id))
    assert run_cli(config, "run", "--once", "--now", "2020-06-11T12:00:00+02:00").code == 0
    subs = {s["sender"]: s for s in cli_json(config, "export", "submissions")}
    assert subs["kari.ordforer@gmail.com"]["status"] == "accepted"
    assert subs["someone.else@gmail.com"]["status"] == "needs_review"
    assert "sender_domain_mismatch" in subs["someone.else@gmail.com"]["reasons"]


def test_staff_accept_queues_the_acknowledgement(setup):
    config, inbox, tmp = setup
    deliver(inbox, declaration(sender="kari@gmail.com"))
    assert run_cli(config, "poll", "--once", "--now", "2020-06-02T12:00:00+02:00").code == 0
    sub = cli_json(config, "export", "submissions")[0]
    assert sub["status"] == "needs_review"
    assert cli_json(config, "status", "--json")["outbox"]["queued"] == 0, "no mail to a doubtful sender"
    result = run_cli(config, "review", "assign", str(sub["id"]), GRAN, "--by", "kari.staff")
    assert result.code == 0 and "acknowledgement queued" in result.out
    again = run_cli(config, "review", "assign", str(sub["id"]), GRAN, "--by", "kari.staff")
    assert again.code == 0 and "acknowledgement queued" not in again.out
    assert run_cli(config, "send", "--once").code == 0
    files = list((tmp / "outbox" / "new").iterdir())
    assert len(files) == 1
    msg = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert msg["To"] == "kari@gmail.com" and msg["Cc"] == GRAN_MAIL


@pytest.mark.parametrize("number, lang, word", [("3446", "nb", "mottatt"), ("4621", "nn", "motteke")],
                         ids=["gran-bokmal", "voss-nynorsk"])
def test_templates_preview(setup, number, lang, word):
    config, _, _ = setup
    result = run_cli(config, "templates", "preview", "ack_signed", "--municipality", number)
    assert result.code == 0, result.err
    assert result.out.startswith("Subject: ") and f"Language: {lang}" in result.out
    assert word in result.out


def test_templates_preview_rejects_unknowns(setup):
    config, _, _ = setup
    assert run_cli(config, "templates", "preview", "nope", "--municipality", GRAN).code == 2
    assert run_cli(config, "templates", "preview", "reminder", "--municipality", "9999").code == 2


def test_worker_stops_cleanly_on_sigterm(setup):
    """GIVEN the worker running WHEN it gets SIGTERM THEN it exits 0 with its work committed."""
    config, inbox, tmp = setup
    for i in range(3):
        deliver(inbox, declaration(seed=10 + i, at=dt.datetime(2020, 6, 2, 10, i, tzinfo=OSLO)))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "intake", "--config", str(config), "run"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=tmp)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            outbox = tmp / "outbox" / "new"
            if outbox.exists() and len(list(outbox.iterdir())) >= 3:
                break
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err.decode()
    assert len(list((tmp / "outbox" / "new").iterdir())) == 3
    assert b"worker stopped" in err
    assert cli_json(config, "status", "--json")["signed"] == 1


def test_one_address_gets_at_most_the_daily_cap(setup):
    """GIVEN four accepted declarations from one address on one day WHEN processed THEN
    only `max_per_recipient_per_day` (3) acknowledgements are queued; the next day is new."""
    config, inbox, _ = setup
    for i in range(4):
        deliver(inbox, declaration(seed=20 + i, at=dt.datetime(2020, 6, 2, 10, i, tzinfo=OSLO)))
    assert run_cli(config, "poll", "--once", "--now", "2020-06-02T12:00:00+02:00").code == 0
    assert cli_json(config, "status", "--json")["outbox"]["queued"] == 3
    deliver(inbox, declaration(seed=30, at=dt.datetime(2020, 6, 3, 10, 0, tzinfo=OSLO)))
    assert run_cli(config, "poll", "--once", "--now", "2020-06-03T12:00:00+02:00").code == 0
    assert cli_json(config, "status", "--json")["outbox"]["queued"] == 4
