"""Type sniffing, charset fallbacks and header-text decoding (parsers/sniff.py)."""
from __future__ import annotations

import io
import zipfile

import pytest

from parsers.sniff import codec_name, decode_header, decode_text, detect_type


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


DOCX = _zip({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
ODT = _zip({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b"<x/>"})
XLSX = _zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})
PLAIN_ZIP = _zip({"a.pdf": b"%PDF-1.4"})


@pytest.mark.parametrize(
    ("data", "filename", "declared", "expected"),
    [
        (b"%PDF-1.7\n...", "x.pdf", "application/pdf", "pdf"),
        (b"\r\n\r\njunk from a scanner %PDF-1.4 rest", None, "application/octet-stream", "pdf"),
        (b"%PDF-1.4", "erklaering.doc", "application/msword", "pdf"),
        (DOCX, "x.bin", "application/octet-stream", "docx"),
        (ODT, None, "application/octet-stream", "odt"),
        (PLAIN_ZIP, "a.zip", "application/zip", "zip"),
        (XLSX, "budget.xlsx", "application/octet-stream", "unknown"),
        (b"PK\x03\x04truncated", "skjema.docx", "application/octet-stream", "docx"),
        (b"PK\x03\x04truncated", "arkiv.zip", "application/zip", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 50, "gammel.doc", "", "doc"),
        (b"\x78\x9f\x3e\x22\x01\x00", "winmail.dat", "application/ms-tnef", "tnef"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "IMG.jpg", "image/jpeg", "image"),
        (b"\x89PNG\r\n\x1a\n....", None, "application/octet-stream", "image"),
        (b"II*\x00\x08\x00", "scan.tif", "", "image"),
        (b"GIF89a....", None, "", "image"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "IMG_0001.HEIC", "", "image"),
        (b"BM" + b"\0" * 12 + (40).to_bytes(4, "little") + b"\0" * 20, "a.bmp", "", "image"),
        (b"BMW is a car brand, said the text file", None, "", "text"),
        (b"<!DOCTYPE html><html><body>Feil</body></html>", "erklaering.pdf", "application/pdf",
         "html"),
        (b"  <html><head></head></html>", None, "text/html", "html"),
        (b"", "x.pdf", "application/pdf", "empty"),
        (b" \r\n\x00 ", "x.pdf", "application/pdf", "empty"),
        (b"Received: from x\r\nFrom: a@b.no\r\nSubject: s\r\n\r\nbody", None,
         "application/octet-stream", "rfc822"),
        (b"From: a@b.no\r\nSubject: s\r\n\r\nbody", "fwd.eml", "", "rfc822"),
        (b"From: a@b.no\r\nSubject: s\r\n\r\nbody", "notes.txt", "text/plain", "text"),
        (b"Hei, her er erkl\xc3\xa6ringen.", "note.txt", "text/plain", "text"),
        (b"plain words", None, "application/octet-stream", "text"),
        (bytes(range(256)) * 4, None, "application/octet-stream", "unknown"),
        (b"not really a pdf", "x.pdf", "application/pdf", "pdf"),
    ],
    ids=[
        "pdf", "pdf-after-junk", "pdf-named-doc", "docx-by-members", "odt-by-mimetype",
        "plain-zip", "xlsx-is-unknown", "broken-docx-by-name", "broken-zip", "ole2-doc",
        "tnef", "jpeg", "png-octet-stream", "tiff", "gif", "heic", "bmp", "bm-text-not-bmp",
        "html-named-pdf", "html-leading-space", "empty", "whitespace-only", "rfc822-octet",
        "rfc822-eml-name", "headers-in-txt-stay-text", "utf8-text", "text-octet-stream",
        "binary-unknown", "declared-pdf-fallback",
    ],
)
def test_detect_type(data: bytes, filename: str | None, declared: str, expected: str) -> None:
    assert detect_type(data, filename, declared) == expected


