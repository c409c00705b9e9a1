"""Outlook and office wrappers: winmail.dat (TNEF) unpacked, .odt read, .doc unsupported.

The TNEF blobs are the peer corpus's (other projects' test files) and one written here
with a minimal TNEF writer that follows the format's documented layout.
"""
from __future__ import annotations

import datetime as dt
import io
import struct
import zipfile
from email.message import EmailMessage

import pytest

from intake.samples import Attachment, submission_email
from parsers.analyse import Analyser
from parsers.extract import extract_text
from parsers.mime import parse_message
from parsers.tnef import rtf_text, unpack
from tests.helpers import PEER
from tests.parsers.conftest import campaign_analyser

OSLO = dt.timezone(dt.timedelta(hours=2))
RECEIVED = dt.datetime(2020, 5, 20, 10, 0, tzinfo=OSLO)
TNEF_FILES = sorted((PEER / "tnef").glob("*/*.dat"))
FORM_TEXT = ["Intensjonserklæring", "Akson – helhetlig samhandling og felles kommunal journal",
             "Vestby kommune stiller seg bak arbeidet med Akson.",
             "Kommune: Vestby kommune", "Sted og dato: Vestby, 19.05.2020",
             "Kari Nordmann", "Ordfører"]


# ------------------------------------------------------------- a TNEF writer

def _attribute(level: int, kind: int, name: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BII", level, (kind << 16) | name, len(data)) + data + struct.pack("<H", checksum)


def make_tnef(files: list[tuple[str, bytes]]) -> bytes:
    """A winmail.dat with ``files`` as attachments (attAttachRendData, Title, Data)."""
    out = struct.pack("<IH", 0x223E9F78, 0x0001)
    out += _attribute(1, 0x0008, 0x9006, b"\x00\x00\x01\x00")                 # attTnefVersion
    out += _attribute(1, 0x0006, 0x9007, struct.pack("<II", 1252, 0))      # attOemCodepage
    out += _attribute(1, 0x0007, 0x8008, b"IPM.Microsoft Mail.Note\x00")   # attMessageClass
    for name, data in files:
        out += _attribute(2, 0x0006, 0x9002, b"\x01\x00\x00\x00" + b"\xff" * 4 + b"\x00" * 6)
        out += _attribute(2, 0x0001, 0x8010, name.encode("cp1252") + b"\x00")
        out += _attribute(2, 0x0006, 0x800F, data)
    return out


def carrier(blob: bytes, sender: str = "kari.nordmann@vestby.kommune.no") -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "akson@hod.dep.no", "Intensjonserklæring"
    msg["Message-ID"] = "<tnef@example.no>"
    msg.set_content("Se vedlegg.")
    msg.add_attachment(blob, maintype="application", subtype="ms-tnef", filename="winmail.dat")
    return msg.as_bytes()


def make_odt(lines: list[str]) -> bytes:
    """An OpenDocument text file: mimetype stored first, then content, styles, manifest."""
    ns = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
          'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
          'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2"')
    body = "".join(f"<text:p>{line}</text:p>" for line in lines)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        z.writestr("content.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns}>'
                   f"<office:body><office:text>{body}</office:text></office:body></office:document-content>")
        z.writestr("styles.xml", f'<?xml version="1.0" encoding="UTF-8"?><office:document-styles {ns}>'
                   "<office:master-styles><style:master-page><style:header><text:p>Vestby kommune"
                   "</text:p></style:header></style:master-page></office:master-styles>"
                   "</office:document-styles>")
        z.writestr("META-INF/manifest.xml", '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                   'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
                   '<manifest:file-entry manifest:full-path="/" manifest:media-type='
                   '"application/vnd.oasis.opendocument.text"/></manifest:manifest>')
    return buf.getvalue()


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return campaign_analyser(dt.datetime(2020, 7, 1, tzinfo=OSLO))


def _mail(filename: str, data: bytes, content_type: str) -> bytes:
    return submission_email(
        from_name="Kari Nordmann", from_address="kari.nordmann@vestby.kommune.no",
        subject="Intensjonserklæring Akson", body="Vedlagt.", sent_at=RECEIVED,
        received_at=RECEIVED, attachments=[Attachment(filename, data, content_type)])


# ------------------------------------------------------------------- tests

def test_every_peer_tnef_file_unpacks():
    assert len(TNEF_FILES) == 24
    problems = {f.name: unpack(f.read_bytes()).problem for f in TNEF_FILES}
    assert {name: p for name, p in problems.items() if p} == {}


def test_tnef_attachments_become_documents_with_their_container_in_the_path():
    blob = (PEER / "tnef" / "tnefparse" / "two-files.dat").read_bytes()
    docs = parse_message(carrier(blob)).documents
    assert [(d.filename, d.path, d.detected_type) for d in docs] == [
        ("AUTHORS", ("winmail.dat",), "text"), ("README", ("winmail.dat",), "text")]


def test_a_tnef_body_joins_the_message_body():
    blob = (PEER / "tnef" / "mimekit" / "panic.dat").read_bytes()
    assert "Andreas Wallenberg" in parse_message(carrier(blob)).body_text


def test_a_declaration_inside_winmail_dat_is_accepted(analyser):
    from intake.samples import DeclarationSpec, Signer, declaration_pdf
    pdf = declaration_pdf(DeclarationSpec(municipality="Vestby kommune", place="Vestby",
                                          signed_on=dt.date(2020, 5, 19),
                                          signers=(Signer("Kari Nordmann", "ordfører"),)))
    raw = _mail("winmail.dat", make_tnef([("Intensjonserklæring Akson.pdf", pdf)]),
                "application/ms-tnef")
    decision = analyser.analyse(raw, received_at=RECEIVED).decision
    assert (decision.status.value, decision.municipality_number, decision.attachment) == (
        "accepted", "3019", "Intensjonserklæring Akson.pdf")


def test_a_broken_tnef_blob_is_unsupported_not_a_crash(analyser):
    raw = _mail("winmail.dat", b"\x78\x9f\x3e\x22" + b"\x01\x00" + b"\xff" * 40, "application/ms-tnef")
    decision = analyser.analyse(raw, received_at=RECEIVED).decision
    assert decision.status.value == "needs_review"


def test_rtf_bodies_are_read_as_text():
    rtf = rb"{\rtf1\ansi{\fonttbl{\f0 Arial;}}{\*\generator x;}Ordf\'f8rer Kari\par Vestby kommune}"
    assert rtf_text(rtf) == "Ordfører Kari\nVestby kommune"


def test_an_odt_declaration_is_read_and_accepted(analyser):
    odt = make_odt(FORM_TEXT)
    docs = parse_message(_mail("erklæring.odt", odt, "application/vnd.oasis.opendocument.text")).documents
    assert docs[0].detected_type == "odt"
    text = extract_text(docs[0])
    assert text.method == "odt" and "Kari Nordmann" in text.text and "Vestby kommune" in text.text
    decision = analyser.analyse(_mail("erklæring.odt", odt, "application/octet-stream"),
                                received_at=RECEIVED).decision
    assert decision.status.value == "accepted", decision.reasons
    assert [(s.name, s.title) for s in decision.signers] == [("Kari Nordmann", "ordfører")]


def test_a_legacy_word_file_goes_to_review_as_unsupported(analyser):
    ole2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    decision = analyser.analyse(_mail("erklæring.doc", ole2, "application/msword"),
                                received_at=RECEIVED).decision
    assert decision.status.value == "needs_review"
    assert "unsupported_format" in decision.reasons
