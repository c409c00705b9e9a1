"""Time-zone-aware datetimes and JSON columns behave alike on every backend."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import session_scope
from storage.models import Lease, Submission
from storage.repo import store_raw
from tests.storage.helpers import at

OSLO_SUMMER = timezone(timedelta(hours=2))


def test_aware_datetime_round_trips_as_utc(session_factory: sessionmaker[Session]) -> None:
    local = datetime(2020, 6, 30, 23, 59, 59, 123456, tzinfo=OSLO_SUMMER)
    with session_scope(session_factory) as session:
        session.add(Lease(name="tz", holder="h", expires_at=local))
    with session_scope(session_factory) as session:
        stored = session.scalars(select(Lease.expires_at)).one()
    assert stored == local
    assert stored.tzinfo is not None and stored.utcoffset() == timedelta(0)
    assert stored.isoformat() == "2020-06-30T21:59:59.123456+00:00"


def test_datetime_comparison_in_sql_is_chronological(session_factory: sessionmaker[Session]) -> None:
    """Different input offsets must still compare by instant (SQLite compares text)."""
    with session_scope(session_factory) as session:
        session.add(Lease(name="a", holder="h", expires_at=at("2020-07-01T00:30:00+02:00")))  # 22:30Z
        session.add(Lease(name="b", holder="h", expires_at=at("2020-06-30T23:00:00+00:00")))  # 23:00Z
    with session_scope(session_factory) as session:
        cutoff = datetime(2020, 6, 30, 22, 45, tzinfo=UTC)
        assert session.scalars(select(Lease.name).where(Lease.expires_at > cutoff)).all() == ["b"]


def test_naive_datetime_is_refused(session: Session) -> None:
    session.add(Lease(name="naive", holder="h", expires_at=datetime(2020, 6, 1, 12, 0)))
    with pytest.raises(StatementError, match="naive datetime"):
        session.flush()


def test_json_and_date_columns_round_trip(session_factory: sessionmaker[Session]) -> None:
    now = at("2020-06-02T10:00:00+02:00")
    evidence = {"candidates": [{"number": "4622", "score": 0.97}], "dkim": None, "note": "kvam herad ÆØÅ"}
    with session_scope(session_factory) as session:
        raw = store_raw(
            session, raw=b"From: a@kvam.no\r\n\r\nhei", received_at=now, now=now,
            mailbox="INBOX", uidvalidity=1, uid=1, key="1",
        )
        session.add(
            Submission(
                raw_message_id=raw.raw_message_id, received_at=now, subject="Intensjonserklæring",
                kind="declaration", status="accepted", municipality_number="4622",
                signers=[{"name": "Kari Nordmann", "title": "ordførar"}], signed_date=date(2020, 5, 28),
                reasons=[], evidence=evidence, decided_by="auto", decided_at=now, created_at=now,
            )
        )
    with session_scope(session_factory) as session:
        submission = session.scalars(select(Submission)).one()
        assert submission.part == 0
        assert submission.late is False
        assert submission.signers == [{"name": "Kari Nordmann", "title": "ordførar"}]
        assert submission.evidence == evidence
        assert submission.reasons == []
        assert submission.signed_date == date(2020, 5, 28)
        assert submission.received_at == now
