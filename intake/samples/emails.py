"""RFC 5322 messages as they sit in the campaign mailbox after delivery.

Every message starts with the trace our MX adds: a ``Received`` header with the receipt
time and an ``Authentication-Results`` header (DKIM, SPF, DMARC as ``mx.dep.no`` saw
them). Below that are the sender's own headers, in the style of the client that wrote
them (Outlook/Exchange, Thunderbird, a phone, an archive system). CRLF line endings.
"""
from __future__ import annotations

import base64
import datetime as dt
import html
import random
from dataclasses import dataclass
from email import headerregistry, policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime
from typing import Iterable

MAILBOX = "akson@hod.dep.no"
MX_HOST = "mx.dep.no"
CLIENTS = ("outlook", "exchange", "thunderbird", "phone", "archive")


class _CachedHeaderRegistry(headerregistry.HeaderRegistry):
    """The stdlib builds a new header class on every lookup (a third of the time spent
    making a message); build each class once."""

    def __init__(self) -> None:
        super().__init__()
        self._classes: dict[str, type] = {}

    def __getitem__(self, name: str) -> type:
        key = name.lower()
        cls = self._classes.get(key)
        if cls is None:
            cls = self._classes[key] = super().__getitem__(name)
        return cls


# CRLF, as on the wire and in IMAP fetches.
_WIRE = policy.SMTP.clone(header_factory=_CachedHeaderRegistry())


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    content_type: str = "application/pdf"


@dataclass(frozen=True)
class Auth:
    """The verdicts the MX recorded; ``domain`` defaults to the From domain."""

    dkim: str = "pass"
    spf: str = "pass"
    dmarc: str = "pass"
    domain: str | None = None

    @classmethod
    def failed(cls) -> "Auth":
        """A forged From: unsigned, sent from an address the domain does not allow."""
        return cls(dkim="none", spf="fail", dmarc="fail")


def authentication_results(auth: Auth, domain: str, selector: str = "selector1") -> str:
    d = auth.domain or domain
    dkim = f"dkim={auth.dkim} header.d={d} header.s={selector}" if auth.dkim != "none" \
        else "dkim=none (message not signed)"
    policy_note = "(p=none dis=none)" if auth.dmarc == "pass" else "(p=quarantine dis=quarantine)"
    return (f"{MX_HOST};\r\n\t{dkim};\r\n\tspf={auth.spf} smtp.mailfrom={d};\r\n"
            f"\tdmarc={auth.dmarc} {policy_note} header.from={d}")


def domain_of(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower()


def _hex(rng: random.Random, n: int) -> str:
    return f"{rng.getrandbits(4 * n):0{n}x}"


def _upper(rng: random.Random, n: int) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
    return "".join(alphabet[i % 36] for i in rng.randbytes(n))


def message_id(rng: random.Random, client: str, domain: str) -> str:
    """A Message-ID in the style of ``client``, drawn from ``rng`` (deterministic)."""
    if client == "outlook":
        prefix = rng.choice(("AM0PR", "HE1PR", "DB7PR", "VI1PR"))
        box = f"{prefix}{rng.randint(1, 9):02d}MB{rng.randint(1000, 9999)}"
        return f"<{box}{_upper(rng, 28)}@{box}.eurprd0{rng.randint(1, 9)}.prod.outlook.com>"
    if client == "exchange":
        return f"<{_hex(rng, 32)}@EXCH{rng.randint(1, 4):02d}.{domain}>"
    if client == "phone":
        return f"<{_upper(rng, 8)}-{_upper(rng, 4)}-{_upper(rng, 4)}-{_upper(rng, 12)}@{domain}>"
    if client == "archive":
        return f"<{_hex(rng, 24)}.arkiv@{domain}>"
    return f"<{_hex(rng, 8)}-{_hex(rng, 4)}-{_hex(rng, 4)}-{_hex(rng, 12)}@{domain}>"


def _client_headers(msg: EmailMessage, rng: random.Random, client: str, language: str,
                    subject: str) -> None:
    content_language = "nn-NO" if language == "nynorsk" else "nb-NO"
    if client in ("outlook", "exchange"):
        msg["Thread-Topic"] = subject
        msg["Thread-Index"] = base64.b64encode(rng.randbytes(22)).decode()
        msg["Content-Language"] = content_language
        if client == "exchange":
            msg["X-Mailer"] = "Microsoft Outlook 16.0"
    elif client == "thunderbird":
        msg["User-Agent"] = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:68.0) "
                             "Gecko/20100101 Thunderbird/68.8.0")
        msg["Content-Language"] = content_language
    elif client == "phone":
        msg["X-Mailer"] = rng.choice(("iPhone Mail (17E262)", "iPhone Mail (17F75)"))
    elif client == "archive":
        msg["X-Mailer"] = rng.choice(("Public 360", "Elements Cloud", "ePhorte", "WebSak"))


