"""The send job: deliver the outbox rows that are due, one short transaction at a time.

For each row: claim it and mark it ``sending`` and COMMIT; only then talk to the server;
then, in a new transaction, mark it ``sent`` with the server's reply. A transient
failure puts it back to ``queued`` with exponential backoff and jitter; a permanent one
(5xx, or data that cannot become a safe message) marks it ``failed`` with the reason.

The crash window, and why it costs at most one duplicate: if the process dies after
the server accepted the mail and before ``mark_sent`` committed, the row stays
``sending``. Once it is older than ``stale_after`` a run claims it again and sends it
again: the same bytes (the Date is the row's ``created_at``, the MIME boundary derives
from the Message-ID), so the same Message-ID, by which archives, many clients and our
bounce matching see one mail; the maildir transport even overwrites the same file.
The same holds when the connection drops after the final dot of DATA, before the
server's reply: the server may have queued the mail, and we try again. Either event
costs at most one extra copy, identical to the first; no mail is lost to it.
(tests/intake/test_sender.py kills a sender process inside this window.)

If recording ``sent`` fails after the server accepted the mail, the row is NOT marked
for retry (that would resend it at once); it stays ``sending`` and is treated like a
crash, and the batch stops because the database is in trouble.
"""
from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from storage import outbox
from storage.db import session_scope

from .outmail import OutgoingMailError, build_message, envelope, parse_from
from .transport import PermanentSendError, ServerUnavailable, TransientSendError, Transport

log = logging.getLogger("akson.send")

BATCH = 50                                  # rows per run: a run stays well under a minute
MAX_ATTEMPTS = 8                            # with the delays below: 1 to 3 hours of trying
BASE_DELAY = dt.timedelta(seconds=60)       # a greylisting server accepts after 1 to 5 minutes
MAX_DELAY = dt.timedelta(hours=1)           # an outage longer than this is a person's job
# Longer than any send can take (connect + TLS + DATA, each bounded by the 30 s timeout),
# so a row of a live worker is never taken for a dead one's.
STALE_AFTER = dt.timedelta(minutes=10)
_MAX_DOUBLINGS = 40   # 2**40 times any sane base delay is far beyond any max_delay


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0
    failed: int = 0
    # Delivery outcomes worth telling the operator (retries, permanent failures) ...
    errors: list[str] = field(default_factory=list)
    # ... and of those, the ones where the service itself is in trouble (the database):
    # what makes a command exit non-zero.
    internal: list[str] = field(default_factory=list)
    # The server could not be used at all (refused, TLS, login): the caller should wait.
    unavailable: bool = False

    def add(self, other: "SendStats") -> None:
        """Fold another run's figures into these (a caller sending in several batches)."""
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.errors += other.errors
        self.internal += other.internal
        self.unavailable = self.unavailable or other.unavailable


@dataclass(frozen=True)
class _Claimed:
    """What the send needs from a claimed row, read inside its transaction."""

    id: int
    key: str
    attempts: int
    message_id: str
    to: str                          # the To addresses, for the log
    message: bytes
    sender: str
    recipients: list[str]
    build_error: str | None = None   # building raised something unexpected (a bug): retry


def backoff(attempts: int, *, rng: random.Random, base_delay: dt.timedelta,
            max_delay: dt.timedelta) -> dt.timedelta:
    """Delay before the next try after ``attempts`` tries: doubling, capped, jittered.

    The jitter (x0.5 to x1.5) spreads mails that failed together, so a server that
    comes back is not hit by all of them in the same second.
    """
    # The exponent is capped so that a generous max_attempts cannot overflow timedelta.
    doubled = base_delay.total_seconds() * 2.0 ** min(max(attempts - 1, 0), _MAX_DOUBLINGS)
    return min(max_delay, dt.timedelta(seconds=doubled)) * (0.5 + rng.random())


