"""Leases: one holder at a time, expiry hands over, atomic under contention."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from storage.db import session_scope
from storage.leases import acquire_lease, release_lease, renew_lease
from storage.models import Lease
from tests.storage.helpers import at

NOW = at("2020-06-02T10:00:00+02:00")
TTL = 60
THREAD_TIMEOUT_S = 20


def test_acquire_is_exclusive_until_expiry(session: Session) -> None:
    assert acquire_lease(session, "poll:INBOX", "worker-1", NOW, TTL)
    assert not acquire_lease(session, "poll:INBOX", "worker-2", NOW + timedelta(seconds=TTL - 1), TTL)
    assert acquire_lease(session, "poll:INBOX", "worker-1", NOW + timedelta(seconds=30), TTL)  # ours: extended
    assert not acquire_lease(session, "poll:INBOX", "worker-2", NOW + timedelta(seconds=TTL + 1), TTL)
    assert acquire_lease(session, "poll:INBOX", "worker-2", NOW + timedelta(seconds=30 + TTL), TTL)  # expired
    lease = session.scalars(select(Lease)).one()
    assert (lease.holder, lease.expires_at) == ("worker-2", NOW + timedelta(seconds=30 + 2 * TTL))
    assert acquire_lease(session, "poll:Other", "worker-1", NOW, TTL)  # names are independent


def test_renew_and_release_only_by_holder(session: Session) -> None:
    assert acquire_lease(session, "poll:INBOX", "worker-1", NOW, TTL)
    assert renew_lease(session, "poll:INBOX", "worker-1", NOW + timedelta(seconds=50), TTL)
    assert not renew_lease(session, "poll:INBOX", "worker-2", NOW, TTL)
    # worker-1 stalls past its expiry and worker-2 takes over: worker-1 must notice.
    assert acquire_lease(session, "poll:INBOX", "worker-2", NOW + timedelta(seconds=50 + TTL), TTL)
    assert not renew_lease(session, "poll:INBOX", "worker-1", NOW + timedelta(seconds=50 + TTL), TTL)
    assert not release_lease(session, "poll:INBOX", "worker-1")
    assert release_lease(session, "poll:INBOX", "worker-2")
    assert acquire_lease(session, "poll:INBOX", "worker-1", NOW + timedelta(seconds=200), TTL)
    assert not renew_lease(session, "missing", "worker-1", NOW, TTL)


def test_ttl_must_be_positive(session: Session) -> None:
    with pytest.raises(ValueError, match="ttl_seconds"):
        acquire_lease(session, "poll:INBOX", "worker-1", NOW, 0)


def test_contention_between_two_workers(session_factory: sessionmaker[Session]) -> None:
    """GIVEN worker A took a free lease but has not committed
    WHEN worker B tries to take it
    THEN B waits for A's commit and is refused, and the lease stays A's."""
    a = session_factory()
    try:
        assert acquire_lease(a, "poll:INBOX", "worker-a", NOW, TTL)
        out: dict[str, object] = {}

        def worker_b() -> None:
            try:
                with session_scope(session_factory) as b:
                    out["got"] = acquire_lease(b, "poll:INBOX", "worker-b", NOW, TTL)
            except BaseException as err:  # reported below, not lost in the thread
                out["error"] = err

        thread = threading.Thread(target=worker_b, daemon=True)
        thread.start()
        thread.join(0.3)
        a.commit()
    finally:
        a.close()
    thread.join(THREAD_TIMEOUT_S)
    assert out == {"got": False}
    with session_scope(session_factory) as check:
        assert check.scalars(select(Lease.holder)).one() == "worker-a"
