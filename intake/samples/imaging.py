"""Paper that went through a scanner or a phone camera.

``scanned`` gives an image-only PDF: each page rendered, greyed, rotated a little,
speckled and blurred, then embedded as a JPEG in a new PDF with no text layer, so only
OCR can read it. ``photo_jpeg`` gives a phone photo of the first page: the sheet in
perspective on a desk, unevenly lit, optionally stored sideways with an EXIF
orientation tag as phones do.

All randomness comes from ``random.Random(seed)`` (Pillow's own noise generator is not
seedable), so the same arguments give the same bytes.
"""
from __future__ import annotations

import datetime as dt
import io
import random

import pypdfium2 as pdfium
from fpdf import FPDF
from PIL import Image, ImageChops, ImageDraw, ImageFilter

from .pdfbase import OSLO

_A4_MM = (210, 297)
_SPECKS_AT_FULL_NOISE = 160   # dust on the glass: a few dozen specks per page is typical
_EXIF_ORIENTATION = 0x0112
_PHOTO_DPI = 170          # the sheet fills ~85 % of a 1500 px wide photo: ~150 dpi, OCR-able
_SCANNER_PRODUCERS = ("Canon iR-ADV C5535 PDF", "KONICA MINOLTA bizhub C300i",
                      "RICOH IM C3000", "HP Scan", "Xerox WorkCentre 7855")

Source = bytes | Image.Image


def pages_of(source: Source, dpi: int) -> list[Image.Image]:
    """Grey page images from PDF bytes, image bytes or a Pillow image."""
    if isinstance(source, Image.Image):
        return [source.convert("L")]
    if source[:5] == b"%PDF-":
        document = pdfium.PdfDocument(source)
        try:
            return [document[i].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
                    for i in range(len(document))]
        finally:
            document.close()
    return [Image.open(io.BytesIO(source)).convert("L")]


def _noise(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    return Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))


def _degrade(page: Image.Image, rng: random.Random, rotation_deg: float, noise: float,
             grey: bool) -> Image.Image:
    """Paper tone, skew, grain, dust and scanner softness."""
    paper = rng.randint(222, 240) if grey else 250
    page = page.point(lambda v: v * paper // 255)
    page = page.rotate(rotation_deg, resample=Image.Resampling.BICUBIC, fillcolor=paper)
    amplitude = int(60 * noise)
    grain = _noise(rng, page.size).point(lambda v: v * amplitude // 255)
    page = ImageChops.subtract(page, grain)
    draw = ImageDraw.Draw(page)
    for _ in range(int(_SPECKS_AT_FULL_NOISE * noise)):
        x, y = rng.uniform(0, page.width), rng.uniform(0, page.height)
        r = rng.uniform(0.6, 2.2)
        draw.ellipse((x - r, y - r, x + r, y + r), fill=rng.randint(40, 140))
    return page.filter(ImageFilter.GaussianBlur(0.6))


def _jpeg(image: Image.Image, quality: int, **extra) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality, **extra)
    return buffer.getvalue()


def scanned(source: Source, rotation_deg: float = 0.8, dpi: int = 150, noise: float = 0.5,
            *, seed: int = 0, grey: bool = True, day: dt.date | None = None) -> bytes:
    """An image-only PDF of ``source`` (PDF bytes, image bytes or a Pillow image).

    Each page is rotated by about ``rotation_deg`` (alternating sign), degraded by
    ``noise`` in 0..1, stored as a greyscale JPEG on an A4 page. No text layer.
    """
    rng = random.Random(seed)
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_creation_date(dt.datetime.combine(day or dt.date(2020, 5, 5), dt.time(9, 0), OSLO))
    pdf.set_producer(rng.choice(_SCANNER_PRODUCERS))
    for page in pages_of(source, dpi):
        angle = rotation_deg * rng.choice((-1, 1)) * rng.uniform(0.7, 1.0)
        image = _degrade(page, rng, angle, noise, grey)
        pdf.add_page()
        pdf.image(io.BytesIO(_jpeg(image, rng.randint(60, 80))), x=0, y=0, w=_A4_MM[0], h=_A4_MM[1])
    return bytes(pdf.output())


# ------------------------------------------------------------------------ phone photo

def _solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8x8; no numpy in the product)."""
    n = len(vector)
    rows = [row[:] + [value] for row, value in zip(matrix, vector)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(rows[r][col]))
        rows[col], rows[pivot] = rows[pivot], rows[col]
        for r in range(n):
            if r != col:
                factor = rows[r][col] / rows[col][col]
                rows[r] = [a - factor * b for a, b in zip(rows[r], rows[col])]
    return [rows[i][n] / rows[i][i] for i in range(n)]


def _perspective_coefficients(target: list[tuple[float, float]], source: list[tuple[float, float]]):
    """Coefficients mapping output (target) points back to input (source) points, as PIL wants."""
    matrix, vector = [], []
    for (x, y), (u, v) in zip(target, source):
        matrix.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        matrix.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        vector += [u, v]
    return _solve(matrix, vector)


def _corners(rng: random.Random, width: int, height: int) -> list[tuple[float, float]]:
    """Where the sheet's corners land in the photo: inset, skewed, a little keystoned."""
    def jitter(x: float, y: float) -> tuple[float, float]:
        return x + rng.uniform(-0.04, 0.04) * width, y + rng.uniform(-0.03, 0.03) * height
    return [jitter(0.1 * width, 0.07 * height), jitter(0.9 * width, 0.08 * height),
            jitter(0.93 * width, 0.94 * height), jitter(0.07 * width, 0.92 * height)]


