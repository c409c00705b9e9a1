"""Transports for outgoing mail: SMTP (plain, STARTTLS, implicit TLS) and a maildir.

    smtp://HOST[:PORT]            plain SMTP, port 25 (a relay on the host or loopback tests)
    smtp+starttls://HOST[:PORT]   port 587; STARTTLS is required, never a plain fallback
    smtps://HOST[:PORT]           port 465, TLS from the first byte
    maildir://PATH                the embedded mode's outbox: one .eml file per message

A transport only moves bytes: it never reads the database or the clock. ``send``
returns the server's final reply, or raises one of

- ``PermanentSendError``: a 5xx reply to MAIL, RCPT or DATA; trying again will not help;
- ``TransientSendError``: a 4xx reply, a timeout, or the connection dropping during the
  transaction (the mail may be tried again later);
- ``ServerUnavailable`` (transient): no usable connection at all (refused, greeting,
  TLS, STARTTLS missing, login refused). The sender stops its batch on it: every further
  mail would fail the same way.

Credentials never go in the URL (it shows up in logs); they come from the ``[smtp]``
username and password settings.
"""
from __future__ import annotations

import email.parser
import email.policy
import hashlib
import logging
import os
import re
import smtplib
import ssl
import urllib.parse
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from intake.hosts import is_loopback

log = logging.getLogger("akson.send")

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}
_UNSAFE_IN_COMMAND = re.compile(r"[\r\n\x00]")
_EXPECTED = "expected maildir://PATH, smtp://HOST[:PORT], smtp+starttls://HOST[:PORT] or smtps://HOST[:PORT]"


class SendError(Exception):
    """Base of transport errors; ``reply`` is the server's "code text" when it gave one."""

    def __init__(self, message: str, *, reply: str | None = None) -> None:
        super().__init__(message)
        self.reply = reply


class TransientSendError(SendError):
    """Worth another try later: 4xx replies, timeouts, dropped connections."""


class ServerUnavailable(TransientSendError):
    """No usable connection at all; the same for every mail until someone or time fixes it."""


class PermanentSendError(SendError):
    """The server refused this mail with a 5xx reply."""


class InvalidTransportUrl(SendError, ValueError):
    """The ``[smtp] url`` or credentials cannot be used; the message says why."""


