"""Find who signed a declaration: a person name paired with a signing title.

Only the titles that sign for a municipality count (ordfører, varaordfører, rådmann,
kommunedirektør, kommunalsjef and their acting/assistant forms): the adviser who writes a
cover letter ("Rådgjevar", "Konsulent") is not a signer. Titles come out in Bokmål
("ordførar" → "ordfører") so that one signer reads the same in every document.

Layouts understood, all line- or cell-based (a wide gap splits a line into cells):
  Name / Title on the next line         "Kari Moen" then "Ordførar"
  labelled fields                       "Namn: Kari Moen" ... "Tittel: Ordførar"
  a title as label                      "Ordfører:" then "Kari Moen"
  one line                              "Kari Moen, ordfører" / "Ordfører Kari Moen"
  side by side                          "Bjørn Dahl  Astrid Tangen" over "Ordfører  Rådmann"
Whenever a title could belong to two names, nobody is returned: staff will look.
"""
from __future__ import annotations

import itertools
import re

from parsers.textnorm import fold, split_cells, trim_noise
from parsers.types import Signer

_BASE_TITLES = {
    "varaordfor": "varaordfører",
    "ordfor": "ordfører",
    "radmann": "rådmann",
    "kommunedirektor": "kommunedirektør",
    "kommunalsjef": "kommunalsjef",
}
# Acting and assistant forms; the Nynorsk spellings map to the Bokmål ones.
_PREFIXES = {"fung": "fungerende", "konst": "konstituert"}
_ASSISTANT = "assisterende"
_ASSISTED_BASES = frozenset({"rådmann", "kommunedirektør"})

_TITLE_RE = re.compile(
    r"(?:(?P<prefix>fung(?:erende|erande)?|konst(?:ituert)?)(?:\.\s*|\s+))?"
    r"(?:(?P<assist>ass(?:isterende|isterande)?)(?:\.\s*|\s+))?"
    r"(?P<base>vara\s*-?\s*ordfor(?:er|ar)|ordfor(?:er|ar)|radmann|kommunedirektor"
    r"|kommunalsjef)(?!\w)"
)
# Between two titles printed on one line ("Ordfører  Rådmann", "Ordførar og rådmann").
_TITLE_GAP_RE = re.compile(r"\s*(?:[,/&]|\bog\b)?\s*")
# After a single title: where the office is held ("Ordfører i Gol kommune", "i Gol").
_TITLE_TAIL_RE = re.compile(
    r"\s*(?:,\s*|i\s+|for\s+)[^\W\d_]+(?:[\s-]+[^\W\d_]+){0,4}\s*\.?$"
)

# Field labels; a parenthesis may follow ("Navn (blokkbokstaver):").
_NAME_LABEL_RE = re.compile(
    r"^(?:navn|namn)(?:\s+og\s+(?:tittel|stilling))?(?:\s*\([^)]*\))?\s*[:.]?(?:\s+|$)"
)
_TITLE_LABEL_RE = re.compile(r"^(?:tittel|stilling)(?:\s*\([^)]*\))?\s*[:.]?(?:\s+|$)")
# Between a name and its title on one line: "Kari Moen, ordfører", "Kari Moen – ordfører".
_NAME_TITLE_SEP_RE = re.compile(r"\s*,\s*|\s+[-\u2013\u2014/]\s+")
_LABEL_COLON_RE = re.compile(r"[^\W\d_]\s*:[\s|_.]*$")
# Between two names side by side: "Kari Moen og Per Hansen".
_NAME_JOIN_WORDS = frozenset({"og", "&", "and"})
_SIGN_NOTE_RE = re.compile(r"\s*\(?\bsign(?:ert|ed)?\b\.?\)?\s*$", re.IGNORECASE)

_INITIAL_RE = re.compile(r"[^\W\d_](?:\.(?:-[^\W\d_]\.)?)?")
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_PARTICLES = frozenset({"van", "von", "de", "der", "af", "da", "di", "la", "le"})
_NAME_MIN_TOKENS = 2
_NAME_MAX_TOKENS = 5   # "Anne Marie Strand Holm Andersen" is about the longest we see

