"""Scans and photos read by the real Tesseract (intake/ocr.py, intake/ocrimage.py).

Test material is made here with the project's sample factory: a Nynorsk declaration form
rendered to PDF, rasterised, turned a little, speckled and stored as an image-only PDF
(``samples.scanned``), or photographed on a desk (``samples.photo_jpeg``). Each page
costs Tesseract a few seconds, so every document is made and read once per module.
Without Tesseract and its Norwegian data these tests skip, or fail when ``CI`` or
``AKSON_REQUIRE_SERVICES`` is set.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os

import pytest
from fpdf import FPDF
from PIL import Image

from intake.campaign import domains_by_number
from intake.ocr import OcrSettings, OcrUnavailable, TesseractOcr
from intake.samples import DeclarationSpec, Signer, photo_jpeg, scanned, submission_email
from intake.samples.declaration import declaration_pdf
from intake.samples.emails import Attachment
from parsers.analyse import Analyser
from parsers.extract import extract_text
from parsers.types import Document, DocumentText, OcrWord
from tests.parsers.conftest import load_registry

pytestmark = [pytest.mark.tesseract, pytest.mark.slow]

ULLENSVANG = "4618"
SIGNER = Signer("Åse Bjørke", "ordfører")
SENT = dt.datetime(2020, 5, 18, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
DEADLINE = dt.datetime(2020, 7, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))
FORM = DeclarationSpec(municipality="Ullensvang kommune", place="Odda", signed_on=dt.date(2020, 5, 16),
                       signers=(SIGNER,), language="nynorsk", layout="grid", seed=3)


def _required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("AKSON_REQUIRE_SERVICES"))


@pytest.fixture(scope="module")
def ocr() -> TesseractOcr:
    engine = TesseractOcr()
    try:
        engine.check()
    except OcrUnavailable as err:
        if _required():
            pytest.fail(f"{err} (required because CI or AKSON_REQUIRE_SERVICES is set)")
        pytest.skip(f"{err}; set AKSON_REQUIRE_SERVICES=1 to make this a failure")
    return engine


@pytest.fixture(scope="module")
def analyser(ocr) -> Analyser:
    registry = load_registry()
    domains = domains_by_number(registry)
    municipalities = [dataclasses.replace(m, domains=tuple(sorted(domains.get(m.number, ()))))
                      for m in registry]
    return Analyser(municipalities, invited=frozenset(m.number for m in registry if m.invited),
                    deadline=DEADLINE, authserv_ids=("mx.dep.no",), ocr=ocr)


@pytest.fixture(scope="module")
def form_pdf() -> bytes:
    return declaration_pdf(FORM)


def _mail(filename: str, data: bytes, content_type: str) -> bytes:
    return submission_email(from_name="Postmottak Ullensvang", from_address="postmottak@ullensvang.kommune.no",
                            subject="Intensjonserklæring Akson", body="Vedlagt signert erklæring.",
                            sent_at=SENT, received_at=SENT + dt.timedelta(minutes=1), seed=11,
                            attachments=[Attachment(filename, data, content_type)], language="nynorsk")


def _accepted_for_ullensvang(analyser: Analyser, raw: bytes):
    analysis = analyser.analyse(raw, received_at=SENT + dt.timedelta(minutes=1))
    decision = analysis.decision
    assert analysis.texts[0].method == "ocr", analysis.texts[0].detail
    assert (decision.status.value, decision.kind.value, decision.reasons) == ("accepted", "declaration", ())
    assert decision.municipality_number == ULLENSVANG
    assert [(s.name, s.title) for s in decision.signers] == [("Åse Bjørke", "ordfører")]
    return analysis


def test_a_scanned_rotated_nynorsk_form_is_accepted(analyser, form_pdf) -> None:
    """GIVEN the Nynorsk form scanned at 150 dpi, turned 2.5 degrees, with dust and grain,
    as an image-only PDF from the municipality's own domain
    WHEN it is analysed THEN OCR reads it straight and it is accepted for Ullensvang."""
    scan = scanned(form_pdf, rotation_deg=2.5, dpi=150, noise=0.6, seed=3)
    analysis = _accepted_for_ullensvang(analyser, _mail("Skannet dokument.pdf", scan, "application/pdf"))
    assert "straightened" in analysis.texts[0].detail


def test_a_phone_photo_of_the_form_is_accepted(analyser, form_pdf) -> None:
    """A JPEG photo: the sheet in perspective on a desk, unevenly lit, stored sideways
    with an EXIF orientation tag."""
    photo = photo_jpeg(form_pdf, seed=5, exif_rotate=True)
    _accepted_for_ullensvang(analyser, _mail("IMG_20200518_101500.jpg", photo, "image/jpeg"))


def test_a_sideways_scan_is_turned_upright(ocr, form_pdf) -> None:
    """No EXIF tag to go by: Tesseract's orientation detection says how to turn it."""
    page = Image.open(io.BytesIO(_first_page_png(form_pdf))).rotate(90, expand=True)
    buf = io.BytesIO()
    page.save(buf, "PNG")
    result = ocr(Document("skann.png", "image/png", "image", buf.getvalue()))
    assert "turned 270°" in result.detail or "turned 90°" in result.detail, result.detail
    assert "Åse Bjørke" in result.text


