"""The maildir adapter: the embedded mode's inbox (``maildir://./var/inbox``).

A maildir has no UIDs. The message key is the file's unique name without the
``:2,FLAGS`` info part, so it stays the same when ``done`` moves the file from new/
to cur/. ``uid`` is always 0 and UIDVALIDITY a constant; ``pending`` lists every
message and the poller filters against its ledger (cost grows with the maildir,
acceptable for the embedded mode, which is not the production path).
"""
from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

from .base import FetchedMessage, MailboxError, MessageNotFound

# Maildir has no UIDVALIDITY; a constant keeps ledger rows comparable across restarts.
MAILDIR_UIDVALIDITY = 1

# The info separator of the maildir spec; "!" (Windows variants) is not supported.
INFO_SEP = ":"
SEEN_INFO = f"{INFO_SEP}2,S"
SUBDIRS = ("tmp", "new", "cur")


class MaildirMailbox:
    """A maildir folder behind the Mailbox protocol (see base.py)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(os.path.abspath(os.path.expanduser(os.fspath(path))))
        self.key = f"maildir://{self.path}"

    def __enter__(self) -> MaildirMailbox:
        self._ensure_structure()
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def uidvalidity(self) -> int:
        return MAILDIR_UIDVALIDITY

    def pending(self, last_uid: int) -> list[str]:
        """Keys of every message in new/ and cur/, oldest first (mtime, then name).

        ``last_uid`` means nothing here (there are no UIDs); tmp/ holds deliveries
        still being written, and dotfiles are editor or tool droppings.
        """
        self._ensure_structure()
        found: dict[str, tuple[int, str]] = {}
        for sub in ("new", "cur"):
            with os.scandir(self.path / sub) as entries:
                for entry in entries:
                    if entry.name.startswith(".") or not entry.is_file():
                        continue
                    key = _key_of(entry.name)
                    try:
                        mtime = entry.stat().st_mtime_ns
                    except FileNotFoundError:   # moved to cur/ by a concurrent done()
                        continue
                    found.setdefault(key, (mtime, key))
        return [key for _, key in sorted(found.values())]

    def fetch(self, key: str) -> FetchedMessage:
        # Two tries: a concurrent done() may rename the file between finding and reading.
        for _ in range(2):
            path = self._find(key)
            try:
                raw = path.read_bytes()
                mtime = path.stat().st_mtime
            except FileNotFoundError:
                continue
            internaldate = dt.datetime.fromtimestamp(mtime, tz=dt.timezone.utc)
            return FetchedMessage(uid=0, key=key, raw=raw, internaldate=internaldate)
        raise MessageNotFound(self.key, key)

    def done(self, key: str) -> None:
        """Mark the message seen: new/KEY becomes cur/KEY:2,S. Already in cur/: nothing."""
        path = self._find(key)
        if path.parent.name == "cur":
            return
        os.rename(path, self.path / "cur" / (key + _seen_info(path.name)))

    # -- helpers -----------------------------------------------------------------

    def _ensure_structure(self) -> None:
        for sub in SUBDIRS:
            # 0o700: the inbox holds personal data (signers' names, addresses).
            (self.path / sub).mkdir(mode=0o700, parents=True, exist_ok=True)

    def _find(self, key: str) -> Path:
        _check_key(self.key, key)
        candidate = self.path / "new" / key
        if candidate.is_file():
            return candidate
        cur = self.path / "cur"
        for name in (key + SEEN_INFO, key + f"{INFO_SEP}2,", key):   # the usual names first
            if (cur / name).is_file():
                return cur / name
        for sub in ("new", "cur"):   # rare: other flags, or info on a file in new/
            directory = self.path / sub
            if not directory.is_dir():
                continue
            with os.scandir(directory) as entries:
                for entry in entries:
                    if not entry.name.startswith(".") and _key_of(entry.name) == key and entry.is_file():
                        return Path(entry.path)
        raise MessageNotFound(self.key, key)


def _key_of(name: str) -> str:
    return name.split(INFO_SEP, 1)[0]


def _seen_info(name: str) -> str:
    """The info part for cur/: keep the flags a file already has, add S (sorted, per spec)."""
    _, sep, info = name.partition(INFO_SEP)
    flags = set(info[2:]) if sep and info.startswith("2,") else set()
    return f"{INFO_SEP}2," + "".join(sorted(flags | {"S"}))


def _check_key(mailbox: str, key: str) -> None:
    # Keys come from our own pending(), but they are also file names: refuse anything
    # that could leave the maildir.
    bad = ("/", "\x00", INFO_SEP) + ((os.altsep,) if os.altsep else ())
    if not key or key.startswith(".") or any(part in key for part in bad):
        raise MailboxError(f"{mailbox}: not a maildir message key: {key!r}")