# Folded words that never occur in a person's name but do occur on the lines that sit
# above or beside a title: roles, salutations, form labels, places and document words.
_NOT_NAME_WORDS = frozenset("""
    ordforer ordforar ordforaren ordforeren varaordforer varaordforar radmann radmannen
    kommunedirektor kommunedirektoren kommunalsjef assisterende assisterande fungerende
    fungerande konstituert radgiver radgjevar seniorradgiver seniorradgjevar konsulent
    sekretaer saksbehandlar saksbehandler leder leiar direktor sjef postmottak arkiv
    kommune kommunen herad heradet fylke fylkeskommune stat staten departementet
    med vennlig vennleg hilsen helsing hilsener beste mvh hei takk regards kind best
    navn namn tittel stilling underskrift signatur signert sign sted stad dato og for
    fra til av i pa dokumentet vedlegg side akson intensjonserklaering erklaering
    erklaeringa erklaeringen journal helse omsorg postboks telefon tlf epost org kontor
    radhus saksprotokoll vedtak utval utvalg kommunestyret formannskapet heradsstyret
    bystyret nord sor ost vest midt nordre sondre ostre vestre ovre nedre indre ytre
    midtre store lille januar februar mars april mai juni juli august september oktober
    november desember
""".split())


def find_signers(text: str) -> tuple[Signer, ...]:
    """Every (name, title) pair that signs for a municipality, in reading order."""
    rows = [[c for c in map(_trim, split_cells(line)) if c] for line in text.splitlines()]
    stream = [(r, c) for r, cells in enumerate(rows) for c in range(len(cells))]
    found: list[tuple[tuple[int, int], Signer]] = []
    found += _under_name_signers(rows)
    found += _label_signers(rows, stream)
    found += _title_label_signers(rows, stream)
    found += _one_cell_signers(rows, stream)
    seen: set[str] = set()
    out = []
    for _, signer in sorted(found, key=lambda f: f[0]):
        key = fold(signer.name)
        if key not in seen:
            seen.add(key)
            out.append(signer)
    return tuple(out)


def _trim(cell: str) -> str:
    """Trim OCR noise, but keep a label's colon: "Ordfører:" labels the name below it."""
    trimmed = trim_noise(cell)
    return trimmed + ":" if trimmed and _LABEL_COLON_RE.search(cell) else trimmed


# ------------------------------------------------------------------ titles

def parse_titles(cell: str) -> list[str] | None:
    """The signing titles a cell consists of ("Ordfører Rådmann" → two), else None."""
    text = fold(cell).rstrip(" .")
    titles, pos = [], 0
    while pos < len(text):
        m = _TITLE_RE.match(text, pos)
        if not m:
            tail = len(titles) == 1 and _TITLE_TAIL_RE.fullmatch(text, pos)
            return titles if tail else None
        title = _canonical_title(m)
        if title is None:
            return None
        titles.append(title)
        pos = _TITLE_GAP_RE.match(text, m.end()).end()
    return titles or None


def _canonical_title(m: re.Match[str]) -> str | None:
    base_text = re.sub(r"[\s-]+", "", m.group("base"))
    base = next(v for k, v in _BASE_TITLES.items() if base_text.startswith(k))
    words = []
    if m.group("prefix"):
        words.append(next(v for k, v in _PREFIXES.items() if m.group("prefix").startswith(k)))
    if m.group("assist"):
        if base not in _ASSISTED_BASES:
            return None
        words.append(_ASSISTANT)
    return " ".join([*words, base])


def _single_title(cell: str) -> str | None:
    titles = parse_titles(cell)
    return titles[0] if titles and len(titles) == 1 else None


# ------------------------------------------------------------------- names

def person_name(text: str) -> str | None:
    """``text`` as a person's name ("MARI BREKKE" → "Mari Brekke"), or None."""
    text = _SIGN_NOTE_RE.sub("", text).strip(" \t,;")
    if re.search(r"[\d@:_/|=<>\[\]{}()\"]|\.\.", text):
        return None
    tokens = text.split()
    if not _NAME_MIN_TOKENS <= len(tokens) <= _NAME_MAX_TOKENS:
        return None
    if not _caps_ok(tokens) or not all(_name_token_ok(t, i, len(tokens)) for i, t in enumerate(tokens)):
        return None
    if sum(1 for t in tokens if _WORD_RE.fullmatch(t) and len(t) > 1) < 2:
        return None
    return " ".join(_recase(t) if _shouty(t) else t for t in tokens)


