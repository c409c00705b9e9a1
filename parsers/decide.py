"""The decision: accept, review, reject or ignore, with machine-readable reasons.

Precision before recall: a submission is accepted automatically only when independent
evidence agrees — the decisive document names exactly one municipality, the sender's
mail domain belongs to that same municipality, the sender is not shown to be forged,
the municipality is invited, and (for a declaration) someone signed. Everything else is
left for staff with the reasons that held it back.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from parsers import council
from parsers.types import (
    Decision,
    DecisionContext,
    DocKind,
    DocumentAnalysis,
    Kind,
    Mention,
    ParsedMessage,
    SenderCheck,
    Signer,
    Status,
)
from parsers.textnorm import fold

# Reason strings (interface.md lists the first ones; the others follow the same style).
UNKNOWN = "unknown_municipality"
AMBIGUOUS = "ambiguous_municipality"
DOMAIN_MISMATCH = "sender_domain_mismatch"
NOT_SIGNED = "not_signed"
NOT_AUTHENTICATED = "sender_not_authenticated"
NOT_INVITED = "not_invited"
UNREADABLE = "unreadable_attachment"
NO_TEXT_LAYER = "no_text_layer"
UNSUPPORTED = "unsupported_format"
DECISION_ONLY = council.DECISION_ONLY   # the council rules own it; named here with the rest
QUESTION = "question"
NO_DOCUMENT = "no_document"
NOT_A_DECLARATION = "not_a_declaration"
# A signer's name or the municipality was read by OCR with low confidence: it may be
# misread, so staff check it against the scan (``DocumentAnalysis.low_confidence``).
LOW_OCR_CONFIDENCE = "low_ocr_confidence"
# A digital signature that is broken (altered after signing, bad digest) or that is the
# only sign of signing and does not chain to a trusted root.
SIGNATURE_INVALID = "signature_invalid"
# A trusted digital signature by somebody other than the people the form names.
SIGNER_MISMATCH = "signature_signer_mismatch"
# The sender's domain imitates a municipality's (stavanger-kommune.com, kommmune.no).
LOOKALIKE = "sender_lookalike_domain"


@dataclass(frozen=True)
class BodyFacts:
    """What the message's own text (subject and body) says, found by the analysis step."""

    mentions: tuple[Mention, ...]
    declines: bool
    is_question: bool
    claims_signed: bool
    postpones: bool = False            # the sender puts the decision off


@dataclass(frozen=True)
class Resolved:
    number: str | None
    reason: str | None
    candidates: frozenset[str]


def _strong_numbers(mentions: tuple[Mention, ...], sender_numbers: frozenset[str]) -> Resolved:
    """One municipality from strong mentions, narrowing homonyms by county or sender.

    This mirrors ``municipalities.NameIndex.resolve`` but is kept here in its strictest
    form so the accept rule does not depend on a looser resolver's choices.
    """
    sets: list[frozenset[str]] = []
    for m in mentions:
        # A list ("Gran og Lunner kommuner") names several at once: see council.covered.
        if m.strength != "strong" or m.alias_kind == "list":
            continue
        numbers = m.numbers
        if len(numbers) > 1:
            narrowed = numbers & sender_numbers
            numbers = narrowed if len(narrowed) == 1 else numbers
        sets.append(numbers)
    if not sets:
        return Resolved(None, UNKNOWN, frozenset())
    definite = {next(iter(s)) for s in sets if len(s) == 1}
    everything = frozenset().union(*sets)
    if len(definite) == 1:
        number = next(iter(definite))
        # A homonym mention that cannot be this one would be a second municipality.
        if all(number in s for s in sets):
            return Resolved(number, None, everything)
        return Resolved(None, AMBIGUOUS, everything)
    return Resolved(None, AMBIGUOUS, everything)


def _pick_main(docs: list[DocumentAnalysis], kind: DocKind) -> DocumentAnalysis | None:
    matching = [d for d in docs if d.doc_kind == kind and not d.problem]
    if not matching:
        return None
    # The one with signers wins (a form among copies and blanks), then the first.
    return sorted(matching, key=lambda d: (not d.signers, not d.mentions))[0]


