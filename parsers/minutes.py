"""Read what a council decided from its minutes (saksprotokoll, møtebok, særutskrift).

Minutes hold several texts that look like a decision: the administration's proposal
("Innstilling", "Tilråding", "Forslag til vedtak"), motions from members, the vote, and
the decision itself ("Vedtak i kommunestyret:", "Heradsstyret sitt vedtak"). Only the
last is what the municipality decided, so polarity and conditions are read from that
section; the proposal counts only when the vote says it was adopted unchanged.
"""
from __future__ import annotations

import datetime as dt
import re

from parsers import classify
from parsers.dates import parse_date
from parsers.textnorm import fold, text_lines
from parsers.types import CouncilDecision, DocKind

# Bodies that decide (or recommend) in a municipality; the definite forms are those the
# minutes print ("Vedtak i heradsstyret").
_BODY = re.compile(
    r"\b(?:kommunestyre|bystyre|heradsstyre|formannskap|eldrerad|hovudutval|hovedutvalg"
    r"|utval for \w+|utvalg for \w+|regionrad|representantskap)\w*"
)
# A decision heading is short and names the decision, not a proposal of one.
_DECISION_HEAD = re.compile(
    r"^(?:endelig\s+|ks-?\s*|fsk-?\s*|hs-?\s*|bs-?\s*)?vedtak\b"
    r"|^\S+(?:s|\s+sitt|\s+sin)\s+vedtak\b"
)
_PROPOSAL_HEAD = re.compile(
    r"^(?:\S+(?:s|\s+sitt|\s+si|\s+sin)\s+)?(?:innstilling|tilrading|forslag til vedtak"
    r"|framlegg til vedtak|innstilling til vedtak)\b|\b(?:forslag|framlegg) til vedtak\b"
)
# Headings that end a section.
_OTHER_HEAD = re.compile(
    r"^(?:behandling|handsaming|votering|avroysting|roysting|saksopplysning\w*|saksutgreiing"
    r"|vurdering|vedlegg|rett utskrift|utskriftens riktighet|utskrifta er|bekreftet utskrift"
    r"|for riktig utskrift|dokumenter|saksprotokoll|motebok|saerutskrift|protokoll"
    r"|ps\s*\d|sak\s*\d|saksnr|arkivsak|underskrift|innstilling|tilrading|forslag til vedtak)\b"
)
_HEAD_MAX = 70          # a heading is a short line; a longer one is a sentence of the text
_SECTION_MAX_LINES = 30  # a decision runs to a few paragraphs at most
# The vote on a proposal: adopted, or voted down (then the proposal is not the decision).
_ADOPTED = re.compile(r"\b(?:vedtatt|vedteke|vedteken|vedtekne|samroystes|enstemmig|einstemmig)\b")
_REJECTED = re.compile(r"\b(?:falt|fall|forkastet|forkasta|nedstemt|nedroysta|ikke vedtatt|ikkje vedteke)\b")

