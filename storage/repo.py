"""Repository functions: every query the service runs, as plain functions over a Session.

None of them commits: the caller owns the transaction (``storage.db.session_scope``),
so a stage's writes land together or not at all. Times are arguments and must be
time-zone aware.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import insert, or_, select, update
from sqlalchemy.orm import Session

from storage.contacts import ImportResult, import_contacts
from storage.db import affected_rows, insert_unless_duplicate
from storage.errors import RawMessageNotFound, StorageError
from storage.leases import acquire_lease, lease_holder, release_lease, renew_lease
from storage.models import (
    RAW_STATES,
    AuditLog,
    MailboxLedger,
    MailboxState,
    Municipality,
    MunicipalityAlias,
    MunicipalityContact,
    MunicipalityDomain,
    RawMessage,
)
from storage.registry import Alias

__all__ = [
    "Alias",
    "Contact",
    "ImportResult",
    "MunicipalityRecord",
    "StoreResult",
    "acquire_lease",
    "lease_holder",
    "add_audit",
    "lease_new_raw",
    "still_leased",
    "RawLease",
    "get_mailbox_state",
    "import_contacts",
    "known_keys",
    "ledger_uid",
    "known_sha256",
    "load_raw",
    "mark_raw",
    "municipality_rows",
    "record_ledger_failure",
    "release_lease",
    "renew_lease",
    "set_mailbox_state",
    "store_raw",
]

# Bound parameters per IN list: well below SQLite's limit (32766) and PostgreSQL's
# (65535), and small enough for a readable query plan.
_IN_CHUNK = 500


class Contact(NamedTuple):
    """A contact address; a tuple, so ``for email, role in contacts`` works."""

    email: str
    role: str  # "official" or "cc"


@dataclass(frozen=True, slots=True)
class MunicipalityRecord:
    number: str
    name: str
    display_name: str
    county_number: str
    county: str
    population: int
    org_number: str
    health_region: str
    invited_default: bool
    language_form: str
    aliases: tuple[Alias, ...]
    contacts: tuple[Contact, ...]  # the official address first
    domains: tuple[str, ...]  # extra mail domains, from the import's `domains` column
    contact_domains: tuple[str, ...]  # domains of the contact addresses (public providers left out)

    @property
    def official_email(self) -> str | None:
        return next((c.email for c in self.contacts if c.role == "official"), None)

    @property
    def cc_emails(self) -> tuple[str, ...]:
        return tuple(c.email for c in self.contacts if c.role == "cc")

    @property
    def mail_domains(self) -> tuple[str, ...]:
        """Every domain recorded for the municipality (not the derived conventional one)."""
        return tuple(sorted(set(self.domains) | set(self.contact_domains)))


@dataclass(frozen=True, slots=True)
class StoreResult:
    raw_message_id: int
    created: bool  # False: these bytes were already stored, no new work


def municipality_rows(session: Session) -> list[MunicipalityRecord]:
    """The whole registry with aliases, contacts and domains, ordered by number."""
    aliases: dict[str, list[Alias]] = {}
    for row in session.scalars(select(MunicipalityAlias).order_by(MunicipalityAlias.id)):
        aliases.setdefault(row.number, []).append(Alias(row.alias, row.kind))
    contacts: dict[str, list[Contact]] = {}
    official_first = (MunicipalityContact.role != "official", MunicipalityContact.email)
    for contact in session.scalars(select(MunicipalityContact).order_by(*official_first)):
        contacts.setdefault(contact.number, []).append(Contact(contact.email, contact.role))
    domains: dict[tuple[str, str], list[str]] = {}
    for domain in session.scalars(select(MunicipalityDomain).order_by(MunicipalityDomain.domain)):
        domains.setdefault((domain.number, domain.source), []).append(domain.domain)

    return [
        MunicipalityRecord(
            number=m.number,
            name=m.name,
            display_name=m.display_name,
            county_number=m.county_number,
            county=m.county,
            population=m.population,
            org_number=m.org_number,
            health_region=m.health_region,
            invited_default=m.invited_default,
            language_form=m.language_form,
            aliases=tuple(aliases.get(m.number, ())),
            contacts=tuple(contacts.get(m.number, ())),
            domains=tuple(domains.get((m.number, "import"), ())),
            contact_domains=tuple(domains.get((m.number, "contact"), ())),
        )
        for m in session.scalars(select(Municipality).order_by(Municipality.number))
    ]


# --- mailbox -------------------------------------------------------------------------


def get_mailbox_state(session: Session, mailbox: str) -> tuple[int, int] | None:
    """(uidvalidity, last_uid) remembered for the mailbox, or None before the first poll."""
    state = session.get(MailboxState, mailbox)
    return None if state is None else (state.uidvalidity, state.last_uid)


def set_mailbox_state(session: Session, mailbox: str, uidvalidity: int, last_uid: int, now: datetime) -> None:
    values = {"uidvalidity": uidvalidity, "last_uid": last_uid, "updated_at": now}
    changed = affected_rows(
        session,
        update(MailboxState)
        .where(MailboxState.mailbox == mailbox)
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    if changed == 1:
        return
    if insert_unless_duplicate(session, insert(MailboxState).values(mailbox=mailbox, **values)) is None:
        # Created between our UPDATE and INSERT by another poller; the lease holder wins.
        session.execute(update(MailboxState).where(MailboxState.mailbox == mailbox).values(**values))


def known_keys(
    session: Session, mailbox: str, uidvalidity: int, keys: Sequence[str], *, include_failed: bool = False
) -> set[str]:
    """The subset of ``keys`` already in the ledger for this mailbox and UIDVALIDITY.

    Failed fetches are not "known" unless asked for, so the poller retries them.
    """
    statuses = ("stored", "failed") if include_failed else ("stored",)
    found: set[str] = set()
    unique = list(dict.fromkeys(keys))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        found.update(
            session.scalars(
                select(MailboxLedger.key).where(
                    MailboxLedger.mailbox == mailbox,
                    MailboxLedger.uidvalidity == uidvalidity,
                    MailboxLedger.key.in_(chunk),
                    MailboxLedger.status.in_(statuses),
                )
            )
        )
    return found


def ledger_uid(session: Session, mailbox: str, uidvalidity: int, key: str) -> int | None:
    """The UID recorded with a stored key (None for maildir keys, which have none)."""
    return session.scalar(select(MailboxLedger.uid).where(*_ledger_key(mailbox, uidvalidity, key)))


def known_sha256(session: Session, sha256: str) -> int | None:
    """The id of the raw message with these bytes' SHA-256 (hex), if stored."""
    return session.scalar(select(RawMessage.id).where(RawMessage.sha256 == sha256.lower()))


