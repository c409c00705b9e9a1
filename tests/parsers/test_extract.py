"""Text extraction per document (parsers/extract.py); PDFs are made with fpdf2."""
from __future__ import annotations

import io
import zipfile

import pytest
from fpdf import FPDF
from PIL import Image

from parsers.extract import PAGE_BREAK, extract_text
from parsers.types import Document, DocumentText, OcrWord

DECLARATION = ("Tvedestrand kommune stiller seg bak arbeidet med Akson. "
               "Ordfører Liv Pedersen, 27.05.2020")


def _pdf(*pages: str, user_password: str | None = None, owner_password: str | None = None,
         image: bool = False) -> bytes:
    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        if text:
            pdf.multi_cell(0, 6, text)
    if image:
        buf = io.BytesIO()
        Image.new("L", (80, 40), 255).save(buf, format="PNG")
        pdf.add_page()
        pdf.image(buf, x=10, y=10, w=80)
    if owner_password:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    return bytes(pdf.output())


def _doc(data: bytes, detected: str, filename: str | None = "x", declared: str = "",
         problem: str | None = None) -> Document:
    return Document(filename, declared, detected, data, (), problem)


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _fake_ocr(doc: Document, pages=None) -> DocumentText:
    """Stands in for Tesseract (tested in tests/intake/test_ocr.py): the seam's contract only."""
    return DocumentText(f"OCR of {doc.filename}", "ocr", 1)


# ---------------------------------------------------------------------- PDF

def test_pdf_text_layer_is_read() -> None:
    result = extract_text(_doc(_pdf(DECLARATION), "pdf", "erklæring.pdf"))
    assert (result.method, result.pages, result.problem) == ("pdf_text", 1, None)
    assert "Tvedestrand kommune stiller seg bak" in result.text
    assert "Ordfører Liv Pedersen" in result.text
    assert "\r" not in result.text


def test_pdf_pages_beyond_max_pages_are_not_read() -> None:
    data = _pdf("Side en har tekst nok.", "Side to har tekst nok.", "Side tre har tekst nok.")
    result = extract_text(_doc(data, "pdf"), max_pages=2)
    assert "Side to" in result.text and "Side tre" not in result.text
    assert (result.pages, result.detail) == (3, "read 2 of 3 pages")
    assert "\f" in result.text


def test_encrypted_pdf_needing_a_password_is_unreadable() -> None:
    data = _pdf(DECLARATION, user_password="hemmelig", owner_password="eier")
    result = extract_text(_doc(data, "pdf"))
    assert (result.problem, result.detail) == ("unreadable_attachment", "encrypted")
    assert result.text == ""


def test_pdf_protected_only_by_an_owner_password_is_read() -> None:
    result = extract_text(_doc(_pdf(DECLARATION, owner_password="eier"), "pdf"))
    assert result.problem is None
    assert "Tvedestrand" in result.text


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n" + b"\x8f" * 500, b"%PDF-", _pdf(DECLARATION)[:300],
     b"not a pdf at all but declared as one"],
    ids=["garbage-body", "header-only", "truncated", "not-pdf"],
)
def test_broken_pdf_is_unreadable(data: bytes) -> None:
    result = extract_text(_doc(data, "pdf"))
    assert (result.problem, result.text) == ("unreadable_attachment", "")
    assert result.detail


@pytest.mark.parametrize(
    "pdf_bytes",
    [_pdf(image=True), _pdf("", ""), _pdf("Side 1")],
    ids=["image-only", "blank-pages", "page-number-only"],
)
def test_pdf_without_meaningful_text_needs_ocr(pdf_bytes: bytes) -> None:
    result = extract_text(_doc(pdf_bytes, "pdf"))
    assert (result.problem, result.method, result.text) == ("no_text_layer", "none", "")


def test_pdf_without_text_goes_to_ocr_when_given() -> None:
    result = extract_text(_doc(_pdf(image=True), "pdf", "skann.pdf"), ocr=_fake_ocr)
    assert (result.text, result.method) == ("OCR of skann.pdf", "ocr")


def test_failing_ocr_is_a_problem_not_a_crash() -> None:
    def broken_ocr(doc: Document, pages=None) -> DocumentText:
        raise RuntimeError("tesseract missing")

    result = extract_text(_doc(_pdf(image=True), "pdf"), ocr=broken_ocr)
    assert result.problem == "no_text_layer"
    assert "OCR failed (RuntimeError: tesseract missing)" in result.detail