# What a positive decision says: to sign, join, or let the mayor sign.
_POSITIVE = re.compile(
    r"\b(?:signerer|signerar|underteiknar|undertegner|underskriver|tiltrer|tiltrar)\b"
    r"|\bslutt(?:er|ar) seg til\b|\bstiller seg bak\b|\bgir (?:si |sin )?tilslutn(?:ing|ad)\b"
    r"|\bskriv(?:er)? under\b|\bvil (?:signere|underteikne|undertegne|skrive under)\b"
    r"|\bfullmakt til a (?:signere|underteikne|undertegne|underskrive|skrive under)\b"
    r"|\bga(?:r)? inn for\b|\b(?:signeres|underteiknast|undertegnes|skrives under)\b"
)
# Conditions attached to a decision: a premise, a reservation, a demand on the state.
_CONDITION = re.compile(
    r"\bunder (?:forutsetning|foresetnad)\b|\bforutset(?:ter|t|ning)\b|\bforeset(?:nad)?\b"
    r"|\bforutsatt\b|\bpa (?:vilkar|foresetnad)\b|\bvilkar(?:et)? (?:om|at|for)\b"
    r"|\bmed (?:forbehold|atterhald)\b|\bforbeholder\b|\btek atterhald\b|\btar forbehold\b"
    r"|\bdersom staten\b|\b(?:ber|bed|oppmodar|oppfordrer|krev|krever|forventer|forventar)"
    r" (?:om at )?staten\b|\bstaten (?:ma|skal) (?:ta|dekke|dekkje|bere|finansiere)\b"
    r"|\bstorre del av (?:kostnad|utgift)\w*"
)
# Labels of the facts minutes print in their head.
_BODY_LABEL = re.compile(r"^(?:utvalg|utval|organ|styre, rad, utval|utvalsnamn|utvalgsnavn|mote i)\b\s*[:.]?\s*")
_DATE_LABEL = re.compile(r"^(?:motedato|motedag|dato for motet?|motetidspunkt|mote den)\b\s*[:.]?\s*")
_DATE_IN_TEXT = re.compile(
    r"\b(?:behandling|handsaming|mote|motet|vedtak)\b[^.\n]{0,40}?\b(?:den\s+)?(\d{1,2}\.\s?\d{1,2}\.\s?\d{2,4}"
    r"|\d{1,2}\.?\s+[a-z]+\s+\d{4})"
)
_CASE_LABEL = re.compile(r"^(?:saksnr|saksnummer|sak nr|saknr|politisk saksnr|utvalgssak|utvalssak|ps|sak)\b\.?\s*[:.]?\s*")
_ARCHIVE_LABEL = re.compile(r"^(?:arkivsak(?:snr|snummer| nr)?|arkivsaksnr|saksmappe|var ref)\b\.?\s*[:.]?\s*")
_CASE_NUMBER = re.compile(r"^(\d{1,4}\s?/\s?\d{2,5}(?:-\d{1,3})?)\b")
_CASE_IN_TEXT = re.compile(r"\b(?:ps|sak)\s+(?:nr\.?\s*)?(\d{1,4}/\d{2,4})\b")


def read_minutes(text: str) -> CouncilDecision:
    """The council's decision in ``text`` (which ``classify`` found to be minutes)."""
    lines = [line.strip() for line in text_lines(text)]
    folded = [fold(line) for line in lines]
    decision, final, heading, adopted = _decision_section(lines, folded)
    # A proposal that was voted down says nothing about what was decided instead.
    polarity, conditions = judge(decision) if adopted else ("unclear", ())
    return CouncilDecision(
        body=_body(folded, heading), meeting_date=_meeting_date(folded),
        case_number=_labelled(folded, _CASE_LABEL) or _case_in_text(folded),
        archive_case=_labelled(folded, _ARCHIVE_LABEL),
        polarity=polarity, final=final, decision_text=decision, conditions=conditions)


def judge(decision: str) -> tuple[str, tuple[str, ...]]:
    """Polarity of a decision text and the conditions attached to a positive one.

    A postponement outranks a refusal ("utsettes, og vi signerer ikke nå" is not final)
    and both outrank a positive wording, which every refusal also contains.
    """
    if not decision.strip():
        return "unclear", ()
    if classify.postpones(decision):
        return "postponed", ()
    if classify.declines(decision):
        return "negative", ()
    sentences = _sentences(decision)
    if not any(_POSITIVE.search(fold(s)) for s in sentences):
        return "unclear", ()
    return "positive", tuple(s for s in sentences if _CONDITION.search(fold(s)))


def _sentences(text: str) -> list[str]:
    joined = re.sub(r"\s*\n\s*", " ", text.strip())
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", joined) if s.strip()]