def _lighting(rng: random.Random, size: tuple[int, int]) -> Image.Image:
    """A soft diagonal light falloff, 0.7..1.0 of full brightness."""
    low = rng.randint(175, 205)
    side = 2 * max(size)      # rotate a square twice the photo, then crop its middle:
    square = Image.linear_gradient("L").resize((side, side))   # no black rotation corners
    square = square.rotate(rng.uniform(0, 360), resample=Image.Resampling.BILINEAR)
    left, top = (side - size[0]) // 2, (side - size[1]) // 2
    gradient = square.crop((left, top, left + size[0], top + size[1]))
    return gradient.point(lambda v: low + v * (255 - low) // 255).convert("RGB")


def photo_jpeg(source: Source, *, seed: int = 0, exif_rotate: bool = False,
               size: tuple[int, int] = (1500, 2000), quality: int = 82) -> bytes:
    """A phone photo of the first page of ``source`` as JPEG bytes."""
    rng = random.Random(seed)
    page = pages_of(source, _PHOTO_DPI)[0].convert("RGB")
    desk = Image.new("RGB", size, rng.choice(((120, 96, 70), (92, 92, 96), (150, 140, 125))))
    target = _corners(rng, *size)
    src = [(0, 0), (page.width, 0), (page.width, page.height), (0, page.height)]
    coefficients = _perspective_coefficients(target, src)
    warped = page.transform(size, Image.Transform.PERSPECTIVE, coefficients, Image.Resampling.BILINEAR)
    mask = Image.new("L", page.size, 255).transform(size, Image.Transform.PERSPECTIVE, coefficients)
    desk.paste(warped, (0, 0), mask)
    photo = ImageChops.multiply(desk, _lighting(rng, size)).filter(ImageFilter.GaussianBlur(0.8))
    if not exif_rotate:
        return _jpeg(photo, quality)
    # Phones store the sensor's landscape pixels and say "rotate 90° clockwise to view".
    exif = Image.Exif()
    exif[_EXIF_ORIENTATION] = 6
    return _jpeg(photo.transpose(Image.Transpose.ROTATE_90), quality, exif=exif.tobytes())
