"""Delivery reports about our own mail: which message bounced, for whom, and why.

``parse_delivery_report`` takes raw bytes and never raises. It reads RFC 3464 reports
(``multipart/report; report-type=delivery-status``, as Postfix, Exchange and Gmail send
them) and, less surely, the plain-text bounces of older daemons (qmail, Exim, sendmail)
from mailer-daemon@ or postmaster@ with the original attached or pasted in. The returned
original's Message-ID is what links a report to the reminder or receipt we sent.

Read with compat32, as in ``parsers.mime``: it records defects instead of raising.
message/* parts are not entered while looking for the report, so a bounce that returns
a bounce is read as one report, the outer one.
"""
from __future__ import annotations

import base64
import email.utils
import re
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from email.parser import BytesParser
from email.policy import Compat32

from parsers.htmltext import html_to_text
from parsers.sniff import decode_header, decode_text

Fields = list[tuple[str, str]]


@dataclass(frozen=True)
class DeliveryRecipient:
    address: str              # lower case; the Original-Recipient (as we sent it) when given
    action: str               # failed, delayed, delivered, relayed, expanded (lower case)
    status: str | None        # RFC 3463 code such as "5.1.1"
    diagnostic: str | None    # one line, at most DIAGNOSTIC_MAX characters


@dataclass(frozen=True)
class DeliveryReport:
    original_message_id: str | None        # "<id@host>", angle brackets kept
    recipients: tuple[DeliveryRecipient, ...]
    reporting_mta: str | None              # host name, without the "dns;" type
    is_standard: bool                      # an RFC 3464 delivery-status part was read
    original_to: tuple[str, ...] = ()      # To of the returned original, lower case

    @property
    def failed(self) -> tuple[DeliveryRecipient, ...]:
        return tuple(r for r in self.recipients if r.action == "failed")

    @property
    def permanent(self) -> tuple[DeliveryRecipient, ...]:
        """Failed for good: a 5.x.x status, or a plain-text bounce that gives none."""
        return tuple(r for r in self.failed if (r.status or "").startswith("5")
                     or (r.status is None and not self.is_standard))


class _RawHeaderPolicy(Compat32):
    """compat32 that returns header values as read (see ``parsers.mime``)."""

    def header_fetch_parse(self, name: str, value: str) -> str:
        return value


_POLICY = _RawHeaderPolicy()
DIAGNOSTIC_MAX = 500          # SMTP replies are short; longer is a pasted transcript
_MAX_PARTS = 1000             # parts looked at; a report has three or four
_STATUS_TYPES = {"message/delivery-status", "message/global-delivery-status"}
_RETURNED_TYPES = {"message/rfc822", "message/global", "text/rfc822-headers",
                   "message/global-headers"}
_DAEMONS = frozenset({"mailer-daemon", "postmaster"})
_RECIPIENT_FIELDS = {"final-recipient", "original-recipient", "action", "status"}
_ACTION_BY_CLASS = {"5": "failed", "4": "delayed", "2": "delivered"}   # Action missing

# RFC 3463 codes, but not inside dotted numbers such as IP addresses ("10.4.1.12").
_STATUS = re.compile(r"(?<![\w.])([245]\.\d{1,3}\.\d{1,3})(?!\.?\d)")
_SMTP_REPLY = re.compile(r"(?<![\w.])[45]\d\d(?:[ -]|$)")
_TYPE_PREFIX = re.compile(r"^[A-Za-z][\w.+-]*\s*;\s*")       # "rfc822;", "dns;", "smtp;"
_MSG_ID = re.compile(r"<[^<>\s]+>")
_ADDRESS = re.compile(r"[\w.!#$%&'*+/=?^`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:(.*)$")
_ORIGINAL_MARKER = re.compile(
    r"^[\s>|*-]*(?:original message(?: headers| follows)?|(?:un)?sent message (?:below|follows)"
    r"|message headers? follows|(?:below this line is )?a copy of the message"
    r"|this is a copy of the message)\b.*$", re.I | re.M)
_HEADER_START = re.compile(r"^[ \t>]*(?:received|return-path|message-id):", re.I | re.M)
_INLINE_ID = re.compile(r"^[ \t>]*message-id:[ \t]*(?:\r?\n[ \t]+)?(<[^<>\s]+>)", re.I | re.M)
_INLINE_TO = re.compile(r"^[ \t>]*to:[ \t]*(.*(?:\r?\n[ \t]+\S.*)*)", re.I | re.M)
# Subjects that daemons write and people rarely do (the Norwegian ones are Outlook's).
_BOUNCE_SUBJECT = re.compile(
    r"undeliver|delivery (?:status|failure|fail|notification|report|problem|delayed)"
    r"|mail delivery|returned mail|failure notice|could not be delivered|bounced"
    r"|ikke levert|kan ikke leveres|levering mislyktes|unzustellbar|non remis", re.I)
