"""Fetch new mail and commit its raw bytes: the first durable stage.

Order per message (style.md, "a ledger, and the server last"): fetch with PEEK, commit
the raw bytes and the ledger row in one transaction, then let the adapter move the
message, and only then advance the mailbox state past it. A crash anywhere before the
commit leaves the message unseen and unmoved on the server; a crash (or a lost
connection) after it leaves the message in the next poll's range, where the ledger knows
it and the move is finished. One poller per mailbox at a time: an advisory lock on PostgreSQL, a lease row
on SQLite (see ``poll``).
"""
from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import socket
import uuid
from dataclasses import dataclass, field
from typing import Callable, Iterator

from sqlalchemy.exc import SQLAlchemyError

from intake.mailbox.base import Mailbox, MailboxError, MailboxUnavailable
from parsers.headers import receipt_time
from storage import leases, repo
from storage.db import session_scope

log = logging.getLogger("akson.poller")

# A lease outlives a stuck or killed poller by this much at most; a live poller renews it
# every message, so the bound is about how long a dead holder blocks the next one.
LEASE_SECONDS = 300


@dataclass
class PollStats:
    mailbox: str = ""
    seen: int = 0
    stored: int = 0
    duplicates: int = 0
    failed: int = 0
    locked_out: bool = False
    errors: list[str] = field(default_factory=list)


def lease_holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _holder_is_dead(holder: str) -> bool:
    """A holder on this host whose process is gone (killed mid-poll) holds nothing.

    Holders on other hosts cannot be checked from here; their lease runs out instead.
    """
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit() or int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _take_lease(s, name: str, holder: str, now: dt.datetime) -> bool:
    if repo.acquire_lease(s, name, holder, now, LEASE_SECONDS):
        return True
    current = repo.lease_holder(s, name)
    if current and _holder_is_dead(current):
        log.warning("lease %s was held by %s, which is no longer running; taking it over", name, current)
        repo.release_lease(s, name, current)
        return repo.acquire_lease(s, name, holder, now, LEASE_SECONDS)
    return False


def poll(box: Mailbox, sessions, *, now: Callable[[], dt.datetime],
         limit: int | None = None, on_stored: Callable[[], None] | None = None) -> PollStats:
    """Store every new message of ``box``. ``box`` is an unopened adapter.

    Only one process polls a mailbox at a time: on PostgreSQL the one holding an advisory
    lock on a dedicated connection (freed by the server the moment that process dies, so
    another worker takes over at its next poll), on SQLite the one holding the lease row.
    """
    stats = PollStats(mailbox=box.key)
    engine = sessions.kw.get("bind")
    guard = _advisory_guard(engine, box.key) if _is_postgresql(engine) else _lease_guard(sessions, box.key, now)
    with guard as lease:
        if lease is None:
            stats.locked_out = True
            log.info("mailbox %s is being polled by another process; skipping", box.key)
            return stats
        with box:
            _poll_open(box, sessions, stats, now=now, limit=limit, lease=lease or None, on_stored=on_stored)
    return stats


def _is_postgresql(engine) -> bool:
    return engine is not None and engine.dialect.name == "postgresql"


@contextlib.contextmanager
def _lease_guard(sessions, mailbox: str, now) -> Iterator[tuple[str, str] | None]:
    """SQLite: the lease row, renewed with every message; yields (name, holder) or None."""
    holder = lease_holder()
    name = f"mailbox:{mailbox}"
    with session_scope(sessions) as s:
        taken = _take_lease(s, name, holder, now())
    if not taken:
        yield None
        return
    try:
        yield (name, holder)
    finally:
        with session_scope(sessions) as s:
            repo.release_lease(s, name, holder)


