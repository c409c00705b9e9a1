"""Malformed and malicious files and messages, built at run time (never committed).

Every builder is deterministic: the same call gives the same bytes. The files are the
kinds of trouble a public mailbox gets: broken and encrypted PDFs, a huge page tree,
decompression bombs (in PDF streams, zips and images), deep nesting, a very large
attachment, charsets that do not exist, and header injection attempts.

``CASES`` names each hostile message with the builder that makes it; the tests and the
memory benchmark run the same list.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
import random
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass

from fpdf import FPDF

MB = 1024 * 1024
_FIXED_DATE = dt.datetime(2020, 6, 2, 10, 0, tzinfo=dt.timezone.utc)
SENDER = "postmottak@gran.kommune.no"
DATE = "Tue, 02 Jun 2020 10:00:00 +0200"

# ------------------------------------------------------------------ PDF


def pdf_from_objects(objects: list[bytes], root: int = 1, extra_trailer: bytes = b"") -> bytes:
    """A PDF whose object n (1-based) is ``objects[n-1]``, with a correct xref table."""
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n"
              % (len(objects) + 1, root, extra_trailer, xref))
    return out.getvalue()


def _stream(data: bytes, extra: bytes = b"", compress: bool = False) -> bytes:
    if compress:
        data = zlib.compress(data, 9)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"
_TEXT = b"BT /F1 12 Tf 72 720 Td (Intensjonserklaering Akson - Gran kommune) Tj ET"


def many_pages_pdf(pages: int = 10_000) -> bytes:
    """A text PDF whose page tree has ``pages`` leaves (all sharing one content stream),
    under intermediate nodes of 100 kids, as a real generator would write it."""
    fanout = 100
    first_page = 5
    nodes = (pages + fanout - 1) // fanout
    first_node = first_page + pages
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>"
        % (b" ".join(b"%d 0 R" % (first_node + n) for n in range(nodes)), pages),
        _stream(_TEXT),
        _FONT,
    ]
    for index in range(pages):
        objects.append(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents 3 0 R "
                       b"/Resources << /Font << /F1 4 0 R >> >> >>" % (first_node + index // fanout))
    for n in range(nodes):
        kids = range(first_page + n * fanout, min(first_page + (n + 1) * fanout, first_page + pages))
        objects.append(b"<< /Type /Pages /Parent 2 0 R /Kids [%s] /Count %d >>"
                       % (b" ".join(b"%d 0 R" % k for k in kids), len(kids)))
    return pdf_from_objects(objects)


def stream_bomb_pdf(inflated: int = 400 * MB) -> bytes:
    """One page whose content stream inflates from a few hundred KB to ``inflated`` bytes
    (spaces: valid content, nothing to draw)."""
    chunk = zlib.compressobj(9)
    body = b"".join(chunk.compress(b" " * MB) for _ in range(inflated // MB)) + chunk.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(body) + body + b"\nendstream",
        _FONT,
    ]
    return pdf_from_objects(objects)


def image_bomb_pdf(side: int = 20_000) -> bytes:
    """An image-only page with a ``side`` x ``side`` greyscale image (400 megapixels at
    20,000, over twice Pillow's bomb limit) in about 0.4 MB: what OCR would try to render."""
    row = b"\xff" * side
    comp = zlib.compressobj(9)
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /XObject << /Im0 5 0 R >> >> >>",
        _stream(b"q 595 0 0 842 0 0 cm /Im0 Do Q"),
        b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d /Filter /FlateDecode >>\nstream\n" % (side, side, len(body))
        + body + b"\nendstream",
    ]
    return pdf_from_objects(objects)


def text_pdf(lines: list[str]) -> bytes:
    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    for line in lines:
        pdf.cell(0, 8, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def encrypted_pdf() -> bytes:
    """A declaration that needs a password to open (RC4, as old scanners write it)."""
    pdf = FPDF()
    pdf.set_creation_date(_FIXED_DATE)
    pdf.set_encryption(owner_password="eier", user_password="hemmelig")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 8, "Intensjonserklaering Akson - Gran kommune")
    return bytes(pdf.output())


