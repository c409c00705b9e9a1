"""A submission's documents for the review page: page images, text, highlighted names.

Untrusted files never reach the browser: a PDF page or an image is rendered here to a
fresh PNG (pypdfium2 for PDF, Pillow for images), bounded in pages and pixels, and only
that PNG is served. Text is split into plain and highlighted pieces; the template
escapes every piece.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass

import pypdfium2 as pdfium
from PIL import Image, ImageChops, ImageOps

from intake.ocrimage import oversized_image
from parsers.extract import extract_text
from parsers.mime import parse_message
from parsers.types import Document, ParsedMessage

# A declaration is one or two pages; minutes run to ten. Past that staff read the text.
MAX_PAGES = 10
# Longest side of a rendered page: readable at A4 on a laptop screen, about 300 kB as PNG.
MAX_EDGE = 1400
# An image larger than this is not decoded (a 20-megapixel phone photo is 20 M; a
# decompression bomb is hundreds).
MAX_SOURCE_PIXELS = 60_000_000
# More files than this in one message is an archive dump, not a submission to look at.
MAX_DOCUMENTS = 8
# Headers staff need to judge a sender.
SHOWN_HEADERS = ("From", "Reply-To", "To", "Date", "Subject", "Authentication-Results")
MAX_TEXT_CHARS = 60_000


class RenderError(Exception):
    """The page cannot be shown as an image (broken, encrypted, too large)."""


@dataclass(frozen=True)
class DocView:
    index: int
    filename: str | None
    type: str
    decisive: bool
    pages: int            # page images shown
    total_pages: int
    pieces: list          # [(text, highlighted)]
    text_note: str | None


def message_of(raw: bytes) -> ParsedMessage:
    return parse_message(raw)


def documents(message: ParsedMessage, attachment: str | None) -> list[Document]:
    """The message's files, the submission's own document first."""
    files = [d for d in message.documents if not d.is_decoration]
    files.sort(key=lambda d: d.filename != attachment)
    return files[:MAX_DOCUMENTS]


def headers(message: ParsedMessage) -> list[tuple[str, str]]:
    wanted = {h.lower(): h for h in SHOWN_HEADERS}
    return [(wanted[h.name.lower()], h.value[:2000]) for h in message.headers if h.name.lower() in wanted]


def page_count(doc: Document) -> int:
    try:
        if doc.detected_type == "pdf":
            pdf = pdfium.PdfDocument(doc.data)
            try:
                return len(pdf)
            finally:
                pdf.close()
        if doc.detected_type == "image":
            with Image.open(io.BytesIO(doc.data)) as img:
                return getattr(img, "n_frames", 1)
    except Exception:  # noqa: BLE001 - a broken file shows no image, its text says why
        return 0
    return 0


def render_page(doc: Document, page: int) -> bytes:
    """Page ``page`` (0-based) of a PDF or image as a new PNG; RenderError if not possible."""
    if not 0 <= page < MAX_PAGES:
        raise RenderError("page out of range")
    try:
        if doc.detected_type == "pdf":
            return _pdf_page(doc.data, page)
        if doc.detected_type == "image":
            return _image_frame(doc.data, page)
    except RenderError:
        raise
    except Exception as err:  # noqa: BLE001 - library errors on hostile input
        raise RenderError(f"{type(err).__name__}") from err
    raise RenderError(f"no image for {doc.detected_type}")


def _pdf_page(data: bytes, page: int) -> bytes:
    pdf = pdfium.PdfDocument(data)
    try:
        if page >= len(pdf):
            raise RenderError("page out of range")
        pdf_page = pdf[page]
        width, height = pdf_page.get_size()
        if width <= 0 or height <= 0:
            raise RenderError("empty page")
        if oversized_image(pdf_page, MAX_SOURCE_PIXELS):
            raise RenderError("image too large")
        scale = min(MAX_EDGE / max(width, height), 4.0)
        image = pdf_page.render(scale=scale).to_pil()
        pdf_page.close()
    finally:
        pdf.close()
    return _png(image)


def _image_frame(data: bytes, frame: int) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        if img.width * img.height > MAX_SOURCE_PIXELS:
            raise RenderError("image too large")
        if frame >= getattr(img, "n_frames", 1):
            raise RenderError("page out of range")
        img.seek(frame)
        img.draft("RGB", (MAX_EDGE, MAX_EDGE))   # JPEG: decode at reduced size
        image = ImageOps.exif_transpose(img.copy())
    image.thumbnail((MAX_EDGE, MAX_EDGE))
    return _png(image)


def _png(image: Image.Image) -> bytes:
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    if image.mode == "RGB" and _looks_grey(image):
        image = image.convert("L")      # a third of the bytes for the usual black-and-white scan
    out = io.BytesIO()
    # zlib level 3: scans are noisy, higher levels cost seconds for a few per cent.
    image.save(out, format="PNG", compress_level=3)
    return out.getvalue()


# A channel spread below this (of 255) on a thumbnail is paper and ink, not a colour stamp.
GREY_SPREAD = 24


def _looks_grey(image: Image.Image) -> bool:
    r, g, b = image.resize((64, 64)).split()
    pairs = ((r, g), (g, b), (r, b))
    return max(ImageChops.difference(x, y).getextrema()[1] for x, y in pairs) < GREY_SPREAD


def highlight(text: str, needles: list[str]) -> list[tuple[str, bool]]:
    """``text`` as pieces, those matching a needle (case-insensitive) marked True."""
    words = sorted({n.strip() for n in needles if n and len(n.strip()) >= 2}, key=len, reverse=True)
    if not words:
        return [(text, False)] if text else []
    pattern = re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)
    pieces, pos = [], 0
    for m in pattern.finditer(text):
        if m.start() > pos:
            pieces.append((text[pos:m.start()], False))
        pieces.append((m.group(0), True))
        pos = m.end()
    if pos < len(text):
        pieces.append((text[pos:], False))
    return pieces


def view(index: int, doc: Document, attachment: str | None, needles: list[str]) -> DocView:
    result = extract_text(doc, max_pages=MAX_PAGES)
    text = (result.text or "")[:MAX_TEXT_CHARS]
    note = None
    if not text.strip():
        note = "Ingen lesbar tekst" + (f" ({result.detail})" if getattr(result, "detail", None) else "") + \
               ". Les dokumentet på bildet."
    total = page_count(doc)
    return DocView(index=index, filename=doc.filename, type=doc.detected_type,
                   decisive=doc.filename == attachment, pages=min(total, MAX_PAGES), total_pages=total,
                   pieces=highlight(text, needles), text_note=note)
