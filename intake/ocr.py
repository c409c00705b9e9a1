"""Tesseract at the edge: the OCR callable that ``parsers.extract`` hands scans to.

``TesseractOcr(settings)(document, pages)`` renders the PDF pages asked for (pypdfium2,
at a resolution chosen from the page size) or decodes an attached image (``ocrimage``),
straightens each page, removes ruled lines, and runs the ``tesseract`` program on it with
TSV output, so that every word keeps its confidence. When a page reads poorly, Tesseract's
orientation detection (OSD, ``--psm 0``) is asked whether the page lies sideways or upside
down, and the page is read again turned upright.

Bounds: at most ``max_pages`` pages per document, ``timeout_seconds`` per page (the
program is killed after it). One Tesseract process runs at a time, with one thread:
the worker processes one message at a time, and OpenMP threads only fight each other
on a busy machine.
"""
from __future__ import annotations

import logging
import math
import os
import re
import shutil
import subprocess
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pypdfium2 as pdfium
from PIL import Image

from intake.ocrimage import ImageRefused, image_pages, oversized_image, png_bytes, prepare, rotate_upright
from parsers import ocrtext
from parsers.extract import MIN_LETTERS, NO_TEXT_LAYER, PAGE_BREAK, UNREADABLE
from parsers.types import Document, DocumentText, OcrWord

log = logging.getLogger("akson.ocr")

# A4 at 300 dpi is 8.7 million pixels; larger pages are rendered at a lower resolution
# so that no page costs more than an A4 page at 300 dpi.
MAX_RENDER_PIXELS = 9_000_000
MIN_DPI = 100               # below this Tesseract loses 10-point text
# Rendering decodes every image on the page at its full size, whatever the output size:
# an A3 sheet scanned at 600 dpi is 70 million pixels, a 20,000-pixel square in a 0.4 MB
# stream is 400 million (a bomb). A page holding a larger image is not read.
MAX_SOURCE_PIXELS = 100_000_000
# A page whose words average below this confidence, or with fewer words than this,
# may lie sideways or upside down: orientation detection is asked.
RETRY_CONFIDENCE = 70.0
RETRY_WORDS = 12
# Sparse-text segmentation: the fully automatic mode (3) takes a signature with the
# name under it, or a ruled table, for a picture and skips the text in it; the lines
# are put back in reading order from their boxes (``ocrtext.layout_text``).
PAGE_SEGMENTATION = "11"
MIN_WORDS_TO_RETRY = 3
# What OCR makes of grain, dust or a far too coarse scan: a few "words" at low confidence.
# A page of any letter or form has hundreds of letters read at 85 or more.
UNREADABLE_CONFIDENCE = 50.0
_OSD_MIN_CONFIDENCE = 2.0   # Tesseract's own "orientation confidence" scale; below: a guess
_ROTATE_RE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)
_OSD_CONFIDENCE_RE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.MULTILINE)


class OcrError(Exception):
    """Base class of OCR failures (reported as a reason on the document, never raised on)."""


class OcrUnavailable(OcrError):
    """The tesseract program or its language data is missing."""


class OcrTimeout(OcrError):
    """Tesseract took longer than allowed on one page."""


@dataclass(frozen=True)
class OcrSettings:
    languages: str = "nor+eng"
    max_pages: int = 10
    timeout_seconds: float = 30.0
    dpi: int = 300
    binary: str = "tesseract"


@dataclass
class OcrStats:
    """Running totals for reports and benchmarks."""

    pages: int = 0
    seconds: float = 0.0
    timeouts: int = 0


@dataclass
class PageReading:
    words: list[ocrtext.TsvWord]
    text: str
    confidence: float
    notes: list[str] = field(default_factory=list)


def _good(reading: PageReading) -> bool:
    return reading.confidence >= RETRY_CONFIDENCE and len(reading.words) >= RETRY_WORDS


def _score(reading: PageReading) -> float:
    """Confident text, and much of it: how one reading of a page beats another."""
    return reading.confidence * sum(len(w.text) for w in reading.words)


def _left(deadline: float) -> float:
    return deadline - time.monotonic()


def render_dpi(width_pt: float, height_pt: float, wanted: int) -> int:
    """The resolution to render a page of this size at (PDF points, 72 per inch)."""
    area = max(width_pt / 72, 0.1) * max(height_pt / 72, 0.1)
    budget = int(math.sqrt(MAX_RENDER_PIXELS / area))
    return max(MIN_DPI, min(wanted, budget))