@pytest.mark.parametrize(
    ("data", "charset", "expected"),
    [
        ("Bjørn Ærø".encode("utf-8"), "utf-8", "Bjørn Ærø"),
        ("Bjørn Ærø".encode("latin-1"), "iso-8859-1", "Bjørn Ærø"),
        ("“sitat” – ø".encode("cp1252"), "iso-8859-1", "“sitat” – ø"),
        ("“sitat” – ø".encode("cp1252"), "windows-1252", "“sitat” – ø"),
        ("Bjørn".encode("utf-8"), "us-ascii", "Bjørn"),
        ("Bjørn".encode("utf-8"), "x-no-such-charset", "Bjørn"),
        ("Bjørn".encode("latin-1"), None, "Bjørn"),
        ("Bjørn".encode("latin-1"), "utf-8", "Bjørn"),
        (b"\xef\xbb\xbfBOM", None, "BOM"),
        ("UTF-16 tekst".encode("utf-16"), None, "UTF-16 tekst"),
        ("Bjørn".encode("utf-8"), "base64", "Bjørn"),
    ],
    ids=["utf8", "latin1", "latin1-label-on-1252", "cp1252", "ascii-label-on-utf8",
         "unknown-charset", "undeclared-latin1", "utf8-label-on-latin1", "bom", "utf16",
         "non-text-codec-name"],
)
def test_decode_text(data: bytes, charset: str | None, expected: str) -> None:
    assert decode_text(data, charset) == expected


def test_decode_text_never_raises_on_stateful_codec_garbage() -> None:
    assert isinstance(decode_text(b"\x1b$B\xff\xfe\x1b(B", "iso-2022-jp"), str)


@pytest.mark.parametrize(
    ("charset", "expected"),
    [("UTF-8", "utf-8"), ('"iso-8859-1"', "cp1252"), ("ks_c_5601-1987", "cp949"),
     ("bogus", None), ("zlib", None), (None, None)],
    ids=["utf8", "quoted-latin1-upgraded", "korean-alias", "bogus", "bytes-codec", "none"],
)
def test_codec_name(charset: str | None, expected: str | None) -> None:
    assert codec_name(charset) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("=?utf-8?b?SW50ZW5zam9uc2Vya2zDpnJpbmc=?=", "Intensjonserklæring"),
        ("=?iso-8859-1?q?Bj=F8rn_Nilsen?=", "Bjørn Nilsen"),
        ("=?utf-8?q?S=C3=B8?= =?utf-8?q?knad?=", "Søknad"),
        ("=?utf-8?b?w6Y=?=\r\n =?utf-8?b?w7g=?=", "æø"),
        ("=?utf-8?b?w6bD?= =?utf-8?b?uMOl?=", "æøå"),
        ('"=?utf-8?b?SW50ZW5zam9uc2Vya2zDpnJpbmcucGRm?="', '"Intensjonserklæring.pdf"'),
        ("Re: =?utf-8?q?erkl=C3=A6ring?= fra oss", "Re: erklæring fra oss"),
        ("Bj\udcc3\udcb8rn", "Bjørn"),
        ("Bj\udcf8rn", "Bjørn"),
        ("=?x-unknown?q?plain?=", "plain"),
        ("=?utf-8?b?!!!?=", "=?utf-8?b?!!!?="),
        ("=?utf-8*no?q?hei?=", "hei"),
        ("a\r\n\tb", "a\tb"),
        ("=?utf-8?q?a=00b?=", "a b"),
    ],
    ids=["b-word", "q-word", "adjacent-words-space-dropped", "folded-words",
         "utf8-char-split-across-words", "word-in-quotes", "mixed-text", "raw-utf8-bytes",
         "raw-latin1-bytes", "unknown-charset-ascii", "broken-base64-kept", "rfc2231-lang",
         "unfold", "control-char"],
)
def test_decode_header(raw: str, expected: str) -> None:
    assert decode_header(raw) == expected