def test_pdf_with_text_does_not_call_ocr() -> None:
    def must_not_run(doc: Document, pages=None) -> DocumentText:
        raise AssertionError("OCR called on a text PDF")

    assert extract_text(_doc(_pdf(DECLARATION), "pdf"), ocr=must_not_run).method == "pdf_text"


# ------------------------------------------------------------------- images

def test_image_has_no_text_layer_without_ocr() -> None:
    result = extract_text(_doc(b"\xff\xd8\xff\xe0jpeg", "image", "IMG_1.jpg"))
    assert (result.problem, result.detail) == ("no_text_layer", "image has no text layer")


def test_image_goes_to_ocr() -> None:
    assert extract_text(_doc(b"\xff\xd8\xff", "image", "IMG_1.jpg"), ocr=_fake_ocr).method == "ocr"


# --------------------------------------------------------------------- docx

_W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _docx(body: str, header: str | None = None, extra: dict[str, bytes] | None = None) -> bytes:
    members = {
        "[Content_Types].xml": b"<Types/>",
        "word/document.xml": f"<w:document {_W_NS}><w:body>{body}</w:body></w:document>"
        .encode("utf-8"),
    }
    if header is not None:
        members["word/header1.xml"] = f"<w:hdr {_W_NS}>{header}</w:hdr>".encode("utf-8")
    members.update(extra or {})
    return _zip(members)


def _p(*runs: str) -> str:
    texts = "".join(f"<w:r><w:t xml:space='preserve'>{r}</w:t></w:r>" for r in runs)
    return f"<w:p>{texts}</w:p>"


def test_docx_paragraphs_cells_and_header_each_on_a_line() -> None:
    body = (
        _p("Intensjons", "erklæring")
        + "<w:tbl><w:tr><w:tc>" + _p("Kommune") + "</w:tc><w:tc>" + _p("Bø kommune")
        + "</w:tc></w:tr></w:tbl>"
        + "<w:p><w:r><w:t>Stad</w:t><w:tab/><w:t>Bø</w:t><w:br/><w:t>Ordførar</w:t></w:r></w:p>"
        + "<w:p><w:del><w:r><w:delText>sletta tekst</w:delText></w:r></w:del>"
          "<w:r><w:t>Behalde</w:t></w:r></w:p>"
    )
    result = extract_text(_doc(_docx(body, header=_p("Bø kommune – Rådhuset")), "docx"))
    assert result.method == "docx"
    assert result.text.split("\n") == [
        "Bø kommune – Rådhuset", "Intensjonserklæring", "Kommune", "Bø kommune",
        "Stad\tBø", "Ordførar", "Behalde"]


def test_docx_text_box_paragraph_is_not_duplicated() -> None:
    body = ("<w:p><w:r><w:t>Ytre</w:t></w:r><w:r><w:pict><w:txbxContent>" + _p("Boks")
            + "</w:txbxContent></w:pict></w:r></w:p>")
    lines = extract_text(_doc(_docx(body), "docx")).text.split("\n")
    assert sorted(lines) == ["Boks", "Ytre"]


@pytest.mark.parametrize(
    ("data", "detail_start"),
    [
        (b"PK\x03\x04 broken", "broken docx file"),
        (_zip({"[Content_Types].xml": b"<Types/>"}), "broken docx file"),
        (_docx("<w:p>unclosed"), "broken docx XML"),
        (_zip({"word/document.xml": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
                                    b"<x>&a;</x>"}), "broken docx XML"),
    ],
    ids=["bad-zip", "no-document-part", "bad-xml", "dtd-refused"],
)
def test_broken_docx_is_unreadable(data: bytes, detail_start: str) -> None:
    result = extract_text(_doc(data, "docx"))
    assert result.problem == "unreadable_attachment"
    assert result.detail.startswith(detail_start)


# ---------------------------------------------------------------------- odt

_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"')


