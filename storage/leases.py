"""Leases: named locks with an expiry, e.g. "only one poller per mailbox".

A holder renews its lease well within the TTL; if it dies, the lease expires and the
next worker takes over. Every operation is one conditional statement, so it is atomic
on both backends without advisory locks. Callers commit to publish the change.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, insert, or_, text, update
from sqlalchemy.orm import Session

from storage.db import affected_rows, insert_unless_duplicate
from storage.models import Lease


def acquire_lease(session: Session, name: str, holder: str, now: datetime, ttl_seconds: float) -> bool:
    """Take the lease if it is free, expired or already ours; True when we hold it."""
    expires_at = _expiry(now, ttl_seconds)
    taken = affected_rows(
        session,
        update(Lease)
        .where(Lease.name == name, or_(Lease.holder == holder, Lease.expires_at <= now))
        .values(holder=holder, expires_at=expires_at)
        .execution_options(synchronize_session=False)
    )
    if taken == 1:
        return True
    # No row, or a live row of someone else: only the insert can tell, and the unique
    # key decides a race between two workers inserting at once.
    row = insert(Lease).values(name=name, holder=holder, expires_at=expires_at)
    return insert_unless_duplicate(session, row) is not None


def renew_lease(session: Session, name: str, holder: str, now: datetime, ttl_seconds: float) -> bool:
    """Extend our lease; False when someone else has taken it (stop working then)."""
    renewed = affected_rows(
        session,
        update(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .values(expires_at=_expiry(now, ttl_seconds))
        .execution_options(synchronize_session=False)
    )
    return renewed == 1


def release_lease(session: Session, name: str, holder: str) -> bool:
    """Give the lease up so another worker need not wait for the expiry."""
    released = affected_rows(
        session,
        delete(Lease)
        .where(Lease.name == name, Lease.holder == holder)
        .execution_options(synchronize_session=False),
    )
    return released == 1


def _expiry(now: datetime, ttl_seconds: float) -> datetime:
    if ttl_seconds <= 0:
        raise ValueError(f"ttl_seconds must be positive, not {ttl_seconds}")
    return now + timedelta(seconds=ttl_seconds)


def lease_holder(session: Session, name: str) -> str | None:
    """Who holds the lease now (expired or not), for the take-over of a dead holder."""
    row = session.get(Lease, name)
    return row.holder if row is not None else None


# --- PostgreSQL advisory locks -----------------------------------------------------------
#
# A session-level advisory lock belongs to one database connection: when that connection
# ends (the process was killed, the network dropped), PostgreSQL frees the lock at once.
# That makes it the right tool to elect one poller per mailbox among many workers, with no
# expiry to wait for. SQLite has no such thing; one worker per SQLite file uses the lease.


def advisory_key(name: str) -> int:
    """A stable signed 64-bit lock key for ``name`` (advisory locks take a bigint)."""
    digest = hashlib.sha256(f"akson-intake:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def try_advisory_lock(connection: Connection, key: int) -> bool:
    """Take the session lock ``key`` on ``connection`` if nobody holds it; never waits."""
    return bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}))


def advisory_unlock(connection: Connection, key: int) -> bool:
    return bool(connection.scalar(text("SELECT pg_advisory_unlock(:key)"), {"key": key}))
