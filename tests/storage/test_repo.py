"""Repository contract: raw mail, ledger, mailbox state, work claims, audit."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import dialect_name, session_scope
from storage.errors import RawMessageNotFound
from storage.models import AuditLog, MailboxLedger, RawMessage
from storage.repo import (
    add_audit,
    lease_new_raw,
    still_leased,
    get_mailbox_state,
    known_keys,
    known_sha256,
    load_raw,
    mark_raw,
    municipality_rows,
    record_ledger_failure,
    set_mailbox_state,
    store_raw,
)
from tests.storage.helpers import at

NOW = at("2020-06-02T10:00:00+02:00")
MAX_UID = 2**32 - 1  # IMAP UIDs are unsigned 32-bit
THREAD_TIMEOUT_S = 20  # well below the 30 s SQLite busy timeout, far above normal waits


def _store(session: Session, raw: bytes, key: str, *, received_offset_s: int = 0, mailbox: str = "INBOX"):
    return store_raw(
        session,
        raw=raw,
        received_at=NOW + timedelta(seconds=received_offset_s),
        now=NOW,
        mailbox=mailbox,
        uidvalidity=7,
        uid=int(key) if key.isdigit() else None,
        key=key,
    )


def _ledger(session: Session) -> list[tuple[str, str, int | None, str | None]]:
    rows = session.execute(
        select(MailboxLedger.key, MailboxLedger.status, MailboxLedger.raw_message_id, MailboxLedger.error).order_by(
            MailboxLedger.key
        )
    )
    return [tuple(r) for r in rows]


def _in_thread(target: Callable[[], object]) -> tuple[threading.Thread, dict[str, object]]:
    out: dict[str, object] = {}

    def run() -> None:
        try:
            out["result"] = target()
        except BaseException as err:  # reported by the test, not lost in the thread
            out["error"] = err

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, out


# --- store_raw and the ledger ------------------------------------------------------------


def test_store_raw_keeps_bytes_and_writes_ledger(session: Session) -> None:
    raw = b"From: post@kvam.no\r\nSubject: Intensjonserkl\xc3\xa6ring\r\n\r\n\x00\xff binary-safe"
    result = _store(session, raw, "101")
    assert result.created
    stored = session.get(RawMessage, result.raw_message_id)
    assert stored is not None
    assert (stored.sha256, stored.size, stored.state, stored.attempts) == (
        hashlib.sha256(raw).hexdigest(), len(raw), "new", 0
    )
    assert (stored.received_at, stored.first_seen_at) == (NOW, NOW)
    assert load_raw(session, result.raw_message_id) == raw
    assert known_sha256(session, hashlib.sha256(raw).hexdigest()) == result.raw_message_id
    assert _ledger(session) == [("101", "stored", result.raw_message_id, None)]


def test_same_bytes_under_another_key_create_no_new_work(session: Session) -> None:
    first = _store(session, b"same bytes", "1")
    second = _store(session, b"same bytes", "2")
    again = _store(session, b"same bytes", "1")  # re-fetch after a crash before the move
    assert first.created and not second.created and not again.created
    assert first.raw_message_id == second.raw_message_id == again.raw_message_id
    assert session.scalar(select(func.count()).select_from(RawMessage)) == 1
    raw_id = first.raw_message_id
    assert _ledger(session) == [("1", "stored", raw_id, None), ("2", "stored", raw_id, None)]
    assert _lease_ids(session) == [first.raw_message_id]


def test_ledger_key_is_unique_per_mailbox_and_uidvalidity(session: Session) -> None:
    row = {"mailbox": "INBOX", "uidvalidity": 7, "key": "5", "uid": 5, "status": "failed", "created_at": NOW}
    session.execute(insert(MailboxLedger).values(**row))
    session.execute(insert(MailboxLedger).values(**{**row, "uidvalidity": 8}))  # new UIDVALIDITY: new key space
    session.execute(insert(MailboxLedger).values(**{**row, "mailbox": "Archive"}))
    with pytest.raises(IntegrityError):
        with session.begin_nested():
            session.execute(insert(MailboxLedger).values(**row))
    assert session.scalar(select(func.count()).select_from(MailboxLedger)) == 3


def test_failure_is_recorded_then_superseded_by_success(session: Session) -> None:
    record_ledger_failure(session, "INBOX", 7, MAX_UID, str(MAX_UID), "FETCH timed out", NOW)
    record_ledger_failure(session, "INBOX", 7, MAX_UID, str(MAX_UID), "FETCH timed out again", NOW)
    assert _ledger(session) == [(str(MAX_UID), "failed", None, "FETCH timed out again")]
    assert known_keys(session, "INBOX", 7, [str(MAX_UID)]) == set()
    assert known_keys(session, "INBOX", 7, [str(MAX_UID)], include_failed=True) == {str(MAX_UID)}

    stored = _store(session, b"finally", str(MAX_UID))
    assert _ledger(session) == [(str(MAX_UID), "stored", stored.raw_message_id, None)]
    assert session.scalar(select(MailboxLedger.uid)) == MAX_UID

    record_ledger_failure(session, "INBOX", 7, MAX_UID, str(MAX_UID), "MOVE failed", NOW)
    assert _ledger(session)[0][1] == "stored"  # stored bytes never look lost


def test_known_keys_filters_by_mailbox_uidvalidity_and_handles_many(session: Session) -> None:
    for uid in range(1, 1201):
        record_ledger_failure(session, "INBOX", 7, uid, str(uid), "x", NOW)
    _store(session, b"a", "3")
    _store(session, b"b", "4", mailbox="Archive")
    keys = [str(uid) for uid in range(1, 1300)]
    assert known_keys(session, "INBOX", 7, keys) == {"3"}
    assert len(known_keys(session, "INBOX", 7, keys, include_failed=True)) == 1200
    assert known_keys(session, "INBOX", 8, keys, include_failed=True) == set()
    assert known_keys(session, "INBOX", 7, []) == set()


def test_concurrent_store_of_same_bytes_links_to_one_copy(session_factory: sessionmaker[Session]) -> None:
    """GIVEN worker A stored a message but has not committed
    WHEN worker B stores the same bytes under another key
    THEN B waits, hits the unique key, and links to A's copy."""
    a = session_factory()
    try:
        first = _store(a, b"racing bytes", "1")

        def worker_b() -> object:
            with session_scope(session_factory) as b:
                return _store(b, b"racing bytes", "2")

        thread, out = _in_thread(worker_b)
        thread.join(0.3)  # let B reach its insert (PostgreSQL) or its BEGIN (SQLite)
        a.commit()
    finally:
        a.close()
    thread.join(THREAD_TIMEOUT_S)
    assert "error" not in out, out
    second = out["result"]
    assert first.created and not second.created
    assert second.raw_message_id == first.raw_message_id