def send_due(
    sessions: sessionmaker[Session],
    transport: Transport,
    *,
    now: Callable[[], dt.datetime],
    from_header: str,
    rng: random.Random,
    batch: int = BATCH,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: dt.timedelta = BASE_DELAY,
    max_delay: dt.timedelta = MAX_DELAY,
    stale_after: dt.timedelta = STALE_AFTER,
) -> SendStats:
    """Send up to ``batch`` due mails; stops early when the server cannot be reached.

    An unusable ``from_header`` raises OutgoingMailError before any row is touched: it
    is configuration, and must not fail every mail as if their data were bad.
    """
    parse_from(from_header)
    stats = SendStats()
    policy = _RetryPolicy(rng=rng, base_delay=base_delay, max_delay=max_delay, max_attempts=max_attempts)
    for _ in range(batch):
        try:
            claimed = _claim(sessions, now=now(), stale_after=stale_after, from_header=from_header)
        except Exception as err:   # the database is unusable: nothing else can be done this run
            log.exception("mail claim failed: %s", err)
            stats.errors.append(f"claim: {err!r}")
            stats.internal.append(f"claim: {err!r}")
            break
        if claimed is None:
            break
        if isinstance(claimed, _BadData):
            _log_failed(claimed.id, claimed.key, claimed.error, stats)
            continue
        if not _deliver(sessions, transport, claimed, now=now, policy=policy, stats=stats):
            break
    return stats


@dataclass(frozen=True)
class _BadData:
    """A claimed row marked failed without sending: it cannot become a safe message."""

    id: int
    key: str
    error: str


def _claim(sessions: sessionmaker[Session], *, now: dt.datetime, stale_after: dt.timedelta,
           from_header: str) -> _Claimed | _BadData | None:
    """Claim the next due row and commit it as ``sending``; None when nothing is due."""
    with session_scope(sessions) as s:
        rows = outbox.claim_due(s, now=now, stale_before=now - stale_after, limit=1)
        if not rows:
            return None
        row = rows[0]
        build_error: str | None = None
        try:
            # The row's created_at as Date, always in UTC (a row still in the identity map
            # may carry the zone it was queued with): a resend is byte-identical.
            message = build_message(row, from_header=from_header, date=row.created_at.astimezone(dt.UTC))
            sender, recipients = envelope(row, from_header=from_header)
        except OutgoingMailError as err:
            # Bad data stays bad: retrying would only fail again.
            outbox.mark_failed(row, now=now, error=str(err))
            return _BadData(id=row.id, key=row.key, error=str(err))
        except Exception as err:
            # Left queued, this row would come first again at every run and block the
            # queue; as 'sending' it goes through the retry policy like any failed send.
            log.exception("mail could not be built id=%s key=%s", row.id, row.key)
            message, sender, recipients, build_error = b"", "", [], f"building the message: {err!r}"
            to = ""   # unchecked addresses stay out of the log
        else:
            to = ",".join(row.to_addrs)   # checked by envelope()
        outbox.mark_sending(row, now=now)
        return _Claimed(id=row.id, key=row.key, attempts=row.attempts, message_id=row.message_id,
                        to=to, message=message, sender=sender,
                        recipients=recipients, build_error=build_error)


@dataclass(frozen=True)
class _Failure:
    error: str
    reply: str | None
    permanent: bool
    stop: bool = False   # the server is unusable: leave the other rows due for a later run


def _deliver(sessions: sessionmaker[Session], transport: Transport, mail: _Claimed, *,
             now: Callable[[], dt.datetime], policy: _RetryPolicy, stats: SendStats) -> bool:
    """Send one claimed mail and record the outcome; False when the batch should stop."""
    if mail.build_error is not None:
        return _record_failure(sessions, mail, _Failure(mail.build_error, None, permanent=False),
                               now=now(), policy=policy, stats=stats)
    try:
        reply = transport.send(mail.message, mail.sender, mail.recipients)
    except PermanentSendError as err:
        failure = _Failure(str(err), err.reply, permanent=True)
    except TransientSendError as err:
        failure = _Failure(str(err), err.reply, permanent=False, stop=isinstance(err, ServerUnavailable))
    except Exception as err:   # a bug, not the server's verdict: try again later, never "sent"
        log.exception("mail send raised id=%s key=%s", mail.id, mail.key)
        failure = _Failure(repr(err), None, permanent=False)
    else:
        return _record_sent(sessions, mail, reply, now=now(), stats=stats)
    stats.unavailable = stats.unavailable or failure.stop
    return _record_failure(sessions, mail, failure, now=now(), policy=policy, stats=stats) and not failure.stop


