"""Keep large base64 bodies out of the stdlib mail parser.

``email.parser`` holds a message as a list of line strings and joins them again per
part: a 57 MB message with one 40 MB attachment peaks near 500 MB. Before parsing, each
long run of base64 lines that is the body of a part declared base64 is swapped for a
one-line token; the part's bytes are decoded from the original message when the walk
asks for them. The parser sees the same structure, only shorter bodies.
"""
from __future__ import annotations

import binascii
import re

# Bodies smaller than this are parsed as usual: the saving starts to matter at a few MB,
# and small messages (nearly all) then take no detour at all.
MIN_LIFT = 1024 * 1024
# The header block of a part is looked for this far back from its blank line.
_HEAD_WINDOW = 4096
# Possessive repeats: a backtracking repeat keeps state per line matched (about 100 MB
# for a 40 MB body); these keep none.
_BODY = re.compile(rb"\r?\n\r?\n((?:[A-Za-z0-9+/=]{1,998}+\r?\n){64,}+)")
_BASE64_CTE = re.compile(rb"content-transfer-encoding:[ \t]*\"?base64", re.I)
_TOKEN = "AKSONLIFTEDPART{:08d}"


class Lifted:
    """The shortened message and the spans of the bodies taken out of it."""

    def __init__(self, raw: bytes) -> None:
        self.original = raw
        self.spans: dict[str, tuple[int, int]] = {}
        self.raw = self._lift(raw) if len(raw) >= MIN_LIFT else raw

    def _lift(self, raw: bytes) -> bytes:
        pieces, pos = [], 0
        for match in _BODY.finditer(raw):
            start, end = match.span(1)
            if end - start < MIN_LIFT or not _declared_base64(raw, match.start()):
                continue
            token = _TOKEN.format(len(self.spans))
            self.spans[token] = (start, end)
            pieces += [raw[pos:start], token.encode() + b"\r\n"]
            pos = end
        return b"".join(pieces) + raw[pos:] if self.spans else raw

    def decoded(self, payload: object) -> bytes | None:
        """The decoded bytes behind a part whose payload is a token, else None."""
        if not self.spans or not isinstance(payload, str):
            return None
        span = self.spans.get(payload.strip())
        if span is None:
            return None
        try:
            return binascii.a2b_base64(memoryview(self.original)[span[0]:span[1]])   # no copy
        except binascii.Error:
            return None


def _declared_base64(raw: bytes, blank_line: int) -> bool:
    """Whether the header block ending at ``blank_line`` declares base64 encoding."""
    head = raw[max(0, blank_line - _HEAD_WINDOW):blank_line]
    boundary = head.rfind(b"\n--")
    return bool(_BASE64_CTE.search(head[boundary + 1:] if boundary != -1 else head))