def _kind_and_main(docs: list[DocumentAnalysis], body: BodyFacts) -> tuple[Kind, DocumentAnalysis | None]:
    declaration = _pick_main(docs, DocKind.DECLARATION)
    if declaration is not None and not council.says_no(declaration):
        return Kind.DECLARATION, declaration
    # Putting off is checked before refusing: a text that does both is not final.
    later = council.first(docs, council.puts_off)
    if later is not None:
        return (Kind.COUNCIL_DECISION if later.minutes is not None else Kind.DECLINE), later
    decline = council.first([d for d in docs if d.doc_kind == DocKind.DECLINE], council.says_no) \
        or council.first(docs, council.says_no)
    if decline is not None:
        return Kind.DECLINE, decline
    minutes = _pick_main(docs, DocKind.MINUTES)
    if minutes is not None:
        return Kind.COUNCIL_DECISION, minutes
    readable = [d for d in docs if not d.problem]
    if (body.postpones or body.declines) and not readable:
        return Kind.DECLINE, None
    problem = next((d for d in docs if d.problem), None)
    if problem is not None:
        return Kind.OTHER, problem
    if not docs and body.is_question:
        return Kind.QUESTION, None
    return Kind.OTHER, readable[0] if readable else None


def _guess(main: DocumentAnalysis | None, docs: list[DocumentAnalysis], body: BodyFacts,
           sender: SenderCheck) -> Resolved:
    """Best municipality for staff to start from (never used alone to accept)."""
    if main is not None:
        found = _strong_numbers(main.mentions, sender.domain_numbers)
        if found.number:
            return found
    pooled = tuple(m for d in docs for m in d.mentions) + body.mentions
    # The sender's domain alone never names the municipality of a submission: it is in
    # the evidence for staff, but a stray mail from a municipal address must not put
    # that municipality "in review".
    return _strong_numbers(pooled, sender.domain_numbers)


def _conflicts(number: str, docs: list[DocumentAnalysis], body: BodyFacts,
               sender: SenderCheck) -> bool:
    """Another document or the body strongly names a different municipality."""
    pooled = tuple(m for d in docs for m in d.mentions) + body.mentions
    for m in pooled:
        if m.strength == "strong" and number not in m.numbers:
            narrowed = m.numbers & sender.domain_numbers
            if not narrowed or number not in narrowed:
                return True
    return False


def _ignore(kind: Kind, reason: str, ctx: DecisionContext, late: bool) -> Decision:
    return Decision(kind=kind, status=Status.IGNORED, municipality_number=None, signers=(),
                    signed_date=None, attachment=None, late=late, reasons=(reason,))


def _skip_reason(msg: ParsedMessage, sender: SenderCheck, ctx: DecisionContext) -> tuple[Kind, str] | None:
    if sender.delivery_report:
        return Kind.AUTO_REPLY, "delivery_report"
    if sender.auto_reply:
        return Kind.AUTO_REPLY, "auto_reply"
    if sender.bulk:
        return Kind.OTHER, "bulk_mail"
    if msg.from_address and msg.from_address.lower() in ctx.own_addresses:
        return Kind.OTHER, "own_address"
    return None