def store_raw(
    session: Session,
    *,
    raw: bytes,
    received_at: datetime,
    now: datetime,
    mailbox: str,
    uidvalidity: int,
    uid: int | None,
    key: str,
) -> StoreResult:
    """Keep the message bytes (once per content) and record the fetch in the ledger.

    The same bytes fetched again (another UID, a re-delivery, a second mailbox) link to
    the stored copy and create no new work. Safe when two workers store at once: the
    unique keys decide, and the loser re-reads the winner's row.
    """
    digest = hashlib.sha256(raw).hexdigest()
    raw_id = known_sha256(session, digest)
    created = False
    if raw_id is None:
        inserted = insert_unless_duplicate(
            session,
            insert(RawMessage)
            .values(
                sha256=digest,
                size=len(raw),
                data=raw,
                received_at=received_at,
                first_seen_at=now,
                state="new",
                attempts=0,
            )
            .returning(RawMessage.id),
        )
        created = inserted is not None
        raw_id = inserted[0][0] if inserted else _require(known_sha256(session, digest), digest)
    _ledger_stored(session, mailbox, uidvalidity, uid, key, raw_id, now)
    return StoreResult(raw_id, created)


def record_ledger_failure(
    session: Session, mailbox: str, uidvalidity: int, uid: int | None, key: str, error: str, now: datetime
) -> None:
    """Note that fetching or storing a message failed, with the reason.

    A key already stored stays stored: the bytes are safe, so a later failure (e.g. of
    the move on the server) must not make the message look lost.
    """
    values = {"mailbox": mailbox, "uidvalidity": uidvalidity, "key": key}
    inserted = insert_unless_duplicate(
        session, insert(MailboxLedger).values(**values, uid=uid, status="failed", error=error, created_at=now)
    )
    if inserted is None:
        session.execute(
            update(MailboxLedger)
            .where(*_ledger_key(mailbox, uidvalidity, key), MailboxLedger.status == "failed")
            .values(error=error, uid=uid)
            .execution_options(synchronize_session="fetch")
        )


