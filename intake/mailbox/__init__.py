"""Mailbox adapters, and ``open_mailbox``, which picks one from the ``[mailbox] url``.

    maildir://PATH                 relative to the working directory: maildir://./var/inbox
    imap://HOST[:PORT][/FOLDER]    plain IMAP (loopback tests); port 143, folder INBOX
    imaps://HOST[:PORT][/FOLDER]   IMAP over TLS; port 993, folder INBOX

Credentials never go in the URL: the URL becomes the mailbox key in the ledger and
in logs. They come from the separate ``username``/``password`` keys, or for XOAUTH2
from a token provider, e.g. ``lambda: token_from_env("AKSON_IMAP_TOKEN")``, called
at each login because access tokens expire within the hour.
"""
from __future__ import annotations

import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

from .base import (
    FetchedMessage,
    Mailbox,
    MailboxAuthError,
    MailboxError,
    MailboxUnavailable,
    MessageNotFound,
    UidValidityChanged,
)
from .imap import ImapMailbox, ImapSettings
from .tokens import token_from_command, token_from_env
from .maildir import MaildirMailbox

__all__ = [
    "FetchedMessage",
    "ImapMailbox",
    "ImapSettings",
    "InvalidMailboxUrl",
    "Mailbox",
    "MailboxAuthError",
    "MailboxError",
    "MailboxUnavailable",
    "MailboxUrl",
    "MaildirMailbox",
    "MessageNotFound",
    "UidValidityChanged",
    "open_mailbox",
    "parse_mailbox_url",
    "token_from_command",
    "token_from_env",
]

DEFAULT_PORTS = {"imap": 143, "imaps": 993}
DEFAULT_FOLDER = "INBOX"
_EXPECTED = "expected maildir://PATH, imap://HOST[:PORT]/FOLDER or imaps://HOST[:PORT]/FOLDER"


class InvalidMailboxUrl(MailboxError, ValueError):
    """The ``[mailbox] url`` cannot be used; the message says why and what is expected."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(f"invalid mailbox url {_redact(url)!r}: {reason} ({_EXPECTED})")
        self.reason = reason


@dataclass(frozen=True)
class MailboxUrl:
    scheme: str            # "maildir", "imap" or "imaps"
    path: str = ""         # maildir only, as written (relative paths stay relative)
    host: str = ""
    port: int = 0
    folder: str = DEFAULT_FOLDER


def parse_mailbox_url(url: str) -> MailboxUrl:
    """Split a mailbox URL; InvalidMailboxUrl (a ValueError) if it is malformed."""
    scheme, sep, rest = url.strip().partition("://")
    scheme = scheme.lower()
    if not sep:
        raise InvalidMailboxUrl(url, "no scheme")
    if scheme == "maildir":
        if not rest:
            raise InvalidMailboxUrl(url, "no path")
        return MailboxUrl(scheme="maildir", path=rest)
    if scheme not in DEFAULT_PORTS:
        raise InvalidMailboxUrl(url, f"unsupported scheme {scheme!r}")
    parts = urllib.parse.urlsplit(url.strip())
    if "@" in parts.netloc:
        raise InvalidMailboxUrl(url, "credentials do not belong in the url; use [mailbox] username and password")
    if parts.query or parts.fragment:
        raise InvalidMailboxUrl(url, "query or fragment not allowed")
    if not parts.hostname:
        raise InvalidMailboxUrl(url, "no host")
    try:
        explicit_port = parts.port
    except ValueError as err:   # not a number, or out of range
        raise InvalidMailboxUrl(url, f"bad port ({err})") from None
    if explicit_port == 0:
        raise InvalidMailboxUrl(url, "port 0")
    port = explicit_port or DEFAULT_PORTS[scheme]
    folder = urllib.parse.unquote(parts.path.strip("/")) or DEFAULT_FOLDER
    if folder.upper() == DEFAULT_FOLDER:
        folder = DEFAULT_FOLDER   # INBOX is case-insensitive (RFC 3501); keep the key stable
    return MailboxUrl(scheme=scheme, host=parts.hostname, port=port, folder=folder)


def open_mailbox(
    url: str,
    *,
    username: str = "",
    password: str = "",
    oauth2_token: Callable[[], str] | None = None,
    processed_folder: str = "",
    timeout: float = 30.0,
    retries: int = 3,
    sleep: Callable[[float], None] = time.sleep,
) -> Mailbox:
    """The adapter for ``url``, not yet connected: use it as ``with open_mailbox(...) as box``.

    With ``oauth2_token`` set, IMAP logs in with XOAUTH2 (Microsoft 365 refuses basic
    auth) and ``password`` is ignored. ``processed_folder`` applies to IMAP only;
    a maildir marks handled mail seen by moving it to cur/.
    """
    parsed = parse_mailbox_url(url)
    if parsed.scheme == "maildir":
        return MaildirMailbox(parsed.path)
    settings = ImapSettings(
        host=parsed.host,
        port=parsed.port,
        folder=parsed.folder,
        tls=parsed.scheme == "imaps",
        username=username,
        password=password,
        oauth2_token=oauth2_token,
        timeout=timeout,
        retries=retries,
    )
    return ImapMailbox(settings, processed_folder=processed_folder, sleep=sleep)


def _redact(url: str) -> str:
    """The url without any user:password@ part, fit for an error message."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    if sep and "@" in netloc:
        return f"{scheme}://***@{netloc.rpartition('@')[2]}{slash}{tail}"
    return url
