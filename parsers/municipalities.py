"""Find the municipalities a text names, and decide which one a submission is for.

Bare names collide with surnames and ordinary words (Lund, Strand, Berg, Vik, Nes, Bø,
Stad...), so a bare name is only ever a *weak* mention. A *strong* mention is a name in a
pattern that only a place fits: "<Name> kommune/herad/kommunestyre", a "Kommune:" form
label, a Sami or Kven "<Name> gielda/suohkan/kommuuni", or a homonym with its county.
``resolve`` looks at strong mentions only and refuses to guess.
"""
from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.naming import (  # the resolution half, kept importable from here
    LABEL_RE, QUALIFIER_RE, Resolution, conventional_domains, is_label_mention, name_parts, resolve,
)
from parsers.textnorm import (
    alternation, compact, fold, fold_words, levenshtein, original_span, text_lines,
)
from parsers.types import Mention, Municipality

__all__ = ["NameIndex", "Resolution", "conventional_domains", "is_label_mention", "name_parts",
           "resolve", "LABEL_RE", "QUALIFIER_RE", "SUFFIXES"]

# When one spelling names several things, the most official reading wins: a current
# name beats a parallel or short form, and any of those beats a former name, so "Nes"
# is today's Nes (3034), not the old Buskerud Nes that is now Nesbyen (3040).
_KIND_PRIORITY = ("name", "parallel", "herad", "short", "former")

# Words after a name that make it a place: municipality, council and their Sami
# (gielda, suohkan, tjïelte) and Kven (komuuni, also spelt kommuuni) forms, with
# definite and genitive endings.
SUFFIXES = (
    r"kommunes?|herads?|bystyret?|kommunestyret?|heradsstyret?|formannskap(?:et)?"
    r"|gielda|suohkan|tjielte|kommuuni|komuuni"
)
_SUFFIX_RE = re.compile(rf"(?<![\w-])(?:{SUFFIXES})(?!\w)")
_SUFFIX_AT = re.compile(rf"\s+(?:{SUFFIXES})(?!\w)")

# What may follow a label's value on the same line: the end, punctuation, or the next
# label of a form flattened onto one line. Anything else ("Kommune Nes har ...") means
# the line is prose, not a label.
_LABEL_END_RE = re.compile(
    r"\s*(?:$|[,;|/(.]|-\s|(?:sted|stad|dato|underskrift|navn|namn|tittel)\b)"
)

# Edit distance allowed for OCR slips inside a strong pattern, by length of the name:
# short names are too close to each other and to ordinary words to forgive anything.
_FUZZY_MIN_LEN = 5
_FUZZY_LONG_LEN = 8   # from this length on, two slips are forgiven instead of one
_FUZZY_MAX_WORDS = 3  # the longest name has three words ("Nore og Uvdal")
# Names this short are never targets, but a slip near one of them is too close to call.
_FUZZY_SHORTEST = 3
# How far to look for rivals: the widest allowance (2) plus one edit.
_FUZZY_SEARCH = 3
# How much farther than the match every other municipality must be. For a short name a
# rival one edit further is one more slip away, too close to call; a long name only
# needs to be the single nearest.
_SHORT_MARGIN = 2
_LONG_MARGIN = 1

# Plural forms that gather several names into one statement ("X og Y kommuner").
_PLURALS = r"kommuner|kommunar|kommunene|kommunane"
# Words of the case itself: a list beside them is what the document is about.
_CASE_WORDS = re.compile(
    r"signer|slutt(?:er|ar) seg|stiller seg bak|tilslutn|underteikn|undertegn|skriv(?:er)? under"
    r"|\bvedt|erklaering"
)

# Capitalised words that often stand before "kommune" and are not names; they must
# never become a fuzzy match ("Denne kommune", "Eigen kommune").
_FUZZY_STOPWORDS = frozenset("""
    denne dette hver kvar enhver annen anna andre samme same hele heile egen eigen
    vertskommune aktuelle enkelte einskilde norsk norske nabo liten lita stor var deres
    dykkar hvilken kva ingen alle fra fraa for til med
""".split())