def _evidence(msg: ParsedMessage, sender: SenderCheck, docs: list[DocumentAnalysis],
              main: DocumentAnalysis | None, body: BodyFacts, resolved: Resolved,
              ctx: DecisionContext) -> dict:
    def mention(m: Mention) -> dict:
        return {"numbers": sorted(m.numbers), "matched": m.matched, "source": m.source,
                "strength": m.strength, "alias_kind": m.alias_kind, "county_hint": m.county_hint}

    return {
        "sender": {"address": sender.address, "domain": sender.domain,
                   "domain_municipalities": sorted(sender.domain_numbers),
                   "authenticated": sender.authenticated, "auth_detail": sender.auth_detail,
                   "lookalike_of": sender.lookalike_of,
                   "forwarded_from": [{"address": a, "municipalities": sorted(n)}
                                      for a, n in sender.forwarded_from]},
        "subject": msg.subject,
        "documents": [
            {"filename": d.filename, "path": list(d.path), "type": d.detected_type,
             "text_method": d.text_method, "problem": d.problem, "doc_kind": d.doc_kind.value,
             "declines": d.declines, "mentions": [mention(m) for m in d.mentions],
             "postpones": d.postpones, "minutes": d.minutes.as_dict() if d.minutes else None,
             "signatures": [c.as_dict() for c in d.signatures],
             "signers": [s.as_dict() for s in d.signers],
             "signed_date": d.signed_date.isoformat() if d.signed_date else None,
             "low_confidence": list(d.low_confidence)}
            for d in docs
        ],
        "decisive_document": main.filename if main else None,
        "body": {"mentions": [mention(m) for m in body.mentions], "declines": body.declines,
                 "is_question": body.is_question, "claims_signed": body.claims_signed},
        "municipality_candidates": sorted(resolved.candidates),
        "walk_problems": list(msg.problems),
        "reply_to_municipalities": sorted(ctx.reply_numbers),
        "municipalities_covered": sorted(council.covered(main)),
        "council_decision": council.council_evidence(main, docs),
        "names": council.name_notes(main.mentions if main is not None else body.mentions, ctx.registry),
    }


def decide(msg: ParsedMessage, sender: SenderCheck, docs: list[DocumentAnalysis],
           body: BodyFacts, ctx: DecisionContext) -> Decision:
    late = ctx.received_at > ctx.deadline
    skip = _skip_reason(msg, sender, ctx)
    if skip is not None:
        decision = _ignore(skip[0], skip[1], ctx, late)
        return _with_evidence(decision, _evidence(msg, sender, docs, None, body, Resolved(None, None, frozenset()), ctx))

    kind, main = _kind_and_main(docs, body)
    resolved = _guess(main, docs, body, sender)
    reasons: list[str] = []
    if main is not None and main.problem:
        reasons.append(main.problem)

    if kind is Kind.DECLARATION:
        reasons += _accept_blockers(kind, main, docs, body, sender, ctx)
        if council.against_the_form(main, docs):
            reasons.append(council.CONFLICTING)
    elif kind is Kind.DECLINE:
        postponed = council.puts_off(main) if main is not None else body.postpones
        reasons += council.decline_reasons(main, postponed)
        reasons += _accept_blockers(kind, main, docs, body, sender, ctx)
    elif kind is Kind.COUNCIL_DECISION:
        reasons += council.decision_reasons(main, docs)
    elif kind is Kind.QUESTION:
        reasons.append(QUESTION)
    elif not reasons:
        if not docs:
            reasons.append(NOT_SIGNED if body.claims_signed else NO_DOCUMENT)
        else:
            reasons.append(NOT_A_DECLARATION)
    if kind not in (Kind.DECLARATION, Kind.DECLINE) and resolved.reason:
        reasons.append(resolved.reason)

    covered = council.covered(main)
    if covered:
        reasons.append(council.SEVERAL)
    status = _status(kind, reasons)
    number = None if covered else resolved.number
    signers = signed_by(main)[0] if main is not None else ()
    decision = Decision(
        kind=kind, status=status, municipality_number=number,
        signers=signers,
        # A date printed on a form nobody signed is not a signing date.
        signed_date=_signed_date(main, signers, ctx.received_at.tzinfo),
        attachment=main.filename if main is not None else None,
        late=late, reasons=tuple(dict.fromkeys(reasons)),
    )
    return _with_evidence(decision, _evidence(msg, sender, docs, main, body, resolved, ctx))


