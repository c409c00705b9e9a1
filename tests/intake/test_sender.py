"""The send job against a real aiosmtpd and real databases (SQLite and PostgreSQL).

Time is pinned (``now`` is a fixed aware datetime per run), randomness is seeded.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Iterator, Sequence
from email.utils import format_datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session, sessionmaker

from intake.outmail import OutgoingMailError, from_domain, message_id_for
from intake.sender import SendStats, backoff, send_due
from intake.transport import Transport, open_transport
from storage import outbox
from storage.db import session_scope
from storage.models import OutboxMail
from storage.outbox import NewMail
from tests.fixtures.smtp import smtp_sink, smtp_sink_factory  # noqa: F401 (fixtures)
from tests.helpers import ROOT

FROM = "Helse- og omsorgsdepartementet <akson@hod.dep.no>"
OSLO = ZoneInfo("Europe/Oslo")
T0 = dt.datetime(2020, 6, 2, 10, 0, tzinfo=OSLO)
SEED = 7
HELO = "akson.test"


def queue(sessions: sessionmaker[Session], key: str, *, to: Sequence[str] = ("postmottak@gran.kommune.no",),
          cc: Sequence[str] = (), subject: str = "Kvittering", html: str | None = None,
          in_reply_to: str | None = None, references: Sequence[str] = (),
          auto_submitted: str = "auto-replied", at: dt.datetime = T0) -> int:
    mail = NewMail(key=key, purpose="ack", language="nb", to=list(to), cc=list(cc), subject=subject,
                   text="Hei,\n\nvi har mottatt intensjonserklæringa.\n\nHelse- og omsorgsdepartementet\n",
                   html=html, message_id=message_id_for(key, from_domain(FROM)),
                   auto_submitted=auto_submitted, in_reply_to=in_reply_to, references=tuple(references))
    with session_scope(sessions) as s:
        mail_id = outbox.enqueue(s, mail, now=at)
    assert mail_id is not None
    return mail_id


def load(sessions: sessionmaker[Session], mail_id: int) -> OutboxMail:
    with session_scope(sessions) as s:
        return outbox.get(s, mail_id)   # expire_on_commit=False: values outlive the session


def run(sessions: sessionmaker[Session], transport: Transport, at: dt.datetime, **kwargs: object) -> SendStats:
    return send_due(sessions, transport, now=lambda: at, from_header=FROM, rng=random.Random(SEED), **kwargs)  # type: ignore[arg-type]


class _FixedRandom(random.Random):
    def __init__(self, value: float) -> None:
        super().__init__(0)
        self.value = value

    def random(self) -> float:
        return self.value


@pytest.mark.parametrize("attempts, low, high", [
    (1, 30, 90), (2, 60, 180), (3, 120, 360), (7, 1800, 5400), (8, 1800, 5400), (500, 1800, 5400),
], ids=["1", "2", "3", "7-capped", "8-capped", "huge"])
def test_backoff_doubles_caps_and_jitters(attempts: int, low: int, high: int) -> None:
    delays = [backoff(attempts, rng=_FixedRandom(r), base_delay=dt.timedelta(seconds=60),
                      max_delay=dt.timedelta(hours=1)) for r in (0.0, 0.999999)]
    assert delays[0] == dt.timedelta(seconds=low)
    assert dt.timedelta(seconds=high - 1) < delays[1] < dt.timedelta(seconds=high)


@pytest.fixture
def transport(smtp_sink) -> Iterator[Transport]:
    with open_transport(smtp_sink.url, local_hostname=HELO) as t:
        yield t


def test_delivers_with_all_headers(session_factory, smtp_sink, transport, caplog) -> None:
    """GIVEN an acknowledgement with HTML, Cc and threading headers
    WHEN the job runs THEN the sink gets it once, with every header right, and the row is sent."""
    caplog.set_level(logging.INFO, logger="akson.send")
    subject = "Kvittering: intensjonserklæring fra Ås, Øyer og Bø mottatt"
    mail_id = queue(session_factory, "ack:1", subject=subject, html="<p>Hei, vi har mottatt erklæringa.</p>",
                    cc=["ordforer@gran.kommune.no", "POSTMOTTAK@gran.kommune.no"],
                    in_reply_to="<orig-1@gran.kommune.no>", references=["<a@b.no>", "<orig-1@gran.kommune.no>"])
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.retried, stats.failed, stats.errors) == (1, 0, 0, [])
    [got] = smtp_sink.messages
    msg = got.message
    expected_id = f"<akson.{hashlib.sha256(b'ack:1').hexdigest()[:32]}@hod.dep.no>"
    assert msg["Message-ID"] == expected_id
    assert msg["Subject"] == subject
    assert msg["From"] == FROM
    assert msg["To"] == "postmottak@gran.kommune.no"
    assert msg["Cc"] == "ordforer@gran.kommune.no, POSTMOTTAK@gran.kommune.no"
    assert msg["Date"] == format_datetime(T0.astimezone(dt.UTC))
    assert msg["In-Reply-To"] == "<orig-1@gran.kommune.no>"
    assert msg["References"] == "<a@b.no> <orig-1@gran.kommune.no>"
    assert msg["Auto-Submitted"] == "auto-replied"
    assert msg["X-Auto-Response-Suppress"] == "All"
    assert msg["Content-Language"] == "nb"
    assert msg.get_content_type() == "multipart/alternative"
    plain, html = msg.iter_parts()
    assert "vi har mottatt intensjonserklæringa." in plain.get_content()
    assert html.get_content_type() == "text/html" and "erklæringa" in html.get_content()
    assert got.mail_from == "akson@hod.dep.no"
    assert got.rcpt_tos == ["postmottak@gran.kommune.no", "ordforer@gran.kommune.no"]   # deduplicated
    row = load(session_factory, mail_id)
    assert row.state == "sent" and row.attempts == 1 and row.sent_at == T0
    assert row.smtp_reply == "250 2.0.0 Ok: queued as AKSON0001" and row.last_error is None
    assert f"mail sent id={mail_id} key=ack:1 to=postmottak@gran.kommune.no message_id={expected_id}" in caplog.text


def test_451_is_retried_with_backoff(session_factory, smtp_sink, transport) -> None:
    """GIVEN a server that answers the first DATA with 451
    WHEN the job runs THEN the row is rescheduled 30 to 90 s later (60 s base, jitter), a run
    at the same moment sends nothing, and a run two minutes later delivers it."""
    smtp_sink.script(["451 4.3.0 Try again later", None])
    mail_id = queue(session_factory, "ack:1")
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.retried, stats.failed) == (0, 1, 0)
    row = load(session_factory, mail_id)
    assert row.state == "queued" and row.attempts == 1 and "451 4.3.0 Try again later" in (row.last_error or "")
    assert T0 + dt.timedelta(seconds=30) <= row.next_attempt_at <= T0 + dt.timedelta(seconds=90)
    assert row.next_attempt_at == T0 + dt.timedelta(seconds=60) * (0.5 + random.Random(SEED).random())
    assert run(session_factory, transport, T0) == SendStats()
    assert smtp_sink.messages == []
    stats = run(session_factory, transport, T0 + dt.timedelta(minutes=2))
    assert stats.sent == 1 and len(smtp_sink.messages) == 1
    row = load(session_factory, mail_id)
    assert row.state == "sent" and row.attempts == 2 and row.last_error is None


def test_gives_up_after_max_attempts(session_factory, smtp_sink, transport) -> None:
    smtp_sink.script(["451 4.3.0 Try again later"] * 3)
    mail_id = queue(session_factory, "ack:1")
    assert run(session_factory, transport, T0, max_attempts=2).retried == 1
    stats = run(session_factory, transport, T0 + dt.timedelta(hours=1), max_attempts=2)
    assert (stats.retried, stats.failed) == (0, 1)
    row = load(session_factory, mail_id)
    assert row.state == "failed" and row.attempts == 2
    assert row.last_error is not None and row.last_error.startswith("gave up after 2 attempts")
    assert row.smtp_reply == "451 4.3.0 Try again later"


def test_rcpt_550_fails_with_the_reply_kept(session_factory, smtp_sink, transport) -> None:
    smtp_sink.reply_rcpt["borte@gran.kommune.no"] = "550 5.1.1 <borte@gran.kommune.no>: Recipient address rejected"
    mail_id = queue(session_factory, "ack:1", to=["borte@gran.kommune.no"])
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.failed) == (0, 1)
    row = load(session_factory, mail_id)
    assert row.state == "failed"
    assert row.smtp_reply == "550 5.1.1 <borte@gran.kommune.no>: Recipient address rejected"
    assert "550 5.1.1" in (row.last_error or "")
    assert run(session_factory, transport, T0 + dt.timedelta(days=1)) == SendStats()
    assert smtp_sink.messages == []


def test_connection_dropped_in_data_is_retried(session_factory, smtp_sink, transport) -> None:
    smtp_sink.drop_in_data = 1
    mail_id = queue(session_factory, "ack:1")
    assert run(session_factory, transport, T0).retried == 1
    row = load(session_factory, mail_id)
    assert row.state == "queued" and "connection lost during DATA" in (row.last_error or "")
    assert run(session_factory, transport, T0 + dt.timedelta(minutes=2)).sent == 1
    assert len(smtp_sink.messages) == 1 and load(session_factory, mail_id).state == "sent"


def test_server_down_stops_the_batch(session_factory, smtp_sink, transport) -> None:
    """GIVEN three due mails and no server WHEN the job runs THEN only the first is
    rescheduled, the others are untouched, and nothing is sent; later all go out."""
    ids = [queue(session_factory, f"ack:{n}") for n in (1, 2, 3)]
    smtp_sink.stop()
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.retried, stats.failed) == (0, 1, 0)
    assert "Connection refused" in stats.errors[0]
    rows = [load(session_factory, i) for i in ids]
    assert [(r.state, r.attempts) for r in rows] == [("queued", 1), ("queued", 0), ("queued", 0)]
    assert rows[0].next_attempt_at > T0 and rows[1].next_attempt_at == T0
    smtp_sink.start()
    assert run(session_factory, transport, T0 + dt.timedelta(minutes=2)).sent == 3
    assert len(smtp_sink.messages) == 3


def test_starttls_missing_is_a_server_problem(session_factory, smtp_sink) -> None:
    ids = [queue(session_factory, f"ack:{n}") for n in (1, 2)]
    with open_transport(smtp_sink.url.replace("smtp://", "smtp+starttls://"), local_hostname=HELO) as t:
        stats = run(session_factory, t, T0)
    assert (stats.sent, stats.retried) == (0, 1) and "STARTTLS" in stats.errors[0]
    assert [load(session_factory, i).attempts for i in ids] == [1, 0]
    assert smtp_sink.messages == []


def test_two_runs_send_each_mail_once(session_factory, smtp_sink, transport) -> None:
    for n in (1, 2, 3):
        queue(session_factory, f"ack:{n}")
    assert run(session_factory, transport, T0).sent == 3
    assert run(session_factory, transport, T0 + dt.timedelta(seconds=1)) == SendStats()
    ids = [m.message["Message-ID"] for m in smtp_sink.messages]
    assert sorted(ids) == sorted(message_id_for(f"ack:{n}", "hod.dep.no") for n in (1, 2, 3))


def test_bad_row_fails_and_the_others_go_out(session_factory, smtp_sink, transport) -> None:
    good = queue(session_factory, "ack:1")
    bad = queue(session_factory, "ack:2", subject="Hei\r\nBcc: evil@example.com")
    other = queue(session_factory, "ack:3")
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.failed) == (2, 1)
    row = load(session_factory, bad)
    assert row.state == "failed" and "subject" in (row.last_error or "")
    assert {load(session_factory, i).state for i in (good, other)} == {"sent"}
    assert all("evil" not in r for m in smtp_sink.messages for r in m.rcpt_tos)


def test_unexpected_build_error_is_retried_not_stuck(session_factory, smtp_sink, transport, monkeypatch) -> None:
    """GIVEN a row whose message building raises something unforeseen (a bug) WHEN the
    job runs THEN that row is rescheduled like a failed send and the others go out."""
    import intake.sender as sender
    real = sender.build_message

    def build(row, **kwargs):   # type: ignore[no-untyped-def]
        if row.key == "ack:1":
            raise RuntimeError("a bug in building")
        return real(row, **kwargs)

    monkeypatch.setattr(sender, "build_message", build)
    first, second = queue(session_factory, "ack:1"), queue(session_factory, "ack:2")
    stats = run(session_factory, transport, T0)
    assert (stats.sent, stats.retried) == (1, 1)
    row = load(session_factory, first)
    assert (row.state, row.attempts) == ("queued", 1) and "a bug in building" in (row.last_error or "")
    assert load(session_factory, second).state == "sent" and len(smtp_sink.messages) == 1


def test_bad_from_header_touches_no_row(session_factory, smtp_sink, transport) -> None:
    mail_id = queue(session_factory, "ack:1")
    with pytest.raises(OutgoingMailError) as caught:
        send_due(session_factory, transport, now=lambda: T0, from_header="akson@hod.dep.no\r\nBcc: x@y.no",
                 rng=random.Random(SEED))
    assert caught.value.field == "from"
    row = load(session_factory, mail_id)
    assert (row.state, row.attempts) == ("queued", 0) and smtp_sink.messages == []


class _Exploding(Transport):
    """The real transport, except that the first send raises a bug-like error."""

    def __init__(self, inner: Transport) -> None:
        self.inner, self.calls = inner, 0

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("a bug")
        return self.inner.send(message, sender, recipients)


def test_unexpected_error_retries_the_row_and_goes_on(session_factory, smtp_sink, transport) -> None:
    first, second = queue(session_factory, "ack:1"), queue(session_factory, "ack:2")
    stats = run(session_factory, _Exploding(transport), T0)
    assert (stats.sent, stats.retried) == (1, 1)
    row = load(session_factory, first)
    assert row.state == "queued" and "a bug" in (row.last_error or "")
    assert load(session_factory, second).state == "sent"


def test_maildir_resend_after_crash_overwrites_the_file(session_factory, tmp_path: Path) -> None:
    mail_id = queue(session_factory, "ack:1")
    box = tmp_path / "outbox"
    with open_transport(f"maildir://{box}") as t:
        assert run(session_factory, t, T0).sent == 1
        first = [p.read_bytes() for p in (box / "new").iterdir()]
        with session_scope(session_factory) as s:   # as if the process died before mark_sent
            row = outbox.get(s, mail_id)
            row.state, row.updated_at = "sending", T0
        assert run(session_factory, t, T0 + dt.timedelta(minutes=11)).sent == 1
    files = list((box / "new").iterdir())
    assert len(files) == 1 and [files[0].read_bytes()] == first
    assert load(session_factory, mail_id).attempts == 2


CRASH_SCRIPT = textwrap.dedent("""
    import datetime as dt, random, sys
    from intake.sender import send_due
    from intake.transport import open_transport
    from storage.db import make_engine, make_session_factory
    db_url, smtp_url, now, from_header = sys.argv[1:5]
    at = dt.datetime.fromisoformat(now)
    with open_transport(smtp_url, local_hostname="crash.test") as t:
        send_due(make_session_factory(make_engine(db_url)), t, now=lambda: at,
                 from_header=from_header, rng=random.Random(1))
