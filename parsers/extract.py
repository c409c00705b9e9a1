"""Read the text of one document: PDF text layer, Word (docx), OpenDocument, text, HTML.

``extract_text`` never raises: a document it cannot read comes back with empty text and
a ``problem`` (a reason code from interface.md) plus a ``detail`` for staff. Images, and
the PDF pages that have no usable text layer, go to the ``ocr`` callable when one is
given; that is the seam for Tesseract, which lives outside this pure package. A page has
no usable layer when its text is missing, too short beside a page-sized scan (an archive
stamp on a scanned form), or junk (a scanner's invisible garbage layer).

PDF text comes from pypdfium2: on a one-page, 40-line text PDF it took about 1.4 ms
against about 146 ms for pdfplumber (Python 3.11, pypdfium2 5.15, pdfplumber 0.11).
PDFium is not thread-safe: call this from one thread per process, or from worker
processes.
"""
from __future__ import annotations

import io
import unicodedata
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol
from xml.etree import ElementTree

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from parsers.htmltext import html_charset, html_to_text
from parsers.ocrtext import is_junk_text
from parsers.pdfbounds import stream_bomb
from parsers.sniff import decode_text
from parsers.types import Document, DocumentText


class OCR(Protocol):
    """Reads images and PDF pages. ``pages`` (0-based) limits a PDF to those pages; the
    text comes back with one ``PAGE_BREAK``-separated part per page read, in that order."""

    def __call__(self, doc: Document, pages: Sequence[int] | None = None) -> DocumentText: ...


UNREADABLE = "unreadable_attachment"
NO_TEXT_LAYER = "no_text_layer"
# A text layer with fewer letters than this is a scan with stray marks (a page number,
# a "/" from a stamp): not worth reading as text, and OCR should have a go.
MIN_LETTERS = 20
# A page mostly covered by one picture is a scan; if its text layer is shorter than
# this (a filled-in declaration has 400+ letters), the layer is an archive stamp or a
# page number added to the scan, and the page is read by OCR as well.
SHORT_LAYER_LETTERS = 150
SCAN_COVER = 0.5
# A docx/odt XML part larger than this is not a letter or a form; refuse, do not parse.
MAX_XML_PART = 20 * 1024 * 1024
PAGE_BREAK = "\n\f\n"

_PASSWORD_ERRORS = {pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY}
_UNSUPPORTED = {
    "tnef": "TNEF (winmail.dat) is not supported yet",
    "doc": "Word 97-2003 / Outlook .msg (OLE2) format is not supported yet",
    "zip": "zip archive that was not expanded",
    "rfc822": "attached message that was not expanded",
    "unknown": "unknown binary format",
}
# What a file claims to be by its name or label, to explain an HTML page posing as one.
_CLAIMS = {".pdf": "PDF", ".docx": "Word document", ".doc": "Word document",
           ".odt": "OpenDocument file", "application/pdf": "PDF"}


def extract_text(doc: Document, *, ocr: OCR | None = None, max_pages: int = 30) -> DocumentText:
    """The text of ``doc``, or the reason there is none; never raises."""
    try:
        result = _extract(doc, ocr, max_pages)
    except Exception as err:  # a parser bug or library surprise must not stop intake
        result = _unreadable(f"extraction failed ({type(err).__name__})")
    if result.text:
        result = replace(result, text=_normalise(result.text))
    return result


def _extract(doc: Document, ocr: OCR | None, max_pages: int) -> DocumentText:
    if doc.problem:
        return _unreadable(doc.problem.replace("_", " "))
    kind = doc.detected_type
    if kind == "empty" or not doc.data:
        return _unreadable("empty file")
    if kind == "pdf":
        return _pdf(doc, ocr, max_pages)
    if kind == "docx":
        return _office(doc, _docx_lines, "docx")
    if kind == "odt":
        return _office(doc, _odt_lines, "odt")
    if kind == "image":
        return _no_text_layer(doc, ocr, "image")
    if kind == "text":
        return DocumentText(decode_text(doc.data), "plain")
    if kind == "html":
        claim = _claimed_format(doc)
        if claim:
            return _unreadable(f"not a {claim} (HTML)")
        markup = decode_text(doc.data, html_charset(doc.data))
        return DocumentText(html_to_text(markup), "html")
    return _unreadable(_UNSUPPORTED.get(kind, _UNSUPPORTED["unknown"]))


def _unreadable(detail: str, pages: int = 0) -> DocumentText:
    return DocumentText("", "none", pages, UNREADABLE, detail)


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return unicodedata.normalize("NFC", text)


def _claimed_format(doc: Document) -> str | None:
    name = (doc.filename or "").lower()
    for suffix, label in _CLAIMS.items():
        if name.endswith(suffix) or doc.declared_type.lower() == suffix:
            return label
    return None