def _name_token_ok(tok: str, index: int, count: int) -> bool:
    last = index == count - 1
    if _INITIAL_RE.fullmatch(tok) and tok[0].isupper():
        return not last       # "Tove J. Karlsen": an initial never ends a name
    if tok in _PARTICLES:
        return 0 < index and not last
    if not _WORD_RE.fullmatch(tok):
        return False
    for part in re.split(r"[-'’]", tok):
        if fold(part) in _NOT_NAME_WORDS or not part[0].isupper():
            return False
    return True


def _caps_ok(tokens: list[str]) -> bool:
    """Capitals only for a whole name or for its surname end ("Kari MOEN").

    "NAV Kontor", "HOD Postmottak" start with an acronym: not a person.
    """
    # Initials ("H.") are capitals either way and say nothing about the style.
    shouty = [_shouty(t) for t in tokens if not _INITIAL_RE.fullmatch(t)]
    if all(shouty) or not any(shouty):
        return True
    first = shouty.index(True)
    return first > 0 and all(shouty[first:])


def _shouty(token: str) -> bool:
    letters = [ch for ch in token if ch.isalpha()]
    return len(letters) > 1 and all(ch.isupper() for ch in letters)


def _recase(token: str) -> str:
    return re.sub(r"[^\W\d_]+", lambda m: m.group(0)[0] + m.group(0)[1:].lower(), token)


def split_names(text: str, count: int) -> list[str] | None:
    """Split one line into ``count`` names, when only one way of doing it is valid."""
    tokens = text.split()
    if count == 1:
        name = person_name(text)
        return [name] if name else None
    joins = [i for i, t in enumerate(tokens) if t.lower() in _NAME_JOIN_WORDS]
    if len(joins) == count - 1:
        bounds = [-1, *joins, len(tokens)]
        names = [person_name(" ".join(tokens[a + 1:b])) for a, b in zip(bounds, bounds[1:])]
        return names if all(names) else None
    valid = []
    for sizes in itertools.product(range(_NAME_MIN_TOKENS, _NAME_MAX_TOKENS + 1), repeat=count):
        if sum(sizes) != len(tokens):
            continue
        bounds = list(itertools.accumulate(sizes, initial=0))
        names = [person_name(" ".join(tokens[a:b])) for a, b in zip(bounds, bounds[1:])]
        if all(names):
            valid.append(names)
    # Two valid splits ("Anne Strand Andersen Kari Moen") means we cannot tell where
    # one name ends: return nothing rather than a wrong pair.
    return valid[0] if len(valid) == 1 else None


# ----------------------------------------------------------------- layouts

def _previous_row(rows: list[list[str]], r: int) -> int | None:
    for p in range(r - 1, -1, -1):
        if rows[p]:
            return p
    return None


def _title_row(cells: list[str]) -> list[str] | None:
    per_cell = [parse_titles(c) for c in cells]
    return [t for ts in per_cell for t in ts] if cells and all(per_cell) else None


def _under_name_signers(rows: list[list[str]]) -> list[tuple[tuple[int, int], Signer]]:
    """A row of titles under a row of names; or, in a mixed row, a title after a name."""
    found = []
    paired: set[int] = set()
    for r, cells in enumerate(rows):
        titles = _title_row(cells)
        if titles:
            p = _previous_row(rows, r)
            names = _names_for(rows[p], len(titles)) if p is not None else None
            q = _previous_row(rows, p) if names else None
            # "Ordfører / Kari Moen / Rådmann / Per Hansen" prints titles *above* names:
            # a name between an unpaired title and this one may belong to either.
            if names and not (q is not None and _title_row(rows[q]) and q not in paired):
                paired.add(r)
                found += [((p, i), Signer(n, t)) for i, (n, t) in enumerate(zip(names, titles))]
            continue
        for c in range(1, len(cells)):   # a form flattened onto one line of cells
            title = _single_title(cells[c])
            name = person_name(cells[c - 1]) if title else None
            # "Ordfører  Kari Moen  Rådmann  Per Hansen": titles may stand before names.
            if name and not (c >= 2 and parse_titles(cells[c - 2])):
                found.append(((r, c - 1), Signer(name, title)))
    return found


def _names_for(cells: list[str], count: int) -> list[str] | None:
    if len(cells) == count:
        names = [person_name(c) for c in cells]
        return names if all(names) else None
    if len(cells) == 1:
        return split_names(cells[0], count)
    if count == 1:   # "Gol, 12.05.2020    Kari Moen" on one row above "Ordfører"
        names = [n for n in map(person_name, cells) if n]
        # Two names over one title: we cannot see which one the title stands under.
        return names if len(names) == 1 else None
    return None