def _first_page_png(pdf: bytes) -> bytes:
    import pypdfium2
    document = pypdfium2.PdfDocument(pdf)
    try:
        image = document[0].render(scale=150 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    buf = io.BytesIO()
    image.save(buf, "PNG")
    return buf.getvalue()


def test_an_unreadable_scan_goes_to_review(analyser) -> None:
    """A page of nothing but grain and dust, at 40 dpi: no text, so review with the reason."""
    blank = Image.new("L", (330, 470), 235)
    analysis = analyser.analyse(_mail("Scan_0001.pdf", scanned(blank, dpi=40, noise=1.0, seed=9),
                                      "application/pdf"), received_at=SENT)
    decision = analysis.decision
    assert decision.status.value == "needs_review"
    assert "unreadable_attachment" in decision.reasons
    assert "OCR found no readable text" in analysis.texts[0].detail


def test_a_garbage_text_layer_is_read_by_ocr_instead(ocr, form_pdf) -> None:
    """A scanner's invisible layer of nonsense over the page image is not taken as text."""
    pdf = FPDF()
    pdf.add_page()
    pdf.image(io.BytesIO(_first_page_png(form_pdf)), x=0, y=0, w=210, h=297)
    pdf.set_font("helvetica", size=9)
    with pdf.local_context(text_mode="INVISIBLE"):
        pdf.set_xy(10, 40)
        pdf.multi_cell(0, 5, "l1| I;i ,.:|l 1I !l ii| |1 l|I ,; 1l1 |I1 ;; Il| ,i1 |l: ;1I l|1 " * 4)
    result = extract_text(Document("scan.pdf", "application/pdf", "pdf", bytes(pdf.output())), ocr=ocr)
    assert (result.method, result.problem) == ("ocr", None)
    assert "Ullensvang kommune" in result.text and "l1|" not in result.text


def test_heic_photo_is_read(ocr, form_pdf) -> None:
    pillow_heif = pytest.importorskip("pillow_heif")   # a declared dependency; see pyproject
    pillow_heif.register_heif_opener()
    photo = Image.open(io.BytesIO(photo_jpeg(form_pdf, seed=6)))
    buf = io.BytesIO()
    photo.save(buf, "HEIF", quality=80)
    result = ocr(Document("IMG_0001.HEIC", "image/heic", "image", buf.getvalue()))
    assert "Åse Bjørke" in result.text, result.detail


def test_time_and_pages_are_bounded(form_pdf) -> None:
    """One page at most, and Tesseract stopped at once: the limits are kept and said."""
    hasty = TesseractOcr(OcrSettings(max_pages=1, timeout_seconds=0.01))
    two_pages = scanned(_two_page_pdf(form_pdf), dpi=100, seed=2)
    result = hasty(Document("scan.pdf", "application/pdf", "pdf", two_pages))
    assert result.problem and result.text == ""
    assert "pages after 1 not read" in result.detail and "tesseract took more than" in result.detail
    assert hasty.stats.timeouts == 1 and hasty.stats.pages == 1


def _two_page_pdf(form_pdf: bytes) -> bytes:
    import pypdfium2
    merged = pypdfium2.PdfDocument.new()
    for _ in range(2):
        merged.import_pages(pypdfium2.PdfDocument(form_pdf))
    buf = io.BytesIO()
    merged.save(buf)
    return buf.getvalue()


def test_a_name_read_with_low_confidence_goes_to_review(analyser) -> None:
    """A misread name with low confidence cannot be provoked on purpose from Tesseract,
    so this one OCR result is written by hand: the analysis and decision are real."""
    text = ("Intensjonserklæring\nUllensvang kommune stiller seg bak arbeidet med Akson.\n"
            "Kommune\tUllensvang kommune\nStad og dato\tOdda, 16.05.2020\nNamn\tÅse Bjørke\nTittel\tOrdførar")
    words = tuple(OcrWord(w, 58.0 if w == "Bjørke" else 95.0) for w in text.split())

    def shaky_ocr(doc: Document, pages=None) -> DocumentText:
        return DocumentText(text, "ocr", 1, ocr_words=words)

    shaky = Analyser(analyser.municipalities, invited=analyser.invited, deadline=DEADLINE,
                     authserv_ids=("mx.dep.no",), ocr=shaky_ocr)
    raw = _mail("IMG_1.jpg", b"\xff\xd8\xff\xe0 not decoded by the stand-in", "image/jpeg")
    decision = shaky.analyse(raw, received_at=SENT).decision
    assert decision.status.value == "needs_review"
    assert "low_ocr_confidence" in decision.reasons
    assert decision.evidence["documents"][0]["low_confidence"] == ["signer Åse Bjørke"]
