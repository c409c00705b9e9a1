"""Shared PDF plumbing: fonts with a portable fallback, dates as people write them.

Core PDF fonts (Helvetica, Times) are used whenever the text fits Windows-1252, which
covers Norwegian. They need no font file, are fast, and give byte-identical output on
any machine. Only text with Sami letters switches to DejaVu, when it is installed;
without it those letters are transliterated (č→c, ŋ→n, ...), as old office systems did.
"""
from __future__ import annotations

import datetime as dt
import io
import unicodedata
from pathlib import Path
from typing import Iterable

from fpdf import FPDF

DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
# Summer time in Norway; the campaign runs May to July, so one fixed offset is exact.
OSLO = dt.timezone(dt.timedelta(hours=2), "CEST")
_CORE_ENCODING = "windows-1252"   # latin-1 plus dashes and quotes, as Word produces
# Word widths by (font, style, size, word): forms repeat the same words thousands of times.
_WORD_WIDTHS: dict[tuple[str, str, float, str], float] = {}
_WORD_WIDTH_CACHE_LIMIT = 50_000

_TRANSLITERATION = str.maketrans({
    "č": "c", "Č": "C", "š": "s", "Š": "S", "ŋ": "n", "Ŋ": "N", "đ": "d", "Đ": "D",
    "ŧ": "t", "Ŧ": "T", "ž": "z", "Ž": "Z", "ʒ": "z", "Ʒ": "Z", "ǯ": "z", "Ǯ": "Z",
    "ǧ": "g", "Ǧ": "G", "ǥ": "g", "Ǥ": "G", "ǩ": "k", "Ǩ": "K", "ǁ": "|",
})

MONTHS = ("januar", "februar", "mars", "april", "mai", "juni", "juli", "august",
          "september", "oktober", "november", "desember")   # the same in both forms
DATE_STYLES = ("long", "dotted", "short", "iso", "dotted_unpadded")


def fits_core_font(text: str) -> bool:
    try:
        text.encode(_CORE_ENCODING)
    except UnicodeEncodeError:
        return False
    return True


def transliterate(text: str) -> str:
    """Text a core font can print: letters outside Windows-1252 folded (č→c, ŋ→n)."""
    if fits_core_font(text):
        return text
    out = []
    for ch in text:
        if not fits_core_font(ch):
            ch = ch.translate(_TRANSLITERATION)
        if not fits_core_font(ch):
            ch = "".join(c for c in unicodedata.normalize("NFKD", ch) if fits_core_font(c))
        out.append(ch)
    return "".join(out)


def format_date(day: dt.date, style: str) -> str:
    if style == "long":
        return f"{day.day}. {MONTHS[day.month - 1]} {day.year}"
    if style == "short":
        return f"{day.day}.{day.month}.{day.year % 100:02d}"
    if style == "iso":
        return day.isoformat()
    if style == "dotted_unpadded":
        return f"{day.day}.{day.month}.{day.year}"
    return day.strftime("%d.%m.%Y")


def _dejavu_available(serif: bool) -> bool:
    stem = "DejaVuSerif" if serif else "DejaVuSans"
    return (DEJAVU_DIR / f"{stem}.ttf").is_file() and (DEJAVU_DIR / f"{stem}-Bold.ttf").is_file()


class Doc:
    """An FPDF document plus the one rule for putting text into it (``t``)."""

    def __init__(self, texts: Iterable[str], *, created: dt.date, serif: bool = False):
        self.pdf = FPDF(format="A4", unit="mm")
        self.pdf.set_auto_page_break(True, margin=18)
        self.pdf.set_margins(22, 20, 22)
        # fpdf2 stamps the wall clock by default; a fixed date keeps output deterministic.
        self.pdf.set_creation_date(dt.datetime.combine(created, dt.time(12, 0), OSLO))
        needs_unicode = not all(fits_core_font(t) for t in texts)
        self.unicode = needs_unicode and _dejavu_available(serif)
        if self.unicode:
            stem = "DejaVuSerif" if serif else "DejaVuSans"
            self.family = stem
            self.pdf.add_font(stem, "", str(DEJAVU_DIR / f"{stem}.ttf"))
            self.pdf.add_font(stem, "B", str(DEJAVU_DIR / f"{stem}-Bold.ttf"))
        else:
            self.family = "times" if serif else "helvetica"
            self.pdf.core_fonts_encoding = _CORE_ENCODING
        self._font: tuple[float, bool] | None = None
        self.pdf.add_page()

    def t(self, text: str) -> str:
        return text if self.unicode else transliterate(text)

    def font(self, size: float = 11, bold: bool = False) -> None:
        if (size, bold) != self._font:        # fpdf2's set_font is not free; skip repeats
            self._font = (size, bold)
            self.pdf.set_font(self.family, "B" if bold else "", size)

    def para(self, text: str, *, size: float = 11, bold: bool = False, gap: float = 3,
             height: float = 5.5, align: str = "L") -> None:
        """A paragraph across the text width, then ``gap`` mm of space.

        Wrapped here with cached word widths rather than by ``multi_cell``, whose
        per-character line breaking is most of fpdf2's time for a one-page form.
        """
        self.font(size, bold)
        for line in self._wrap(self.t(text), self.pdf.epw):
            self.pdf.cell(0, height, line, align=align, new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(gap)

    def _width(self, word: str) -> float:
        key = (self.pdf.font_family, self.pdf.font_style, self.pdf.font_size_pt, word)
        width = _WORD_WIDTHS.get(key)
        if width is None:
            if len(_WORD_WIDTHS) > _WORD_WIDTH_CACHE_LIMIT:
                _WORD_WIDTHS.clear()
            width = _WORD_WIDTHS[key] = self.pdf.get_string_width(word)
        return width

    def _wrap(self, text: str, width: float) -> list[str]:
        """Greedy line breaking at spaces; explicit newlines are kept."""
        lines: list[str] = []
        space = self._width(" ")
        for chunk in text.split("\n"):
            current: list[str] = []
            used = 0.0
            for word in chunk.split(" "):
                w = self._width(word)
                if current and used + space + w > width:
                    lines.append(" ".join(current))
                    current, used = [], 0.0
                used += (space if current else 0.0) + w
                current.append(word)
            lines.append(" ".join(current))
        return lines

    def text_at(self, x: float, y: float, text: str, *, size: float = 11, bold: bool = False,
                width: float = 80, align: str = "L") -> None:
        self.font(size, bold)
        self.pdf.set_xy(x, y)
        self.pdf.cell(width, size * 0.45, self.t(text), align=align)

    def signature(self, png: bytes, x: float, y: float, width: float = 50) -> None:
        self.pdf.image(io.BytesIO(png), x=x, y=y, w=width)

    def rule(self, x: float, y: float, width: float) -> None:
        self.pdf.set_line_width(0.25)
        self.pdf.line(x, y, x + width, y)

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def output_encrypted(self, user_password: str, owner_password: str) -> bytes:
        # RC4 (fpdf2's default) needs no random IV, so the encrypted bytes stay deterministic.
        self.pdf.set_encryption(owner_password=owner_password, user_password=user_password)
        return bytes(self.pdf.output())
