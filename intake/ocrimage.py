"""Page images made ready for OCR: decoded safely, upright, straight and without rules.

- ``image_pages`` opens an attached image (JPEG, PNG, TIFF with several pages, HEIC
  when pillow-heif is installed) with a decompression-bomb guard, applies the EXIF
  orientation a phone wrote, and scales it into the size range OCR works well in;
- ``deskew`` finds a small rotation (a few degrees, as a sheet lies on a scanner) by a
  projection-profile search and turns the page straight;
- ``remove_rules`` whitens long horizontal and vertical lines (form tables, signature
  rules): Tesseract takes a ruled table for a picture and skips the text in it.

Pillow only (no numpy): the searches work on a downscaled copy, and row or column
means come from resizing to one pixel wide or high.
"""
from __future__ import annotations

import io
import math
import warnings
from collections.abc import Iterator

import pypdfium2.raw as pdfium_c
from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageSequence, UnidentifiedImageError

try:  # HEIC/HEIF from iPhones; without the library such a file is reported unreadable
    from pillow_heif import register_heif_opener
except ImportError:  # pragma: no cover - the dependency is declared; kept for slim installs
    HEIF = False
else:
    register_heif_opener()
    HEIF = True

# An attachment that claims more pixels than this is refused before decoding: a 600 dpi
# A3 scan is 70 million, a 100-megapixel phone photo 100 million.
MAX_PIXELS = 120_000_000
# OCR works best when a page is about 1600-3600 pixels on its long side (150-300 dpi
# for A4); larger costs time for nothing, smaller loses letters.
MAX_SIDE = 3600
MIN_SIDE = 1600
# Skew search: sheets lie up to a few degrees off on a scanner or a phone photo.
MAX_SKEW_DEGREES = 5.0
_COARSE_STEP = 0.5
_FINE_STEP = 0.1
_SKEW_WIDTH = 900          # pixels wide the search copy is: enough for 0.1 degrees
_MIN_SKEW = 0.15           # turning by less than this only blurs the page
_SKEW_MARGIN = 0.12        # share cut off each side before the skew search
# A rule is a dark run at least this long: a fifth of the page across, or a tenth of
# it down; text strokes, even a long underlined word, stay far shorter.
_RULE_SHARE_ACROSS = 0.2
_RULE_SHARE_DOWN = 0.1
_RULE_CANDIDATE = 0.12     # rows or columns darker than this on average are inspected
_DARK = 128
_BAND = 8                  # rows per band when looking for tilted lines
_BAND_INK = 24             # a band's mean above this: ink in at least one of its rows
_RULE_MARK = 128           # the grey a found line is flood-filled with in the ink mask
_TRIAL_MARK = 64           # ... and a candidate, until its width is known
# Paper tone is estimated on blocks of 1/200 of the page's short side (about 1 mm), and
# taken as the brightest within 7 blocks: wider than any letter, narrower than a shadow.
_PAPER_BLOCKS = 200
_PAPER_WINDOW = 7
_INK_CUTOFF = 0.5          # percent of darkest pixels stretched to black


class ImageRefused(ValueError):
    """An image that will not be decoded: too many pixels, or not an image at all."""


