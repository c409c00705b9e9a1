"""Unpack Outlook's winmail.dat (TNEF): its attachments and its body, read with tnefparse.

Exchange wraps a message in TNEF when it thinks the recipient is Outlook too; the
declaration is then an attachment inside ``winmail.dat``, and the body is often only
compressed RTF. ``unpack`` never raises: a blob tnefparse cannot read comes back with a
problem and no files.
"""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from tnefparse import TNEF

from parsers.htmltext import html_to_text
from parsers.sniff import decode_text

# tnefparse warns about odd blobs through logging, and one of its warnings has a wrong
# argument count: formatting it raises inside whatever handler the service installed.
# Problems are reported in TnefContent instead.
logging.getLogger("tnefparse").setLevel(logging.ERROR)

# An RTF body larger than this is pictures, not text worth reading.
MAX_RTF = 2 * 1024 * 1024
# RTF groups that hold no body text (fonts, colours, styles, pictures, metadata).
_SKIP_GROUPS = re.compile(r"\\(?:\*|(?:fonttbl|colortbl|stylesheet|info|pict|listtable"
                          r"|listoverridetable|rsidtbl|generator|xmlnstbl|themedata"
                          r"|datastore|latentstyles)\b)")
_RTF_TOKEN = re.compile(r"\\'([0-9a-fA-F]{2})|\\u(-?\d+) ?\??|\\([a-z]+)(-?\d+)? ?|\\(.)|([{}])"
                        r"|([^\\{}\r\n]+)|[\r\n]+")
_BREAKS = {"par", "line", "sect", "page", "row", "cell"}


@dataclass(frozen=True)
class TnefContent:
    files: tuple[tuple[str | None, bytes], ...]   # (file name, bytes)
    body: str
    problem: str | None = None


def unpack(data: bytes) -> TnefContent:
    try:
        tnef = TNEF(data)
    except Exception as err:  # tnefparse raises plain exceptions on damaged blobs
        return TnefContent((), "", f"tnef_unreadable ({type(err).__name__})")
    files = []
    for attachment in tnef.attachments:
        payload = getattr(attachment, "data", None)
        if isinstance(payload, (bytes, bytearray)) and payload:
            files.append((_name(attachment), bytes(payload)))
    return TnefContent(tuple(files), _body(tnef))


def _name(attachment) -> str | None:
    """The long (MAPI) file name, else the 8.3 title; tnefparse decodes the title as
    UTF-8, but Outlook writes it in the sender's code page, so it is decoded here."""
    try:
        name = attachment.long_filename()
    except Exception:
        name = None
    if not name:
        raw = getattr(attachment, "_name", b"")
        name = decode_text(raw) if isinstance(raw, bytes) else str(raw or "")
    if isinstance(name, bytes):
        name = decode_text(name)
    name = (name or "").strip("\x00 ").strip()
    return None if not name or name.lower() == "untitled attachment" else name


def _body(tnef: TNEF) -> str:
    for getter in (lambda: tnef.body, lambda: tnef.htmlbody):
        try:
            value = getter()
        except Exception:
            continue
        if value:
            text = value if isinstance(value, str) else decode_text(value)
            return html_to_text(text) if "<" in text[:2000] and ">" in text else text
    try:
        rtf = tnef.rtfbody
    except Exception:   # compressed RTF that does not decompress
        return ""
    if not rtf or len(rtf) > MAX_RTF:
        return ""
    return rtf_text(rtf if isinstance(rtf, bytes) else str(rtf).encode("latin-1", "replace"))


def rtf_text(rtf: bytes) -> str:
    """The visible text of an RTF document: good enough to find names and municipalities.

    Outlook's HTML-in-RTF (\\fromhtml) keeps the text outside its \\*\\htmltag groups,
    so skipping destination groups reads both kinds.
    """
    source = rtf.decode("latin-1")
    out: list[str] = []
    skip_depth: list[int] = []
    depth = 0
    pending: list[int] = []          # \'hh bytes of one multi-byte run
    for m in _RTF_TOKEN.finditer(source):
        hexbyte, uni, word, _arg, symbol, brace, text = m.groups()
        if hexbyte is None and pending:
            out.append(bytes(pending).decode("cp1252", "replace"))
            pending = []
        if brace == "{":
            depth += 1
            if _SKIP_GROUPS.match(source, m.end()):
                skip_depth.append(depth)
            continue
        if brace == "}":
            if skip_depth and skip_depth[-1] == depth:
                skip_depth.pop()
            depth -= 1
            continue
        if skip_depth:
            continue
        if hexbyte:
            pending.append(int(hexbyte, 16))
        elif uni:
            out.append(chr(int(uni) % 65536))
        elif word in _BREAKS:
            out.append("\n")
        elif word == "tab":
            out.append("\t")
        elif symbol in ("\\", "{", "}"):
            out.append(symbol)
        elif text:
            out.append(text)
    if pending:
        out.append(bytes(pending).decode("cp1252", "replace"))
    return re.sub(r"\n{3,}", "\n\n", "".join(out).replace("\x00", "")).strip()