def _label_signers(rows: list[list[str]], stream: list[tuple[int, int]]
                   ) -> list[tuple[tuple[int, int], Signer]]:
    """"Navn/Namn" fields paired with the "Tittel/Stilling" fields that follow them.

    Names and titles pair in order within a run of names followed by a run of titles
    (N T N T, or N N T T for side-by-side fields), and only when the counts agree: with
    two names and one title we cannot tell whose title it is.
    """
    found = []
    groups: list[tuple[list, list]] = [([], [])]
    for i, (r, c) in enumerate(stream):
        cell = rows[r][c]
        folded = fold(cell)
        if m := _NAME_LABEL_RE.match(folded):
            value = _label_value(rows, stream, i, cell, m.end())
            if " og " in m.group(0):            # "Navn og tittel: Kari Moen, ordfører"
                signer = _name_and_title(value or "")
                found += [((r, c), signer)] if signer else []
                continue
            if groups[-1][1]:
                groups.append(([], []))
            # A blank field ("Navn: ______") keeps its place, so the next title is not
            # given to the wrong person.
            groups[-1][0].append(((r, c), person_name(value) if value else None))
        elif m := _TITLE_LABEL_RE.match(folded):
            value = _label_value(rows, stream, i, cell, m.end())
            groups[-1][1].append(_single_title(value) if value else None)
    for names, titles in groups:
        if len(names) == len(titles):
            found += [(pos, Signer(n, t)) for (pos, n), t in zip(names, titles) if n and t]
    return found


def _label_value(rows: list[list[str]], stream: list[tuple[int, int]], i: int,
                 cell: str, folded_end: int) -> str | None:
    """The text after a label, or the next cell when the label stands alone."""
    value = trim_noise(_after_folded_prefix(cell, folded_end))
    if value:
        return value
    for r, c in stream[i + 1: i + 2]:
        nxt = rows[r][c]
        if not (_NAME_LABEL_RE.match(fold(nxt)) or _TITLE_LABEL_RE.match(fold(nxt))):
            return nxt
    return None


def _after_folded_prefix(cell: str, folded_len: int) -> str:
    """The part of ``cell`` after the characters that fold to its first ``folded_len``."""
    for i in range(len(cell) + 1):
        if len(fold(cell[:i] + "x")) - 1 >= folded_len:
            return cell[i:]
    return ""


def _name_and_title(cell: str) -> Signer | None:
    """"Kari Moen, ordfører", "Kari Moen – ordfører" or "Kari Moen (ordfører)"."""
    paren = re.fullmatch(r"(.+?)\s*\(([^()]+)\)", cell)
    if paren:
        name, title = person_name(paren.group(1)), _single_title(paren.group(2))
        return Signer(name, title) if name and title else None
    for sep in reversed(list(_NAME_TITLE_SEP_RE.finditer(cell))):
        name, title = person_name(cell[:sep.start()]), _single_title(cell[sep.end():])
        if name and title:
            return Signer(name, title)
    return None


def _title_then_name(cell: str) -> Signer | None:
    """"Ordfører Kari Moen", "Ordførar: Kari Moen"."""
    m = _TITLE_RE.match(fold(cell))
    title = _canonical_title(m) if m else None
    if not title:
        return None
    name = person_name(_after_folded_prefix(cell, m.end()).lstrip(" :"))
    return Signer(name, title) if name else None


def _title_label_signers(rows: list[list[str]], stream: list[tuple[int, int]]
                         ) -> list[tuple[tuple[int, int], Signer]]:
    """"Ordfører:" as a field label, the name in the next cell ("Ordfører:\nKari Moen")."""
    found = []
    for i, (r, c) in enumerate(stream):
        cell = rows[r][c]
        title = _single_title(cell[:-1]) if cell.endswith(":") else None
        if title and i + 1 < len(stream):
            nr, nc = stream[i + 1]
            name = person_name(rows[nr][nc])
            if name:
                found.append(((nr, nc), Signer(name, title)))
    return found


def _one_cell_signers(rows: list[list[str]], stream: list[tuple[int, int]]
                      ) -> list[tuple[tuple[int, int], Signer]]:
    """A name and a title sharing one cell, in either order."""
    found = []
    for r, c in stream:
        signer = _name_and_title(rows[r][c]) or _title_then_name(rows[r][c])
        if signer:
            found.append(((r, c), signer))
    return found
