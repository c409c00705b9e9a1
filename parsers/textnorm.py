"""Text normalisation shared by the matchers: folding, cells, tokens, edit distance.

Everything here is about *matching*, never about what we show: callers keep the original
text for display and use ``fold_map`` to point back into it.
"""
from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator

# Letters that Unicode does not decompose into a base letter plus a combining mark, so
# stripping marks would leave them alone. Norwegian letters are spelled out the way the
# conventional mail domains spell them (æ→ae, ø→o, å→a); the Sami letters lose their
# stroke or hook (đ→d, ŧ→t, ŋ→n) the way people type them without a Sami keyboard.
_SPECIAL_LETTERS = {
    "æ": "ae",
    "ø": "o",
    "å": "a",
    "đ": "d",
    "ŧ": "t",
    "ŋ": "n",
    "ł": "l",
    "œ": "oe",
    "ı": "i",
}

# Hyphen-like characters that OCR, Word and PDF producers use interchangeably.
_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u00ad\ufe63\uff0d"

# A run of at least three spaces (or any tab) separates table cells or side-by-side
# columns in extracted text; one or two spaces are ordinary word spacing and justification.
_CELL_GAP = re.compile(r"\t+| {3,}|\u00a0{3,}")

# What OCR makes of table borders, scribbles and specks at the ends of a line; also the
# dots and underscores of blank form fields. Never part of a name, title or label.
_EDGE_NOISE = " \t|¦!:;,.'\"‘’“”_~*•·=/\\-\u2010\u2011\u2012\u2013\u2014\u2015"

_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> str:
    """Fold one character; may return "" (a lone combining mark) or two letters (æ)."""
    if ch in _DASHES:
        return "-"
    out = []
    for c in unicodedata.normalize("NFKC", ch).casefold():
        c = _SPECIAL_LETTERS.get(c, c)
        for d in unicodedata.normalize("NFKD", c):
            if not unicodedata.combining(d):
                out.append(d)
    return "".join(out)


# The same text is folded by several matchers in turn (names, signers, dates, kind), so
# the last few results are kept; a message's texts fit many times over.
@functools.lru_cache(maxsize=2048)
def fold_map(s: str) -> tuple[str, tuple[int, ...]]:
    """Fold ``s`` and return, for every folded character, the index it came from.

    Whitespace runs become one space and the result is stripped, as in ``fold``. The map
    lets a matcher report the original spelling of what it found:
    ``s[m[start]:m[end - 1] + 1]``.
    """
    if s.isascii():
        return _fold_map_ascii(s)
    chars: list[str] = []
    origin: list[int] = []
    pending_space = False
    for i, ch in enumerate(s):
        if ch.isspace():
            pending_space = bool(chars)
            continue
        folded = _fold_char(ch)
        if not folded:
            continue
        if pending_space:
            chars.append(" ")
            origin.append(i - 1)
            pending_space = False
        chars.extend(folded)
        origin.extend([i] * len(folded))
    return "".join(chars), tuple(origin)


def _fold_map_ascii(s: str) -> tuple[str, tuple[int, ...]]:
    """``fold_map`` for ASCII text: one character in, one out, only case and spaces change."""
    chars: list[str] = []
    origin: list[int] = []
    for m in _ASCII_RUN.finditer(s):
        if chars:
            chars.append(" ")
            origin.append(m.start() - 1)
        chars.append(m.group().lower())
        origin.extend(range(m.start(), m.end()))
    return "".join(chars), tuple(origin)


_ASCII_RUN = re.compile(r"[^\s]+")


def fold_words(s: str) -> tuple[str, tuple[int, ...], frozenset[int]]:
    """``fold_map`` plus the folded positions where a word capitalised in ``s`` starts.

    Folding loses case; matchers that must tell "Strand" from "strand" ask this set.
    """
    folded, origin = fold_map(s)
    caps = frozenset(m.start() for m in re.finditer(r"(?<!\w)\w", folded)
                     if s[origin[m.start()]].isupper())
    return folded, origin, caps


def fold(s: str) -> str:
    """Case- and diacritic-insensitive form of ``s`` for matching.

    NFKC, casefold, æ→ae, ø→o, å→a, other marks stripped (á→a, č→c, ŋ→n, đ→d),
    dashes → "-", whitespace collapsed.
    """
    return fold_map(s)[0]


def original_span(s: str, origin: tuple[int, ...], start: int, end: int) -> str:
    """The slice of the original ``s`` that folded characters ``start:end`` came from."""
    if start >= end:
        return ""
    return s[origin[start]: origin[end - 1] + 1]


def split_cells(line: str) -> list[str]:
    """Split a line on wide gaps (tabs, 3+ spaces) into stripped, non-empty cells."""
    return [c.strip() for c in _CELL_GAP.split(line) if c.strip()]


def trim_noise(cell: str) -> str:
    """``cell`` without OCR specks, borders and blank-field fillers at either end."""
    return cell.strip(_EDGE_NOISE)


def text_lines(text: str) -> list[str]:
    """Every cell of every line, in reading order, blank lines kept as "".

    Tables and Word forms come out of extraction either one cell per line or several
    cells on one line separated by wide gaps; treating each cell as a line lets the
    "label above value" rules work on both.
    """
    out: list[str] = []
    for line in text.splitlines():
        cells = split_cells(line)
        out.extend(cells if cells else [""])
    return out


def words(s: str) -> list[str]:
    """Word tokens (letters, with inner hyphens and apostrophes) of ``s``."""
    return _WORD.findall(s)


def iter_words(s: str) -> Iterator[re.Match[str]]:
    """Word tokens of ``s`` as matches, so callers know where each one is."""
    return _WORD.finditer(s)


def levenshtein(a: str, b: str, limit: int) -> int | None:
    """Edit distance between ``a`` and ``b`` if it is at most ``limit``, else None.

    Bounded: rows are abandoned as soon as every cell exceeds ``limit``, so comparing a
    word against a few hundred names stays cheap.
    """
    if abs(len(a) - len(b)) > limit:
        return None
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, start=1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ca != cb),
            )
        if min(current) > limit:
            return None
        previous = current
    return previous[-1] if previous[-1] <= limit else None


def compact(s: str) -> str:
    """Spelling-independent key: "Nordre-Land", "Nordre Land" and "NORDRE LAND" agree."""
    return re.sub(r"[^a-z0-9]+", "", fold(s))


def phrase_pattern(folded: str) -> str:
    """Regex for a folded phrase that tolerates "Nordre-Land", "Sør- Fron", "X ( Y )"."""
    out = []
    for part in re.split(r"([\s\-()]+)", folded):
        if not part:
            continue
        sep = part.strip()
        if not re.fullmatch(r"[\s\-()]+", part):
            out.append(re.escape(part))
        elif not sep:
            out.append(r"[\s-]+")
        else:
            out.append(r"\s*-\s*" if sep == "-" else r"\s*" + re.escape(sep) + r"\s*")
    return "".join(out)


def alternation(folded_phrases: Iterable[str]) -> str:
    """One regex alternative per phrase, longest first.

    Python tries alternatives in order, so "nordre land" must come before any shorter
    phrase that is its prefix.
    """
    ordered = sorted(set(folded_phrases), key=len, reverse=True)
    return "|".join(phrase_pattern(p) for p in ordered)
