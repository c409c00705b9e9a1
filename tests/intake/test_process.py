"""The processing step: lease, analyse without a lock, record once.

The analyser here is a small stand-in (a fake at the one seam ``process_pending`` takes)
where a test must provoke what the real parsers cannot be made to do on purpose: crash
the worker, or take long enough for another worker to step in.
"""
from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from sqlalchemy import select, update

from intake.campaign import build_campaign
from intake.config import parse_config
from intake.process import LEASE, MAX_CLAIMS, make_analyser, process_pending
from parsers.analyse import Analyser
from storage import repo
from storage.db import make_engine, make_session_factory, session_scope
from storage.schema import upgrade
from storage.models import RawMessage, Submission

NOW = dt.datetime(2020, 6, 2, 12, 0, tzinfo=dt.timezone.utc)
RAW = (b"From: Kari <ordforer@gran.kommune.no>\r\nTo: akson@hod.dep.no\r\nSubject: Hei\r\n"
       b"Message-ID: <1@gran.kommune.no>\r\nDate: Tue, 2 Jun 2020 10:00:00 +0200\r\n\r\nHei.\r\n")


@pytest.fixture
def analyser(session_factory) -> Analyser:
    with session_scope(session_factory) as s:
        records = repo.municipality_rows(s)
    return make_analyser(build_campaign(parse_config({}), records))


def store(session_factory, raw: bytes = RAW) -> int:
    with session_scope(session_factory) as s:
        return repo.store_raw(s, raw=raw, received_at=NOW, now=NOW, mailbox="test", uidvalidity=1,
                              uid=None, key="k1").raw_message_id


def submissions(session_factory) -> list[Submission]:
    with session_scope(session_factory) as s:
        rows = list(s.scalars(select(Submission)))
        s.expunge_all()
        return rows


def test_a_dead_workers_message_is_processed_once_its_lease_ends(session_factory, analyser):
    raw_id = store(session_factory)
    with session_scope(session_factory) as s:   # a worker claimed it and died
        assert repo.lease_new_raw(s, now=NOW, holder="dead", duration=LEASE).raw_id == raw_id
    stats = process_pending(session_factory, analyser, now=lambda: NOW + LEASE / 2)
    assert stats.processed == 0 and submissions(session_factory) == []
    stats = process_pending(session_factory, analyser, now=lambda: NOW + LEASE + dt.timedelta(seconds=1))
    assert stats.processed == 1 and len(submissions(session_factory)) == 1
    assert process_pending(session_factory, analyser, now=lambda: NOW + 2 * LEASE).processed == 0


class Crashing(Analyser):
    """Stands for a parser that takes the whole process down (a fault no test can cause
    with real input on purpose): it must never be called for a message past its claims."""

    def __init__(self, real: Analyser) -> None:
        self.__dict__.update(real.__dict__)
        self.calls = 0

    def analyse(self, raw, *, received_at, replies=None):
        self.calls += 1
        raise SystemExit("the worker died")


def test_a_message_that_kills_workers_goes_to_review_unanalysed(session_factory, analyser):
    store(session_factory)
    crashing = Crashing(analyser)
    moment = NOW
    for _ in range(MAX_CLAIMS):
        with pytest.raises(SystemExit):
            process_pending(session_factory, crashing, now=lambda: moment)
        moment += LEASE + dt.timedelta(seconds=1)
    assert crashing.calls == MAX_CLAIMS
    stats = process_pending(session_factory, crashing, now=lambda: moment)
    assert crashing.calls == MAX_CLAIMS, "not analysed again"
    assert stats.processed == 1
    [sub] = submissions(session_factory)
    assert (sub.status, sub.reasons) == ("needs_review", ["processing_error"])
    assert f"after {MAX_CLAIMS} attempts" in sub.evidence["error"]


