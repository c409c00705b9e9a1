"""The schema as SQLAlchemy models.

``migrations/versions`` must produce exactly this schema; a test compares the migrated
database with ``Base.metadata`` on every backend. Change both together.

Constrained vocabularies of our own (raw message state, ledger status, contact role,
domain source) get CHECK constraints; the decision vocabulary of ``submission`` (kind,
status) belongs to the intake pipeline and may grow, so it is plain text here.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import CHAR

from storage.types import TZDateTime

# Deterministic constraint names, so migrations can refer to them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

RAW_STATES = ("new", "processed", "failed")
LEDGER_STATUSES = ("stored", "failed")
CONTACT_ROLES = ("official", "cc")
DOMAIN_SOURCES = ("contact", "import")
OUTBOX_STATES = ("queued", "sending", "sent", "failed")

# Length limits: kommunenummer is four digits; addresses and domains follow RFC 5321
# (254 for a path, 253 for a name); mailbox names and ledger keys are ours and short.
NUMBER_LEN = 4
EMAIL_LEN = 254
DOMAIN_LEN = 253
NAME_LEN = 255


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Municipality(Base):
    __tablename__ = "municipality"

    number: Mapped[str] = mapped_column(String(NUMBER_LEN), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN))
    display_name: Mapped[str] = mapped_column(String(NAME_LEN))
    county_number: Mapped[str] = mapped_column(String(2))
    county: Mapped[str] = mapped_column(String(NAME_LEN))
    population: Mapped[int] = mapped_column(Integer)
    org_number: Mapped[str] = mapped_column(String(9))
    health_region: Mapped[str] = mapped_column(String(NAME_LEN))
    invited_default: Mapped[bool] = mapped_column(Boolean)
    language_form: Mapped[str] = mapped_column(String(16))


class MunicipalityAlias(Base):
    __tablename__ = "municipality_alias"
    __table_args__ = (UniqueConstraint("number", "alias", "kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(ForeignKey("municipality.number"))
    alias: Mapped[str] = mapped_column(String(NAME_LEN))
    kind: Mapped[str] = mapped_column(String(16))


class MunicipalityContact(Base):
    __tablename__ = "municipality_contact"
    __table_args__ = (
        UniqueConstraint("number", "email"),
        CheckConstraint(_in("role", CONTACT_ROLES), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(ForeignKey("municipality.number"))
    email: Mapped[str] = mapped_column(String(EMAIL_LEN))
    role: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    # Set when a delivery report says mail to this address failed permanently.
    bounced_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    bounce_detail: Mapped[str | None] = mapped_column(Text)


class MunicipalityDomain(Base):
    __tablename__ = "municipality_domain"
    __table_args__ = (
        UniqueConstraint("number", "domain"),
        CheckConstraint(_in("source", DOMAIN_SOURCES), name="source"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(ForeignKey("municipality.number"))
    domain: Mapped[str] = mapped_column(String(DOMAIN_LEN))
    source: Mapped[str] = mapped_column(String(16))


class RawMessage(Base):
    __tablename__ = "raw_message"
    __table_args__ = (CheckConstraint(_in("state", RAW_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(CHAR(64), unique=True)
    size: Mapped[int] = mapped_column(Integer)
    # Deferred: claiming, leasing and listing rows must not pull every message body (a
    # 40 MB attachment would be held in memory twice); load_raw selects it on its own.
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)
    received_at: Mapped[datetime] = mapped_column(TZDateTime)
    first_seen_at: Mapped[datetime] = mapped_column(TZDateTime)
    state: Mapped[str] = mapped_column(String(16), index=True, default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    # Processing lease: a worker claims a message for a while and analyses it outside any
    # transaction; a message whose worker died is taken up again when the lease ends, and
    # one that keeps killing workers is recognised by its claim count.
    claimed_by: Mapped[str | None] = mapped_column(String(NAME_LEN))
    claimed_until: Mapped[datetime | None] = mapped_column(TZDateTime)
    claims: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class MailboxState(Base):
    __tablename__ = "mailbox_state"

    mailbox: Mapped[str] = mapped_column(String(NAME_LEN), primary_key=True)
    # IMAP UIDs and UIDVALIDITY are unsigned 32-bit: they overflow a signed INTEGER.
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    last_uid: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime)


class MailboxLedger(Base):
    __tablename__ = "mailbox_ledger"
    __table_args__ = (
        UniqueConstraint("mailbox", "uidvalidity", "key"),
        CheckConstraint(_in("status", LEDGER_STATUSES), name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox: Mapped[str] = mapped_column(String(NAME_LEN))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    key: Mapped[str] = mapped_column(String(NAME_LEN))
    uid: Mapped[int | None] = mapped_column(BigInteger)
    raw_message_id: Mapped[int | None] = mapped_column(ForeignKey("raw_message.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)


class Submission(Base):
    __tablename__ = "submission"
    __table_args__ = (UniqueConstraint("raw_message_id", "part"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    raw_message_id: Mapped[int] = mapped_column(ForeignKey("raw_message.id"))
    # One message may carry several documents (e.g. declarations for two municipalities).
    part: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    message_id: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(TZDateTime)
    sender: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str] = mapped_column(Text)
    attachment: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(32), index=True)
    municipality_number: Mapped[str | None] = mapped_column(ForeignKey("municipality.number"), index=True)
    signers: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    signed_date: Mapped[date | None] = mapped_column(Date)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    decided_by: Mapped[str] = mapped_column(String(NAME_LEN))
    decided_at: Mapped[datetime] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)


class AuditLog(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime)
    actor: Mapped[str] = mapped_column(String(NAME_LEN))
    action: Mapped[str] = mapped_column(String(64))
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    # No foreign key: the trail must be writable for any number an actor typed in.
    municipality_number: Mapped[str | None] = mapped_column(String(NUMBER_LEN), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Lease(Base):
    """A named lock with an expiry: a holder that dies loses it after its TTL."""

    __tablename__ = "lease"

    name: Mapped[str] = mapped_column(String(NAME_LEN), primary_key=True)
    holder: Mapped[str] = mapped_column(String(NAME_LEN))
    expires_at: Mapped[datetime] = mapped_column(TZDateTime)


class OutboxMail(Base):
    """One outgoing mail, rendered when queued and sent by a separate job.

    ``key`` says why the mail exists (``ack:<submission>``, ``reminder:<number>:<days>``);
    its unique constraint is what makes "never twice" hold across crashes and workers.
    ``message_id`` is derived from the key, so a resend after a crash carries the same
    Message-ID and the recipient's client shows one mail.
    """

    __tablename__ = "outbox_mail"
    __table_args__ = (CheckConstraint(_in("state", OUTBOX_STATES), name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    purpose: Mapped[str] = mapped_column(String(32))
    language: Mapped[str] = mapped_column(String(8))
    municipality_number: Mapped[str | None] = mapped_column(ForeignKey("municipality.number"), index=True)
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submission.id"), index=True)
    reminder_days: Mapped[int | None] = mapped_column(Integer)
    to_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    cc_addrs: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The first To address, lower case: what the per-recipient daily cap counts.
    primary_recipient: Mapped[str] = mapped_column(String(EMAIL_LEN), index=True)
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    in_reply_to: Mapped[str | None] = mapped_column(Text)
    references: Mapped[str | None] = mapped_column(Text)
    auto_submitted: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    last_error: Mapped[str | None] = mapped_column(Text)
    smtp_reply: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    bounced_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    bounce_detail: Mapped[str | None] = mapped_column(Text)


# --- staff web UI ------------------------------------------------------------------

WEB_ROLES = ("viewer", "reviewer")


class WebUser(Base):
    """A member of staff. ``password_hash`` is argon2id; None means no password login
    (a user known only through the single sign-on proxy)."""

    __tablename__ = "web_user"
    __table_args__ = (CheckConstraint(_in("role", WEB_ROLES), name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(TZDateTime)
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    updated_at: Mapped[datetime] = mapped_column(TZDateTime)


class WebSession(Base):
    """A login, kept on the server so that disabling a user ends it at once.

    ``token_hash`` is the SHA-256 of the cookie's value: a copy of the database does not
    hand out live sessions.
    """

    __tablename__ = "web_session"

    token_hash: Mapped[str] = mapped_column(CHAR(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("web_user.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(TZDateTime)
    expires_at: Mapped[datetime] = mapped_column(TZDateTime, index=True)


class LoginFailure(Base):
    """One refused login, counted per account and per address for rate limiting."""

    __tablename__ = "login_failure"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(TZDateTime, index=True)
    username: Mapped[str] = mapped_column(String(NAME_LEN), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