# --- mailbox state -------------------------------------------------------------------------


def test_mailbox_state_round_trip(session: Session) -> None:
    assert get_mailbox_state(session, "INBOX") is None
    set_mailbox_state(session, "INBOX", MAX_UID, 10, NOW)
    set_mailbox_state(session, "INBOX", MAX_UID, 42, NOW + timedelta(minutes=1))
    set_mailbox_state(session, "Archive", 1, 0, NOW)
    assert get_mailbox_state(session, "INBOX") == (MAX_UID, 42)
    assert get_mailbox_state(session, "Archive") == (1, 0)


# --- claiming and marking work ---------------------------------------------------------------


LEASE = timedelta(minutes=15)


def _lease_ids(session: Session, limit: int | None = None, *, holder: str = "w1",
               now: datetime = NOW) -> list[int]:
    """Lease messages one by one, as a worker does, until none is left (or ``limit``)."""
    ids: list[int] = []
    while limit is None or len(ids) < limit:
        lease = lease_new_raw(session, now=now, holder=holder, duration=LEASE)
        if lease is None:
            break
        ids.append(lease.raw_id)
    return ids


def test_lease_orders_by_received_at_and_mark_removes_from_queue(session: Session) -> None:
    late = _store(session, b"late", "1", received_offset_s=60).raw_message_id
    early = _store(session, b"early", "2", received_offset_s=0).raw_message_id
    middle = _store(session, b"middle", "3", received_offset_s=30).raw_message_id
    assert _lease_ids(session, 2) == [early, middle]
    assert _lease_ids(session) == [late], "a message under lease is not claimed again"
    after = NOW + LEASE + timedelta(seconds=1)
    assert _lease_ids(session, now=after) == [early, middle, late], "ended leases: claimable again"
    later = after + LEASE + timedelta(seconds=1)

    mark_raw(session, early, "processed", now=NOW)
    mark_raw(session, middle, "failed", "pdf: encrypted", now=NOW)
    assert _lease_ids(session, now=later) == [late]
    failed = session.get(RawMessage, middle)
    assert failed is not None
    assert (failed.state, failed.error, failed.attempts, failed.processed_at) == ("failed", "pdf: encrypted", 1, NOW)

    mark_raw(session, middle, "new", now=NOW)  # requeue after a fix
    assert _lease_ids(session, now=later + LEASE + timedelta(seconds=1)) == [middle, late]
    assert session.get(RawMessage, middle).attempts == 1
    assert session.get(RawMessage, middle).claims == 3