""")


def test_crash_after_accept_resends_once_with_the_same_message_id(db_url, session_factory, smtp_sink, transport) -> None:
    """GIVEN a sender process that is SIGKILLed after the server stored its mail and before
    the reply WHEN the job runs again after the stale period THEN the mail is sent once
    more: two copies, the same Message-ID and bytes (the one duplicate a crash may cost),
    and the row ends up sent. Before the stale period nothing is resent."""
    mail_id = queue(session_factory, "ack:1", html="<p>Hei</p>")
    started = threading.Event()
    procs: list[subprocess.Popen[bytes]] = []

    def kill_sender(_received: object) -> None:
        started.wait(30)
        os.kill(procs[0].pid, signal.SIGKILL)

    smtp_sink.after_store = kill_sender
    procs.append(subprocess.Popen([sys.executable, "-c", CRASH_SCRIPT, db_url, smtp_sink.url, T0.isoformat(), FROM],
                                  cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE))
    started.set()
    try:
        _, err = procs[0].communicate(timeout=120)
    finally:
        if procs[0].poll() is None:   # it never reached DATA: do not leave it running
            procs[0].kill()
            procs[0].wait()
    assert procs[0].returncode == -signal.SIGKILL, err.decode()
    smtp_sink.after_store = None
    assert len(smtp_sink.messages) == 1
    row = load(session_factory, mail_id)
    assert (row.state, row.attempts, row.sent_at) == ("sending", 1, None)

    assert run(session_factory, transport, T0 + dt.timedelta(minutes=5)) == SendStats()   # not stale yet
    assert run(session_factory, transport, T0 + dt.timedelta(minutes=11)).sent == 1
    first, second = smtp_sink.messages
    assert first.message["Message-ID"] == second.message["Message-ID"] == message_id_for("ack:1", "hod.dep.no")
    assert first.raw == second.raw
    row = load(session_factory, mail_id)
    assert (row.state, row.attempts) == ("sent", 2)
    assert run(session_factory, transport, T0 + dt.timedelta(hours=1)) == SendStats()
    assert len(smtp_sink.messages) == 2
