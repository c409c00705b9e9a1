"""OCR output as text and evidence: Tesseract TSV in, lines and word confidences out.

Pure functions, no Tesseract here (the runner is ``intake.ocr``):

- ``parse_tsv`` reads Tesseract's TSV (one row per word with its box and confidence);
- ``layout_text`` rebuilds the page's lines from the word boxes, so that a table row
  ("Namn | Kari Moen") reads as one line with a wide gap between its cells, as a text
  layer would, whatever blocks Tesseract cut the page into;
- ``is_junk_text`` tells text from noise: a scanner's invisible garbage text layer, or
  what OCR makes of a blank, speckled or far too coarse scan;
- ``poorly_read`` names the facts (a signer, a municipality) that rest on words OCR
  read with low confidence.
"""
from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from parsers.textnorm import fold
from parsers.types import DocumentAnalysis, DocumentText, OcrWord

# Tesseract's word confidence runs 0..100. On clean 150-300 dpi scans of typed forms
# words come out at 90-97; a name below 80 has usually lost or swapped a letter
# ("Fjeld" read as "Fjeid" at 70), which is exactly what must not be recorded.
LOW_CONFIDENCE = 80.0
# Below this a "word" is a speck, a table border or a piece of a signature scribble,
# unless it looks like a word; it is left out of the text.
NOISE_CONFIDENCE = 40.0
# A "word" lower and narrower than this share of the page's typical word height is a
# speck of dust or the end of a table border, however confident Tesseract is about it.
SPECK_SHARE = 0.4
# A gap wider than this many line heights between two words of one row separates table
# cells or side-by-side columns (written as a tab, like a text layer's wide gap).
CELL_GAP_HEIGHTS = 1.6
# Two text lines belong to one row when their boxes overlap vertically by at least this
# share of the lower line's height (a table's cells are cut into separate blocks).
ROW_OVERLAP = 0.5

_TSV_FIELDS = 12
_VOWELS = set("aeiouyæøåéèêóòôáàâüöäœ")
# Punctuation a letter, a form or a minute uses; anything else in a text layer is odd.
_PLAIN_PUNCT = set(".,:;!?-–—()[]/'\"«»‘’“”%&§@#+*=_°½")
# Frequent words of Bokmål, Nynorsk and English: real text of a few dozen words always
# has some; a garbage layer of the same length almost never does.
_COMMON = frozenset(
    "og i på til av for med er som det den de at en et ei å om har vi kommune kommunen "
    "ikke ikkje eller fra frå vil skal kan seg sin sitt dei eit ein no nå ved the and of "
    "to in is for with dato sted stad namn navn tittel underskrift".split())
# Shares that separate text from junk; measured on text layers of letters, forms and
# minutes (word-like 0.7-0.95, common words 0.15-0.4, odd characters < 0.02).
_MIN_WORDLIKE = 0.4
_MIN_COMMON = 0.03
_MAX_ODD = 0.15
_JUDGE_TOKENS = 8          # fewer tokens than this say too little to call a layer junk
_JUDGE_COMMON_TOKENS = 30  # the common-word test needs a paragraph's worth of words


@dataclass(frozen=True)
class TsvWord:
    """One word of Tesseract's TSV output: text, confidence and box (pixels)."""

    text: str
    confidence: float
    left: int
    top: int
    width: int
    height: int
    line_key: tuple[int, int, int, int]   # page, block, paragraph, line

    @property
    def bottom(self) -> int:
        return self.top + self.height

    @property
    def right(self) -> int:
        return self.left + self.width


def parse_tsv(tsv: str) -> list[TsvWord]:
    """The words of a TSV page (level 5 rows with text); malformed rows are skipped."""
    words: list[TsvWord] = []
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < _TSV_FIELDS or cells[0] != "5":
            continue
        text = cells[11].replace("\f", "").strip()
        try:
            numbers = [int(c) for c in cells[1:10]]
            confidence = float(cells[10])
        except ValueError:
            continue
        if not text or confidence < 0:
            continue
        page, block, par, line, _word, left, top, width, height = numbers
        words.append(TsvWord(text, confidence, left, top, width, height, (page, block, par, line)))
    return words


def _wordlike(token: str) -> bool:
    """Letters only (inner hyphens allowed), a vowel, and a case pattern words have."""
    core = token.strip(".,:;!?()[]«»\"'‘’“”")
    if len(core) < 2 or not all(ch.isalpha() or ch == "-" for ch in core):
        return False
    if not _VOWELS & set(core.lower()):
        return False
    rest = core[1:].replace("-", "")
    return rest.islower() or core.replace("-", "").isupper() or not rest


def keep_word(word: TsvWord) -> bool:
    """False for specks, borders and scribble fragments read at low confidence."""
    if word.confidence >= NOISE_CONFIDENCE:
        return True
    alnum = sum(ch.isalnum() for ch in word.text)
    return _wordlike(word.text) or (alnum >= 2 and any(ch.isdigit() for ch in word.text))