def truncated_pdf() -> bytes:
    whole = text_pdf(["Intensjonserklaering Akson", "Gran kommune", "Ordforer Kari Nordmann"])
    return whole[: len(whole) // 2]


def large_pdf(size: int = 40 * MB) -> bytes:
    """A one-page text PDF carrying ``size`` bytes of incompressible image data, the way
    a 600 dpi colour scan of many pages weighs in."""
    noise = random.Random(40).randbytes(size)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> /XObject << /Im0 6 0 R >> >> >>",
        _stream(_TEXT + b" q 10 0 0 10 0 0 cm /Im0 Do Q"),
        _FONT,
        b"<< /Type /XObject /Subtype /Image /Width 4096 /Height %d /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % (size // 4096, size) + noise + b"\nendstream",
    ]
    return pdf_from_objects(objects)



# ------------------------------------------------------------------ zip and images


def zip_bytes(members: list[tuple[str, bytes]], *, level: int = 9) -> bytes:
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2020, 6, 2, 10, 0, 0)), data, zipfile.ZIP_DEFLATED)
    return buf.getvalue()


def nested_zip(depth: int = 12) -> bytes:
    data = text_pdf(["Intensjonserklaering Akson", "Gran kommune"])
    name = "erklaering.pdf"
    for level in range(depth):
        data, name = zip_bytes([(name, data)]), f"lag{level}.zip"
    return data