def _accept_blockers(kind: Kind, main: DocumentAnalysis | None, docs: list[DocumentAnalysis],
                     body: BodyFacts, sender: SenderCheck, ctx: DecisionContext) -> list[str]:
    """Every reason that stops an automatic accept; empty means accept."""
    blockers: list[str] = []
    mentions = main.mentions if main is not None else body.mentions
    doc_says = _strong_numbers(mentions, sender.domain_numbers)
    if doc_says.number is None:
        blockers.append(doc_says.reason or UNKNOWN)
    else:
        # A reply to our own mail, from the address we wrote to, stands in for the
        # domain check, but never against another municipality's domain.
        linked = doc_says.number in ctx.reply_numbers and not sender.domain_numbers
        if doc_says.number not in sender.domain_numbers and not linked:
            blockers.append(DOMAIN_MISMATCH)
        # A near spelling alone (an OCR slip) counts only when the domain names the place.
        if doc_says.number not in sender.domain_numbers and council.near_spelling_only(mentions, doc_says.number):
            blockers.append(council.NEAR_SPELLING)
        if _conflicts(doc_says.number, docs, body, sender):
            blockers.append(AMBIGUOUS)
        if doc_says.number not in ctx.invited:
            blockers.append(NOT_INVITED)
    if sender.authenticated is False:
        blockers.append(NOT_AUTHENTICATED)
    if main is not None and main.low_confidence:
        blockers.append(LOW_OCR_CONFIDENCE)
    if sender.lookalike_of:
        blockers.append(LOOKALIKE)
    signers, signature_problem = signed_by(main) if main is not None else ((), None)
    if kind is Kind.DECLARATION and main is not None and not signers \
            and signature_problem is None:
        blockers.append(NOT_SIGNED)
    if signature_problem:
        blockers.append(signature_problem)
    # A broken signature anywhere in the message: something was altered after signing.
    if any(not check.sound for d in docs for check in d.signatures):
        blockers.append(SIGNATURE_INVALID)
    return blockers


def signed_by(doc: DocumentAnalysis) -> tuple[tuple[Signer, ...], str | None]:
    """Who signed ``doc`` (printed names, or a trusted digital signature) and what is wrong.

    A trusted, intact signature stands in for a handwritten one when the form prints no
    signer, and must name one of the printed signers when it does. An untrusted one is
    no evidence: harmless beside printed names, a problem when it is all there is.
    """
    checks = doc.signatures
    if not checks:
        return doc.signers, None
    if not all(c.sound for c in checks):
        return doc.signers, SIGNATURE_INVALID
    trusted = [c for c in checks if c.trusted and c.signer]
    if not doc.signers:
        if not trusted:
            return (), SIGNATURE_INVALID
        return tuple(dict.fromkeys(Signer(c.signer, c.title) for c in trusted)), None
    if trusted and not any(same_person(c.signer, s.name) for c in trusted for s in doc.signers):
        return doc.signers, SIGNER_MISMATCH
    return doc.signers, None


def same_person(a: str | None, b: str | None) -> bool:
    """The same full name, ignoring case, accents and middle names."""
    x, y = fold(a or "").replace("-", " ").split(), fold(b or "").replace("-", " ").split()
    if not x or not y:
        return False
    if x == y:
        return True
    return len(x) > 1 and len(y) > 1 and x[0] == y[0] and x[-1] == y[-1]


def _signed_date(main: DocumentAnalysis | None, signers: tuple[Signer, ...],
                 tz: dt.tzinfo | None) -> dt.date | None:
    """The printed date; for a form signed only digitally, the signing day where the
    mail was received (a signature made at 00:30 in Oslo is 22:30 UTC the day before)."""
    if main is None or not signers:
        return None
    if main.signed_date is None and main.signatures and not main.signers:
        stamped = [c.signed_at for c in main.signatures if c.signed_at is not None]
        return min(stamped).astimezone(tz).date() if stamped else None
    return main.signed_date


def _status(kind: Kind, reasons: list[str]) -> Status:
    if not reasons and kind in (Kind.DECLARATION, Kind.DECLINE):
        return Status.ACCEPTED
    # A form from a municipality outside the campaign that is otherwise in order is
    # recorded and set aside; with any other doubt it goes to staff like the rest.
    if reasons == [NOT_INVITED]:
        return Status.REJECTED
    if not reasons:  # never reached: every other kind carries a reason; be safe anyway
        reasons.append(NOT_A_DECLARATION)
    return Status.NEEDS_REVIEW


def _with_evidence(decision: Decision, evidence: dict) -> Decision:
    return Decision(**{**decision.__dict__, "evidence": evidence})


def is_late(received_at: dt.datetime, deadline: dt.datetime) -> bool:
    return received_at > deadline