def _record_sent(sessions: sessionmaker[Session], mail: _Claimed, reply: str, *, now: dt.datetime,
                 stats: SendStats) -> bool:
    try:
        with session_scope(sessions) as s:
            outbox.mark_sent(outbox.get(s, mail.id), now=now, reply=reply)
    except Exception as err:
        # Not a retry: that would resend at once. Left 'sending', it is resent once after
        # the stale period, as after a crash; the database is in trouble, so stop.
        log.exception("mail sent but not recorded id=%s key=%s message_id=%s", mail.id, mail.key, mail.message_id)
        stats.errors.append(f"id={mail.id} key={mail.key}: sent but not recorded: {err!r}")
        stats.internal.append(stats.errors[-1])
        return False
    stats.sent += 1
    log.info("mail sent id=%s key=%s to=%s message_id=%s reply=%s", mail.id, mail.key, mail.to, mail.message_id, reply)
    return True


def _record_failure(sessions: sessionmaker[Session], mail: _Claimed, failure: _Failure, *,
                    now: dt.datetime, policy: _RetryPolicy, stats: SendStats) -> bool:
    """Mark the row for retry or failed; False (stop) if the database refuses."""
    error = failure.error
    retry_at = None if failure.permanent else policy.next_attempt(mail.attempts, now)
    if not failure.permanent and retry_at is None:
        error = f"gave up after {mail.attempts} attempts: {error}"
    try:
        with session_scope(sessions) as s:
            row = outbox.get(s, mail.id)
            if retry_at is None:
                outbox.mark_failed(row, now=now, error=error, reply=failure.reply)
            else:
                outbox.mark_retry(row, now=now, next_attempt_at=retry_at, error=error)
    except Exception as err:
        # The row stays 'sending' and is taken up again after the stale period.
        log.exception("mail outcome not recorded id=%s key=%s", mail.id, mail.key)
        stats.errors.append(f"id={mail.id} key={mail.key}: {error}; not recorded: {err!r}")
        stats.internal.append(stats.errors[-1])
        return False
    if retry_at is None:
        _log_failed(mail.id, mail.key, error, stats, to=mail.to, message_id=mail.message_id)
    else:
        stats.retried += 1
        stats.errors.append(f"id={mail.id} key={mail.key}: {error}")
        log.warning("mail retry id=%s key=%s to=%s message_id=%s attempt=%d next_attempt_at=%s error=%s",
                    mail.id, mail.key, mail.to, mail.message_id, mail.attempts, retry_at.isoformat(), error)
    return True


@dataclass(frozen=True)
class _RetryPolicy:
    rng: random.Random
    base_delay: dt.timedelta
    max_delay: dt.timedelta
    max_attempts: int

    def next_attempt(self, attempts: int, now: dt.datetime) -> dt.datetime | None:
        """When to try again after ``attempts`` tries; None once they are used up."""
        if attempts >= self.max_attempts:
            return None
        return now + backoff(attempts, rng=self.rng, base_delay=self.base_delay, max_delay=self.max_delay)


def _log_failed(mail_id: int, key: str, error: str, stats: SendStats, *, to: str = "",
                message_id: str = "") -> None:
    stats.failed += 1
    stats.errors.append(f"id={mail_id} key={key}: {error}")
    log.error("mail failed id=%s key=%s to=%s message_id=%s error=%s", mail_id, key, to, message_id, error)
