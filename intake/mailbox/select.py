"""Pure IMAP selection logic: which UIDs are new, what to ask the server for.

No sockets here, so every rule is tested with ints and byte literals
(tests/intake/test_mailbox_select.py). The adapter in imap.py only wires these
functions to the connection.
"""
from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable


class MoveStrategy(enum.Enum):
    """How ``done`` gets a message out of the watched folder."""

    MOVE = "move"                      # RFC 6851: atomic, one command
    COPY_UID_EXPUNGE = "copy+uid-expunge"  # RFC 4315 UIDPLUS: expunge only our UID
    COPY_EXPUNGE = "copy+expunge"      # plain RFC 3501: expunges every \Deleted message


def search_criteria(last_uid: int) -> list[bytes]:
    """Criteria for ``UID SEARCH`` of messages after ``last_uid``.

    Asking for ``UID n:*`` keeps the cost proportional to new mail. The server
    still answers with its highest UID when that is below ``n`` (``*`` is
    "the largest UID in use", and RFC 3501 ranges are unordered), so the
    result must go through :func:`new_uids`.
    """
    if last_uid < 0:
        raise ValueError(f"last_uid must be >= 0, got {last_uid}")
    return [b"UID", b"%d:*" % (last_uid + 1)]


def new_uids(found: Iterable[int | bytes | str], last_uid: int) -> list[int]:
    """UIDs strictly greater than ``last_uid``, ascending, without duplicates."""
    return sorted({uid for uid in map(int, found) if uid > last_uid})


def key_from_uid(uid: int) -> str:
    return str(uid)


def uid_from_key(key: str) -> int:
    """The UID behind a message key; ``ValueError`` for anything but a positive integer.

    Strict on purpose: a maildir key or a stray sequence set ("1:*") handed to the
    IMAP adapter must never reach a UID FETCH or MOVE.
    """
    if not key.isascii() or not key.isdigit() or int(key) <= 0:
        raise ValueError(f"not an IMAP message key (a positive UID): {key!r}")
    return int(key)


def move_strategy(capabilities: Iterable[bytes | str], *, allow_move: bool = True) -> MoveStrategy:
    """Pick the safest way to move one message, given the server's capabilities."""
    caps = {c.upper() if isinstance(c, bytes) else c.upper().encode() for c in capabilities}
    if allow_move and b"MOVE" in caps:
        return MoveStrategy.MOVE
    if b"UIDPLUS" in caps:
        return MoveStrategy.COPY_UID_EXPUNGE
    return MoveStrategy.COPY_EXPUNGE


def internaldate_utc(value: dt.datetime | None) -> dt.datetime | None:
    """INTERNALDATE as an aware UTC datetime.

    The client is set to keep the server's offset; a naive value can only come from
    a client left in imapclient's default mode (local time), so treat it as local.
    """
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.astimezone()   # naive means local time in imapclient
    return value.astimezone(dt.timezone.utc)
