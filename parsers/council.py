"""How council decisions, declines and postponements weigh in the decision.

``decide`` asks three things of a message's documents: does one of them say no, does
one put the decision off, and what must staff know about a council's decision. Minutes
answer from the decision they record (``parsers.minutes``); other documents from their
whole text (``classify.declines`` / ``classify.postpones``).

A postponement ("Saka vert utsett", "vi tek stilling etter sommaren") is neither a
signature nor a final no: the municipality may still sign, so it is never recorded as a
decline automatically. Minutes that postpone stay a council decision; a letter or mail
that postpones is a decline held for staff with the reason ``postponed``.
"""
from __future__ import annotations

from dataclasses import replace

from parsers.types import Decision, DocumentAnalysis, Mention, Municipality

# Reason strings, in the style of interface.md's.
DECISION_ONLY = "decision_without_declaration"
CONDITIONAL = "conditional_decision"
POSTPONED = "postponed"
CONFLICTING = "conflicting_decision"
NOT_FINAL = "not_final_decision"
NEAR_SPELLING = "municipality_near_spelling_only"
SEVERAL = "several_municipalities"

_CLEAR = ("positive", "negative", "postponed")


def says_no(doc: DocumentAnalysis) -> bool:
    """The document refuses to sign (minutes: their decision refuses)."""
    if doc.minutes is not None and doc.minutes.polarity in _CLEAR:
        return doc.minutes.polarity == "negative"
    return doc.declines and not doc.postpones


def puts_off(doc: DocumentAnalysis) -> bool:
    """The document postpones the decision (minutes: their decision postpones)."""
    if doc.minutes is not None and doc.minutes.polarity in _CLEAR:
        return doc.minutes.polarity == "postponed"
    return doc.postpones


def first(docs: list[DocumentAnalysis], test) -> DocumentAnalysis | None:
    return next((d for d in docs if not d.problem and test(d)), None)


def against_the_form(form: DocumentAnalysis, docs: list[DocumentAnalysis]) -> bool:
    """Another document of the message refuses or postpones what the form signs."""
    return any(d is not form and not d.problem and (says_no(d) or puts_off(d)) for d in docs)


def decision_reasons(main: DocumentAnalysis | None, docs: list[DocumentAnalysis]) -> list[str]:
    """Why minutes alone (no signed form) wait for staff."""
    reasons = ["not_signed", DECISION_ONLY]
    facts = main.minutes if main is not None else None
    if facts is not None:
        if facts.conditional:
            reasons.append(CONDITIONAL)
        if facts.polarity == "postponed":
            reasons.append(POSTPONED)
        if not facts.final:
            reasons.append(NOT_FINAL)
    # A form that could not be read may be the signed one: staff must open it.
    reasons += [d.problem for d in docs if d.problem and d is not main]
    return reasons


def decline_reasons(main: DocumentAnalysis | None, postponed: bool) -> list[str]:
    """Why a decline is not recorded automatically, beyond the accept rule's own checks."""
    if postponed:
        return [POSTPONED]
    if main is not None and main.minutes is not None and not main.minutes.final:
        return [NOT_FINAL]
    return []


def council_evidence(main: DocumentAnalysis | None, docs: list[DocumentAnalysis]) -> dict | None:
    """The council's decision staff should see: the decisive minutes', else the first's."""
    minutes = [d for d in docs if d.minutes is not None and not d.problem]
    chosen = main if main is not None and main.minutes is not None else (minutes[0] if minutes else None)
    if chosen is None:
        return None
    return {"document": chosen.filename, **chosen.minutes.as_dict()}


def name_notes(mentions: tuple[Mention, ...], registry: tuple[Municipality, ...]) -> list[dict]:
    """Mentions by a name other than today's: a merger, a parallel name, an OCR slip."""
    names = {m.number: m.name for m in registry}
    notes, seen = [], set()
    for m in mentions:
        if m.alias_kind in ("name", "short", "list") or m.strength != "strong":
            continue
        key = (m.matched, m.alias_kind)
        if key in seen:
            continue
        seen.add(key)
        now = [f"{n} {names.get(n, '')}".strip() for n in sorted(m.numbers)]
        note = {"former": "former municipality, merged into the one of 2020",
                "parallel": "parallel (Sami, Kven or other official) name",
                "herad": "herad form of the name",
                "fuzzy": "near spelling (OCR slip or inflected form) of the name"}.get(m.alias_kind, m.alias_kind)
        notes.append({"matched": m.matched, "kind": m.alias_kind, "municipalities": now, "note": note})
    return notes


def near_spelling_only(mentions: tuple[Mention, ...], number: str) -> bool:
    """Every strong mention of ``number`` is a near spelling (``alias_kind`` fuzzy)."""
    kinds = {m.alias_kind for m in mentions if m.strength == "strong" and number in m.numbers}
    return kinds == {"fuzzy"}


def covered(main: DocumentAnalysis | None) -> frozenset[str]:
    """The municipalities a joint document speaks for, or nothing when it speaks for one.

    Joint means a strong list ("Gran, Lunner og Jevnaker kommuner slutter seg til") and
    no strong mention of a place outside the list: a form that also names a fourth
    municipality is ambiguous, not joint.
    """
    if main is None:
        return frozenset()
    lists = [m.numbers for m in main.mentions
             if m.alias_kind == "list" and m.strength == "strong" and len(m.numbers) > 1]
    if not lists:
        return frozenset()
    together = frozenset().union(*lists)
    outside = [m for m in main.mentions if m.strength == "strong" and m.alias_kind != "list"
               and not m.numbers & together]
    return frozenset() if outside else together


def per_municipality(decision: Decision) -> tuple[Decision, ...]:
    """One decision per municipality a joint document covers; the decision itself otherwise.

    Each part keeps the whole evidence and goes to staff: a joint document is signed for
    several councils at once, and whether each signer may bind each of them is for a
    person to judge. The order is fixed (by number) so that processing again gives the
    same parts.
    """
    numbers = decision.evidence.get("municipalities_covered") or []
    if len(numbers) < 2:
        return (decision,)
    return tuple(replace(decision, municipality_number=n,
                         evidence={**decision.evidence, "part_of_joint_document": n})
                 for n in sorted(numbers))
