"""Outgoing mail as bytes: a pure function from an outbox row to an RFC 5322 message.

No clock, no network, no database: the caller passes the Date (the row's ``created_at``)
and the From header, so building the same row twice gives the same bytes. That is what
makes a resend after a crash recognisably the same mail (same Message-ID, same body,
same MIME boundary).

Everything that ends up in a header or in the SMTP envelope is checked here, even though
it was checked when the mail was queued: a CR, LF or NUL (or another control character)
in a header value, or an address that is not a plain ``local@domain``, raises
OutgoingMailError naming the field. Header injection must be impossible whatever is in
the database. The one leniency: a malformed (but harmless) id in In-Reply-To or
References, as other mailers send them, is left out instead of failing the mail.
"""
from __future__ import annotations

import datetime as dt
import email.policy
import hashlib
import re
from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, getaddresses
from typing import Protocol

FALLBACK_DOMAIN = "akson-intake.invalid"   # RFC 2606: never resolves, never collides
# 32 hex digits = 128 bits of the key's hash: collisions are out of the question for a
# campaign of a few thousand mails, and the id stays short enough for any mail client.
MESSAGE_ID_HASH_LEN = 32
AUTO_SUBMITTED_VALUES = ("auto-replied", "auto-generated")   # RFC 3834, section 5

# RFC 5321/5322 limits: 64 octets for a local part, 254 for a whole path.
_LOCAL_MAX, _ADDRESS_MAX = 64, 254
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LOCAL_RE = re.compile(rf"{_ATEXT}(?:\.{_ATEXT})*\Z")   # dot-atom only; no quoted strings
_LABEL_RE = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)\Z")
# A msg-id as we accept it from elsewhere (In-Reply-To, References): printable ASCII,
# no spaces, in angle brackets. Looser than RFC 5322, since Outlook and others mint odd
# ids, but nothing that could break out of the header.
_MSG_ID_RE = re.compile(r"<[\x21-\x3b\x3d\x3f-\x7e]+>\Z")
_LANGUAGE_RE = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*\Z")   # RFC 5646, simplified
# CR, LF and NUL, and everything else that str.splitlines() or a mail system might take
# for a line break or choke on: the other C0 controls (TAB is fine), DEL, NEL, U+2028/9.
_FORBIDDEN = re.compile("[\x00-\x08\x0a-\x1f\x7f\x85\u2028\u2029]")

# CRLF line ends; non-ASCII headers RFC 2047-encoded. Lines up to RFC 5322's hard limit:
# at the default 78 a long msg-id (Exchange's are ~90 characters) has no space to fold
# at and would be turned into an encoded-word, which no mailer reads as an id.
_POLICY = email.policy.SMTP.clone(max_line_length=998)