class Transport(ABC):
    """Sends complete messages; a context manager that closes its connection."""

    key: str

    @abstractmethod
    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        """Deliver ``message`` to ``recipients``; returns the server's final reply."""

    def close(self) -> None:
        """Release the connection, if any."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class TransportUrl:
    scheme: str        # "maildir", "smtp", "smtp+starttls" or "smtps"
    path: str = ""     # maildir only, as written
    host: str = ""
    port: int = 0


def parse_transport_url(url: str) -> TransportUrl:
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if not sep:
        raise InvalidTransportUrl(f"invalid smtp url {url!r}: no scheme ({_EXPECTED})")
    if scheme == "maildir":
        if not rest:
            raise InvalidTransportUrl(f"invalid smtp url {url!r}: no path ({_EXPECTED})")
        return TransportUrl(scheme="maildir", path=rest)
    if scheme not in DEFAULT_PORTS:
        raise InvalidTransportUrl(f"invalid smtp url: unsupported scheme {scheme!r} ({_EXPECTED})")
    parts = urllib.parse.urlsplit(url.strip())
    # Checked before any message echoes the URL: it must not show a password.
    if "@" in parts.netloc:
        raise InvalidTransportUrl("invalid smtp url: credentials do not belong in the url; use [smtp] username and password")
    if parts.path.strip("/") or parts.query or parts.fragment:
        raise InvalidTransportUrl(f"invalid smtp url {url!r}: no path, query or fragment allowed ({_EXPECTED})")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError as err:
        raise InvalidTransportUrl(f"invalid smtp url {url!r}: bad port ({err})") from None
    if not parts.hostname:
        raise InvalidTransportUrl(f"invalid smtp url {url!r}: no host ({_EXPECTED})")
    return TransportUrl(scheme=scheme, host=parts.hostname, port=port)


def open_transport(url: str, *, username: str = "", password: str = "", timeout: float = 30.0,
                   ssl_context: ssl.SSLContext | None = None,
                   local_hostname: str | None = None) -> Transport:
    """The transport for ``url``, not yet connected (SMTP connects on the first send).

    ``ssl_context`` replaces the system's default (tests with a self-signed
    certificate); ``local_hostname`` is the EHLO name (default: this host's FQDN).
    """
    parsed = parse_transport_url(url)
    if parsed.scheme == "maildir":
        return MaildirTransport(parsed.path)
    if username and parsed.scheme == "smtp" and not is_loopback(parsed.host):
        raise InvalidTransportUrl(
            f"refusing to send the SMTP password in clear text to {parsed.host}: "
            "use smtp+starttls:// or smtps://")
    return SmtpTransport(parsed, username=username, password=password, timeout=timeout,
                         ssl_context=ssl_context, local_hostname=local_hostname)


class SmtpTransport(Transport):
    """One SMTP server. Connects lazily, keeps the connection for further sends, and
    drops it after any error, so the next send starts from a fresh, known state."""

    def __init__(self, url: TransportUrl, *, username: str = "", password: str = "",
                 timeout: float = 30.0, ssl_context: ssl.SSLContext | None = None,
                 local_hostname: str | None = None) -> None:
        self.url = url
        host = f"[{url.host}]" if ":" in url.host else url.host
        self.key = f"{url.scheme}://{host}:{url.port}"
        self._username = username
        self._password = password
        self._timeout = timeout
        self._context = ssl_context
        self._local_hostname = local_hostname
        self._smtp: smtplib.SMTP | None = None

    def __repr__(self) -> str:   # never the password
        return f"SmtpTransport({self.key!r}, username={self._username!r})"

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        if not recipients:
            raise PermanentSendError(f"{self.key}: no recipients")
        if any(_UNSAFE_IN_COMMAND.search(a) for a in (sender, *recipients)):
            # outmail.envelope() checks addresses; this guards any other caller against
            # smuggling an SMTP command into MAIL FROM or RCPT TO.
            raise PermanentSendError(f"{self.key}: CR, LF or NUL in an envelope address")
        try:
            smtp = self._begin(sender)
            return self._rcpt_and_data(smtp, message, list(recipients))
        except SendError:
            self._drop()
            raise
        except (smtplib.SMTPException, OSError) as err:
            self._drop()
            raise TransientSendError(f"{self.key}: connection lost during the transaction: {err!r}") from err

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is None:
            return
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()

    def _begin(self, sender: str) -> smtplib.SMTP:
        """A connection on which MAIL FROM was accepted."""
        if self._smtp is not None:
            try:
                return self._mail(self._smtp, sender)
            except (smtplib.SMTPServerDisconnected, OSError) as err:
                # Servers close idle connections (421 or silently). Nothing of this mail
                # has been sent yet, so a fresh connection is safe.
                log.info("%s: kept connection is gone (%r); reconnecting", self.key, err)
                self._drop()
        self._smtp = self._connect()
        return self._mail(self._smtp, sender)

    def _mail(self, smtp: smtplib.SMTP, sender: str) -> smtplib.SMTP:
        code, text = smtp.mail(sender)
        if code == 421:
            raise smtplib.SMTPServerDisconnected(_reply(code, text))
        if code != 250:
            raise _reply_error(self.key, "MAIL FROM", code, text)
        return smtp

    def _rcpt_and_data(self, smtp: smtplib.SMTP, message: bytes, recipients: list[str]) -> str:
        refused: dict[str, tuple[int, str]] = {}
        for rcpt in recipients:
            code, text = smtp.rcpt(rcpt)
            if code == 421:
                raise TransientSendError(f"{self.key}: RCPT TO: {_reply(code, text)}", reply=_reply(code, text))
            if code not in (250, 251):
                refused[rcpt] = (code, _reply(code, text))
        if len(refused) == len(recipients):
            reply = "; ".join(r for _, r in refused.values())
            error = PermanentSendError if all(c >= 500 for c, _ in refused.values()) else TransientSendError
            raise error(f"{self.key}: RCPT TO refused: {reply}", reply=reply)
        try:
            code, text = smtp.data(message)
        except smtplib.SMTPDataError as err:   # the reply to DATA itself was not 354
            raise _reply_error(self.key, "DATA", err.smtp_code, err.smtp_error) from err
        except (smtplib.SMTPServerDisconnected, OSError) as err:
            # Possibly after the final dot: the server may have queued it. Retrying is the
            # lesser evil (at most a duplicate with the same Message-ID, never a loss).
            raise TransientSendError(f"{self.key}: connection lost during DATA: {err!r}") from err
        if code != 250:
            raise _reply_error(self.key, "DATA", code, text)
        reply = _reply(code, text)
        if refused:
            # Delivered to the others; sending again would duplicate it for them.
            reply += "; refused: " + ", ".join(f"{rcpt} ({r})" for rcpt, (_, r) in refused.items())
        return reply

    def _connect(self) -> smtplib.SMTP:
        try:
            if self.url.scheme == "smtps":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.url.host, self.url.port, local_hostname=self._local_hostname,
                    timeout=self._timeout, context=self._tls_context())
            else:
                smtp = smtplib.SMTP(self.url.host, self.url.port, local_hostname=self._local_hostname,
                                    timeout=self._timeout)
        except smtplib.SMTPConnectError as err:
            reply = _reply(err.smtp_code, err.smtp_error)
            raise ServerUnavailable(f"{self.key}: greeting refused: {reply}", reply=reply) from err
        except (smtplib.SMTPException, OSError) as err:
            raise ServerUnavailable(f"{self.key}: cannot connect: {err!r}") from err
        try:
            self._secure_and_login(smtp)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _secure_and_login(self, smtp: smtplib.SMTP) -> None:
        try:
            smtp.ehlo_or_helo_if_needed()
            if self.url.scheme == "smtp+starttls":
                if not smtp.has_extn("starttls"):
                    raise ServerUnavailable(f"{self.key}: the server does not offer STARTTLS; "
                                            "refusing to send in plain text")
                code, text = smtp.starttls(context=self._tls_context())
                if code != 220:
                    raise ServerUnavailable(f"{self.key}: STARTTLS refused: {_reply(code, text)}",
                                            reply=_reply(code, text))
                smtp.ehlo()   # the capabilities before TLS are void (RFC 3207, section 4.2)
            if self._username:
                smtp.login(self._username, self._password)
        except smtplib.SMTPResponseException as err:   # includes a refused login (535)
            reply = _reply(err.smtp_code, err.smtp_error)
            raise ServerUnavailable(f"{self.key}: {reply}", reply=reply) from err
        except (smtplib.SMTPException, OSError) as err:   # OSError includes ssl.SSLError
            raise ServerUnavailable(f"{self.key}: connection setup failed: {err!r}") from err

    def _tls_context(self) -> ssl.SSLContext:
        return self._context or ssl.create_default_context()

    def _drop(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            smtp.close()   # no QUIT: the connection is in an unknown state


class MaildirTransport(Transport):
    """Writes each message to ``PATH/new/<sha256(Message-ID)>.eml``, atomically.

    The name depends only on the Message-ID, so a resend after a crash replaces the
    file instead of adding a second one. The envelope is not kept: To and Cc are in
    the headers, and we never send Bcc.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.key = f"maildir://{path}"

    def send(self, message: bytes, sender: str, recipients: Sequence[str]) -> str:
        name = _file_name(message, self.key)
        final = self.path / "new" / name
        try:
            for sub in ("tmp", "new", "cur"):
                (self.path / sub).mkdir(parents=True, exist_ok=True)
            tmp = self.path / "tmp" / f"{name}.{os.getpid()}"
            with open(tmp, "wb") as fh:
                fh.write(message)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)   # maildir delivery: readers never see half a file
            _fsync_dir(final.parent)
        except OSError as err:
            # A full or read-only disk fails every mail alike: stop the batch.
            raise ServerUnavailable(f"{self.key}: cannot write {name}: {err}") from err
        return f"maildir: {final}"


def _file_name(message: bytes, key: str) -> str:
    headers = email.parser.BytesHeaderParser(policy=email.policy.compat32).parsebytes(message)
    message_id = str(headers.get("Message-ID", "")).strip()
    if not message_id:
        raise PermanentSendError(f"{key}: the message has no Message-ID")
    return hashlib.sha256(message_id.encode("utf-8")).hexdigest() + ".eml"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _reply(code: int, text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(text.split())}"   # multi-line replies on one line


def _reply_error(key: str, command: str, code: int, text: bytes | str) -> SendError:
    reply = _reply(code, text)
    error = PermanentSendError if 500 <= code < 600 else TransientSendError
    return error(f"{key}: {command}: {reply}", reply=reply)