_DELAY_SUBJECT = re.compile(r"\bdelay|\bwarning\b|still being retried", re.I)


def parse_delivery_report(raw: bytes) -> DeliveryReport | None:
    """The delivery report in ``raw``, or None when it is no bounce (or cannot be read)."""
    try:
        return _read(BytesParser(policy=_POLICY).parsebytes(bytes(raw)))
    except Exception:  # RecursionError or a stdlib surprise: junk is not a report
        return None


def _read(msg: Message) -> DeliveryReport | None:
    report = next((p for p in _parts(msg) if p.get_content_type() == "multipart/report"), None)
    report_type = str(report.get_param("report-type", "") or "").lower() if report else ""
    if report is not None:
        status_parts = [p for p in _parts(report) if p.get_content_type() in _STATUS_TYPES]
        if status_parts:
            reporting_mta, recipients = _status_fields(
                [b for part in status_parts for b in _field_blocks(part)])
            message_id, to = _returned(report)
            return DeliveryReport(message_id, recipients, reporting_mta, True, to)
        if report_type and not report_type.endswith("delivery-status"):
            return None               # read receipts (MDN), abuse feedback (ARF), ...
    return _plain_bounce(msg, declared=report_type.endswith("delivery-status"))


def _parts(root: Message) -> Iterator[Message]:
    """``root`` and the parts below it, breadth first, without entering attached messages."""
    queue, seen = [root], 0
    while queue and seen < _MAX_PARTS:
        part = queue.pop(0)
        seen += 1
        yield part
        if part.get_content_maintype() != "message" and part.is_multipart():
            queue.extend(p for p in part.get_payload() if isinstance(p, Message))


# ------------------------------------------------------------------ RFC 3464

def _status_fields(blocks: list[Fields]) -> tuple[str | None, tuple[DeliveryRecipient, ...]]:
    """Reporting-MTA and the per-recipient groups of delivery-status field blocks."""
    reporting_mta, found = None, []
    for block in blocks:
        current: dict[str, str] = {}
        for name, value in block:
            name = name.lower()
            if name == "reporting-mta" and reporting_mta is None:
                reporting_mta = _TYPE_PREFIX.sub("", decode_header(value)) or None
            if name in ("final-recipient", "original-recipient") and name in current:
                found.append(_recipient(current))   # no blank line between two recipients
                current = {}
            current.setdefault(name, decode_header(value))
        if _RECIPIENT_FIELDS & current.keys():
            found.append(_recipient(current))
    return reporting_mta, tuple(r for r in found if r is not None)


def _field_blocks(part: Message) -> list[Fields]:
    """The field groups of a delivery-status part, however the stdlib split them."""
    payload = part.get_payload()
    if not isinstance(payload, list):
        return _text_blocks(decode_text(part.get_payload(decode=True) or b""))
    # The stdlib splits the part into blocks before any decoding. Base64 text has no
    # colons, so a base64 part ends up as the body of a block without fields; and a
    # relay that re-encoded a report can name the encoding in the block before its data.
    blocks, carried = [], str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    for sub in (p for p in payload if isinstance(p, Message)):
        fields, body = list(sub.items()), sub.get_payload()
        blocks.append(fields)
        if not fields and carried == "base64" and isinstance(body, str):
            data = _b64(body)
        else:
            data = sub.get_payload(decode=True) or b""
        blocks.extend(_text_blocks(decode_text(data)))
        carried = str(sub.get("Content-Transfer-Encoding", "")).strip().lower()
    return blocks


def _b64(text: str) -> bytes:
    try:  # non-validating: characters outside the alphabet are dropped
        return base64.b64decode(text.encode("ascii", "ignore"))
    except ValueError:
        return b""


def _text_blocks(text: str) -> list[Fields]:
    """Header-like "Name: value" groups separated by blank lines, folding undone."""
    blocks: list[Fields] = [[]]
    for line in text.splitlines():
        if not line.strip():
            blocks.append([])
        elif line[0] in " \t" and blocks[-1]:
            name, value = blocks[-1][-1]
            blocks[-1][-1] = (name, value + " " + line.strip())
        elif match := _FIELD.match(line):
            blocks[-1].append((match.group(1), match.group(2).strip()))
    return [b for b in blocks if b]


def _recipient(fields: dict[str, str]) -> DeliveryRecipient | None:
    original = _clean_address(fields.get("original-recipient", ""))
    address = original if "@" in original else _clean_address(fields.get("final-recipient", ""))
    diagnostic = _one_line(_TYPE_PREFIX.sub("", fields.get("diagnostic-code", "")))
    found = _STATUS.search(fields.get("status", "")) or _STATUS.search(diagnostic or "")
    status = found.group(1) if found else None
    action = fields.get("action", "").strip().split(" ")[0].lower()
    action = action or _ACTION_BY_CLASS.get((status or "")[:1], "unknown")
    if not address and not status and action == "unknown":
        return None
    return DeliveryRecipient(address, action, status, diagnostic)