def test_odt_paragraphs_spans_spaces_and_header() -> None:
    content = (
        f"<office:document-content {_ODF_NS}><office:body><office:text>"
        "<text:h>Intensjonserklæring</text:h>"
        "<text:p>Våler<text:s text:c='3'/>kommune <text:span>stiller seg</text:span> bak</text:p>"
        "<table:table><table:table-row><table:table-cell><text:p>Kommune</text:p>"
        "</table:table-cell><table:table-cell><text:p>Våler</text:p></table:table-cell>"
        "</table:table-row></table:table>"
        "<text:p>Dato<text:tab/>01.06.2020<text:line-break/>Ordfører"
        "<office:annotation><text:p>kommentar</text:p></office:annotation></text:p>"
        "</office:text></office:body></office:document-content>"
    )
    styles = (f"<office:document-styles {_ODF_NS}><office:master-styles><style:master-page>"
              "<style:header><text:p>Våler kommune</text:p></style:header>"
              "</style:master-page></office:master-styles></office:document-styles>")
    data = _zip({"mimetype": b"application/vnd.oasis.opendocument.text",
                 "content.xml": content.encode("utf-8"), "styles.xml": styles.encode("utf-8")})
    result = extract_text(_doc(data, "odt"))
    assert result.method == "odt"
    assert result.text.split("\n") == [
        "Våler kommune", "Intensjonserklæring", "Våler   kommune stiller seg bak",
        "Kommune", "Våler", "Dato\t01.06.2020", "Ordfører"]


# -------------------------------------------------------------- text, html

def test_plain_text_is_decoded_and_normalised() -> None:
    data = "Ordfo\u0308rer\r\nBj\x00ørn".encode("utf-8")
    result = extract_text(_doc(data, "text", "notat.txt"))
    assert (result.text, result.method) == ("Ordförer\nBjørn", "plain")


def test_latin1_text_document() -> None:
    assert extract_text(_doc("Bjørn".encode("latin-1"), "text")).text == "Bjørn"


def test_html_document_becomes_text() -> None:
    data = (b"<html><head><meta charset='iso-8859-1'><title>t</title></head>"
            b"<body><p>Ordf\xf8rer</p><p>Signert</p></body></html>")
    result = extract_text(_doc(data, "html", "erklaering.html"))
    assert (result.text, result.method) == ("Ordfører\nSignert", "html")


@pytest.mark.parametrize(
    ("filename", "declared", "detail"),
    [("erklæring.pdf", "application/octet-stream", "not a PDF (HTML)"),
     (None, "application/pdf", "not a PDF (HTML)"),
     ("skjema.docx", "", "not a Word document (HTML)")],
    ids=["pdf-name", "pdf-label", "docx-name"],
)
def test_html_posing_as_a_document_is_unreadable(filename: str | None, declared: str,
                                                  detail: str) -> None:
    doc = _doc(b"<html><body>Innlogging kreves</body></html>", "html", filename, declared)
    result = extract_text(doc)
    assert (result.problem, result.detail) == ("unreadable_attachment", detail)


# ---------------------------------------------------------------- unreadable

@pytest.mark.parametrize(
    ("data", "detected", "problem", "detail_part"),
    [
        (b"", "empty", None, "empty file"),
        (b"", "pdf", None, "empty file"),
        (b"\x78\x9f\x3e\x22" + b"\0" * 20, "tnef", None, "not supported yet"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "doc", None, "not supported yet"),
        (bytes(range(256)), "unknown", None, "unknown binary format"),
        (b"PK\x03\x04", "zip", "zip_too_large", "zip too large"),
    ],
    ids=["empty", "empty-pdf", "tnef", "doc", "unknown", "walk-problem"],
)
def test_unreadable_documents(data: bytes, detected: str, problem: str | None,
                              detail_part: str) -> None:
    result = extract_text(_doc(data, detected, problem=problem))
    assert (result.problem, result.text, result.method) == ("unreadable_attachment", "", "none")
    assert detail_part in result.detail


@pytest.mark.parametrize("detected", ["pdf", "docx", "odt", "image", "text", "html", "rfc822",
                                      "tnef", "doc", "zip", "unknown", "empty", "nonsense"])
@pytest.mark.parametrize("data", [b"\x00" * 64, bytes(range(256)) * 8, b"PK\x03\x04" * 10,
                                  b"%PDF-1.7\n" + b"\xff" * 64],
                         ids=["nuls", "bytes", "zip-heads", "pdf-head"])
def test_extract_text_never_raises(data: bytes, detected: str) -> None:
    assert isinstance(extract_text(_doc(data, detected), ocr=_fake_ocr), DocumentText)


# ------------------------------------------------------- pages that need OCR

JUNK = ("l1| I;i ,.:|l 1I !l ii| |1 l|I ,; 1l1 |I1 ;; Il| ,i1 |l: ;1I l|1 "
        "i;| 1l, |I; :1l I|i 1;, l|: ;I1 |,l 1:I ;|i")


