"""Header fields: cheap header-only reads for the poller, and the field parsers the MIME
walk uses (addresses, dates, message ids, a repair for broken header blocks)."""
from __future__ import annotations

import datetime as dt
import email.utils
import re
from email.parser import BytesHeaderParser
from email import policy

from parsers.sniff import decode_header

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


# ------------------------------------------------------------ header fields

_MSG_ID = re.compile(r"<[^<>\s]+>")
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")


def repair_head(data: bytes) -> bytes:
    """Make a slightly broken top-level header block parseable.

    A BOM or blank lines before the headers hide all of them from the parser, and a
    stray unindented line in the middle (a badly folded Received header) ends the
    header block early. Such lines, when a header line follows them, are continuations.
    """
    data = data.removeprefix(b"\xef\xbb\xbf").lstrip(b"\r\n")
    ends = [i for i in (data.find(b"\n\n", 0, _HEADER_SCAN_BYTES), data.find(b"\n\r\n", 0, _HEADER_SCAN_BYTES))
            if i >= 0]
    end = min(ends) if ends else min(len(data), _HEADER_SCAN_BYTES)
    lines = data[:end].split(b"\n")
    changed = False
    run: list[int] = []       # indexes of stray lines since the last header line
    for index in range(1, len(lines)):
        line = lines[index]
        if _HEADER_LINE.match(line):
            for stray in run:
                lines[stray] = b" " + lines[stray]
            changed = changed or bool(run)
            run = []
        elif line[:1] not in (b" ", b"\t"):
            run.append(index)
    return b"\n".join(lines) + data[end:] if changed else data


_ADDR = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(\.[^@\s<>()\[\],;:\"\\.]+)+$")
_ANGLE_ADDR = re.compile(r"<\s*([^<>\s]+@[^<>\s]+?)\s*>")


def first_address(value: str | None) -> tuple[str, str | None]:
    """(decoded display name, lower-case addr-spec or None) of the first address."""
    if not value:
        return "", None
    try:
        name, addr = email.utils.parseaddr(value)
    except Exception:
        return decode_header(value), None
    addr = addr.strip().lower()
    if not _ADDR.match(addr):
        # parseaddr gives up on names with an unquoted "@" or ","; an angle-addr is clear.
        angle = _ANGLE_ADDR.search(value)
        if not angle:
            return decode_header(name), None
        name, addr = value[:angle.start()].strip().strip('"'), angle.group(1).lower()
    return decode_header(name), addr if _ADDR.match(addr) else None


def header_addresses(values: list[str]) -> tuple[str, ...]:
    try:
        pairs = email.utils.getaddresses(values)
    except Exception:
        return ()
    found = (addr.strip().lower() for _name, addr in pairs)
    return tuple(addr for addr in found if _ADDR.match(addr))


def header_date(value: str | None) -> dt.datetime | None:
    if not value or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except Exception:
        return None
    if parsed is None or not 1970 <= parsed.year <= 2100:
        return None
    # "-0000" means UTC with the sender's zone unknown (RFC 5322, 3.3).
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


def header_msg_id(value: str | None) -> str | None:
    if not value or not value.strip():
        return None
    match = _MSG_ID.search(value)
    return match.group(0) if match else value.strip()


def header_msg_ids(value: str) -> tuple[str, ...]:
    """Every <id> in a References-like value; the bare words when none is bracketed."""
    return tuple(_MSG_ID.findall(value)) or tuple(value.split())