# Bare names shorter than this (Bø, Os, Re, Ås, Ål) match initials, abbreviations and
# "RE:" so often that even a weak mention would be noise.
_WEAK_MIN_LEN = 3

# Pre-2020 county names still used in letterheads and signatures, mapped to the 2020
# county that replaced them.
_FORMER_COUNTIES = {
    "Østfold": "Viken", "Akershus": "Viken", "Buskerud": "Viken",
    "Hedmark": "Innlandet", "Oppland": "Innlandet",
    "Vestfold": "Vestfold og Telemark", "Telemark": "Vestfold og Telemark",
    "Aust-Agder": "Agder", "Vest-Agder": "Agder",
    "Hordaland": "Vestland", "Sogn og Fjordane": "Vestland",
    "Troms": "Troms og Finnmark", "Finnmark": "Troms og Finnmark",
    "Sør-Trøndelag": "Trøndelag", "Nord-Trøndelag": "Trøndelag",
}

@dataclass(frozen=True)
class _Entry:
    numbers: frozenset[str]
    alias_kind: str
    qualified: bool = False    # the spelling carries its county: "Våler (Østfold)"
    # Lesser readings set aside by _KIND_PRIORITY, kind per number: "Bø" is also the
    # former Bø i Telemark (3817), which a county named after it can bring back.
    others: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    numbers: frozenset[str]
    alias_kind: str
    strong: bool
    county: str | None = None
    text: str | None = None    # what was matched, when it spans more than the line


@dataclass(frozen=True)
class _Line:
    """One folded line and the folded positions where a capitalised word starts."""

    text: str
    caps: frozenset[int]