def image_pages(data: bytes, max_pages: int) -> Iterator[Image.Image]:
    """Grey, upright page images of an attached image file, at most ``max_pages``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > MAX_PIXELS:
                raise ImageRefused(f"image of {width}x{height} pixels is larger than allowed")
            for index, frame in enumerate(ImageSequence.Iterator(image)):
                if index >= max_pages:
                    break
                if frame.format == "JPEG" or image.format == "JPEG":
                    frame.draft("L", (MAX_SIDE, MAX_SIDE))   # decode a large photo smaller
                page = ImageOps.exif_transpose(frame.copy())
                yield fit(page.convert("L"))
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning) as err:
        raise ImageRefused(f"not a readable image ({type(err).__name__})") from err
    except (OSError, SyntaxError, EOFError) as err:   # truncated or corrupt files
        raise ImageRefused(f"broken image ({err})") from err


def fit(page: Image.Image) -> Image.Image:
    """``page`` scaled so that its long side is within MIN_SIDE..MAX_SIDE."""
    side = max(page.size)
    if side > MAX_SIDE:
        scale = MAX_SIDE / side
    elif side < MIN_SIDE:
        scale = min(2.0, MIN_SIDE / side)   # more than double invents no letters
    else:
        return page
    size = (max(1, round(page.width * scale)), max(1, round(page.height * scale)))
    return page.resize(size, Image.Resampling.LANCZOS)


def flatten(page: Image.Image) -> Image.Image:
    """``page`` with uneven light evened out (a phone photo's falloff, a scanner's grey
    paper): each pixel is compared with the paper around it, so paper turns white and
    ink dark wherever it lies, and Tesseract's global threshold then works everywhere."""
    factor = max(1, min(page.size) // _PAPER_BLOCKS)
    small = page.reduce(factor)
    # The brightest pixel nearby is paper (text covers far less than a block); the blur
    # smooths the steps between blocks.
    paper = small.filter(ImageFilter.MaxFilter(_PAPER_WINDOW)).filter(ImageFilter.BoxBlur(1))
    darker = ImageChops.subtract(paper.resize(page.size, Image.Resampling.BILINEAR), page)
    return ImageOps.autocontrast(ImageOps.invert(darker), cutoff=(_INK_CUTOFF, 0))


def ink(page: Image.Image) -> Image.Image:
    """Ink as white on black (255 = ink) of a ``flatten``-ed page."""
    return page.point(lambda v: 255 if v < _DARK else 0)


def _profile_score(ink_image: Image.Image, angle: float) -> float:
    """How sharply rows alternate between ink and paper when turned by ``angle``."""
    turned = ink_image.rotate(angle, resample=Image.Resampling.NEAREST, fillcolor=0)
    rows = turned.resize((1, turned.height), Image.Resampling.BOX).tobytes()
    return float(sum((b - a) ** 2 for a, b in zip(rows, rows[1:])))


def skew_angle(page: Image.Image) -> float:
    """The rotation (degrees, counter-clockwise) that makes ``page``'s lines level."""
    # The middle of the page only: a photo's sheet edges (and a scan's shadowed margin)
    # are long straight lines at their own angle, and would outweigh the text lines.
    width, height = page.size
    middle = page.crop((int(width * _SKEW_MARGIN), int(height * _SKEW_MARGIN),
                        int(width * (1 - _SKEW_MARGIN)), int(height * (1 - _SKEW_MARGIN))))
    scale = _SKEW_WIDTH / middle.width
    small = middle.resize((_SKEW_WIDTH, max(1, round(middle.height * scale))), Image.Resampling.BOX)
    marks = ink(small)
    steps = int(MAX_SKEW_DEGREES / _COARSE_STEP)
    coarse = [i * _COARSE_STEP for i in range(-steps, steps + 1)]
    best = max(coarse, key=lambda a: _profile_score(marks, a))
    fine = [best + i * _FINE_STEP for i in range(-4, 5)]
    return max(fine, key=lambda a: _profile_score(marks, a))


def deskew(page: Image.Image) -> tuple[Image.Image, float]:
    """``page`` turned straight, and the angle it was turned by."""
    angle = skew_angle(page)
    if abs(angle) < _MIN_SKEW:
        return page, 0.0
    return page.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=_paper_tone(page)), angle


def _paper_tone(page: Image.Image) -> int:
    histogram = page.histogram()
    return max(range(256), key=lambda v: histogram[v])


def rotate_upright(page: Image.Image, clockwise_degrees: int) -> Image.Image:
    """``page`` turned by a multiple of 90 degrees clockwise (as OSD reports it)."""
    turns = {90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180,
             270: Image.Transpose.ROTATE_90}
    return page.transpose(turns[clockwise_degrees]) if clockwise_degrees in turns else page


