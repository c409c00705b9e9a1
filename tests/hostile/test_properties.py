"""Properties of the parsers on arbitrary input: they never raise, and what they return
is well-formed (known 4-digit municipality numbers, lower-case titles, plausible dates,
a kind from the enum), whatever the text or bytes."""
from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from parsers import classify, dates, signers
from parsers.municipalities import NameIndex
from parsers.mime import parse_message
from parsers.types import DocKind, ParsedMessage
from tests.parsers.conftest import load_registry

REGISTRY = load_registry()
INDEX = NameIndex(REGISTRY)
NUMBERS = frozenset(m.number for m in REGISTRY)

# Words the text steps look for, so that generated text reaches their deeper branches.
VOCABULARY = ["kommune", "herad", "Kommune:", "ordfører", "ordførar", "rådmann", "kommunedirektør",
              "Sted og dato:", "Dato:", "signatur", "Intensjonserklæring", "Akson", "Gran", "Herøy",
              "Våler", "Nordre Land", "Loabák - Lavangen", "vedtak", "formannskap", "takker nei",
              "6. mai 2020", "01.06.2020", "2020-06-31", "\n", "  ", "\t", "/", ",", ":", "\u2028",
              "\r\n", "\x00", "Kari Nordmann", "ÆØÅ", "ø", "ﬁ"]
TEXT = st.lists(st.one_of(st.sampled_from(VOCABULARY), st.text(max_size=12)), max_size=60).map("".join)


@given(TEXT)
def test_municipality_mentions_name_known_numbers(text):
    for mention in INDEX.find(text, "document"):
        assert mention.numbers and mention.numbers <= NUMBERS
        assert all(len(n) == 4 and n.isdigit() for n in mention.numbers)
        assert mention.strength in ("strong", "weak")


@given(TEXT)
def test_signers_are_named_and_titled(text):
    for signer in signers.find_signers(text):
        assert signer.name.strip() and signer.title.strip()
        assert signer.title == signer.title.lower()
        assert "\n" not in signer.name and "\r" not in signer.name


@given(TEXT)
def test_signed_date_is_a_real_date_or_none(text):
    found = dates.find_signed_date(text)
    assert found is None or (isinstance(found, dt.date) and 1900 <= found.year <= 2100)


@given(TEXT, st.one_of(st.none(), st.text(max_size=30)))
def test_classification_is_total(text, filename):
    assert classify.classify_document(text, filename) in set(DocKind)
    assert isinstance(classify.declines(text), bool)
    assert isinstance(classify.is_question(text[:40], text), bool)
    assert isinstance(classify.claims_signed_in_body(text), bool)


def _well_formed(message: ParsedMessage) -> None:
    assert isinstance(message, ParsedMessage)
    assert message.from_address is None or "@" in message.from_address
    assert "\n" not in message.subject and "\r" not in message.subject
    for doc in message.documents:
        assert isinstance(doc.data, bytes)
        assert doc.filename is None or ("/" not in doc.filename and "\\" not in doc.filename)
    assert message.date is None or message.date.tzinfo is not None


@given(st.binary(max_size=4096))
def test_mime_walk_of_any_bytes(raw):
    _well_formed(parse_message(raw))


HEADER_LINES = st.sampled_from([
    b"From: Kari <kari@gran.kommune.no>", b"From: =?utf-8?q?K=C3=A5ri?= <k@x.no>", b"From: <>",
    b"Subject: =?x-bogus?B?////?=", b"Subject: \xff\xfe\x00", b"Date: 31 Feb 2020 25:61:00 +9999",
    b"Message-ID: <a@b>", b"Content-Transfer-Encoding: base64", b"Content-Transfer-Encoding: quoted-printable",
    b'Content-Type: multipart/mixed; boundary="b"', b"Content-Type: message/rfc822",
    b'Content-Type: text/plain; charset="utf-7777"', b"Content-Type: application/pdf; name*=x''%FF.pdf",
    b'Content-Disposition: attachment; filename="../../etc/passwd"', b"MIME-Version: 1.0",
    b"Received: from x by y; Tue, 2 Jun 2020 10:00:00 +0200", b" folded continuation",
])
BODY_LINES = st.sampled_from([
    b"--b", b"--b--", b"", b"JVBERi0xLjQK", b"UEsDBAoAAAAAAA==", b"=FF=00=", b"%PDF-1.4", b"PK\x03\x04",
    b"Gran kommune", b"\x00\x01\x02", b"From: nested@x.no",
])


@given(st.lists(HEADER_LINES, max_size=12), st.lists(st.one_of(HEADER_LINES, BODY_LINES), max_size=40),
       st.sampled_from([b"\r\n", b"\n"]))
def test_mime_walk_of_mail_shaped_bytes(head, body, eol):
    raw = eol.join(head) + eol + eol + eol.join(body)
    _well_formed(parse_message(raw))
