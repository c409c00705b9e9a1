"""The MIME walk (parsers/mime.py): headers, body, every file, bounds, never raising."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import zipfile
from email.message import EmailMessage
from pathlib import Path

import pytest

from parsers.mime import WalkLimits, parse_message
from parsers.types import ParsedMessage

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _message(subject: str = "Intensjonserklæring", body: str | None = "Hei") -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "Anne Bø <Anne.Bo@Tvedestrand.Kommune.no>"
    msg["To"] = "akson@hod.dep.no, Kopi <Kopi@HOD.dep.no>"
    msg["Subject"] = subject
    msg["Date"] = "Thu, 28 May 2020 07:31:01 +0200"
    msg["Message-ID"] = "<abc@tvedestrand.kommune.no>"
    if body is not None:
        msg.set_content(body)
    return msg


def _parse(msg: EmailMessage | bytes, limits: WalkLimits = WalkLimits()) -> ParsedMessage:
    raw = msg if isinstance(msg, bytes) else msg.as_bytes()
    return parse_message(raw, limits)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _raw_message(headers: bytes, body: bytes = b"Hei\r\n") -> bytes:
    return headers.replace(b"\n", b"\r\n").replace(b"\r\r", b"\r") + b"\r\n" + body


# ------------------------------------------------------------------ headers

def test_header_fields_are_decoded_and_normalised() -> None:
    raw = _raw_message(
        b"Received: from mx.dep.no by mail.hod.dep.no; Thu, 28 May 2020 07:31:28 +0200\n"
        b"Received: from outlook by mx.dep.no; Thu, 28 May 2020 07:31:27 +0200\n"
        b"From: =?utf-8?b?QW5uZSBCw7g=?= <Anne.Bo@Tvedestrand.Kommune.no>\n"
        b"Reply-To: Postmottak <Postmottak@tvedestrand.kommune.no>\n"
        b"To: akson@hod.dep.no, \"Kopi\" <Kopi@HOD.dep.no>\n"
        b"Subject: =?utf-8?b?VlM6IEludml0YXNqb24gdGlsIMOlIHNpZ25lcmU=?=\n"
        b"Date: Thu, 28 May 2020 07:31:01 +0200\n"
        b"Message-ID: <abc@tvedestrand.kommune.no>\n"
        b"In-Reply-To: <inv@hod.dep.no>\n"
        b"References: <one@hod.dep.no>\n <inv@hod.dep.no>\n"
    )
    parsed = _parse(raw)
    assert parsed.from_address == "anne.bo@tvedestrand.kommune.no"
    assert parsed.from_name == "Anne Bø"
    assert parsed.reply_to == "postmottak@tvedestrand.kommune.no"
    assert parsed.to == ("akson@hod.dep.no", "kopi@hod.dep.no")
    assert parsed.subject == "VS: Invitasjon til å signere"
    cest = dt.timezone(dt.timedelta(hours=2))
    assert parsed.date == dt.datetime(2020, 5, 28, 7, 31, 1, tzinfo=cest)
    # The topmost Received header is our own server's, one second after the one below it.
    assert parsed.received_date == dt.datetime(2020, 5, 28, 5, 31, 28, tzinfo=dt.timezone.utc)
    assert parsed.message_id == "<abc@tvedestrand.kommune.no>"
    assert parsed.in_reply_to == "<inv@hod.dep.no>"
    assert parsed.references == ("<one@hod.dep.no>", "<inv@hod.dep.no>")
    assert [h.name for h in parsed.headers][:3] == ["Received", "Received", "From"]
    assert parsed.header_values("subject") == ["VS: Invitasjon til å signere"]
    assert parsed.body_text == "Hei"


@pytest.mark.parametrize(
    ("from_header", "address", "name"),
    [
        (b"From: postmottak@asnes.kommune.no", "postmottak@asnes.kommune.no", ""),
        (b"From: \"Bj\xc3\xb8rn Nilsen\" <bjorn@nesna.kommune.no>", "bjorn@nesna.kommune.no",
         "Bjørn Nilsen"),
        (b"From: jang@xyzlinu <jang@xyz.example.it>", "jang@xyz.example.it", "jang@xyzlinu"),
        (b"From: tim@example.com concierge@example.com", None, ""),
        (b"From: undisclosed-recipients:;", None, ""),
        (b"From: a@[", None, ""),
        (b"From: ", None, ""),
        (b"X-Other: no from at all", None, ""),
    ],
    ids=["bare", "raw-utf8-name", "unquoted-at-in-name", "two-addresses-garbled", "group",
         "default-policy-raises", "empty", "missing"],
)
def test_from_address(from_header: bytes, address: str | None, name: str) -> None:
    parsed = _parse(_raw_message(from_header + b"\nSubject: s\n"))
    assert parsed.from_address == address
    assert parsed.from_name == name


@pytest.mark.parametrize(
    ("date_header", "expected"),
    [
        (b"Date: Mon, 15 Jun 2020 10:00:00 +0200",
         dt.datetime(2020, 6, 15, 8, 0, tzinfo=dt.timezone.utc)),
        (b"Date: Mon, 15 Jun 2020 10:00:00 -0000",
         dt.datetime(2020, 6, 15, 10, 0, tzinfo=dt.timezone.utc)),
        # A zone name RFC 5322 does not know means "zone unknown", like -0000.
        (b"Date: 15 Jun 2020 10:00 CEST", dt.datetime(2020, 6, 15, 10, 0, tzinfo=dt.timezone.utc)),
        (b"Date: tomorrow", None),
        (b"Date: Thu, 31 Feb 2020 99:99:99 +0100", None),
        (b"Date: Mon, 15 Jun 1820 10:00:00 +0000", None),
    ],
    ids=["offset", "minus-zero-is-utc", "zone-name-is-utc", "garbage", "impossible",
         "implausible-year"],
)
def test_date_is_aware_or_none(date_header: bytes, expected: dt.datetime | None) -> None:
    parsed = _parse(_raw_message(b"From: a@b.no\n" + date_header + b"\n"))
    assert parsed.date == expected


def test_malformed_headers_that_break_the_default_policy_do_not_raise() -> None:
    raw = _raw_message(b"Message-ID: <\nFrom: a@[\nTo: :\nSubject: =?utf-8?q?=?=\n")
    parsed = _parse(raw)
    assert parsed.message_id == "<"
    assert parsed.from_address is None
    assert parsed.body_text == "Hei"


def test_received_date_none_without_received_header() -> None:
    assert _parse(_message()).received_date is None


# --------------------------------------------------------------------- body

def test_alternative_prefers_plain_text() -> None:
    msg = _message(body="Vedlagt ligg erklæringa.")
    msg.add_alternative("<p>HTML-versjon</p>", subtype="html")
    assert _parse(msg).body_text == "Vedlagt ligg erklæringa."


def test_html_only_body_becomes_text() -> None:
    msg = _message(body=None)
    msg.set_content("<html><head><style>p {}</style></head><body><p>Hei</p>"
                    "<p>Med helsing<br>Ordførar</p></body></html>", subtype="html")
    assert _parse(msg).body_text == "Hei\nMed helsing\nOrdførar"


def test_alternative_with_empty_plain_uses_html() -> None:
    msg = _message(body=" ")
    msg.add_alternative("<p>Signert erklæring</p>", subtype="html")
    assert _parse(msg).body_text == "Signert erklæring"


@pytest.mark.parametrize(
    ("charset", "payload", "expected"),
    [
        (b"iso-8859-1", "Bjørn Ærø".encode("latin-1"), "Bjørn Ærø"),
        (b"windows-1252", "“Ja” – ø".encode("cp1252"), "“Ja” – ø"),
        (b"x-unknown-charset", "Bjørn".encode("utf-8"), "Bjørn"),
        (b"utf-8", b"Bj\xf8rn \xff", "Bjørn ÿ"),
        (b"\"utf-8\"", "Blåbær".encode("utf-8"), "Blåbær"),
    ],
    ids=["latin1", "cp1252", "unknown-charset", "invalid-utf8", "quoted-charset"],
)
def test_body_charsets(charset: bytes, payload: bytes, expected: str) -> None:
    raw = _raw_message(b"From: a@b.no\nContent-Type: text/plain; charset=" + charset
                       + b"\nContent-Transfer-Encoding: 8bit\n", payload)
    assert _parse(raw).body_text == expected


# ----------------------------------------------------------------- documents

@pytest.mark.parametrize(
    ("maintype", "subtype", "disposition", "filename"),
    [
        ("application", "pdf", "attachment", "erklæring.pdf"),
        ("application", "pdf", "inline", "erklæring.pdf"),
        ("application", "octet-stream", "attachment", "erklæring.pdf"),
        ("application", "octet-stream", "attachment", None),
        ("application", "msword", "attachment", "erklæring.doc"),
    ],
    ids=["attachment", "inline", "octet-stream", "no-filename", "mislabelled-doc"],
)
def test_pdf_is_a_document_however_it_is_attached(maintype: str, subtype: str,
                                                  disposition: str, filename: str | None) -> None:
    msg = _message()
    msg.add_attachment(PDF, maintype=maintype, subtype=subtype, disposition=disposition,
                       filename=filename)
    (doc,) = _parse(msg).documents
    assert (doc.detected_type, doc.filename, doc.data, doc.path) == ("pdf", filename, PDF, ())
    assert doc.declared_type == f"{maintype}/{subtype}"


def test_part_without_disposition_is_a_document() -> None:
    raw = _raw_message(
        b"From: a@b.no\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n",
        b"--XX\r\nContent-Type: text/plain\r\n\r\nHei\r\n--XX\r\n"
        b"Content-Type: application/octet-stream\r\n\r\n" + PDF + b"\r\n--XX--\r\n")
    parsed = _parse(raw)
    assert [d.detected_type for d in parsed.documents] == ["pdf"]
    assert parsed.body_text == "Hei"


def test_text_attachment_is_a_document_not_body() -> None:
    msg = _message(body="Hei")
    msg.add_attachment("vedtak i teksten", filename="vedtak.txt")
    parsed = _parse(msg)
    assert parsed.body_text == "Hei"
    assert [(d.filename, d.detected_type) for d in parsed.documents] == [("vedtak.txt", "text")]


def test_inline_images_of_a_related_html_body_are_documents() -> None:
    msg = _message(body="tekst")
    msg.add_alternative("<p>tekst <img src='cid:logo'></p>", subtype="html")
    html_part = msg.get_payload()[1]
    html_part.add_related(b"\x89PNG\r\n\x1a\n" + b"\0" * 20, "image", "png", cid="<logo>")
    parsed = _parse(msg)
    assert parsed.body_text == "tekst"
    assert [d.detected_type for d in parsed.documents] == ["image"]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b'attachment; filename="=?utf-8?b?SW50ZW5zam9uc2Vya2zDpnJpbmcucGRm?="',
         "Intensjonserklæring.pdf"),
        (b"attachment; filename*=utf-8''signert%20erkl%C3%A6ring.pdf", "signert erklæring.pdf"),
        (b"attachment; filename*=iso-8859-1''signert%20erkl%E6ring.pdf", "signert erklæring.pdf"),
        (b"attachment;\n filename*0*=utf-8''Intensjon;\n filename*1*=serkl%C3%A6ring.pdf",
         "Intensjonserklæring.pdf"),
        (b'attachment; filename="Erkl\xc3\xa6ring.pdf"', "Erklæring.pdf"),
        (b'attachment; filename="Erkl\xe6ring.pdf"', "Erklæring.pdf"),
        (b"attachment; filename=\"C:\\\\Users\\\\kari\\\\skjema.pdf\"", "skjema.pdf"),
        (b"attachment; filename*=x-bogus''erkl%E6ring.pdf", "erklæring.pdf"),
    ],
    ids=["rfc2047-in-quotes", "rfc2231-utf8", "rfc2231-latin1", "rfc2231-continuation",
         "raw-utf8", "raw-latin1", "windows-path", "rfc2231-unknown-charset"],
)
def test_attachment_file_names(header: bytes, expected: str) -> None:
    raw = _raw_message(
        b"From: a@b.no\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n",
        b"--XX\r\nContent-Type: text/plain\r\n\r\nHei\r\n--XX\r\n"
        b"Content-Type: application/pdf\r\nContent-Disposition: "
        + header.replace(b"\n", b"\r\n") + b"\r\n\r\n" + PDF + b"\r\n--XX--\r\n")
    (doc,) = _parse(raw).documents
    assert doc.filename == expected


def test_name_parameter_of_content_type_is_used_without_disposition() -> None:
    raw = _raw_message(
        b"From: a@b.no\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n",
        b"--XX\r\nContent-Type: application/pdf; name=\"=?iso-8859-1?q?s=F8knad.pdf?=\"\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--XX--\r\n")
    (doc,) = _parse(raw).documents
    assert (doc.filename, doc.data) == ("søknad.pdf", b"%PDF-1.4\n")


# ----------------------------------------------------------------- forwards

def _forward(inner: EmailMessage, subject: str = "VS: erklæring") -> EmailMessage:
    outer = _message(subject=subject, body="Videresender.")
    outer.add_attachment(inner)
    return outer


def test_forwarded_message_documents_are_lifted_with_a_path() -> None:
    inner = _message(subject="SV: Invitasjon", body="Signert.")
    inner.replace_header("From", "Liv Pedersen <liv.pedersen@tvedestrand.kommune.no>")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="erklæring.pdf")
    parsed = _parse(_forward(inner))
    assert parsed.body_text == "Videresender."
    (doc,) = parsed.documents
    assert (doc.filename, doc.path) == ("erklæring.pdf", ("SV: Invitasjon",))
    (forwarded,) = parsed.forwarded
    assert forwarded.from_address == "liv.pedersen@tvedestrand.kommune.no"
    assert forwarded.body_text == "Signert."
    assert [d.path for d in forwarded.documents] == [()]


def test_eml_sent_as_octet_stream_is_parsed_as_a_forward() -> None:
    inner = _message(subject="Original", body="Signert.")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    outer = _message(body="Se vedlegg")
    outer.add_attachment(inner.as_bytes(), maintype="application", subtype="octet-stream",
                         filename="Original.eml")
    parsed = _parse(outer)
    assert [f.subject for f in parsed.forwarded] == ["Original"]
    assert [(d.filename, d.path) for d in parsed.documents] == [("a.pdf", ("Original",))]


def test_base64_encoded_forward_is_decoded_and_parsed() -> None:
    inner = _message(subject="Kodet", body="Signert.")
    inner.add_attachment(PDF, maintype="application", subtype="pdf", filename="a.pdf")
    raw = _raw_message(
        b"From: a@b.no\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n",
        b"--XX\r\nContent-Type: text/plain\r\n\r\nSe vedlegg\r\n--XX\r\n"
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(inner.as_bytes()) + b"--XX--\r\n")
    parsed = parse_message(raw)
    assert [f.subject for f in parsed.forwarded] == ["Kodet"]
    assert [(d.filename, d.path) for d in parsed.documents] == [("a.pdf", ("Kodet",))]


def _chain(levels: int) -> EmailMessage:
    message = _message(subject="level0", body="bunn")
    message.add_attachment(PDF, maintype="application", subtype="pdf", filename="deep.pdf")
    for level in range(1, levels + 1):
        message = _forward(message, subject=f"level{level}")
    return message


def test_ten_level_forward_chain_is_walked_to_the_bottom() -> None:
    parsed = _parse(_chain(10))
    (doc,) = parsed.documents
    assert doc.filename == "deep.pdf"
    assert doc.path == tuple(f"level{n}" for n in range(9, -1, -1))
    assert parsed.problems == ()
    depth, message = 0, parsed
    while message.forwarded:
        depth, message = depth + 1, message.forwarded[0]
    assert (depth, message.subject) == (10, "level0")


def test_forward_chain_beyond_the_limit_is_cut_with_a_problem() -> None:
    parsed = _parse(_chain(4), WalkLimits(max_forward_depth=2))
    assert "nesting_too_deep" in parsed.problems
    assert [d.problem for d in parsed.documents] == ["nesting_too_deep"]


def _deep_multipart(levels: int) -> bytes:
    opening = b"".join(b'Content-Type: multipart/mixed; boundary="B%d"\r\n\r\n--B%d\r\n' % (i, i)
                       for i in range(levels))
    closing = b"".join(b"\r\n--B%d--" % i for i in reversed(range(levels)))
    return (b"From: a@b.no\r\nSubject: deep\r\nMIME-Version: 1.0\r\n" + opening
            + b"Content-Type: application/pdf\r\n\r\n" + PDF + closing + b"\r\n")


@pytest.mark.parametrize("levels", [200, 3000], ids=["200-deep", "3000-deep"])
def test_deep_multipart_nesting_is_bounded(levels: int) -> None:
    parsed = parse_message(_deep_multipart(levels))
    assert parsed.subject == "deep"
    assert "nesting_too_deep" in parsed.problems


def test_multipart_within_the_depth_limit_is_walked() -> None:
    (doc,) = parse_message(_deep_multipart(25)).documents
    assert doc.detected_type == "pdf"


def test_delivery_report_parses_and_keeps_the_returned_message() -> None:
    original = _message(subject="Intensjonserklæring").as_bytes()
    raw = (b"From: MAILER-DAEMON@mx.dep.no\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: multipart/report; "
           b"report-type=delivery-status; boundary=R\r\n\r\n"
           b"--R\r\nContent-Type: text/plain\r\n\r\nCould not deliver.\r\n"
           b"--R\r\nContent-Type: message/delivery-status\r\n\r\n"
           b"Reporting-MTA: dns; mx.dep.no\r\n\r\nFinal-Recipient: rfc822; x@y.no\r\n"
           b"Action: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"--R\r\nContent-Type: message/rfc822\r\n\r\n" + original + b"\r\n--R--\r\n")
    parsed = parse_message(raw)
    assert parsed.subject == "Undelivered Mail Returned to Sender"
    assert parsed.body_text == "Could not deliver."
    assert parsed.documents == ()
    assert [f.subject for f in parsed.forwarded] == ["Intensjonserklæring"]


# --------------------------------------------------------------------- zip

def _with_zip(data: bytes, name: str = "erklaering.zip") -> EmailMessage:
    msg = _message()
    msg.add_attachment(data, maintype="application", subtype="zip", filename=name)
    return msg


def test_zip_members_become_documents() -> None:
    data = _zip({"Signert/erklæring.pdf": PDF, "__MACOSX/._erklæring.pdf": b"junk",
                 "følgebrev.txt": b"Hei", "Signert/": b""})
    parsed = _parse(_with_zip(data))
    assert [(d.filename, d.detected_type, d.path) for d in parsed.documents] == [
        ("erklæring.pdf", "pdf", ("erklaering.zip",)),
        ("følgebrev.txt", "text", ("erklaering.zip",)),
    ]


def test_zip_member_names_from_norwegian_windows_are_read_as_cp850() -> None:
    # zipfile writes non-ASCII names as UTF-8; Windows' own zip writes its OEM code page
    # (850 in Norway) without the UTF-8 flag. Patch an ASCII name of the same length.
    raw = _zip({"erklXrYng.pdf": PDF}).replace(b"erklXrYng", b"erkl\x91r\x9bng")
    (doc,) = _parse(_with_zip(raw)).documents
    assert doc.filename == "erklærøng.pdf"


def test_nested_zips_are_expanded_to_depth_three() -> None:
    level3 = _zip({"a.pdf": PDF})
    level2 = _zip({"l3.zip": level3})
    level1 = _zip({"l2.zip": level2})
    (doc,) = _parse(_with_zip(level1, "l1.zip")).documents
    assert (doc.filename, doc.path) == ("a.pdf", ("l1.zip", "l2.zip", "l3.zip"))


def test_zip_nested_deeper_than_three_is_a_document_with_a_problem() -> None:
    data = _zip({"a.pdf": PDF})
    for level in (4, 3, 2):
        data = _zip({f"l{level}.zip": data})
    (doc,) = _parse(_with_zip(data, "l1.zip")).documents
    assert (doc.filename, doc.problem) == ("l4.zip", "zip_nesting_too_deep")


@pytest.mark.parametrize(
    ("members", "limits", "problem"),
    [
        ({f"{i}.txt": b"x" for i in range(101)}, WalkLimits(), "zip_too_many_members"),
        ({"a.pdf": PDF * 100, "b.pdf": PDF * 100}, WalkLimits(zip_max_total=6000),
         "zip_too_large"),
        ({"a.pdf": PDF * 100}, WalkLimits(zip_max_member=1000), "zip_too_large"),
        ({"bomb.txt": b"\0" * (3 * 1024 * 1024)}, WalkLimits(), "zip_bomb"),
    ],
    ids=["too-many-members", "too-large-total", "member-too-large", "ratio-bomb"],
)
def test_zip_beyond_bounds_is_one_document_with_a_problem(members: dict, limits: WalkLimits,
                                                          problem: str) -> None:
    data = _zip(members)
    (doc,) = _parse(_with_zip(data), limits).documents
    assert (doc.filename, doc.detected_type, doc.problem, doc.data) == (
        "erklaering.zip", "zip", problem, data)


def test_encrypted_zip_member_is_a_document_with_a_problem() -> None:
    data = bytearray(_zip({"hemmelig.pdf": PDF, "open.pdf": PDF}))
    # Set the "encrypted" flag of the first member in its local and central headers.
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x01
    docs = _parse(_with_zip(bytes(data))).documents
    assert [(d.filename, d.problem) for d in docs] == [
        ("hemmelig.pdf", "zip_encrypted_member"), ("open.pdf", None)]


def test_corrupt_zip_is_a_document_with_a_problem() -> None:
    (doc,) = _parse(_with_zip(b"PK\x03\x04" + b"\xff" * 200)).documents
    assert doc.problem == "zip_unreadable"


def test_docx_is_not_expanded() -> None:
    docx = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    (doc,) = _parse(_with_zip(docx, "skjema.docx")).documents
    assert (doc.detected_type, doc.problem) == ("docx", None)


# --------------------------------------------------------------- never raises

@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\x00" * 1000,
        bytes(range(256)) * 20,
        b"From: a@b.no\r\nContent-Type: multipart/mixed; boundary=X\r\n\r\n--X\r\n"
        b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0x",
        b"Content-Type: multipart/mixed\r\n\r\nno boundary at all",
        b"Content-Type: text/plain; charset=\"\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!",
        b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\nSGVp",
        b"Content-Type: application/pdf; name*=utf-8''%ZZ%\r\n\r\n%PDF-",
        b"Subject: " + b"=?utf-8?b?" * 5000 + b"\r\n\r\n",
        b"\xef\xbb\xbfFrom: bom@b.no\r\n\r\nbody",
        b"From - Mon Jan 1 00:00:00 2020\nFrom: mbox@b.no\n\nbody",
        b"Content-Type: text/plain; charset=utf-7\r\n\r\n+AGEAYgBj-+",
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 a\nbroken\nend\n",
    ],
    ids=["empty", "nuls", "binary", "truncated-base64", "multipart-without-boundary",
         "broken-charset-param", "base64-rfc822", "bad-percent-encoding", "many-encoded-words",
         "bom", "mbox-from-line", "utf7", "broken-uuencode"],
)
def test_parse_message_never_raises(raw: bytes) -> None:
    parsed = parse_message(raw)
    assert isinstance(parsed, ParsedMessage)
    assert all(isinstance(h.value, str) for h in parsed.headers)


def test_bom_before_headers_does_not_hide_them() -> None:
    assert parse_message(b"\xef\xbb\xbfFrom: bom@b.no\r\n\r\nbody").from_address == "bom@b.no"


def test_stray_unfolded_line_does_not_end_the_header_block() -> None:
    raw = (b"Received: from x (HELO y)\r\nby localhost with SMTP; 19 Nov 2014 08:46:08 -0000\r\n"
           b"From: a@b.no\r\nSubject: kept\r\n\r\nbody")
    parsed = parse_message(raw)
    assert (parsed.from_address, parsed.subject, parsed.body_text) == ("a@b.no", "kept", "body")


def test_two_from_headers_are_a_problem() -> None:
    parsed = parse_message(b"From: a@b.no\r\nFrom: c@d.no\r\n\r\nbody")
    assert parsed.from_address == "a@b.no"
    assert "multiple_from" in parsed.problems


# ------------------------------------------------------------ public sample

PUBLIC = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "public"


def test_public_sample_attachments_sender_and_id_are_found() -> None:
    """GIVEN the labelled public sample WHEN each message is walked THEN the attachment
    the truth file names is among its documents, and sender and Message-ID agree."""
    truth_file = PUBLIC / "truth.json"
    assert truth_file.is_file(), f"public corpus missing: expected {truth_file}"
    for entry in json.loads(truth_file.read_text(encoding="utf-8"))["messages"]:
        parsed = parse_message((PUBLIC / entry["file"]).read_bytes())
        names = [doc.filename for doc in parsed.documents]
        if entry.get("decision_attachment"):
            assert entry["decision_attachment"] in names, entry["file"]
        assert parsed.message_id == entry["message_id"], entry["file"]
        assert parsed.from_address == entry["sender"], entry["file"]


def test_inline_logo_is_a_decoration_but_an_attached_photo_is_not():
    from email.message import EmailMessage
    from parsers.mime import parse_message
    logo = b"\x89PNG\r\n\x1a\n" + b"\0" * 2000
    photo = b"\xff\xd8\xff\xe0" + b"\0" * 200_000
    msg = EmailMessage()
    msg["From"] = "a@b.no"
    msg["Subject"] = "x"
    msg.set_content("hei")
    msg.add_alternative('<p>hei</p><img src="cid:logo1">', subtype="html")
    msg.get_payload()[1].add_related(logo, maintype="image", subtype="png", cid="<logo1>")
    msg.add_attachment(photo, maintype="image", subtype="jpeg", filename="IMG_1.jpg")
    docs = parse_message(bytes(msg)).documents
    by_name = {d.detected_type + ":" + str(d.filename): d for d in docs}
    assert [d.is_decoration for d in docs if d.content_id] == [True]
    assert not by_name["image:IMG_1.jpg"].is_decoration