class _PageOcr:
    """Stands in for Tesseract (tested in tests/intake/test_ocr.py): records which pages it
    was asked for and answers one part per page, as the seam's contract says."""

    def __init__(self) -> None:
        self.asked: list = []

    def __call__(self, doc: Document, pages=None) -> DocumentText:
        self.asked.append(pages)
        parts = [f"Skannet side {p + 1}: Ullensvang kommune, Namn Jorunn Aas" for p in pages or [0]]
        return DocumentText(PAGE_BREAK.join(parts), "ocr", len(parts),
                            ocr_words=(OcrWord("Jorunn", 96.0), OcrWord("Aas", 61.0)))


def _scan_page(pdf: FPDF, stamp: str = "", hidden: str = "") -> None:
    """A page-sized picture, with an optional visible stamp and an invisible text layer."""
    buf = io.BytesIO()
    Image.new("L", (210, 297), 230).save(buf, format="PNG")
    pdf.add_page()
    pdf.image(buf, x=0, y=0, w=210, h=297)
    pdf.set_font("helvetica", size=9)
    if stamp:
        pdf.text(10, 10, stamp)
    if hidden:
        with pdf.local_context(text_mode="INVISIBLE"):
            pdf.set_xy(10, 40)
            pdf.multi_cell(0, 5, hidden)


def _mixed(*pages: str) -> bytes:
    """Pages: "text", "scan", "stamped", "junk" (a scan with a garbage text layer)."""
    pdf = FPDF()
    for kind in pages:
        if kind == "text":
            pdf.add_page()
            pdf.set_font("helvetica", size=11)
            pdf.multi_cell(0, 6, "Folgebrev fra Ullensvang kommune. Vedlagt er den signerte erklaeringen.")
        else:
            _scan_page(pdf, stamp="Mottatt Ullensvang kommune arkiv 12.05.2020 saksnr 20/1377" if kind == "stamped" else "",
                       hidden=JUNK if kind == "junk" else "")
    return bytes(pdf.output())


def test_only_the_pages_without_a_text_layer_go_to_ocr() -> None:
    """GIVEN a typed cover letter page followed by a scanned form page
    WHEN the PDF is read THEN OCR reads page 2 only, and the text keeps page order."""
    ocr = _PageOcr()
    result = extract_text(_doc(_mixed("text", "scan"), "pdf"), ocr=ocr)
    assert ocr.asked == [[1]]
    assert result.method == "pdf_text+ocr"
    first, second = result.text.split(PAGE_BREAK)
    assert "Folgebrev fra Ullensvang" in first and second.startswith("Skannet side 2")
    assert [w.text for w in result.ocr_words] == ["Jorunn", "Aas"]


def test_a_garbage_text_layer_is_replaced_by_ocr() -> None:
    ocr = _PageOcr()
    result = extract_text(_doc(_mixed("junk"), "pdf"), ocr=ocr)
    assert ocr.asked == [[0]]
    assert (result.method, result.problem) == ("ocr", None)
    assert "l1|" not in result.text and "Jorunn Aas" in result.text


def test_a_garbage_text_layer_without_ocr_is_no_text() -> None:
    result = extract_text(_doc(_mixed("junk"), "pdf"))
    assert (result.problem, result.text) == ("no_text_layer", "")


def test_an_archive_stamp_on_a_scan_does_not_hide_the_scan() -> None:
    ocr = _PageOcr()
    result = extract_text(_doc(_mixed("stamped"), "pdf"), ocr=ocr)
    assert ocr.asked == [[0]]
    assert "Jorunn Aas" in result.text and "arkiv 12.05.2020" in result.text


def test_a_searchable_scan_is_read_from_its_layer() -> None:
    """A scanner that did its own (good) OCR: the invisible layer is real text."""
    pdf = FPDF()
    _scan_page(pdf, hidden="Ullensvang kommune stiller seg bak arbeidet med Akson og vil vere "
                          "med i det vidare arbeidet. Namn Jorunn Aas, Tittel Ordforar, Odda 16.05.2020. "
                          "Erklaeringa er ikkje juridisk bindande for kommunen.")

    def must_not_run(doc: Document, pages=None) -> DocumentText:
        raise AssertionError("OCR called on a PDF with a good text layer")

    result = extract_text(_doc(bytes(pdf.output()), "pdf"), ocr=must_not_run)
    assert result.method == "pdf_text" and "Jorunn Aas" in result.text