def _boundary(rng: random.Random, kind: int) -> str:
    # Our own boundaries: the stdlib would draw them from the global random module.
    return f"_{kind:03d}_{_upper(rng, 32)}_"


def _set_body(msg: EmailMessage, body: str, client: str, rng: random.Random) -> None:
    """Plain text, plus an HTML alternative where the client writes one."""
    charset = "utf-8"
    if client in ("outlook", "exchange") and rng.random() < 0.3:
        try:
            body.encode("iso-8859-1")
            charset = "iso-8859-1"       # older Outlook profiles still send Latin-1
        except UnicodeEncodeError:
            pass
    msg.set_content(body, charset=charset, cte="quoted-printable" if charset != "utf-8" else None)
    if client in ("outlook", "exchange", "archive"):
        paragraphs = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>"
                             for p in body.split("\n\n"))
        msg.make_alternative(boundary=_boundary(rng, 0))
        msg.add_alternative(f"<html><body>{paragraphs}</body></html>", subtype="html", charset=charset)


def _add_attachment(msg: EmailMessage, attachment: Attachment) -> None:
    maintype, _, subtype = attachment.content_type.partition("/")
    msg.add_attachment(attachment.data, maintype=maintype, subtype=subtype or "octet-stream",
                       filename=attachment.filename)


def _ip(rng: random.Random, first_octets: tuple[int, ...]) -> str:
    return ".".join(str(n) for n in (rng.choice(first_octets), *(rng.randint(1, 254) for _ in range(3))))


def _trace(rng: random.Random, from_address: str, received_at: dt.datetime, auth: Auth,
           client: str) -> bytes:
    """What our MX prepends: Received (with the receipt time) and Authentication-Results."""
    domain = auth.domain or domain_of(from_address)
    if auth.spf != "pass":
        # A forgery comes from some rented server, not from the domain's own relays.
        helo = f"{rng.choice(('vps', 'srv', 'host'))}{rng.randint(100, 9999)}.hosting.example.net"
        ip = _ip(rng, (45, 5, 103, 178))
    elif client == "outlook":
        region = f"{rng.choice(('he1', 'am6', 'db8', 'vi1'))}eur0{rng.randint(1, 5)}"
        helo = f"mail-{region}on{rng.randint(2040, 2140)}.outbound.protection.outlook.com"
        ip = f"40.107.{rng.randint(1, 254)}.{rng.randint(1, 254)}"     # Microsoft's EOP range
    else:
        helo = f"{rng.choice(('smtp', 'mx1', 'mail', 'smtp2'))}.{domain}"
        ip = _ip(rng, (185, 193, 194, 212, 91))
    received = (f"Received: from {helo} ({helo} [{ip}])\r\n\tby {MX_HOST} (Postfix) with ESMTPS id "
                f"{_upper(rng, 12)}\r\n\tfor <{MAILBOX}>; {format_datetime(received_at)}\r\n")
    results = f"Authentication-Results: {authentication_results(auth, domain)}\r\n"
    return (received + results).encode("ascii")