def _ledger_stored(
    session: Session, mailbox: str, uidvalidity: int, uid: int | None, key: str, raw_id: int, now: datetime
) -> None:
    row = {"mailbox": mailbox, "uidvalidity": uidvalidity, "key": key, "uid": uid}
    inserted = insert_unless_duplicate(
        session,
        insert(MailboxLedger).values(**row, raw_message_id=raw_id, status="stored", error=None, created_at=now),
    )
    if inserted is None:
        # An earlier attempt failed (now it worked) or this key was stored already; a
        # key that is stored keeps pointing at the copy it was first stored as.
        session.execute(
            update(MailboxLedger)
            .where(*_ledger_key(mailbox, uidvalidity, key), MailboxLedger.status == "failed")
            .values(status="stored", raw_message_id=raw_id, error=None, uid=uid)
            .execution_options(synchronize_session="fetch")
        )


def _ledger_key(mailbox: str, uidvalidity: int, key: str) -> tuple[Any, ...]:
    return (MailboxLedger.mailbox == mailbox, MailboxLedger.uidvalidity == uidvalidity, MailboxLedger.key == key)


def _require(raw_id: int | None, digest: str) -> int:
    if raw_id is None:
        # The insert failed on something other than the sha256 key; nothing to link to.
        raise StorageError(f"raw message {digest} could neither be inserted nor found")
    return raw_id


# --- processing ------------------------------------------------------------------------


@dataclass(frozen=True)
class RawLease:
    raw_id: int
    claims: int          # how many times this message has been claimed, this time included


def lease_new_raw(session: Session, *, now: datetime, holder: str, duration: timedelta) -> RawLease | None:
    """Claim the oldest unprocessed message whose lease (if any) has ended, for ``duration``.

    The claim is committed with the caller's transaction; the analysis then runs outside
    any transaction, and ``still_leased`` tells whether the result may be recorded.
    PostgreSQL: a row another worker is claiming right now is skipped (SKIP LOCKED).
    """
    row = session.scalars(
        select(RawMessage)
        .where(RawMessage.state == "new",
               or_(RawMessage.claimed_until.is_(None), RawMessage.claimed_until < now))
        .order_by(RawMessage.received_at, RawMessage.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    ).first()
    if row is None:
        return None
    row.claimed_by = holder
    row.claimed_until = now + duration
    row.claims = (row.claims or 0) + 1
    session.flush()
    return RawLease(row.id, row.claims)


def still_leased(session: Session, raw_id: int, holder: str) -> bool:
    """True when ``holder``'s claim on the message stands and it is still unprocessed
    (locks the row for the rest of the transaction)."""
    row = session.scalars(select(RawMessage).where(RawMessage.id == raw_id).with_for_update()).first()
    return row is not None and row.state == "new" and row.claimed_by == holder


def load_raw(session: Session, raw_id: int) -> bytes:
    data = session.scalar(select(RawMessage.data).where(RawMessage.id == raw_id))
    if data is None:
        raise RawMessageNotFound(raw_id)
    return bytes(data)


def mark_raw(session: Session, raw_id: int, state: str, error: str | None = None, *, now: datetime) -> None:
    """Record the outcome of processing: "processed", "failed" (with the error) or "new".

    Each processed/failed mark counts as one attempt; "new" puts a message back in the
    queue (e.g. after a bug fix) and keeps its attempt count.
    """
    if state not in RAW_STATES:
        raise ValueError(f"state must be one of {RAW_STATES}, not {state!r}")
    finished = state != "new"
    changed = affected_rows(
        session,
        update(RawMessage)
        .where(RawMessage.id == raw_id)
        .values(
            state=state,
            error=error,
            processed_at=now if finished else None,
            attempts=RawMessage.attempts + (1 if finished else 0),
        )
        .execution_options(synchronize_session="fetch")
    )
    if changed != 1:
        raise RawMessageNotFound(raw_id)


# --- audit -----------------------------------------------------------------------------


def add_audit(
    session: Session,
    *,
    at: datetime,
    actor: str,
    action: str,
    submission_id: int | None = None,
    municipality_number: str | None = None,
    details: dict[str, Any] | None = None,
) -> int:
    """Append one entry to the audit trail; returns its id."""
    entry = AuditLog(
        at=at,
        actor=actor,
        action=action,
        submission_id=submission_id,
        municipality_number=municipality_number,
        details=details or {},
    )
    session.add(entry)
    session.flush()
    return entry.id


def audit_for_municipality(session: Session, number: str, *, limit: int = 50) -> list[AuditLog]:
    """The latest audit entries about a municipality, newest first."""
    return list(session.scalars(select(AuditLog).where(AuditLog.municipality_number == number)
                                .order_by(AuditLog.at.desc(), AuditLog.id.desc()).limit(limit)))