def _clean_address(value: str) -> str:
    return re.sub(r"\s+", "", _TYPE_PREFIX.sub("", value)).strip("<>").lower()


def _one_line(text: str) -> str | None:
    return re.sub(r"\s+", " ", text).strip()[:DIAGNOSTIC_MAX] or None


def _returned(root: Message) -> tuple[str | None, tuple[str, ...]]:
    """Message-ID and To of the first returned original (attached or headers only)."""
    for part in (p for p in _parts(root) if p.get_content_type() in _RETURNED_TYPES):
        payload = part.get_payload()
        if isinstance(payload, list):
            fields = list(payload[0].items()) if payload and isinstance(payload[0], Message) else []
        else:
            fields = (_text_blocks(decode_text(part.get_payload(decode=True) or b"")) or [[]])[0]
        ids = [v for n, v in fields if n.lower() == "message-id"]
        if ids:
            to = ", ".join(v for n, v in fields if n.lower() == "to")
            return _message_id(ids[0]), _addresses(to)
    return None, ()


def _message_id(value: str) -> str | None:
    text = decode_header(value)
    found = _MSG_ID.search(text)
    if found:
        return found.group(0)
    return f"<{text}>" if "@" in text and " " not in text else None   # brackets lost


def _addresses(value: str) -> tuple[str, ...]:
    pairs = email.utils.getaddresses([decode_header(value)])
    return tuple(dict.fromkeys(a.strip().lower() for _, a in pairs if "@" in a))


# ------------------------------------------------------------ plain-text bounces

def _plain_bounce(msg: Message, *, declared: bool) -> DeliveryReport | None:
    sender = _addresses(str(msg.get("From", "")))
    if not (declared or (sender and sender[0].split("@")[0] in _DAEMONS)):
        return None
    text = _body_text(msg)
    marker = _ORIGINAL_MARKER.search(text)
    start = marker.end() if marker else 0
    message_id, to = _returned(msg)
    if message_id is None and (inline := _INLINE_ID.search(text, start)):
        to_line = _INLINE_TO.search(text, start)
        message_id, to = inline.group(1), _addresses(to_line.group(1)) if to_line else ()
    subject = decode_header(msg.get("Subject", ""))
    # A postmaster may be a person quoting our mail under "-----Original Message-----".
    marker_counts = bool(marker and sender and sender[0].startswith("mailer-daemon@"))
    if not (declared or marker_counts or message_id or _BOUNCE_SUBJECT.search(subject)):
        return None
    cut = marker or _HEADER_START.search(text)
    report_text = text[:cut.start()] if cut else text
    # Some daemons paste a delivery-status block into the text (or break the MIME
    # structure around a real one): its fields say more than any guess.
    reporting_mta, recipients = _status_fields(_text_blocks(report_text))
    if not recipients:
        action = "delayed" if _DELAY_SUBJECT.search(subject) else "failed"
        recipients = _guess_recipients(report_text, action, exclude=sender, to=to)
    return DeliveryReport(message_id, recipients, reporting_mta, False, to)


def _guess_recipients(report_text: str, action: str, *, exclude: tuple[str, ...],
                      to: tuple[str, ...]) -> tuple[DeliveryRecipient, ...]:
    """Addresses the daemon's text names, those we sent to first; else the original's To.

    The text gives one reason for the whole message, so every recipient gets it.
    """
    named = dict.fromkeys(a.lower() for a in _ADDRESS.findall(report_text))
    named_list = [a for a in named if a.split("@")[0] not in _DAEMONS and a not in exclude]
    addresses = [a for a in named_list if a in to] or named_list or list(to)
    found = _STATUS.search(report_text)
    reason = next((line for line in report_text.splitlines()
                   if _SMTP_REPLY.search(line) or _STATUS.search(line)), "")
    return tuple(DeliveryRecipient(a, action, found.group(1) if found else None,
                                   _one_line(reason)) for a in addresses)


def _body_text(msg: Message) -> str:
    """The first text/plain part outside attached messages, else the first HTML one.

    A multipart whose boundary is lost has one text body: the whole message body.
    """
    html = None
    for part in _parts(msg):
        kind = part.get_content_type()
        if part.is_multipart() or not (kind in ("text/plain", "text/html")
                                       or part.get_content_maintype() == "multipart"):
            continue
        text = decode_text(part.get_payload(decode=True) or b"", part.get_content_charset())
        if kind != "text/html":
            return text
        html = html if html is not None else html_to_text(text)
    return html or ""