class TakenOver(Analyser):
    """Slow enough that the lease ran out and another worker claimed the message."""

    def __init__(self, real: Analyser, sessions) -> None:
        self.__dict__.update(real.__dict__)
        self.sessions = sessions

    def analyse(self, raw, *, received_at, replies=None):
        with session_scope(self.sessions) as s:
            s.execute(update(RawMessage).values(claimed_by="the other worker"))
        return Analyser.analyse(self, raw, received_at=received_at, replies=replies)


def test_a_result_is_not_recorded_after_the_lease_was_taken_over(session_factory, analyser):
    store(session_factory)
    stats = process_pending(session_factory, TakenOver(analyser, session_factory), now=lambda: NOW)
    assert stats.processed == 0 and submissions(session_factory) == []
    with session_scope(session_factory) as s:
        assert s.scalar(select(RawMessage.state)) == "new"


class WritesMeanwhile(Analyser):
    """Another program (the web UI, a second worker) writes while the analysis runs."""

    def __init__(self, real: Analyser, path: str) -> None:
        self.__dict__.update(real.__dict__)
        self.path = path
        self.wrote = False

    def analyse(self, raw, *, received_at, replies=None):
        conn = sqlite3.connect(self.path, timeout=0.5)
        try:
            conn.execute("UPDATE municipality SET population = population WHERE number = '3446'")
            conn.commit()
            self.wrote = True
        finally:
            conn.close()
        return Analyser.analyse(self, raw, received_at=received_at, replies=replies)


def test_analysis_holds_no_database_lock(tmp_path):
    """SQLite has one writer lock: if the analysis ran inside the claim's transaction, the
    other program's write would wait and fail ("database is locked")."""
    url = f"sqlite:///{tmp_path / 'akson.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        with session_scope(sessions) as s:
            records = repo.municipality_rows(s)
        store(sessions)
        writer = WritesMeanwhile(make_analyser(build_campaign(parse_config({}), records)),
                                 str(tmp_path / "akson.db"))
        assert process_pending(sessions, writer, now=lambda: NOW).processed == 1
        assert writer.wrote
    finally:
        engine.dispose()


def _joint_mail() -> bytes:
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["From"] = "Postmottak <postmottak@gran.kommune.no>"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Intensjonserklæring"
    msg["Message-ID"] = "<joint@gran.kommune.no>"
    msg["Date"] = "Tue, 2 Jun 2020 10:00:00 +0200"
    msg.set_content("Vedlagt.")
    form = ("INTENSJONSERKLÆRING\nGran, Lunner og Jevnaker kommuner slutter seg til arbeidet med Akson.\n"
            "Sted og dato: Jaren, 02.06.2020\nNavn: Kari Moen\nTittel: Ordfører\n")
    msg.add_attachment(form.encode(), maintype="text", subtype="plain", filename="erklæring.txt")
    return bytes(msg)


def test_a_joint_document_gives_one_submission_per_municipality_once(session_factory, analyser):
    """GIVEN a stored mail whose text signs for three municipalities,
    WHEN it is processed, and processed again after being handed out a second time,
    THEN there is one submission per municipality, all for staff, and no more."""
    raw_id = store(session_factory, _joint_mail())
    assert process_pending(session_factory, analyser, now=lambda: NOW).processed == 1
    rows = submissions(session_factory)
    assert sorted((r.part, r.municipality_number) for r in rows) == [(0, "3053"), (1, "3054"), (2, "3446")]
    assert {r.status for r in rows} == {"needs_review"}
    assert all("several_municipalities" in r.reasons for r in rows)
    assert process_pending(session_factory, analyser, now=lambda: NOW).processed == 0
    with session_scope(session_factory) as s:   # handed out again (an operator re-queues it)
        s.execute(update(RawMessage).where(RawMessage.id == raw_id).values(state="new", claimed_by=None,
                                                                             claimed_until=None))
    assert process_pending(session_factory, analyser, now=lambda: NOW + LEASE).processed == 1
    assert len(submissions(session_factory)) == 3