def _rows(words: Sequence[TsvWord]) -> list[list[TsvWord]]:
    """Words grouped into visual rows, top to bottom, each row left to right."""
    lines: dict[tuple[int, int, int, int], list[TsvWord]] = {}
    for word in words:
        lines.setdefault(word.line_key, []).append(word)
    boxes = sorted(lines.values(), key=lambda ws: (min(w.top for w in ws) + max(w.bottom for w in ws)) / 2)
    rows: list[tuple[int, int, list[TsvWord]]] = []
    for line in boxes:
        top, bottom = min(w.top for w in line), max(w.bottom for w in line)
        if rows:
            row_top, row_bottom, row_words = rows[-1]
            overlap = min(bottom, row_bottom) - max(top, row_top)
            # Side by side, never one above the other: two lines of a paragraph that a
            # tilt makes overlap in height still share no stretch of the page's width.
            beside = not any(_spans_meet(line, w) for w in row_words)
            if beside and overlap >= ROW_OVERLAP * min(bottom - top, row_bottom - row_top):
                rows[-1] = (min(top, row_top), max(bottom, row_bottom), row_words + line)
                continue
        rows.append((top, bottom, list(line)))
    return [sorted(ws, key=lambda w: w.left) for _, _, ws in rows]


def _spans_meet(line: Sequence[TsvWord], word: TsvWord) -> bool:
    left, right = min(w.left for w in line), max(w.right for w in line)
    return word.left < right and left < word.right


def _row_text(row: Sequence[TsvWord]) -> str:
    height = statistics.median(w.height for w in row) or 1
    parts = [row[0].text]
    for before, word in zip(row, row[1:]):
        gap = word.left - before.right
        parts.append("\t" if gap > CELL_GAP_HEIGHTS * height else " ")
        parts.append(word.text)
    return "".join(parts)


def _specks(words: Sequence[TsvWord]) -> set[int]:
    """Indices of "words" far smaller than a letter in both directions: dust on the glass."""
    heights = sorted(w.height for w in words if w.confidence >= LOW_CONFIDENCE)
    if not heights:
        return set()
    small = SPECK_SHARE * heights[len(heights) // 2]
    return {i for i, w in enumerate(words) if w.height < small and w.width < small}


def page_words(words: Sequence[TsvWord]) -> list[TsvWord]:
    """The words that are text: without specks, borders and scribble fragments."""
    specks = _specks(words)
    return [w for i, w in enumerate(words) if i not in specks and keep_word(w)]


def layout_text(words: Sequence[TsvWord]) -> str:
    """The page's text, one visual row per line, table cells separated by tabs."""
    return "\n".join(_row_text(row) for row in _rows(page_words(words)))


def mean_confidence(words: Sequence[TsvWord | OcrWord]) -> float:
    """Confidence of a page, each word weighted by its length; 0 when nothing was read."""
    total = sum(len(w.text) for w in words)
    if not total:
        return 0.0
    return sum(w.confidence * len(w.text) for w in words) / total


# ----------------------------------------------------------------- junk or text

def _odd(ch: str) -> bool:
    if ch.isalnum():
        return unicodedata.category(ch).startswith("Co")   # private use: font garbage
    return ch not in _PLAIN_PUNCT


def is_junk_text(text: str) -> bool:
    """True when ``text`` is not language: control or odd characters, few word-like
    tokens, or a paragraph's worth of tokens without a single common word."""
    tokens = text.split()
    chars = [ch for ch in text if not ch.isspace()]
    if not chars:
        return True
    if sum(_odd(ch) for ch in chars) / len(chars) > _MAX_ODD:
        return True
    if len(tokens) < _JUDGE_TOKENS:
        return False
    if sum(_wordlike(t) for t in tokens) / len(tokens) < _MIN_WORDLIKE:
        return True
    if len(tokens) >= _JUDGE_COMMON_TOKENS:
        common = sum(t.strip(".,:;!?()").lower() in _COMMON for t in tokens)
        return common / len(tokens) < _MIN_COMMON
    return False


# ------------------------------------------------------------------ evidence

def _pieces(text: str) -> list[str]:
    return [p for p in re.split(r"[^\w]+", fold(text)) if p]


def _best_confidences(words: Sequence[OcrWord]) -> dict[str, float]:
    """Folded word piece -> the best confidence any OCR word containing it was read with."""
    best: dict[str, float] = {}
    for word in words:
        for piece in _pieces(word.text):
            best[piece] = max(best.get(piece, word.confidence), word.confidence)
    return best


def poorly_read(words: Sequence[OcrWord], facts: Iterable[tuple[str, str]],
                threshold: float = LOW_CONFIDENCE) -> tuple[str, ...]:
    """Which of ``facts`` ((what, text) pairs such as ("signer", "Kari Moen")) rest on a
    word OCR read below ``threshold``. A piece no OCR word holds came from a page's text
    layer (a document may mix both) and is not in doubt."""
    if not words:
        return ()
    best = _best_confidences(words)
    doubtful = [f"{what} {text}" for what, text in facts
                if any(best.get(piece, threshold) < threshold for piece in _pieces(text))]
    return tuple(dict.fromkeys(doubtful))


def with_doubts(analysis: DocumentAnalysis, text: DocumentText) -> DocumentAnalysis:
    """``analysis`` with ``low_confidence`` set from the OCR words of ``text``: the
    signers' names and the municipality names the document states (strong mentions)."""
    if not text.ocr_words:
        return analysis
    facts = [("signer", s.name) for s in analysis.signers]
    facts += [("municipality", m.matched) for m in analysis.mentions
              if m.source == "document" and m.strength == "strong"]
    doubts = poorly_read(text.ocr_words, facts)
    return replace(analysis, low_confidence=doubts) if doubts else analysis
