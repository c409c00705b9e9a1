"""Find the date a declaration was signed.

The form has a "Sted og dato" (Nynorsk "Stad og dato") field; that is the date we want.
Other dates on the page are not: "Vedlegg til brev av 5. mai 2020" is the invitation's
date, a letterhead "Dato" is when a letter was written. So only labelled dates and
signature-style "Place, date" lines are read, in that order of trust.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from parsers.textnorm import fold, text_lines, trim_noise

# Month names and abbreviations, Bokmål and Nynorsk (the same words), plus the English
# ones that electronic-signature stamps print.
_MONTHS = {
    "januar": 1, "jan": 1, "january": 1,
    "februar": 2, "feb": 2, "february": 2,
    "mars": 3, "mar": 3, "march": 3,
    "april": 4, "apr": 4,
    "mai": 5, "may": 5,
    "juni": 6, "jun": 6, "june": 6,
    "juli": 7, "jul": 7, "july": 7,
    "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "october": 10, "oct": 10,
    "november": 11, "nov": 11,
    "desember": 12, "des": 12, "december": 12, "dec": 12,
}
_MONTH_ALT = "|".join(sorted(_MONTHS, key=len, reverse=True))

# A signing date outside this range is a misreading (a case number, a postcode).
_MIN_YEAR, _MAX_YEAR = 2000, 2099
# Two-digit years ("11.5.20") are in this century.
_CENTURY = 2000

_ISO_RE = re.compile(r"(?<!\d)(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
_NUMERIC_RE = re.compile(
    r"(?<![\d.])(\d{1,2})\s?([./-])\s?(\d{1,2})\s?\2\s?(\d{4}|\d{2})(?![\d])"
)
# Norwegian shorthand "12/5-2020", "12/5-20": day/month, then the year after a dash.
_SLASH_DASH_RE = re.compile(r"(?<![\d./-])(\d{1,2})/(\d{1,2})\s?-\s?(\d{4}|\d{2})(?!\d)")
_TEXTUAL_RE = re.compile(
    rf"(?<!\d)(\d{{1,2}})\.?\s*({_MONTH_ALT})\.?,?\s+(\d{{4}})(?!\d)"
)

# Labels of the signing date, most specific first.
_PLACE_DATE_LABEL_RE = re.compile(
    r"^(?:(?:sted|stad)\s*(?:og|/|,|&)?\s*dato|dato\s*(?:og|/|,|&)\s*(?:sted|stad)"
    r"|signert dato|dato for signering|signeringsdato|dato for underskrift)\b\s*[:.]?"
)
_DATE_LABEL_RE = re.compile(r"^dato\b\s*[:.]?")
# OCR reads 0 as O and 1 as l, I or | inside dates ("O6.05.2O2O"); only tokens shaped
# like a date with at least three real digits are repaired, so words are never touched.
_OCR_DATE_TOKEN = re.compile(r"(?<![\w|])[\dOoIl|]{1,4}(?:[./-][\dOoIl|]{1,4}){2}(?![\w|])")
_OCR_DIGITS = str.maketrans("OoIl|", "00111")
_OCR_MIN_DIGITS = 3

# A signature line: a place, a comma and a date ("Tana, 11.06.2020", "Bø, 7. mai 2020").
_PLACE_COMMA_RE = re.compile(r"^(?:[^\W\d_]+[\s-]*){1,3},\s*(?:den\s+)?\d")
# How far below a label its value may sit (a table cell under its heading).
_VALUE_LINES = 2


def parse_date(text: str) -> dt.date | None:
    """The first valid date written in ``text`` (any supported format), or None."""
    folded = fold(_repair_ocr_digits(text))
    found: list[tuple[int, dt.date]] = []
    for m in _ISO_RE.finditer(folded):
        found += _valid(m.start(), int(m.group(1)), int(m.group(2)), int(m.group(3)))
    for m in _NUMERIC_RE.finditer(folded):
        found += _valid(m.start(), _year(m.group(4)), int(m.group(3)), int(m.group(1)))
    for m in _SLASH_DASH_RE.finditer(folded):
        found += _valid(m.start(), _year(m.group(3)), int(m.group(2)), int(m.group(1)))
    for m in _TEXTUAL_RE.finditer(folded):
        found += _valid(m.start(), int(m.group(3)), _MONTHS[m.group(2)], int(m.group(1)))
    return min(found)[1] if found else None


def _year(digits: str) -> int:
    return int(digits) + (_CENTURY if len(digits) == 2 else 0)


def _repair_ocr_digits(text: str) -> str:
    def repair(m: re.Match[str]) -> str:
        token = m.group(0)
        return token.translate(_OCR_DIGITS) if sum(c.isdigit() for c in token) >= _OCR_MIN_DIGITS else token
    return _OCR_DATE_TOKEN.sub(repair, text)


def _valid(pos: int, year: int, month: int, day: int) -> list[tuple[int, dt.date]]:
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        return []
    try:
        return [(pos, dt.date(year, month, day))]
    except ValueError:
        return []


def find_signed_date(text: str) -> dt.date | None:
    """The signing date: "Sted og dato" field, else a "Place, date" line, else "Dato"."""
    folded = [fold(trim_noise(line)) for line in text_lines(text)]
    for finder in (_labelled(_PLACE_DATE_LABEL_RE), _place_comma_line, _labelled(_DATE_LABEL_RE)):
        date = finder(folded)
        if date is not None:
            return date
    return None


def _labelled(label_re: re.Pattern[str]) -> Callable[[list[str]], dt.date | None]:
    def finder(folded: list[str]) -> dt.date | None:
        for i, line in enumerate(folded):
            m = label_re.match(line)
            if not m:
                continue
            rest = line[m.end():]
            date = parse_date(rest)
            # Blank, or only the place so far ("Sted og dato: Gol"): the date may sit below.
            if date is None and not re.search(r"\d", rest):
                date = _date_below(folded, i)
            if date is not None:
                return date
        return None
    return finder


def _date_below(folded: list[str], i: int) -> dt.date | None:
    """The value of a label that stands alone: the next non-empty line or two."""
    below = [line for line in folded[i + 1:] if line][:_VALUE_LINES]
    for line in below:
        date = parse_date(line)
        if date is not None:
            return date
        if ":" in line:      # the next label: this one was left blank
            return None
    return None


def _place_comma_line(folded: list[str]) -> dt.date | None:
    for line in folded:
        if _PLACE_COMMA_RE.match(line):
            date = parse_date(line)
            if date is not None:
                return date
    return None