def _runs(values: bytes) -> Iterator[tuple[int, int]]:
    """(start, length) of each run of ink (non-zero bytes) in a row or column."""
    position = 0
    for piece in values.split(b"\x00"):
        if piece:
            yield position, len(piece)
        position += len(piece) + 1


def _rule_seeds(marks: Image.Image) -> list[tuple[int, int]]:
    """Ink points on long, nearly level lines. Rows are looked at in bands a few pixels
    high, so that a line a photo's perspective has tilted still shows as one long run."""
    bands = marks.resize((marks.width, max(1, marks.height // _BAND)), Image.Resampling.BOX)
    needed = math.ceil(marks.width * _RULE_SHARE_ACROSS)
    seeds = []
    for band in range(bands.height):
        row = bands.crop((0, band, marks.width, band + 1)).point(lambda v: 255 if v >= _BAND_INK else 0)
        for start, length in _runs(row.tobytes()):
            if length < needed:
                continue
            for x in (start + length // 4, start + length // 2, start + 3 * length // 4):
                for y in range(band * _BAND, min(marks.height, (band + 1) * _BAND)):
                    if marks.getpixel((x, y)):
                        seeds.append((x, y))
                        break
    return seeds


def _rule_columns(marks: Image.Image) -> list[tuple[int, int, int]]:
    """(x, top, length) of long unbroken dark runs down a column: straight vertical lines."""
    means = marks.resize((marks.width, 1), Image.Resampling.BOX).tobytes()
    needed = math.ceil(marks.height * _RULE_SHARE_DOWN)
    found = []
    for x, mean in enumerate(means):
        if mean >= 255 * _RULE_CANDIDATE:
            column = marks.crop((x, 0, x + 1, marks.height)).tobytes()
            found += [(x, top, n) for top, n in _runs(column) if n >= needed]
    return found


def remove_rules(page: Image.Image) -> Image.Image:
    """``page`` (flattened) with its ruled lines whitened: each long line and everything
    joined to it (a table's whole grid, a signature line), and straight vertical lines."""
    marks = ink(page)
    seeds, columns = _rule_seeds(marks), _rule_columns(marks)
    if not seeds and not columns:
        return page
    found = marks.copy()
    needed = marks.width * _RULE_SHARE_ACROSS
    for seed in seeds:
        if found.getpixel(seed) != 255:
            continue
        ImageDraw.floodfill(found, seed, _TRIAL_MARK)
        box = found.point(lambda v: 255 if v == _TRIAL_MARK else 0).getbbox()
        # A seed can land on a letter next to the line: a letter is far narrower.
        keep = box is not None and box[2] - box[0] >= needed
        ImageDraw.floodfill(found, seed, _RULE_MARK if keep else 255)
    mask = found.point(lambda v: 255 if v == _RULE_MARK else 0)
    draw = ImageDraw.Draw(mask)
    for x, top, length in columns:
        draw.line([(x, top), (x, top + length - 1)], fill=255, width=1)
    # The grey edge of each stroke goes too, or Tesseract reads it as "|" and "_".
    mask = mask.filter(ImageFilter.MaxFilter(3))
    cleaned = page.copy()
    cleaned.paste(_paper_tone(page), mask=mask)
    return cleaned


def prepare(page: Image.Image) -> tuple[Image.Image, float]:
    """Evenly lit, straightened and unruled page, and the skew it had (degrees)."""
    straight, angle = deskew(flatten(page.convert("L")))
    return remove_rules(straight), angle


def png_bytes(page: Image.Image) -> bytes:
    """Fast, lossless encoding for handing a page to Tesseract."""
    buffer = io.BytesIO()
    page.save(buffer, "PNG", compress_level=1)
    return buffer.getvalue()


def oversized_image(page, limit: int) -> tuple[int, int] | None:
    """The pixel size of an image on a PDF page (pypdfium2) larger than ``limit`` pixels:
    rendering decodes each image at full size, whatever size the page is drawn at."""
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        width, height = obj.get_px_size()
        if width * height > limit:
            return width, height
    return None