def _parse_osd(output: str) -> tuple[int, float]:
    rotate = _ROTATE_RE.search(output)
    confidence = _OSD_CONFIDENCE_RE.search(output)
    return (int(rotate.group(1)) if rotate else 0,
            float(confidence.group(1)) if confidence else 0.0)


class TesseractOcr:
    """The OCR callable: ``ocr(document, pages=None) -> DocumentText``."""

    def __init__(self, settings: OcrSettings = OcrSettings()) -> None:
        self.settings = settings
        self.stats = OcrStats()
        self._checked = False

    # ------------------------------------------------------------ the program
    def check(self) -> None:
        """Raise OcrUnavailable unless tesseract and every configured language are there."""
        if self._checked:
            return
        binary = shutil.which(self.settings.binary)
        if binary is None:
            raise OcrUnavailable(f"{self.settings.binary} not found (install tesseract-ocr)")
        try:
            listing = subprocess.run([binary, "--list-langs"], capture_output=True, text=True,
                                     timeout=30, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise OcrUnavailable(f"{binary} --list-langs failed: {err}") from err
        known = set(listing.stdout.split())
        missing = [lang for lang in self.settings.languages.split("+") + ["osd"] if lang not in known]
        if missing:
            raise OcrUnavailable(f"Tesseract language data missing: {', '.join(missing)} "
                                 f"(install tesseract-ocr-{missing[0]})")
        self._checked = True

    def _run(self, image: bytes, args: list[str], timeout: float) -> str:
        command = [self.settings.binary, "stdin", "stdout", *args]
        env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
        try:
            done = subprocess.run(command, input=image, capture_output=True, timeout=timeout,
                                  check=False, env=env)
        except subprocess.TimeoutExpired as err:
            raise OcrTimeout(f"tesseract took more than {timeout:g} s") from err
        except OSError as err:
            raise OcrUnavailable(f"cannot run {self.settings.binary}: {err}") from err
        if done.returncode != 0:
            first = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["?"])[-1]
            raise OcrError(f"tesseract exit status {done.returncode}: {first}")
        return done.stdout.decode("utf-8", "replace")

    def _recognise(self, page: Image.Image, dpi: int | None, timeout: float,
                   languages: str | None = None) -> PageReading:
        prepared, skew = prepare(page)
        args = ["-l", languages or self.primary, "--psm", PAGE_SEGMENTATION]
        if dpi:
            args += ["--dpi", str(dpi)]
        words = ocrtext.page_words(ocrtext.parse_tsv(self._run(png_bytes(prepared), args + ["tsv"], timeout)))
        reading = PageReading(words, ocrtext.layout_text(words), ocrtext.mean_confidence(words))
        if skew:
            reading.notes.append(f"straightened {skew:+.1f}°")
        return reading

    def _orientation(self, page: Image.Image, dpi: int | None, timeout: float) -> int:
        args = ["--psm", "0"] + (["--dpi", str(dpi)] if dpi else [])
        try:
            rotate, confidence = _parse_osd(self._run(png_bytes(page), args, timeout))
        except OcrError as err:   # "too few characters": nothing to turn
            log.debug("orientation detection gave up: %s", err)
            return 0
        return rotate if confidence >= _OSD_MIN_CONFIDENCE else 0

    @property
    def primary(self) -> str:
        return self.settings.languages.split("+")[0]

    def read_page(self, page: Image.Image, dpi: int | None) -> PageReading:
        """One page in the first language as it lies; if that reads poorly, turned upright
        as orientation detection says, then in all the configured languages together.

        The languages are not combined from the start: Tesseract then takes each word
        from whichever model is surer, and the English one reads "Åsmund" as "Asmund" and
        "Ordfører" as "Ordforer" at 99 % confidence."""
        deadline = time.monotonic() + float(self.settings.timeout_seconds)
        reading = self._recognise(page, dpi, float(self.settings.timeout_seconds))
        if _good(reading):
            return reading
        rotate = self._orientation(page, dpi, _left(deadline)) if _left(deadline) > 1 else 0
        if rotate in (90, 180, 270) and _left(deadline) > 1:
            page = rotate_upright(page, rotate)
            turned = self._recognise(page, dpi, _left(deadline))
            turned.notes.append(f"turned {rotate}°")
            reading = max(reading, turned, key=_score)
            if _good(reading):
                return reading
        # Another model can only help where the first found words to read.
        if self.primary != self.settings.languages and len(reading.words) >= MIN_WORDS_TO_RETRY \
                and _left(deadline) > 1:
            combined = self._recognise(page, dpi, _left(deadline), self.settings.languages)
            combined.notes.append(f"read as {self.settings.languages}")
            reading = max(reading, combined, key=_score)
        return reading

    # ------------------------------------------------------------ documents
    def _pages(self, doc: Document, pages: Sequence[int] | None) -> Iterator[tuple[int, Image.Image, int | None]]:
        cap = self.settings.max_pages
        if doc.detected_type != "pdf":
            for index, image in enumerate(image_pages(doc.data, cap)):
                yield index, image, None
            return
        pdf = pdfium.PdfDocument(doc.data)
        try:
            wanted = list(pages) if pages is not None else list(range(len(pdf)))
            for index in wanted[:cap]:
                page = pdf[index]
                try:
                    _refuse_huge_images(page, index)
                    width, height = page.get_size()
                    dpi = render_dpi(width, height, self.settings.dpi)
                    image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                finally:
                    page.close()
                yield index, image, dpi
        finally:
            pdf.close()

    def __call__(self, doc: Document, pages: Sequence[int] | None = None) -> DocumentText:
        self.check()
        texts: list[str] = []
        words: list[OcrWord] = []
        notes: list[str] = []
        total = len(pages) if pages is not None else _page_count(doc)
        try:
            for index, image, dpi in self._pages(doc, pages):
                texts.append(self._page(index, image, dpi, words, notes))
        except ImageRefused as err:
            return DocumentText("", "none", 0, UNREADABLE, str(err))
        total = max(total, len(texts))
        return _result(texts, words, notes, total, self.settings.max_pages)

    def _page(self, index: int, image: Image.Image, dpi: int | None, words: list[OcrWord],
              notes: list[str]) -> str:
        started = time.monotonic()
        try:
            reading = self.read_page(image, dpi)
        except OcrTimeout as err:
            self.stats.timeouts += 1
            notes.append(f"page {index + 1}: {err}")
            return ""
        finally:
            elapsed = time.monotonic() - started
            self.stats.pages += 1
            self.stats.seconds += elapsed
            log.debug("OCR page %d: %.2f s", index + 1, elapsed)
        words.extend(OcrWord(w.text, w.confidence) for w in reading.words)
        notes.extend(f"page {index + 1}: {note}" for note in reading.notes)
        return reading.text


