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

from parsers.types import (
    Decision,
    DecisionContext,
    DocKind,
    DocumentAnalysis,
    Kind,
    Mention,
    ParsedMessage,
    SenderCheck,
    Status,
)

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
DECISION_ONLY = "decision_without_declaration"
QUESTION = "question"
NO_DOCUMENT = "no_document"
NOT_A_DECLARATION = "not_a_declaration"


@dataclass(frozen=True)
class BodyFacts:
    """What the message's own text (subject and body) says, found by the analysis step."""

    mentions: tuple[Mention, ...]
    declines: bool
    is_question: bool
    claims_signed: bool


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
        if m.strength != "strong":
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
    if declaration is not None and not declaration.declines:
        return Kind.DECLARATION, declaration
    decline = _pick_main(docs, DocKind.DECLINE) or next(
        (d for d in docs if d.declines and not d.problem), None)
    if decline is not None:
        return Kind.DECLINE, decline
    minutes = _pick_main(docs, DocKind.MINUTES)
    if minutes is not None:
        return Kind.COUNCIL_DECISION, minutes
    readable = [d for d in docs if not d.problem]
    if body.declines and not readable:
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
                   "authenticated": sender.authenticated, "auth_detail": sender.auth_detail},
        "subject": msg.subject,
        "documents": [
            {"filename": d.filename, "path": list(d.path), "type": d.detected_type,
             "text_method": d.text_method, "problem": d.problem, "doc_kind": d.doc_kind.value,
             "declines": d.declines, "mentions": [mention(m) for m in d.mentions],
             "signers": [s.as_dict() for s in d.signers],
             "signed_date": d.signed_date.isoformat() if d.signed_date else None}
            for d in docs
        ],
        "decisive_document": main.filename if main else None,
        "body": {"mentions": [mention(m) for m in body.mentions], "declines": body.declines,
                 "is_question": body.is_question, "claims_signed": body.claims_signed},
        "municipality_candidates": sorted(resolved.candidates),
        "walk_problems": list(msg.problems),
        "reply_to_municipalities": sorted(ctx.reply_numbers),
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

    if kind in (Kind.DECLARATION, Kind.DECLINE):
        reasons += _accept_blockers(kind, main, docs, body, sender, ctx)
    elif kind is Kind.COUNCIL_DECISION:
        reasons += [NOT_SIGNED, DECISION_ONLY]
    elif kind is Kind.QUESTION:
        reasons.append(QUESTION)
    elif not reasons:
        if not docs:
            reasons.append(NOT_SIGNED if body.claims_signed else NO_DOCUMENT)
        else:
            reasons.append(NOT_A_DECLARATION)
    if kind not in (Kind.DECLARATION, Kind.DECLINE) and resolved.reason:
        reasons.append(resolved.reason)

    status = _status(kind, reasons)
    number = resolved.number
    decision = Decision(
        kind=kind, status=status, municipality_number=number,
        signers=main.signers if main is not None else (),
        # A date printed on a form nobody signed is not a signing date.
        signed_date=main.signed_date if main is not None and main.signers else None,
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
        if _conflicts(doc_says.number, docs, body, sender):
            blockers.append(AMBIGUOUS)
        if doc_says.number not in ctx.invited:
            blockers.append(NOT_INVITED)
    if sender.authenticated is False:
        blockers.append(NOT_AUTHENTICATED)
    if kind is Kind.DECLARATION and main is not None and not main.signers:
        blockers.append(NOT_SIGNED)
    return blockers


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
