"""What names decide: the one municipality strong mentions agree on, and mail domains.

The finding half (``municipalities.NameIndex``) turns text into mentions; this half
judges them: ``resolve`` refuses to guess between municipalities, and
``conventional_domains`` derives "<name>.kommune.no" only where the name is unique.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from parsers.textnorm import compact, fold
from parsers.types import Mention, Municipality

# Form labels that introduce the municipality's name ("Kommune: X", "Kommunenavn X").
LABEL_RE = re.compile(
    r"^[^\w]*(?:kommunens? (?:navn|namn)|kommunenavn|kommunenamn|na[vm]n pa kommunen"
    r"|kommune)(?:\s*[:.]\s*|\s+|$)"
)

QUALIFIER_RE = re.compile(r"\s*\([^)]*\)\s*$")
_PART_SEP_RE = re.compile(r"\s+-\s+")


def name_parts(name: str) -> list[str]:
    """The parts of a multilingual name ("Deatnu - Tana" → Deatnu, Tana), or []."""
    parts = _PART_SEP_RE.split(name)
    return parts if len(parts) > 1 else []


@dataclass(frozen=True)
class Resolution:
    """Which municipality a set of mentions points to, or why there is none."""

    number: str | None
    reason: str | None                 # "unknown_municipality" / "ambiguous_municipality"
    candidates: frozenset[str] = frozenset()


# ----------------------------------------------------------------- resolution

def is_label_mention(mention: Mention) -> bool:
    """True for the form's own "Kommune: X" field (its label is part of ``matched``)."""
    return mention.strength == "strong" and bool(LABEL_RE.match(fold(mention.matched)))


def resolve(mentions: Iterable[Mention], *, sender_numbers: frozenset[str]) -> Resolution:
    """The one municipality the strong mentions agree on, or why there is none.

    A homonym (Herøy, Våler) is narrowed by its county hint (``find`` applies it) or by
    the sender's trusted domain. Several different municipalities are ambiguous unless
    exactly one of them is the sender's and it is also the one in the form's "Kommune:"
    field or, with no such field, the one named most often.
    """
    strong = [m for m in mentions if m.strength == "strong" and m.alias_kind != "list"]
    if not strong:
        return Resolution(None, "unknown_municipality")
    sets = [_narrow(m.numbers, sender_numbers) for m in strong]
    candidates = frozenset().union(*sets)
    definite = Counter(next(iter(s)) for s in sets if len(s) == 1)
    # A homonym is explained when a definite mention picks one of its readings
    # ("Herøy kommune" next to "Herøy (Nordland)"); otherwise it stays ambiguous.
    if not definite or any(len(s) > 1 and not s & definite.keys() for s in sets):
        return Resolution(None, "ambiguous_municipality", candidates)
    if len(definite) == 1:
        return Resolution(next(iter(definite)), None, candidates)
    winner = _sender_tiebreak(strong, sets, definite, sender_numbers)
    if winner is None:
        return Resolution(None, "ambiguous_municipality", candidates)
    return Resolution(winner, None, candidates)


def _narrow(numbers: frozenset[str], sender_numbers: frozenset[str]) -> frozenset[str]:
    if len(numbers) > 1 and len(numbers & sender_numbers) == 1:
        return numbers & sender_numbers
    return numbers


def _sender_tiebreak(strong: list[Mention], sets: list[frozenset[str]],
                     definite: Counter[str], sender_numbers: frozenset[str]) -> str | None:
    ours = [n for n in definite if n in sender_numbers]
    if len(ours) != 1:
        return None
    winner = ours[0]
    labelled = {next(iter(s)) for m, s in zip(strong, sets) if len(s) == 1 and is_label_mention(m)}
    if labelled:
        return winner if labelled == {winner} else None
    (first, top), (_, second) = definite.most_common(2)
    return winner if first == winner and top > second else None


# ------------------------------------------------------------------- domains

def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(QUALIFIER_RE.sub("", name))).strip("-")


def conventional_domains(municipalities: Iterable[Municipality]) -> dict[str, frozenset[str]]:
    """"<slug>.kommune.no" → number, for current and parallel names that are unique.

    A name borne by two municipalities (Herøy, Våler), or a slug two municipalities
    would both produce, says nothing about who owns the domain, so it is left out;
    so are former names, whose domains may have been retired or handed on.
    """
    munis = list(municipalities)
    name_count = Counter(compact(QUALIFIER_RE.sub("", m.name)) for m in munis)
    owners: dict[str, set[str]] = {}
    for m in munis:
        legal = QUALIFIER_RE.sub("", m.name)
        if name_count[compact(legal)] > 1:
            continue
        spellings = [legal, *name_parts(legal)]
        spellings += [alias for alias, kind in m.aliases if kind == "parallel"]
        for spelling in spellings:
            if _slug(spelling):
                owners.setdefault(f"{_slug(spelling)}.kommune.no", set()).add(m.number)
    return {domain: frozenset(nums) for domain, nums in owners.items() if len(nums) == 1}