class NameIndex:
    """Every spelling of every municipality, folded, ready to search texts for."""

    def __init__(self, municipalities: Iterable[Municipality]) -> None:
        self._registry = {m.number: m for m in municipalities}
        spellings = _spellings(self._registry.values())
        self._entries = _entries(spellings)
        names = alternation(fold(s) for s, _, _ in spellings)
        self._name_re = re.compile(rf"(?<![\w-])(?:{names})(?!\w|-\w)")
        self._strong_re = re.compile(rf"(?<![\w-])(?:{names})\s+(?:{SUFFIXES})(?!\w)")
        item = rf"(?:{names})"
        self._list_re = re.compile(
            rf"(?<![\w-]){item}(?:\s*,\s*{item})*\s*,?\s+(?:og|samt)\s+{item}\s+(?:{_PLURALS})(?!\w)"
            rf"|(?<![\w-])(?:{_PLURALS})\s+{item}(?:\s*,\s*{item})*\s*,?\s+(?:og|samt)\s+{item}(?!\w)"
        )
        county_names = _county_names(self._registry.values())
        self._counties = {compact(k): v for k, v in county_names.items()}
        counties = alternation(fold(k) for k in county_names)
        self._county_re = re.compile(
            rf"\s*(?:,\s*|\s+i\s+|\s*\(\s*|\s+-\s+|\s+)({counties})(?!\w)(?:\s*\))?"
        )
        self._fuzzy_keys = [(k, e) for k, e in self._entries.items() if len(k) >= _FUZZY_SHORTEST]

    # ------------------------------------------------------------------ public

    def find(self, text: str, source: str) -> tuple[Mention, ...]:
        """Every mention in ``text``; ``source`` ("document", "subject", ...) is recorded."""
        mentions: list[Mention] = []
        # Underscores join words in filenames and fill blanks in forms; neither is a name.
        lines = text_lines(text.replace("_", " "))
        for i, raw in enumerate(lines):
            folded, origin, caps = fold_words(raw)
            if not folded:
                continue
            for hit in self._line_hits(_Line(folded, caps), lines, i):
                mentions.append(Mention(
                    numbers=hit.numbers,
                    matched=hit.text or original_span(raw, origin, hit.start, hit.end),
                    source=source,
                    strength="strong" if hit.strong else "weak",
                    alias_kind=hit.alias_kind,
                    county_hint=hit.county,
                ))
        return tuple(mentions)

    # ------------------------------------------------------------ line scanning

    def _line_hits(self, line: _Line, lines: list[str], index: int) -> list[_Hit]:
        strong = self._label_hits(line, lines, index)
        strong += [h for h in self._suffix_hits(line) if not _overlaps(h, strong)]
        strong += [h for h in self._fuzzy_hits(line, strong) if not _overlaps(h, strong)]
        weak = [h for h in self._bare_hits(line) if not _overlaps(h, strong)]
        return sorted(strong + weak + self._list_hits(line, lines, index), key=lambda h: h.start)

    def _list_hits(self, line: _Line, lines: list[str], index: int) -> list[_Hit]:
        """"Gran, Lunner og Jevnaker kommuner": one hit naming all of them (``list``).

        Strong only beside words of the case (signing, joining, the declaration): a list
        in a letterhead or a description of a partnership decides nothing. A homonym in
        the list makes it unusable: nobody can tell which of two places joined.
        """
        hits = []
        for m in self._list_re.finditer(line.text):
            entries = [self._entries[compact(n.group(0))] for n in self._name_re.finditer(m.group(0))
                       if compact(n.group(0)) in self._entries]
            if len(entries) < 2 or any(len(e.numbers) != 1 for e in entries):
                continue
            numbers = frozenset().union(*(e.numbers for e in entries))
            context = line.text + " " + (fold(lines[index + 1]) if index + 1 < len(lines) else "")
            hits.append(_Hit(m.start(), m.end(), numbers, "list", bool(_CASE_WORDS.search(context))))
        return hits

    def _label_hits(self, line: _Line, lines: list[str], index: int) -> list[_Hit]:
        label = LABEL_RE.match(line.text)
        if not label:
            return []
        # The label is part of what was matched: that is how ``resolve`` recognises the
        # form's own "Kommune:" field among other mentions.
        if label.end() < len(line.text):
            hit = self._value_at(line, label.end())
            return [_Hit(0, hit.end, hit.numbers, hit.alias_kind, True, hit.county)] if hit else []
        return self._label_value_on_next_line(lines, index)

    def _label_value_on_next_line(self, lines: list[str], index: int) -> list[_Hit]:
        """"Kommune" alone on a line (a table cell): the value is the next non-empty line."""
        raw = next((r for r in lines[index + 1: index + 3] if r.strip()), "")
        folded, origin, caps = fold_words(raw)
        hit = self._value_at(_Line(folded, caps), 0) if folded else None
        if hit is None or hit.end < len(folded.rstrip(" .,;")):
            return []
        text = f"{lines[index].strip()} {original_span(raw, origin, 0, hit.end)}"
        return [_Hit(0, len(fold(lines[index])), hit.numbers, hit.alias_kind, True, hit.county, text)]

    def _value_at(self, line: _Line, pos: int) -> _Hit | None:
        """A name (plus optional suffix and county) starting at ``pos`` and ending the value."""
        m = self._name_re.match(line.text, pos)
        if m:
            entry, end = self._entries[compact(m.group(0))], m.end()
        else:
            fuzzy = self._fuzzy_span_at(line, pos)
            if fuzzy is None:
                return None
            end, entry = fuzzy
        suffix = _SUFFIX_AT.match(line.text, end)
        end = suffix.end() if suffix else end
        numbers, kind, county, end = self._apply_county(entry, line.text, end)
        if not _LABEL_END_RE.match(line.text, end):
            return None
        return _Hit(pos, end, numbers, kind, True, county)

    def _suffix_hits(self, line: _Line) -> list[_Hit]:
        hits = []
        for m in self._strong_re.finditer(line.text):
            name = self._name_re.match(line.text, m.start())
            if name is None:
                continue
            entry = self._entries[compact(name.group(0))]
            numbers, kind, county, end = self._apply_county(entry, line.text, m.end())
            hits.append(_Hit(m.start(), end, numbers, kind, True, county))
        return hits

    def _bare_hits(self, line: _Line) -> list[_Hit]:
        hits = []
        for m in self._name_re.finditer(line.text):
            if m.start() not in line.caps:
                continue
            entry = self._entries[compact(m.group(0))]
            numbers, kind, county, end = self._apply_county(entry, line.text, m.end())
            # A name with its county ("Våler i Innlandet", "Bø i Telemark") is as
            # specific as "Våler kommune" would be, so it counts as strong.
            strong = entry.qualified or (county is not None and len(numbers) == 1)
            if strong or len(m.group(0)) >= _WEAK_MIN_LEN:
                hits.append(_Hit(m.start(), end, numbers, kind, strong, county))
        return hits

    def _fuzzy_hits(self, line: _Line, exact: list[_Hit]) -> list[_Hit]:
        """OCR slips before a suffix ("Aurlnad kommune") when only one place is near."""
        hits = []
        for suffix in _SUFFIX_RE.finditer(line.text):
            if any(h.start <= suffix.start() < h.end for h in exact):
                continue
            for start in _preceding_word_starts(line, suffix.start()):
                # "5tor-Elvdal": a name whose start OCR garbled is not the shorter name
                # left after it (Alvdal), so a span glued to what precedes it is skipped.
                if start and not line.text[start - 1].isspace():
                    continue
                entry = self._fuzzy_entry(line.text[start: suffix.start()])
                if entry is not None:
                    numbers, _, county, end = self._apply_county(entry, line.text, suffix.end())
                    hits.append(_Hit(start, end, numbers, "fuzzy", True, county))
                    break
        return hits

    def _fuzzy_span_at(self, line: _Line, pos: int) -> tuple[int, _Entry] | None:
        """A fuzzy name of one to three capitalised words starting at ``pos`` (label values)."""
        if pos not in line.caps:
            return None
        ends = [pos + m.end() for m in re.finditer(r"[^\W\d_]+", line.text[pos:])]
        for end in reversed(ends[:_FUZZY_MAX_WORDS]):
            entry = self._fuzzy_entry(line.text[pos:end])
            if entry is not None:
                return end, entry
        return None

    def _fuzzy_entry(self, cand: str) -> _Entry | None:
        cand = cand.strip(" -")
        key = compact(cand)
        if len(key) < _FUZZY_MIN_LEN or re.search(SUFFIXES, cand):
            return None
        if any(t in _FUZZY_STOPWORDS for t in re.split(r"[\s-]+", cand)):
            return None
        return _nearest_unique(key, self._fuzzy_keys)

    def _apply_county(self, entry: _Entry, text: str, end: int
                      ) -> tuple[frozenset[str], str, str | None, int]:
        """Narrow a name by a county named right after it ("Herøy kommune i Nordland").

        Only where the name has several readings: both Herøys, or today's Bø (Nordland)
        and the former Bø now in Midt-Telemark ("Bø kommune i Telemark").
        """
        readings = dict(entry.others) | {n: entry.alias_kind for n in entry.numbers}
        m = self._county_re.match(text, end) if len(readings) > 1 else None
        if not m:
            return entry.numbers, entry.alias_kind, None, end
        county = self._counties[compact(m.group(1))]
        narrowed = frozenset(n for n in readings if self._registry[n].county == county)
        if not narrowed:
            return entry.numbers, entry.alias_kind, county, m.end()
        kinds = {readings[n] for n in narrowed}
        return narrowed, kinds.pop() if len(kinds) == 1 else entry.alias_kind, county, m.end()


