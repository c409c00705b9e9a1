"""The mailbox seam: what the poller needs from any mailbox (IMAP, maildir).

Adapters only connect, list and fetch; they never parse, and they never touch the
database. The poller commits the raw bytes and only then calls ``done``.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


class MailboxError(Exception):
    """Base class of mailbox adapter errors."""


class MailboxUnavailable(MailboxError):
    """The server could not be reached or refused us (after retries)."""


class MailboxAuthError(MailboxError):
    """Login failed: wrong credentials or token."""


class MessageNotFound(MailboxError):
    """The key names no message (expunged, moved away, or never there)."""

    def __init__(self, mailbox: str, key: str) -> None:
        super().__init__(f"{mailbox}: no message with key {key!r}")
        self.mailbox = mailbox
        self.key = key


class UidValidityChanged(MailboxError):
    """The folder's UIDVALIDITY changed under an open adapter: every UID is void.

    The adapter stays usable; the poller should call ``uidvalidity()`` and rescan
    with ``pending(0)`` under the new value, deduplicating by content hash.
    """

    def __init__(self, mailbox: str, old: int, new: int) -> None:
        super().__init__(f"{mailbox}: UIDVALIDITY changed from {old} to {new}")
        self.mailbox = mailbox
        self.old = old
        self.new = new


@dataclass(frozen=True)
class FetchedMessage:
    uid: int                      # IMAP UID; 0 for maildir (no UIDs there, see maildir.py)
    key: str                      # str(uid) for IMAP, the maildir file key for maildir
    raw: bytes
    internaldate: dt.datetime | None


class Mailbox(Protocol):
    """One mailbox folder. Use as a context manager: ``with adapter as box:``."""

    key: str   # stable identity without secrets, e.g. "imap://127.0.0.1:1143/INBOX"

    def __enter__(self) -> "Mailbox": ...
    def __exit__(self, *exc: object) -> None: ...

    def uidvalidity(self) -> int:
        """The folder's UIDVALIDITY (a constant for maildir)."""

    def pending(self, last_uid: int) -> list[str]:
        """Keys of messages newer than ``last_uid`` (IMAP: UID SEARCH UID last+1:*).

        Cost grows with new mail, not with the size of the mailbox.
        """

    def fetch(self, key: str) -> FetchedMessage:
        """The raw bytes, without marking the message seen (BODY.PEEK[])."""

    def done(self, key: str) -> None:
        """Called after the raw bytes are committed: move to processed folder if set."""