def _refuse_huge_images(page, index: int) -> None:
    size = oversized_image(page, MAX_SOURCE_PIXELS)
    if size:
        raise ImageRefused(f"page {index + 1} holds a {size[0]} x {size[1]} pixel image, "
                           f"over the {MAX_SOURCE_PIXELS:,} pixels read safely")


def _page_count(doc: Document) -> int:
    """Pages of a PDF (0 for an image: its frames are counted as they are read)."""
    if doc.detected_type != "pdf":
        return 0
    pdf = pdfium.PdfDocument(doc.data)
    try:
        return len(pdf)
    finally:
        pdf.close()


def _result(texts: list[str], words: list[OcrWord], notes: list[str], total: int,
            cap: int) -> DocumentText:
    confidence = ocrtext.mean_confidence(words)
    detail = [f"OCR of {len(texts)} page(s), mean word confidence {confidence:.0f}"]
    if total > len(texts):
        detail.append(f"pages after {cap} not read")
    detail += notes
    text = PAGE_BREAK.join(texts)
    letters = sum(ch.isalpha() for ch in text)
    if letters < MIN_LETTERS or confidence < UNREADABLE_CONFIDENCE or ocrtext.is_junk_text(text):
        reason = UNREADABLE if texts else NO_TEXT_LAYER
        return DocumentText("", "ocr", total, reason,
                            "; ".join(["OCR found no readable text"] + detail), tuple(words))
    return DocumentText(text, "ocr", total, None, "; ".join(detail), tuple(words))


def build_ocr(config) -> TesseractOcr | None:
    """The OCR callable the configuration asks for, or None when ``ocr.enabled`` is off."""
    if not config["ocr.enabled"]:
        return None
    return TesseractOcr(OcrSettings(
        languages=config["ocr.languages"], max_pages=config["ocr.max_pages"],
        timeout_seconds=config["ocr.timeout_seconds"], dpi=config["ocr.dpi"]))