def _nearest_unique(key: str, names: list[tuple[str, _Entry]]) -> _Entry | None:
    """The one municipality ``key`` is an OCR slip of, or None.

    It must be the only one at the smallest distance, within the slips its length
    allows, and every other municipality (short names included) must be at least two
    edits further: then a second slip could not have made it another place's name.
    """
    nearest: dict[str, int] = {}     # number -> distance to its nearest spelling
    allowed: dict[str, int] = {}     # number -> distance to a spelling that may forgive it
    margin: dict[str, int] = {}      # number -> how much farther every rival must be
    for name, entry in names:
        distance = levenshtein(key, name, _FUZZY_SEARCH)
        if distance is None:
            continue
        forgives = distance <= (0 if len(name) < _FUZZY_MIN_LEN else 1 if len(name) < _FUZZY_LONG_LEN else 2)
        for number in entry.numbers:
            nearest[number] = min(nearest.get(number, distance), distance)
            if forgives and distance < allowed.get(number, _FUZZY_SEARCH + 1):
                allowed[number] = distance
                margin[number] = _SHORT_MARGIN if len(name) < _FUZZY_LONG_LEN else _LONG_MARGIN
    if not allowed:
        return None
    best = min(allowed.values())
    winners = [n for n, d in allowed.items() if d == best]
    if len(winners) != 1 or any(d < best + margin[winners[0]] for n, d in nearest.items() if n != winners[0]):
        return None
    return _Entry(frozenset(winners), "fuzzy")