def _no_text_layer(doc: Document, ocr: OCR | None, what: str, pages: int = 0) -> DocumentText:
    """Hand a document without a text layer to OCR, or say that it needs it."""
    if ocr is None:
        return DocumentText("", "none", pages, NO_TEXT_LAYER, f"{what} has no text layer")
    try:
        return ocr(doc)
    except Exception as err:  # OCR is an outside tool; its failure is a reason, not a crash
        return DocumentText("", "none", pages, NO_TEXT_LAYER, f"{what} has no text layer; "
                            f"OCR failed ({_failure(err)})")


def _failure(err: Exception) -> str:
    message = (str(err).splitlines() or [""])[0][:200]
    return f"{type(err).__name__}: {message}" if message else type(err).__name__


# --------------------------------------------------------------------- PDF

def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


def _pdf(doc: Document, ocr: OCR | None, max_pages: int) -> DocumentText:
    bomb = stream_bomb(doc.data)
    if bomb:
        return _unreadable(bomb)
    try:
        pdf = pdfium.PdfDocument(doc.data)
    except pdfium.PdfiumError as err:
        if getattr(err, "err_code", None) in _PASSWORD_ERRORS:
            return _unreadable("encrypted")
        return _unreadable(f"broken PDF ({err})")
    try:
        total = len(pdf)
        pages = [_read_page(pdf, index) for index in range(min(total, max_pages))]
    finally:
        pdf.close()
    if total == 0:
        return _unreadable("PDF has no pages")
    if all(text is None for text, _ in pages):
        return _unreadable("no page of the PDF could be read", total)
    layer = [_usable(text) for text, _ in pages]
    whole = sum(_letters(t) for t in layer if t)
    need = [i for i, (text, cover) in enumerate(pages)
            if text is not None and _wants_ocr(text, cover, whole)]
    if need and ocr is not None:
        return _with_ocr(doc, ocr, layer, need, total)
    read = [t for t in layer if t is not None]
    text = PAGE_BREAK.join(read)
    if _letters(text) < MIN_LETTERS:
        return DocumentText("", "none", total, NO_TEXT_LAYER, "PDF has no text layer")
    notes = [f"read {len(pages)} of {total} pages"] if total > len(pages) else []
    if need:
        notes.append(f"page(s) {_numbers(need)} have no usable text layer and were not read")
    return DocumentText(text, "pdf_text", total, None, "; ".join(notes))


def _usable(text: str | None) -> str | None:
    """The page's text layer, or "" when it is junk (never worth matching names in)."""
    if text is None:
        return None
    return "" if _letters(text) >= MIN_LETTERS and is_junk_text(text) else text


def _wants_ocr(text: str, cover: float, whole: int) -> bool:
    letters = _letters(text)
    if letters >= MIN_LETTERS and is_junk_text(text):
        return True
    if cover >= SCAN_COVER and letters < SHORT_LAYER_LETTERS:
        return True
    # A page with stray marks and a picture; or a document with no text at all, whose
    # pages may be drawn as shapes (OCR of the rendering reads them).
    return letters < MIN_LETTERS and (cover > 0 or whole < MIN_LETTERS)


def _numbers(indices: Sequence[int]) -> str:
    return ", ".join(str(i + 1) for i in indices)


def _with_ocr(doc: Document, ocr: OCR, layer: list[str | None], need: list[int],
              total: int) -> DocumentText:
    """Layer text where it is usable, OCR text for the pages in ``need``, in page order."""
    try:
        result = ocr(doc, pages=need)
    except Exception as err:  # OCR is an outside tool; its failure is a reason, not a crash
        result = DocumentText("", "none", total, NO_TEXT_LAYER, f"OCR failed ({_failure(err)})")
    parts = result.text.split(PAGE_BREAK) if result.text else []
    read = dict(zip(need, parts))
    merged: list[str] = []
    for index, text in enumerate(layer):
        pieces = [read.get(index, "")] if index in need else []
        if text and not (index in need and _letters(text) < MIN_LETTERS):
            pieces.append(text)           # a stamp beside the scan is kept with it
        if text is not None or pieces:
            merged.append("\n".join(p for p in pieces if p))
    text = PAGE_BREAK.join(merged)
    notes = [f"page(s) {_numbers(need)} sent to OCR", result.detail]
    if not text.strip():
        problem = result.problem or NO_TEXT_LAYER
        return DocumentText("", "none", total, problem, "; ".join(n for n in notes if n),
                            result.ocr_words)
    method = "ocr" if len(need) == len(layer) else "pdf_text+ocr"
    return DocumentText(text, method, total, None, "; ".join(n for n in notes if n),
                        result.ocr_words)


def _read_page(pdf: pdfium.PdfDocument, index: int) -> tuple[str | None, float]:
    """One page's text layer (None when PDFium cannot load the page) and the share of the
    page its largest picture covers."""
    try:
        page = pdf[index]
    except pdfium.PdfiumError:
        return None, 0.0
    try:
        textpage = page.get_textpage()
        try:
            text = textpage.get_text_range()
        finally:
            textpage.close()
        return text, _picture_cover(page)
    except pdfium.PdfiumError:
        return None, 0.0
    finally:
        page.close()