def _aware(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is None:
        raise ValueError("message times must be timezone-aware")
    return moment


def submission_email(*, from_name: str, from_address: str, subject: str, body: str,
                     sent_at: dt.datetime, received_at: dt.datetime, seed: int = 0,
                     attachments: Iterable[Attachment] = (), auth: Auth = Auth(),
                     client: str = "outlook", language: str = "bokmål",
                     message_id_value: str | None = None, to: str = MAILBOX,
                     cc: Iterable[str] = (), in_reply_to: str | None = None,
                     extra_headers: Iterable[tuple[str, str]] = (),
                     attached_messages: Iterable[tuple[str, bytes]] = ()) -> bytes:
    """One delivered message: trace headers, the sender's headers, body and attachments.

    ``attached_messages`` are (file name, raw message) pairs attached as message/rfc822.
    """
    if client not in CLIENTS:
        raise ValueError(f"client must be one of {CLIENTS}, not {client!r}")
    rng = random.Random(seed)
    domain = domain_of(from_address)
    msg = EmailMessage(policy=_WIRE)
    if client in ("exchange", "thunderbird", "archive") and auth.spf == "pass":
        # The sender's own outbound hop, earlier than ours: the intake must read the top one.
        msg["Received"] = (f"from {_upper(rng, 6).lower()}.{domain} ([{_ip(rng, (10,))}]) "
                           f"by smtp.{domain} with ESMTP; "
                           f"{format_datetime(_aware(sent_at) + dt.timedelta(seconds=2))}")
    msg["From"] = f"{from_name} <{from_address}>" if from_name else from_address
    msg["To"] = to
    cc = list(cc)
    if cc:
        msg["Cc"] = ", ".join(cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(_aware(sent_at))
    msg["Message-ID"] = message_id_value or message_id(rng, client, domain)
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg["MIME-Version"] = "1.0"
    _client_headers(msg, rng, client, language, subject)
    for name, value in extra_headers:
        msg[name] = value
    _set_body(msg, body, client, rng)
    attachments = list(attachments)
    attached_messages = list(attached_messages)
    if attachments or attached_messages:
        msg.make_mixed(boundary=_boundary(rng, 4))
    for attachment in attachments:
        _add_attachment(msg, attachment)
    for filename, raw in attached_messages:
        inner = BytesParser(policy=_WIRE).parsebytes(strip_trace(raw))
        msg.add_attachment(inner, disposition="attachment", filename=filename)
    return _trace(rng, from_address, _aware(received_at), auth, client) + msg.as_bytes(policy=_WIRE)


def strip_trace(raw: bytes) -> bytes:
    """The message as the sender wrote it: our MX's two trace headers removed."""
    lines = raw.split(b"\r\n")
    index = 0
    while lines[index].startswith((b"Received: ", b"Authentication-Results: ", b"\t")):
        index += 1
    return b"\r\n".join(lines[index:])


def forwarded_email(original: bytes, *, from_name: str, from_address: str, subject: str,
                    body: str, sent_at: dt.datetime, received_at: dt.datetime, seed: int = 0,
                    auth: Auth = Auth(), language: str = "bokmål",
                    filename: str = "Opprinnelig melding.eml",
                    message_id_value: str | None = None) -> bytes:
    """An archive system's mail carrying ``original`` as a message/rfc822 attachment."""
    return submission_email(
        from_name=from_name, from_address=from_address, subject=subject, body=body,
        sent_at=sent_at, received_at=received_at, seed=seed, auth=auth, client="archive",
        language=language, attached_messages=[(filename, original)],
        message_id_value=message_id_value)


def auto_reply_email(*, from_name: str, from_address: str, original_subject: str, body: str,
                     sent_at: dt.datetime, received_at: dt.datetime, seed: int = 0,
                     prefix: str = "Fraværsmelding: ", in_reply_to: str | None = None,
                     language: str = "bokmål", message_id_value: str | None = None) -> bytes:
    """An out-of-office answer to one of our mails (RFC 3834 ``Auto-Submitted``)."""
    return submission_email(
        from_name=from_name, from_address=from_address, subject=prefix + original_subject,
        body=body, sent_at=sent_at, received_at=received_at, seed=seed, client="exchange",
        language=language, in_reply_to=in_reply_to, message_id_value=message_id_value,
        extra_headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")))