class OutgoingMailError(ValueError):
    """A value cannot go into an outgoing mail; ``field`` names it."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"outgoing mail: {field}: {reason}")
        self.field = field
        self.reason = reason


class OutgoingRow(Protocol):
    """What ``build_message`` reads: the columns of storage.models.OutboxMail (read-only
    properties, so that a row with ``list[str]`` columns matches ``Sequence[str]``)."""

    @property
    def to_addrs(self) -> Sequence[str]: ...
    @property
    def cc_addrs(self) -> Sequence[str]: ...
    @property
    def subject(self) -> str: ...
    @property
    def body_text(self) -> str: ...
    @property
    def body_html(self) -> str | None: ...
    @property
    def message_id(self) -> str: ...
    @property
    def in_reply_to(self) -> str | None: ...
    @property
    def references(self) -> str | None: ...
    @property
    def auto_submitted(self) -> str: ...
    @property
    def language(self) -> str: ...


def message_id_for(key: str, domain: str) -> str:
    """The Message-ID of the mail queued under ``key``: the same key, the same id."""
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:MESSAGE_ID_HASH_LEN]
    try:
        right = _domain(domain, "domain") if domain else FALLBACK_DOMAIN
    except OutgoingMailError:
        right = FALLBACK_DOMAIN
    return f"<akson.{digest}@{right}>"


def from_domain(from_header: str) -> str:
    """The domain of the From address, or "" when there is none to be had."""
    try:
        return parse_from(from_header).domain
    except OutgoingMailError:
        return ""


def parse_from(from_header: str) -> Address:
    """The From header as one Address; refuses lists, groups and anything unsafe."""
    _clean(from_header, "from")
    parsed = getaddresses([from_header])
    if len(parsed) != 1 or not parsed[0][1]:
        raise OutgoingMailError("from", f"expected one address like 'Name <user@example.no>', got {from_header!r}")
    name, addr = parsed[0]
    return Address(display_name=name, addr_spec=addr_spec(addr, "from"))


def addr_spec(value: str, field: str) -> str:
    """``value`` if it is a plain ``local@domain`` (the domain in IDNA form), else an error."""
    _clean(value, field)
    local, at, domain = value.strip().rpartition("@")
    if not at or not local or value != value.strip():
        raise OutgoingMailError(field, f"not a plain address: {value!r}")
    if len(local) > _LOCAL_MAX or not _LOCAL_RE.match(local):
        raise OutgoingMailError(field, f"local part not allowed (dot-atom ASCII only): {value!r}")
    address = f"{local}@{_domain(domain, field)}"
    if len(address) > _ADDRESS_MAX:
        raise OutgoingMailError(field, f"address longer than {_ADDRESS_MAX} characters")
    return address


def envelope(row: OutgoingRow, *, from_header: str) -> tuple[str, list[str]]:
    """SMTP MAIL FROM and RCPT TO: the From address; To then Cc, each address once.

    MAIL FROM is the From address, not the null path RFC 3834 suggests for automatic
    replies: bounces of reminders must come back, they are how dead contacts are found.
    """
    sender = parse_from(from_header).addr_spec
    seen: set[str] = set()
    recipients: list[str] = []
    for field, addrs in (("to", row.to_addrs), ("cc", row.cc_addrs)):
        for value in addrs:
            address = addr_spec(value, field)
            if address.lower() not in seen:
                seen.add(address.lower())
                recipients.append(address)
    if not recipients:
        raise OutgoingMailError("to", "no recipient")
    return sender, recipients


def build_message(row: OutgoingRow, *, from_header: str, date: dt.datetime) -> bytes:
    """The complete message, CRLF line ends, 7-bit clean (quoted-printable bodies)."""
    if date.tzinfo is None or date.utcoffset() is None:
        raise OutgoingMailError("date", "naive datetime (give it a time zone)")
    if not row.to_addrs:
        raise OutgoingMailError("to", "no recipient")
    msg = EmailMessage(policy=_POLICY)
    msg["From"] = parse_from(from_header)
    msg["To"] = [Address(addr_spec=addr_spec(a, "to")) for a in row.to_addrs]
    if row.cc_addrs:
        msg["Cc"] = [Address(addr_spec=addr_spec(a, "cc")) for a in row.cc_addrs]
    msg["Subject"] = _clean(row.subject, "subject")
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = _msg_id(row.message_id, "message_id")
    if in_reply_to := _thread_ids(row.in_reply_to, "in_reply_to")[:1]:
        msg["In-Reply-To"] = in_reply_to[0]
    if references := _thread_ids(row.references, "references"):
        msg["References"] = " ".join(references)
    if row.auto_submitted not in AUTO_SUBMITTED_VALUES:
        raise OutgoingMailError("auto_submitted", f"expected one of {AUTO_SUBMITTED_VALUES}, got {row.auto_submitted!r}")
    msg["Auto-Submitted"] = row.auto_submitted
    msg["X-Auto-Response-Suppress"] = "All"   # Exchange: no out-of-office or read receipts back
    if not _LANGUAGE_RE.match(_clean(row.language, "language")):
        raise OutgoingMailError("language", f"not a language tag: {row.language!r}")
    _set_bodies(msg, row)
    # After the bodies: set_content drops every Content-* header of the message.
    msg["Content-Language"] = row.language
    return msg.as_bytes(policy=_POLICY)


def _set_bodies(msg: EmailMessage, row: OutgoingRow) -> None:
    # Quoted-printable, not 8bit: then the message needs no 8BITMIME from the server, and
    # the sequence "=_" can never occur in the encoded parts, so the boundary below is safe.
    msg.set_content(_text(row.body_text, "body_text"), subtype="plain", charset="utf-8", cte="quoted-printable")
    if row.body_html is None:
        return
    msg.add_alternative(_text(row.body_html, "body_html"), subtype="html", charset="utf-8", cte="quoted-printable")
    for part in msg.iter_parts():
        del part["MIME-Version"]   # add_alternative copies it into the part; it belongs on top only
    # The generator would pick a random boundary; a fixed one keeps a resend byte-identical.
    msg.set_boundary("=_akson_" + hashlib.sha256(row.message_id.encode("utf-8")).hexdigest()[:24])


def _clean(value: str, field: str) -> str:
    """``value`` if it is safe in a header: encodable, and no CR, LF, NUL or kin."""
    _text(value, field)
    if _FORBIDDEN.search(value):
        raise OutgoingMailError(field, "contains CR, LF, NUL or another control character")
    return value


def _text(value: str | None, field: str) -> str:
    if not isinstance(value, str):
        raise OutgoingMailError(field, f"expected text, got {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as err:   # lone surrogates, which SQLite will store
        raise OutgoingMailError(field, f"not valid Unicode at position {err.start}") from None
    return value


def _msg_id(value: str, field: str) -> str:
    if not _MSG_ID_RE.match(_clean(value, field)):
        raise OutgoingMailError(field, f"not a message id like <id@domain>: {value!r}")
    return value


def _thread_ids(value: str | None, field: str) -> list[str]:
    """The well-formed ids in an In-Reply-To or References value.

    Control characters are refused like anywhere else; an id that is merely malformed
    (another mailer's, kept as it came) is left out: threading is a courtesy, and an odd
    id must not cost a municipality its acknowledgement.
    """
    if not value:
        return []
    return [token for token in _clean(value, field).split() if _MSG_ID_RE.match(token)]


def _domain(value: str, field: str) -> str:
    """A host name in ASCII; an IDN (e.g. with æøå) becomes its xn-- form."""
    _clean(value, field)
    try:
        ascii_name = value.encode("idna").decode("ascii") if not value.isascii() else value
    except UnicodeError as err:
        raise OutgoingMailError(field, f"not a valid domain: {value!r}") from err
    labels = ascii_name.split(".")
    # At least two labels: "user@localhost" or a typo without a dot is never a
    # municipality's address, and sending to it would go astray.
    if len(labels) < 2 or not all(_LABEL_RE.match(label) for label in labels):
        raise OutgoingMailError(field, f"not a valid domain: {value!r}")
    return ascii_name