def _picture_cover(page: pdfium.PdfPage) -> float:
    width, height = page.get_size()
    if width <= 0 or height <= 0:
        return 0.0
    best = 0.0
    for image in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=3):
        left, bottom, right, top = image.get_bounds()
        best = max(best, (right - left) * (top - bottom) / (width * height))
    return min(best, 1.0)


# ---------------------------------------------------------- docx and odt

def _office(doc: Document, reader: Callable[[zipfile.ZipFile], list[str]],
            method: str) -> DocumentText:
    try:
        with zipfile.ZipFile(io.BytesIO(doc.data)) as archive:
            lines = reader(archive)
    except (zipfile.BadZipFile, KeyError, EOFError, OSError, NotImplementedError) as err:
        return _unreadable(f"broken {method} file ({type(err).__name__})")
    except (ElementTree.ParseError, _XmlRefused) as err:
        return _unreadable(f"broken {method} XML ({err})")
    return DocumentText("\n".join(line.strip() for line in lines), method)


class _XmlRefused(ValueError):
    """An XML part we will not parse: too large, or with a DTD (entity expansion)."""


def _xml(archive: zipfile.ZipFile, name: str) -> ElementTree.Element:
    info = archive.getinfo(name)
    if info.file_size > MAX_XML_PART:
        raise _XmlRefused(f"{name} is {info.file_size} bytes")
    data = archive.read(info)
    if b"<!DOCTYPE" in data[:4096] or b"<!ENTITY" in data:
        raise _XmlRefused(f"{name} declares a DTD")
    return ElementTree.fromstring(data)


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_W_SKIP = {_W + "del", _W + "instrText", _W + "delInstrText", _W + "rPr", _W + "pPr"}


def _docx_lines(archive: zipfile.ZipFile) -> list[str]:
    """Letterhead (headers), body, then footers; one line per paragraph or table cell."""
    names = set(archive.namelist())
    main = _docx_main_part(archive, names)
    headers = sorted(n for n in names if n.startswith("word/header") and n.endswith(".xml"))
    footers = sorted(n for n in names if n.startswith("word/footer") and n.endswith(".xml"))
    lines: list[str] = []
    for name in headers + [main] + footers:
        _w_collect(_xml(archive, name), lines, [])
    return lines


def _docx_main_part(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "word/document.xml" in names:
        return "word/document.xml"
    types = _xml(archive, "[Content_Types].xml")
    for override in types:
        if (override.get("ContentType") or "").endswith("document.main+xml"):
            return (override.get("PartName") or "").lstrip("/")
    raise KeyError("no main document part")


def _w_collect(element: ElementTree.Element, lines: list[str], buf: list[str]) -> None:
    """Text of w:p paragraphs, in order; a paragraph nested in a text box is its own line."""
    for child in element:
        tag = child.tag
        if tag == _W + "p":
            inner: list[str] = []
            _w_collect(child, lines, inner)
            lines.append("".join(inner))
        elif tag == _W + "t":
            buf.append(child.text or "")
        elif tag == _W + "tab":
            buf.append("\t")
        elif tag in (_W + "br", _W + "cr"):
            buf.append("\n")
        elif tag == _W + "noBreakHyphen":
            buf.append("-")
        elif tag not in _W_SKIP:          # deleted revisions and field codes are not text
            _w_collect(child, lines, buf)


_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_ODF_PARAGRAPHS = {_TEXT + "p", _TEXT + "h"}
# Comments and the record of deleted text are not part of the document as it reads.
_ODF_SKIP = {"{urn:oasis:names:tc:opendocument:xmlns:office:1.0}annotation",
             _TEXT + "tracked-changes"}


def _odt_lines(archive: zipfile.ZipFile) -> list[str]:
    """Headers and footers of the master pages, then the body."""
    lines: list[str] = []
    if "styles.xml" in archive.namelist():
        styles = _xml(archive, "styles.xml")
        for part in ("header", "footer"):
            for block in styles.iter(_STYLE + part):
                _odf_collect(block, lines, [])
    _odf_collect(_xml(archive, "content.xml"), lines, [])
    return lines


def _odf_collect(element: ElementTree.Element, lines: list[str], buf: list[str]) -> None:
    for child in element:
        tag = child.tag
        if tag in _ODF_PARAGRAPHS:
            inner = [child.text or ""]
            _odf_collect(child, lines, inner)
            lines.append("".join(inner))
        elif tag == _TEXT + "s":
            buf.append(" " * _count(child.get(_TEXT + "c")))
        elif tag == _TEXT + "tab":
            buf.append("\t")
        elif tag == _TEXT + "line-break":
            buf.append("\n")
        elif tag in _ODF_SKIP:
            pass
        else:
            buf.append(child.text or "")
            _odf_collect(child, lines, buf)
        buf.append(child.tail or "")


def _count(value: str | None) -> int:
    try:
        return max(1, min(int(value or 1), 100))
    except ValueError:
        return 1
