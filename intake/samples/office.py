"""Word files and zip archives, written with ``zipfile`` alone.

A .docx is a zip of XML parts; the three written here ([Content_Types].xml, _rels/.rels,
word/document.xml) are the minimum Word and LibreOffice open. Timestamps inside the zip
are fixed, so the same spec gives the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import random
import zipfile
from typing import Iterable
from xml.sax.saxutils import escape

from . import wording
from .declaration import place_and_date, printed_name, printed_title
from .specs import DeclarationSpec

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.wordprocessingml.document.main+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _run(text: str, *, bold: bool = False, size_pt: float | None = None) -> str:
    props = ("<w:b/>" if bold else "") + (f'<w:sz w:val="{int(size_pt * 2)}"/>' if size_pt else "")
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def _paragraph(text: str = "", **run_options) -> str:
    return f"<w:p>{_run(text, **run_options) if text else ''}</w:p>"


def _table(rows: list[tuple[str, str]]) -> str:
    """A bordered two-column table, like the form grid."""
    border = "".join(f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="000000"/>'
                     for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    cells = "".join(
        f"<w:tr><w:tc><w:tcPr><w:tcW w:w=\"2400\" w:type=\"dxa\"/></w:tcPr>{_paragraph(label, bold=True)}"
        f"</w:tc><w:tc><w:tcPr><w:tcW w:w=\"6600\" w:type=\"dxa\"/></w:tcPr>{_paragraph(value)}</w:tc></w:tr>"
        for label, value in rows
    )
    return f"<w:tbl><w:tblPr><w:tblBorders>{border}</w:tblBorders></w:tblPr>{cells}</w:tbl>"


def _declaration_body(spec: DeclarationSpec) -> str:
    rng = random.Random(spec.seed)
    lang = spec.language
    labels = wording.FORM_LABELS[lang]
    parts = [
        _paragraph(rng.choice(wording.DECLARATION_TITLES), bold=True, size_pt=16),
        _paragraph(rng.choice(wording.DECLARATION_SUBTITLES[lang]), size_pt=12),
        _paragraph(),
    ]
    bodies = wording.DECLARATION_BODIES[lang]
    parts += [_paragraph(wording.fill(p, spec.municipality, lang))
              for p in bodies[spec.wording % len(bodies)]]
    parts.append(_paragraph())
    rows = [(labels["municipality"], spec.municipality), (labels["place_date"], place_and_date(spec))]
    for signer in spec.signers or (None,):
        # Typed names in Word: the signature row stays empty (or says "sign." as some write).
        rows.append((labels["signature"], "" if signer is None or rng.random() < 0.5 else "sign."))
        rows.append((labels["name"], printed_name(signer, spec) if signer else ""))
        rows.append((labels["title"], printed_title(signer, spec) if signer else ""))
    parts.append(_table(rows))
    return "".join(parts)


def _zip_time(day: dt.date | None) -> tuple[int, int, int, int, int, int]:
    day = day or dt.date(2020, 5, 5)
    return (day.year, day.month, day.day, 10, 0, 0)


def declaration_docx(spec: DeclarationSpec) -> bytes:
    """The declaration as a minimal valid .docx with typed names."""
    document = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document xmlns:w="{_W}">'
        f"<w:body>{_declaration_body(spec)}<w:sectPr/></w:body></w:document>"
    )
    parts = [("[Content_Types].xml", _CONTENT_TYPES), ("_rels/.rels", _ROOT_RELS),
             ("word/document.xml", document)]
    return zip_of([(name, text.encode("utf-8")) for name, text in parts], day=spec.signed_on)


def zip_of(files: Iterable[tuple[str, bytes]], *, day: dt.date | None = None) -> bytes:
    """A deflated zip of (name, bytes) pairs with fixed member timestamps."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files:
            info = zipfile.ZipInfo(name, date_time=_zip_time(day))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)      # non-ASCII names get the UTF-8 flag (bit 11)
    return buffer.getvalue()