@contextlib.contextmanager
def _advisory_guard(engine, mailbox: str) -> Iterator[tuple | None]:
    """PostgreSQL: a session advisory lock on a connection of its own, held for the poll.

    Yields () when held (no lease row to renew), None when another process holds it.
    """
    key = leases.advisory_key(f"mailbox:{mailbox}")
    conn = engine.connect()
    # Autocommit: the lock belongs to the session, and no transaction may stay open
    # on this connection for the length of a poll.
    conn.execution_options(isolation_level="AUTOCOMMIT")
    held = False
    try:
        held = leases.try_advisory_lock(conn, key)
        if held:
            log.info("poll lock on %s taken by pid %s", mailbox, os.getpid())
        yield () if held else None
    finally:
        try:
            if held:
                # Logged before the unlock, so that in the logs of all workers together a
                # "taken" line never falls inside another holder's taken..releasing span.
                log.info("poll lock on %s releasing by pid %s", mailbox, os.getpid())
                leases.advisory_unlock(conn, key)
        except SQLAlchemyError as err:
            # The connection is gone, and with it the lock; never hand it back to the pool.
            log.warning("poll lock on %s: connection lost (%s); the server has freed the lock",
                        mailbox, str(err).splitlines()[0])
            conn.invalidate()
        conn.close()


def _poll_open(box: Mailbox, sessions, stats: PollStats, *, now, limit, lease, on_stored) -> None:
    uidvalidity = box.uidvalidity()
    with session_scope(sessions) as s:
        state = repo.get_mailbox_state(s, box.key)
    last_uid = state[1] if state and state[0] == uidvalidity else 0
    if state and state[0] != uidvalidity:
        # Known messages come back under new UIDs; the content hash keeps them from
        # becoming new work (store_raw dedupes), so a rescan is safe.
        log.warning("UIDVALIDITY of %s changed from %s to %s; rescanning", box.key, state[0], uidvalidity)
    keys = box.pending(last_uid)
    with session_scope(sessions) as s:
        known = repo.known_keys(s, box.key, uidvalidity, keys)
    for key in keys:
        if limit is not None and stats.seen >= limit:
            break
        stats.seen += 1
        if key in known:
            # Stored before but not moved (a crash or lost connection in between): finish it.
            with session_scope(sessions) as s:
                uid = repo.ledger_uid(s, box.key, uidvalidity, key)
            _finish(box, sessions, key, uidvalidity, uid or 0, now)
            continue
        if not _store_one(box, sessions, stats, key, uidvalidity, now=now, lease=lease):
            # Stop here rather than skip: advancing past a message we could not fetch
            # would lose it. The next poll starts again from this one.
            break
        if on_stored:
            on_stored()


def _store_one(box: Mailbox, sessions, stats: PollStats, key: str, uidvalidity: int, *,
               now, lease) -> bool:
    try:
        fetched = box.fetch(key)
    except MailboxError as err:
        stats.failed += 1
        stats.errors.append(f"{key}: {err}")
        log.error("could not fetch %s from %s: %s", key, box.key, err)
        with session_scope(sessions) as s:
            repo.record_ledger_failure(s, box.key, uidvalidity, 0, key, str(err), now())
        return False
    received = receipt_time(fetched.raw) or fetched.internaldate or now()
    with session_scope(sessions) as s:
        result = repo.store_raw(s, raw=fetched.raw, received_at=received, now=now(),
                                mailbox=box.key, uidvalidity=uidvalidity, uid=fetched.uid, key=key)
        if lease:
            repo.renew_lease(s, lease[0], lease[1], now(), LEASE_SECONDS)
    if result.created:
        stats.stored += 1
    else:
        stats.duplicates += 1
    log.info("stored message %s from %s (raw %s%s)", key, box.key, result.raw_message_id,
             "" if result.created else ", duplicate content")
    _finish(box, sessions, key, uidvalidity, fetched.uid, now)
    return True


def _finish(box: Mailbox, sessions, key: str, uidvalidity: int, uid: int, now) -> None:
    """Move the stored message (if configured), and only then count it as behind us.

    Until the move succeeded the message stays inside the next poll's range, which finds
    it in the ledger and moves it then. A lost connection fails the poll (tried again
    later); a move the server refuses is logged and passed over, so that one message
    that cannot be moved does not hold up all mail after it (its bytes are safe).
    """
    try:
        box.done(key)
    except MailboxUnavailable:
        raise
    except MailboxError as err:
        log.error("stored message %s could not be moved on %s: %s", key, box.key, err)
    with session_scope(sessions) as s:
        state = repo.get_mailbox_state(s, box.key)
        last = state[1] if state and state[0] == uidvalidity else 0
        repo.set_mailbox_state(s, box.key, uidvalidity, max(last, uid), now())
