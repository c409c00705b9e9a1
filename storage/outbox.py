"""The outbox: outgoing mail as rows, queued with the decision that caused them.

Life of a row: ``queued`` -> ``sending`` (committed before the SMTP conversation) ->
``sent``, or back to ``queued`` with a later ``next_attempt_at`` after a transient
failure, or ``failed`` for good. A row left in ``sending`` by a worker that died is
taken up again once it is older than the stale limit the caller gives: that resend is
the one duplicate a crash can cause, and it carries the same Message-ID.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable, Sequence

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage.errors import StorageError
from storage.models import MunicipalityContact, OutboxMail


class OutboxMailNotFound(StorageError):
    def __init__(self, mail_id: int) -> None:
        super().__init__(f"no outgoing mail with id {mail_id}")
        self.mail_id = mail_id


@dataclass(frozen=True)
class NewMail:
    """Everything needed to queue one mail; the text is rendered before it is queued."""

    key: str
    purpose: str
    language: str
    to: Sequence[str]
    subject: str
    text: str
    message_id: str
    auto_submitted: str
    html: str | None = None
    cc: Sequence[str] = ()
    municipality_number: str | None = None
    submission_id: int | None = None
    reminder_days: int | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = field(default_factory=tuple)


def exists(s: Session, key: str) -> bool:
    return s.scalar(select(OutboxMail.id).where(OutboxMail.key == key)) is not None


def enqueue(s: Session, mail: NewMail, *, now: dt.datetime) -> int | None:
    """Queue ``mail`` unless a mail with its key exists; returns the new id or None.

    The insert runs in a savepoint, so a concurrent worker that queued the same key first
    costs this transaction nothing but the insert.
    """
    if not mail.to:
        raise ValueError(f"outgoing mail {mail.key} has no recipient")
    if exists(s, mail.key):
        return None
    row = OutboxMail(
        key=mail.key, purpose=mail.purpose, language=mail.language,
        municipality_number=mail.municipality_number, submission_id=mail.submission_id,
        reminder_days=mail.reminder_days, to_addrs=list(mail.to), cc_addrs=list(mail.cc),
        primary_recipient=mail.to[0].lower(), subject=mail.subject, body_text=mail.text,
        body_html=mail.html, message_id=mail.message_id, in_reply_to=mail.in_reply_to,
        references=" ".join(mail.references) or None, auto_submitted=mail.auto_submitted,
        state="queued", attempts=0, next_attempt_at=now, created_at=now, updated_at=now)
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        return None
    return row.id


def get(s: Session, mail_id: int) -> OutboxMail:
    row = s.get(OutboxMail, mail_id)
    if row is None:
        raise OutboxMailNotFound(mail_id)
    return row


def claim_due(s: Session, *, now: dt.datetime, stale_before: dt.datetime, limit: int) -> list[OutboxMail]:
    """Rows to send now, oldest first, locked for this transaction (SKIP LOCKED on PostgreSQL).

    ``stale_before``: a ``sending`` row last touched before it belongs to a dead worker.
    The caller marks each row ``sending`` and commits before talking to the server.
    """
    return list(s.scalars(
        select(OutboxMail)
        .where(or_((OutboxMail.state == "queued") & (OutboxMail.next_attempt_at <= now),
                   (OutboxMail.state == "sending") & (OutboxMail.updated_at < stale_before)))
        .order_by(OutboxMail.next_attempt_at, OutboxMail.id)
        .limit(limit)
        .with_for_update(skip_locked=True)))


def mark_sending(row: OutboxMail, *, now: dt.datetime) -> None:
    row.state = "sending"
    row.attempts += 1
    row.updated_at = now


def mark_sent(row: OutboxMail, *, now: dt.datetime, reply: str | None = None) -> None:
    row.state = "sent"
    row.sent_at = now
    row.updated_at = now
    row.smtp_reply = reply
    row.last_error = None


def mark_retry(row: OutboxMail, *, now: dt.datetime, next_attempt_at: dt.datetime, error: str) -> None:
    row.state = "queued"
    row.next_attempt_at = next_attempt_at
    row.updated_at = now
    row.last_error = error[:2000]


def mark_failed(row: OutboxMail, *, now: dt.datetime, error: str, reply: str | None = None) -> None:
    row.state = "failed"
    row.updated_at = now
    row.last_error = error[:2000]
    row.smtp_reply = reply


def retry(s: Session, mail_id: int, *, now: dt.datetime) -> OutboxMail:
    """Staff ask for a failed mail to be tried again."""
    row = get(s, mail_id)
    if row.state == "failed":
        row.state = "queued"
        row.next_attempt_at = now
        row.updated_at = now
    return row


def count_to_recipient(s: Session, address: str, *, since: dt.datetime) -> int:
    """Mails queued since ``since`` whose first recipient is ``address`` (the daily cap)."""
    return s.scalar(select(func.count()).select_from(OutboxMail).where(
        OutboxMail.primary_recipient == address.lower(), OutboxMail.created_at >= since)) or 0


def by_message_ids(s: Session, message_ids: Iterable[str]) -> list[OutboxMail]:
    ids = [m.strip() for m in message_ids if m and m.strip()]
    if not ids:
        return []
    return list(s.scalars(select(OutboxMail).where(OutboxMail.message_id.in_(ids))))


def record_bounce(s: Session, row: OutboxMail, *, addresses: Iterable[str], detail: str,
                  now: dt.datetime) -> list[str]:
    """Mark the mail and the municipality's contacts at ``addresses`` as bouncing.

    Returns the contact addresses marked.
    """
    row.bounced_at = now
    row.bounce_detail = detail[:2000]
    wanted = {a.lower() for a in addresses}
    marked = []
    if row.municipality_number and wanted:
        for contact in s.scalars(select(MunicipalityContact).where(
                MunicipalityContact.number == row.municipality_number)):
            if contact.email.lower() in wanted:
                contact.bounced_at = now
                contact.bounce_detail = detail[:2000]
                marked.append(contact.email)
    return marked


def all_mail(s: Session, *, municipality_number: str | None = None) -> list[OutboxMail]:
    q = select(OutboxMail).order_by(OutboxMail.created_at, OutboxMail.id)
    if municipality_number is not None:
        q = q.where(OutboxMail.municipality_number == municipality_number)
    return list(s.scalars(q))


def state_counts(s: Session) -> dict[str, int]:
    rows = s.execute(select(OutboxMail.state, func.count()).group_by(OutboxMail.state))
    return {state: n for state, n in rows}


def failures(s: Session) -> list[OutboxMail]:
    return list(s.scalars(select(OutboxMail).where(OutboxMail.state == "failed")
                          .order_by(OutboxMail.updated_at, OutboxMail.id)))


def reminders_sent(s: Session) -> dict[str, int]:
    """Reminders sent per municipality number (queued and failed ones do not count)."""
    rows = s.execute(select(OutboxMail.municipality_number, func.count())
                     .where(OutboxMail.purpose == "reminder", OutboxMail.state == "sent")
                     .group_by(OutboxMail.municipality_number))
    return {number: n for number, n in rows if number}


def bounced_numbers(s: Session) -> dict[str, str]:
    """Municipalities with a bouncing contact address, and the last detail seen."""
    rows = s.execute(select(MunicipalityContact.number, MunicipalityContact.email,
                            MunicipalityContact.bounce_detail)
                     .where(MunicipalityContact.bounced_at.is_not(None))
                     .order_by(MunicipalityContact.bounced_at))
    return {number: f"{email}: {detail or ''}".strip() for number, email, detail in rows}