def _is_heading(folded: str, pattern: re.Pattern[str]) -> bool:
    return len(folded) <= _HEAD_MAX and not folded.rstrip().endswith(".") and bool(pattern.search(folded))


def _decision_section(lines: list[str], folded: list[str]) -> tuple[str, bool, str, bool]:
    """(decision text, whether it is the body's own decision, its heading, whether adopted)."""
    heads = [i for i, f in enumerate(folded)
             if _is_heading(f, _DECISION_HEAD) and not _PROPOSAL_HEAD.search(f)]
    if heads:
        # Minutes of several meetings (formannskap, then kommunestyre): the last decides.
        i = heads[-1]
        return _section(lines, folded, i), True, folded[i], True
    proposals = [i for i, f in enumerate(folded) if _is_heading(f, _PROPOSAL_HEAD)]
    if not proposals:
        return "", False, "", False
    i = proposals[-1]
    votes = " ".join(folded[i + 1:])
    adopted = bool(_ADOPTED.search(votes)) and not _REJECTED.search(votes)
    # An innstilling *to* another body is a recommendation, never the final word.
    to_other = bool(re.search(r"\btil (?:kommunestyret|bystyret|heradsstyret)\b", folded[i]))
    return _section(lines, folded, i), adopted and not to_other, folded[i], adopted


def _section(lines: list[str], folded: list[str], head: int) -> str:
    """The heading's own text (after a colon) and the lines below it, up to the next heading."""
    own = lines[head].split(":", 1)[1].strip() if ":" in lines[head] else ""
    kept = [own] if own else []
    for line, f in zip(lines[head + 1: head + 1 + _SECTION_MAX_LINES],
                       folded[head + 1: head + 1 + _SECTION_MAX_LINES]):
        if f and (_is_heading(f, _OTHER_HEAD) or _is_heading(f, _DECISION_HEAD)):
            break
        kept.append(line)
    return "\n".join(kept).strip()


def _body(folded: list[str], heading: str) -> str | None:
    for i, line in enumerate(folded):
        label = _BODY_LABEL.match(line)
        if label:
            value = line[label.end():] or next((f for f in folded[i + 1: i + 3] if f), "")
            found = _BODY.search(value)
            if found:
                return _nominative(found.group(0))
    found = _BODY.search(heading) or next(
        (m for m in (_BODY.search(f) for f in folded) if m), None)
    return _nominative(found.group(0)) if found else None


def _nominative(body: str) -> str:
    """"kommunestyrets" → "kommunestyret": the genitive of a heading names the same body."""
    return body[:-1] if body.endswith("ets") else body


def _meeting_date(folded: list[str]) -> dt.date | None:
    for i, line in enumerate(folded):
        label = _DATE_LABEL.match(line)
        if label:
            value = line[label.end():] or next((f for f in folded[i + 1: i + 3] if f), "")
            date = parse_date(value)
            if date is not None:
                return date
    for line in folded:
        found = _DATE_IN_TEXT.search(line)
        if found:
            date = parse_date(found.group(1))
            if date is not None:
                return date
    return None


def _labelled(folded: list[str], label_re: re.Pattern[str]) -> str | None:
    for i, line in enumerate(folded):
        label = label_re.match(line)
        if not label:
            continue
        value = line[label.end():] or next((f for f in folded[i + 1: i + 3] if f), "")
        number = _CASE_NUMBER.match(value.strip())
        if number:
            return re.sub(r"\s", "", number.group(1))
    return None


def _case_in_text(folded: list[str]) -> str | None:
    for line in folded:
        found = _CASE_IN_TEXT.search(line)
        if found:
            return found.group(1)
    return None


def document_facts(text: str, filename: str | None) -> dict:
    """The decision facts of one document, as ``DocumentAnalysis`` fields."""
    is_minutes = classify.classify_document(text, filename) is DocKind.MINUTES
    return {"postpones": classify.postpones(text),
            "minutes": read_minutes(text) if is_minutes else None}