def _overlaps(hit: _Hit, others: list[_Hit]) -> bool:
    return any(hit.start < o.end and o.start < hit.end for o in others)


def _preceding_word_starts(line: _Line, end: int) -> list[int]:
    """Starts of the spans of 1–3 words just before ``end``, longest first.

    Every word must be capitalised in the source, except "og" inside a name
    ("Nore og Uvdal"): a lower-case word before "kommune" is prose, not a name.
    """
    found = re.search(r"((?:[^\W\d_]+(?:\s*-\s*|\s+)){1,%d})$" % _FUZZY_MAX_WORDS,
                      line.text[:end])
    if not found:
        return []
    starts = [found.start() + w.start() for w in re.finditer(r"[^\W\d_]+", found.group(1))]
    return [s for i, s in enumerate(starts) if s in line.caps and all(
        t in line.caps or line.text.startswith("og ", t) for t in starts[i + 1:])]


def _spellings(municipalities: Iterable[Municipality]) -> list[tuple[str, str, str]]:
    """(spelling, number, kind) for names, display names, name parts and aliases."""
    out = []
    for m in municipalities:
        out.append((m.name, m.number, "name"))
        # A qualified display name ("Herøy (Nordland)") is found as the bare name plus a
        # county hint, which also marks it strong; indexing it whole would hide the hint.
        if not QUALIFIER_RE.search(m.display_name):
            out.append((m.display_name, m.number, "name"))
        out.extend((part, m.number, "parallel") for part in name_parts(m.name))
        out.extend((alias, m.number, kind if kind in _KIND_PRIORITY else "short")
                   for alias, kind in m.aliases)
    return out


def _entries(spellings: list[tuple[str, str, str]]) -> dict[str, _Entry]:
    by_key: dict[str, dict[str, set[str]]] = {}
    for spelling, number, kind in spellings:
        by_key.setdefault(compact(spelling), {}).setdefault(kind, set()).add(number)
    qualified = {compact(s) for s, _, _ in spellings
                 if QUALIFIER_RE.search(s) or re.search(r"\s+i\s+\S", s)}
    entries = {}
    for key, kinds in by_key.items():
        kind = next(k for k in _KIND_PRIORITY if k in kinds)
        others = tuple(sorted((n, k) for k, ns in kinds.items() for n in ns - kinds[kind]))
        entries[key] = _Entry(frozenset(kinds[kind]), kind, key in qualified, others)
    return entries


def _county_names(municipalities: Iterable[Municipality]) -> dict[str, str]:
    """Every spelling of a county (2020 and former names) → its 2020 county."""
    counties = {m.county for m in municipalities}
    table = {c: c for c in counties}
    table.update({old: new for old, new in _FORMER_COUNTIES.items() if new in counties})
    return table