def ratio_bomb_zip(inflated: int = 1024 * MB) -> bytes:
    """One member of ``inflated`` zero bytes (about 1 MB compressed per GB)."""
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        info = zipfile.ZipInfo("erklaering.pdf", (2020, 6, 2, 10, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as out:
            block = b"\x00" * MB
            for _ in range(inflated // MB):
                out.write(block)
    return buf.getvalue()


def lying_zip(inflated: int = 512 * MB) -> bytes:
    """A bomb whose headers claim a 1 KB member: only reading tells the truth."""
    data = bytearray(ratio_bomb_zip(inflated))
    # Patch the sizes of the central directory and the local header's zip64 extra
    # fields to claim 1,000 bytes; CRC checks fail only after the whole member is read.
    for marker in (b"\x01\x00\x10\x00",):   # zip64 extra: tag 1, 16 bytes (sizes)
        pos = data.find(marker)
        while pos != -1:
            data[pos + 4:pos + 12] = struct.pack("<Q", 1000)   # uncompressed size only
            pos = data.find(marker, pos + 1)
    return bytes(data)


def many_members_zip(count: int = 20_000) -> bytes:
    return zip_bytes([(f"del{i:05}.txt", b"x") for i in range(count)], level=1)


def huge_png(side: int = 50_000) -> bytes:
    """A 50,000 x 50,000 one-bit PNG (2.5 gigapixels) in about 300 KB."""
    width_bytes = (side + 7) // 8
    comp = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * width_bytes
    body = b"".join(comp.compress(row) for _ in range(side)) + comp.flush()

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(
            ">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")


# ------------------------------------------------------------------ messages


def _b64(data: bytes) -> bytes:
    return base64.encodebytes(data).replace(b"\n", b"\r\n")


def message(parts: list[tuple[str, str, bytes]], *, subject: str = "Intensjonserklæring Akson",
            from_header: str = f"Gran kommune <{SENDER}>", msg_id: str = "<hostile@gran.kommune.no>",
            body: str = "Vedlagt er signert intensjonserklæring fra Gran kommune.",
            extra_headers: str = "") -> bytes:
    """A multipart/mixed mail with base64 attachments given as (filename, type, data)."""
    boundary = "=_hostile_boundary"
    head = (f"From: {from_header}\r\nTo: akson@hod.dep.no\r\nSubject: {subject}\r\n"
            f"Message-ID: {msg_id}\r\nDate: {DATE}\r\nMIME-Version: 1.0\r\n{extra_headers}"
            f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n').encode()
    out = [head, f"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 f"Content-Transfer-Encoding: 8bit\r\n\r\n{body}\r\n".encode()]
    for filename, ctype, data in parts:
        out.append(f"--{boundary}\r\nContent-Type: {ctype}; name=\"{filename}\"\r\n"
                   f"Content-Disposition: attachment; filename=\"{filename}\"\r\n"
                   "Content-Transfer-Encoding: base64\r\n\r\n".encode() + _b64(data))
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out)


def deep_multipart(depth: int = 5_000) -> bytes:
    head = (f"From: {SENDER}\r\nTo: akson@hod.dep.no\r\nSubject: dyp\r\nMessage-ID: <deep@x>\r\n"
            f"Date: {DATE}\r\nMIME-Version: 1.0\r\n").encode()
    opens = b"".join(b'Content-Type: multipart/mixed; boundary="b%d"\r\n\r\n--b%d\r\n' % (i, i)
                     for i in range(depth))
    leaf = b"Content-Type: text/plain\r\n\r\nGran kommune signerer.\r\n"
    closes = b"".join(b"--b%d--\r\n" % i for i in reversed(range(depth)))
    return head + opens + leaf + closes


def deep_forward(depth: int = 300) -> bytes:
    inner = (f"From: {SENDER}\r\nSubject: innerst\r\nMessage-ID: <inner@x>\r\nDate: {DATE}\r\n\r\n"
             "Gran kommune signerer.\r\n").encode()
    for level in range(depth):
        inner = (f"From: {SENDER}\r\nTo: akson@hod.dep.no\r\nSubject: Fwd {level}\r\n"
                 f"Message-ID: <fwd{level}@x>\r\nDate: {DATE}\r\nMIME-Version: 1.0\r\n"
                 f'Content-Type: multipart/mixed; boundary="f{level}"\r\n\r\n'
                 f"--f{level}\r\nContent-Type: message/rfc822\r\n\r\n").encode() + inner + (
            f"\r\n--f{level}--\r\n").encode()
    return inner


def invalid_charsets() -> bytes:
    """Unknown charsets and undecodable bytes in headers, body and file name."""
    pdf = text_pdf(["Intensjonserklaering Akson", "Gran kommune"])
    return (f"From: =?x-bogus-99?B?R3Jhbg==?= <{SENDER}>\r\nTo: akson@hod.dep.no\r\n"
            "Subject: =?utf-7777?Q?Erkl=E6ring?= =?utf-8?B?////?= \xff\xfe\r\n"
            f"Message-ID: <charset@x>\r\nDate: {DATE}\r\nMIME-Version: 1.0\r\n"
            'Content-Type: multipart/mixed; boundary="cs"\r\n\r\n'
            "--cs\r\nContent-Type: text/plain; charset=\"x-no-such-charset\"\r\n"
            "Content-Transfer-Encoding: quoted-printable\r\n\r\nGran kommune =FF=FE=00 sign=\r\n"
            "--cs\r\nContent-Type: text/plain; charset=utf-16\r\n\r\n\xff\xd8 odd\r\n"
            "--cs\r\nContent-Type: application/pdf\r\n"
            "Content-Disposition: attachment; filename*=x-bogus''erkl%E6ring%FF.pdf\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n").encode("latin-1") + _b64(pdf) + b"--cs--\r\n"


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[], bytes]
    # Reasons of which the review item must give one; empty: any reason will do.
    reasons: frozenset[str] = frozenset()


UNREADABLE = frozenset({"unreadable_attachment"})
# An image too large to read: "no text layer" until OCR is configured, then unreadable.
NO_TEXT = frozenset({"no_text_layer", "unreadable_attachment"})


def _attach(name: str, filename: str, ctype: str, build: Callable[[], bytes],
            reasons: frozenset[str] = UNREADABLE) -> Case:
    def make() -> bytes:
        return message([(filename, ctype, build())], msg_id=f"<{name}@hostile.invalid>")
    return Case(name, make, reasons)


CASES = (
    _attach("truncated_pdf", "erklaering.pdf", "application/pdf", truncated_pdf),
    _attach("encrypted_pdf", "erklaering.pdf", "application/pdf", encrypted_pdf),
    Case("pdf_10000_pages", lambda: message([("erklaering.pdf", "application/pdf", many_pages_pdf())],
                                            msg_id="<pdf_10000_pages@hostile.invalid>")),
    _attach("pdf_stream_bomb", "erklaering.pdf", "application/pdf", stream_bomb_pdf),
    _attach("pdf_image_bomb", "skann.pdf", "application/pdf", image_bomb_pdf, NO_TEXT),
    _attach("zip_nested", "arkiv.zip", "application/zip", nested_zip),
    _attach("zip_ratio_bomb", "arkiv.zip", "application/zip", ratio_bomb_zip),
    _attach("zip_lying_sizes", "arkiv.zip", "application/zip", lying_zip),
    _attach("zip_many_members", "arkiv.zip", "application/zip", many_members_zip),
    _attach("png_huge_dimensions", "skann.png", "image/png", huge_png, NO_TEXT),
    Case("attachment_40mb", lambda: message([("erklaering.pdf", "application/pdf", large_pdf())],
                                            msg_id="<attachment_40mb@hostile.invalid>")),
    Case("deep_multipart", deep_multipart),
    Case("deep_forward", deep_forward),
    Case("invalid_charsets", invalid_charsets),
)
