"""Large base64 bodies bypass the stdlib parser's line list but come out byte-identical."""
from __future__ import annotations

import base64
import random

from parsers.bigparts import MIN_LIFT, Lifted
from parsers.mime import parse_message

DATA = random.Random(3).randbytes(2 * MIN_LIFT)


def mail(cte: str, body: bytes, ctype: str = "application/pdf") -> bytes:
    return (b"From: a@gran.kommune.no\r\nSubject: s\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nHei\r\n'
            b"--b\r\nContent-Type: " + ctype.encode() + b'\r\nContent-Disposition: attachment; filename="x.pdf"\r\n'
            b"Content-Transfer-Encoding: " + cte.encode() + b"\r\n\r\n" + body + b"\r\n--b--\r\n")


def test_a_large_base64_attachment_is_lifted_and_decoded_exactly():
    raw = mail("base64", base64.encodebytes(DATA).replace(b"\n", b"\r\n"))
    lifted = Lifted(raw)
    assert len(lifted.spans) == 1 and len(lifted.raw) < 1000
    message = parse_message(raw)
    assert [d.data for d in message.documents] == [DATA]
    assert message.body_text == "Hei"


def test_a_body_not_declared_base64_is_left_to_the_parser():
    text = (b"QUJD" * 19 + b"\r\n") * (MIN_LIFT // 70)        # base64-looking, but 7bit text
    raw = mail("7bit", text, "text/plain")
    assert not Lifted(raw).spans
    assert parse_message(raw).documents[0].data.startswith(b"QUJDQUJD")


def test_small_messages_are_not_touched():
    raw = mail("base64", base64.encodebytes(b"x" * 1000))
    assert Lifted(raw).raw is raw
