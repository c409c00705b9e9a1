"""Refuse PDFs whose streams inflate beyond what any letter needs, before PDFium sees them.

PDFium inflates a page's content stream whole when the page is loaded: a few hundred KB
of deflated spaces become 400 MB of content and about twice that in memory. Text comes
only from content streams (and the form XObjects they draw), so those are measured here
by inflating them into nothing, in bounded steps; images are never inflated for text
and are left alone. Pure: bytes in, a reason or None out.
"""
from __future__ import annotations

import re
import zlib

MB = 1024 * 1024
# The largest content stream a PDFium page load may inflate. A dense vector page (a map,
# a scanned-then-vectorised form) runs to a few MB; 50 MB keeps PDFium's copy of one
# stream and its parse of it well under the worker's memory budget.
MAX_INFLATED_STREAM = 50 * MB
# Inflate in steps of this size, so a bomb never holds more than one step in memory.
_STEP = MB
# The keyword that starts a stream's data; its dictionary is read backwards from there,
# at most this far (and never past the previous stream), to the "obj" that opens it (a linear scan, whatever the bytes).
_STREAM = re.compile(rb">>\s*stream\r?\n")
_DICT_WINDOW = 4096
_OBJ = re.compile(rb"\bobj\b")
_FLATE = re.compile(rb"/(FlateDecode|Fl)\b")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")


def stream_bomb(data: bytes, limit: int = MAX_INFLATED_STREAM) -> str | None:
    """A reason to refuse ``data`` (a stream inflating beyond ``limit``), or None."""
    previous = 0
    for match in _STREAM.finditer(data):
        # From the end of the previous keyword at most: each byte is looked at once.
        header = data[max(previous, match.start() - _DICT_WINDOW):match.start()]
        previous = match.end()
        opened = [m.end() for m in _OBJ.finditer(header)]
        header = header[opened[-1]:] if opened else header
        if not _FLATE.search(header) or _IMAGE.search(header):
            continue
        if _inflated_size(data, match.end(), limit) > limit:
            return f"a PDF stream inflates to more than {limit // MB} MB (decompression bomb)"
    return None


def _inflated_size(data: bytes, start: int, limit: int) -> int:
    """Bytes the zlib stream at ``start`` inflates to, counted up to just past ``limit``."""
    inflater = zlib.decompressobj()
    total, pos = 0, start
    pending = b""
    while total <= limit and not inflater.eof:
        if not pending:
            if pos >= len(data):
                break
            pending, pos = data[pos:pos + _STEP], pos + _STEP
        try:
            out = inflater.decompress(pending, _STEP)
        except zlib.error:
            break        # a broken stream: PDFium will give up on it the same way
        total += len(out)
        pending = inflater.unconsumed_tail
    return total