def test_still_leased_only_for_the_holder_of_an_unprocessed_message(session: Session) -> None:
    raw_id = _store(session, b"x", "1").raw_message_id
    assert _lease_ids(session, holder="w1") == [raw_id]
    assert still_leased(session, raw_id, "w1") and not still_leased(session, raw_id, "w2")
    assert _lease_ids(session, holder="w2", now=NOW + LEASE + timedelta(seconds=1)) == [raw_id]
    assert still_leased(session, raw_id, "w2") and not still_leased(session, raw_id, "w1")
    mark_raw(session, raw_id, "processed", now=NOW)
    assert not still_leased(session, raw_id, "w2")


def test_mark_and_load_unknown_or_invalid(session: Session) -> None:
    with pytest.raises(RawMessageNotFound):
        load_raw(session, 404)
    with pytest.raises(RawMessageNotFound):
        mark_raw(session, 404, "processed", now=NOW)
    raw_id = _store(session, b"x", "1").raw_message_id
    with pytest.raises(ValueError, match="state must be one of"):
        mark_raw(session, raw_id, "done", now=NOW)


def test_two_workers_never_claim_the_same_message(session_factory: sessionmaker[Session]) -> None:
    """GIVEN four new messages and worker A leasing the two oldest, not yet committed
    WHEN worker B claims
    THEN B gets only the other two: on PostgreSQL at once (SKIP LOCKED), on SQLite after
    A commits (B waits for the write lock)."""
    with session_scope(session_factory) as seed:
        ids = [_store(seed, f"m{i}".encode(), str(i), received_offset_s=i).raw_message_id for i in range(4)]
    a = session_factory()
    b_done = threading.Event()
    try:
        claimed_a = _lease_ids(a, 2, holder="a")
        assert claimed_a == ids[:2]

        def worker_b() -> object:
            with session_scope(session_factory) as b:
                claimed = _lease_ids(b, holder="b")
                for raw_id in claimed:
                    mark_raw(b, raw_id, "processed", now=NOW)
            b_done.set()
            return claimed

        thread, out = _in_thread(worker_b)
        if dialect_name(a) == "postgresql":
            assert b_done.wait(THREAD_TIMEOUT_S), "B blocked on A's rows: SKIP LOCKED missing"
        else:
            assert not b_done.wait(0.3), "B claimed while A held the SQLite write lock"
        for raw_id in claimed_a:
            mark_raw(a, raw_id, "processed", now=NOW)
        a.commit()
    finally:
        a.close()
    thread.join(THREAD_TIMEOUT_S)
    assert "error" not in out, out
    assert out["result"] == ids[2:]
    with session_scope(session_factory) as check:
        assert _lease_ids(check, now=NOW + 2 * LEASE) == []


# --- audit and registry view --------------------------------------------------------------------


def test_add_audit(session: Session) -> None:
    first = add_audit(session, at=NOW, actor="auto", action="registry.import")
    second = add_audit(
        session, at=NOW, actor="kari@hod.dep.no", action="review.assign",
        municipality_number="4622", details={"from": None, "to": "4622"},
    )
    assert second > first
    entries = session.scalars(select(AuditLog).order_by(AuditLog.id)).all()
    assert [(e.actor, e.details, e.at) for e in entries] == [
        ("auto", {}, NOW),
        ("kari@hod.dep.no", {"from": None, "to": "4622"}, NOW),
    ]


def test_municipality_rows_without_contacts(session: Session) -> None:
    records = municipality_rows(session)
    assert len(records) == 356
    heroy = next(r for r in records if r.number == "1818")
    assert (heroy.name, heroy.display_name, heroy.invited_default) == ("Herøy", "Herøy (Nordland)", True)
    assert {a.alias for a in heroy.aliases} == {"Herøy", "Herøy i Nordland"}
    assert heroy.contacts == () and heroy.mail_domains == () and heroy.official_email is None
