"""Cheap header-only reads of a raw message, for the poller's bookkeeping."""
from __future__ import annotations

import datetime as dt
import email.utils
from email.parser import BytesHeaderParser
from email import policy

# The header block of a real message is a few KiB; looking at more only costs time.
_HEADER_SCAN_BYTES = 256 * 1024


def _parse_date(text: str) -> dt.datetime | None:
    try:
        value = email.utils.parsedate_to_datetime(text.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if value is None or value.tzinfo is None:
        return None
    return value


def receipt_time(raw: bytes) -> dt.datetime | None:
    """When our receiving server took the message: the topmost Received header's date.

    Falls back to the Date header. None when neither is readable.
    """
    try:
        head = BytesHeaderParser(policy=policy.compat32).parsebytes(raw[:_HEADER_SCAN_BYTES])
    except Exception:  # noqa: BLE001 - any garbage header block simply has no time
        return None
    received = head.get_all("Received") or []
    if received:
        text = str(received[0])
        if ";" in text:
            found = _parse_date(text.rsplit(";", 1)[1])
            if found is not None:
                return found
    date = head.get("Date")
    return _parse_date(str(date)) if date else None
