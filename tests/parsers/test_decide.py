"""The accept rule: only when independent evidence agrees; every doubt is a reason."""
from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from parsers.decide import BodyFacts, decide
from parsers.types import (
    DecisionContext, DocKind, DocumentAnalysis, Kind, Mention, ParsedMessage, SenderCheck, Signer, Status,
)

OSLO = dt.timezone(dt.timedelta(hours=2))
DEADLINE = dt.datetime(2020, 7, 1, tzinfo=OSLO)
GRAN, MOLDE, HEROY_N, HEROY_MR = "3446", "1506", "1818", "1515"
INVITED = frozenset({GRAN, HEROY_N})


def mention(*numbers, strength="strong", source="document"):
    return Mention(numbers=frozenset(numbers), matched="x", source=source, strength=strength)


def doc(kind=DocKind.DECLARATION, mentions=(mention(GRAN),), signers=(Signer("Kari Nordmann", "ordfører"),),
        problem=None, declines=False, filename="erklæring.pdf"):
    return DocumentAnalysis(filename=filename, path=(), detected_type="pdf", text_method="pdf_text",
                            problem=problem, doc_kind=kind, mentions=tuple(mentions), signers=tuple(signers),
                            signed_date=dt.date(2020, 6, 1), declines=declines)


def sender(numbers=(GRAN,), authenticated=True, **flags):
    return SenderCheck(address="postmottak@gran.kommune.no", domain="gran.kommune.no",
                       domain_numbers=frozenset(numbers), authenticated=authenticated, **flags)


MESSAGE = ParsedMessage(message_id="<m@x>", from_address="postmottak@gran.kommune.no", from_name="", reply_to=None,
                        to=(), subject="Intensjonserklæring", date=None, received_date=None, in_reply_to=None,
                        references=(), headers=(), body_text="", documents=())
BODY = BodyFacts(mentions=(), declines=False, is_question=False, claims_signed=False)


def run(docs=(doc(),), snd=None, body=BODY, received=dt.datetime(2020, 6, 2, tzinfo=OSLO), message=MESSAGE,
        reply_numbers=frozenset()):
    ctx = DecisionContext(registry=(), invited=INVITED, deadline=DEADLINE, received_at=received,
                          own_addresses=frozenset({"akson@hod.dep.no"}), reply_numbers=reply_numbers)
    return decide(message, snd or sender(), list(docs), body, ctx)


def test_agreeing_evidence_is_accepted():
    d = run()
    assert (d.status, d.kind, d.municipality_number, d.reasons) == (Status.ACCEPTED, Kind.DECLARATION, GRAN, ())
    assert d.signers == (Signer("Kari Nordmann", "ordfører"),) and not d.late


@pytest.mark.parametrize("docs, snd, body, reason", [
    ((doc(),), sender(numbers=()), BODY, "sender_domain_mismatch"),
    ((doc(),), sender(authenticated=False), BODY, "sender_not_authenticated"),
    ((doc(signers=()),), sender(), BODY, "not_signed"),
    ((doc(mentions=()),), sender(), BODY, "unknown_municipality"),
    ((doc(mentions=(mention(GRAN), mention(MOLDE))),), sender(), BODY, "ambiguous_municipality"),
    ((doc(), doc(kind=DocKind.COVER_LETTER, mentions=(mention(MOLDE),), signers=())), sender(), BODY,
     "ambiguous_municipality"),
    ((doc(mentions=(mention(HEROY_N, HEROY_MR),)),), sender(numbers=()), BODY, "ambiguous_municipality"),
    ((doc(mentions=(mention(GRAN, strength="weak"),)),), sender(), BODY, "unknown_municipality"),
], ids=["domain-mismatch", "dmarc-fail", "no-signer", "no-municipality", "two-municipalities",
        "cover-letter-names-another", "homonym-without-signal", "weak-mention-only"])
def test_any_doubt_goes_to_review(docs, snd, body, reason):
    d = run(docs, snd, body)
    assert d.status is Status.NEEDS_REVIEW
    assert reason in d.reasons


def test_homonym_resolved_by_the_senders_domain():
    d = run((doc(mentions=(mention(HEROY_N, HEROY_MR),)),), sender(numbers=(HEROY_N,)))
    assert (d.status, d.municipality_number) == (Status.ACCEPTED, HEROY_N)


def test_not_invited_is_recorded_but_never_counted():
    d = run((doc(mentions=(mention(MOLDE),)),), sender(numbers=(MOLDE,)))
    assert d.status is Status.REJECTED and d.reasons == ("not_invited",)


def test_late_declaration_is_accepted_and_marked_late():
    d = run(received=dt.datetime(2020, 7, 2, tzinfo=OSLO))
    assert d.status is Status.ACCEPTED and d.late


@pytest.mark.parametrize("flags, kind", [
    ({"auto_reply": True}, Kind.AUTO_REPLY), ({"delivery_report": True}, Kind.AUTO_REPLY),
    ({"bulk": True}, Kind.OTHER),
], ids=["auto-reply", "dsn", "bulk"])
def test_machines_are_ignored(flags, kind):
    d = run(snd=sender(**flags))
    assert (d.status, d.kind) == (Status.IGNORED, kind)


def test_our_own_address_is_ignored():
    d = run(message=replace(MESSAGE, from_address="akson@hod.dep.no"))
    assert d.status is Status.IGNORED and d.reasons == ("own_address",)


def test_minutes_alone_wait_for_the_signed_form():
    d = run((doc(kind=DocKind.MINUTES, signers=()),))
    assert (d.status, d.kind) == (Status.NEEDS_REVIEW, Kind.COUNCIL_DECISION)
    assert "decision_without_declaration" in d.reasons


def test_minutes_beside_the_form_do_not_block_it():
    d = run((doc(), doc(kind=DocKind.MINUTES, signers=(), filename="protokoll.pdf")))
    assert (d.status, d.attachment) == (Status.ACCEPTED, "erklæring.pdf")


def test_decline_letter_is_accepted_as_a_decline():
    d = run((doc(kind=DocKind.DECLINE, signers=(), declines=True),))
    assert (d.status, d.kind) == (Status.ACCEPTED, Kind.DECLINE)


def test_decline_in_the_body_needs_the_body_to_name_the_municipality():
    named = BodyFacts(mentions=(mention(GRAN, source="body"),), declines=True, is_question=False, claims_signed=False)
    assert run((), body=named).status is Status.ACCEPTED
    unnamed = replace(named, mentions=())
    assert run((), body=unnamed).status is Status.NEEDS_REVIEW


def test_question_and_body_claim_go_to_review():
    q = run((), body=replace(BODY, is_question=True))
    assert (q.kind, q.status, q.reasons[0]) == (Kind.QUESTION, Status.NEEDS_REVIEW, "question")
    claim = run((), body=replace(BODY, claims_signed=True))
    assert (claim.kind, claim.status) == (Kind.OTHER, Status.NEEDS_REVIEW) and "not_signed" in claim.reasons


def test_unreadable_attachment_goes_to_review_with_its_reason():
    d = run((doc(kind=DocKind.OTHER, mentions=(), signers=(), problem="unreadable_attachment"),))
    assert d.status is Status.NEEDS_REVIEW and "unreadable_attachment" in d.reasons


def test_an_unrecognised_document_is_never_accepted():
    d = run((doc(kind=DocKind.OTHER),))
    assert d.status is Status.NEEDS_REVIEW and d.reasons[0] == "not_a_declaration"


def test_sender_domain_alone_names_no_municipality():
    d = run((doc(kind=DocKind.OTHER, mentions=(), signers=()),))
    assert d.municipality_number is None
    assert d.evidence["sender"]["domain_municipalities"] == [GRAN]


@pytest.mark.parametrize("snd, linked, status", [
    (sender(numbers=()), frozenset({GRAN}), Status.ACCEPTED),
    (sender(numbers=()), frozenset({HEROY_N}), Status.NEEDS_REVIEW),
    (sender(numbers=(MOLDE,)), frozenset({GRAN}), Status.NEEDS_REVIEW),
    (sender(numbers=(), authenticated=False), frozenset({GRAN}), Status.NEEDS_REVIEW),
], ids=["reply-to-our-mail-from-contact", "reply-linked-to-another", "other-municipalitys-domain",
        "forged-reply"])
def test_reply_to_our_own_mail_stands_in_for_the_domain(snd, linked, status):
    """GIVEN a form for Gran from an address outside Gran's domain WHEN the message answers
    our mail to that address THEN the link counts as the domain evidence, never against
    another municipality's domain or a failed authentication."""
    d = run((doc(),), snd, reply_numbers=linked)
    assert d.status is status
    assert d.evidence["reply_to_municipalities"] == sorted(linked)


def test_a_near_spelling_alone_needs_the_senders_domain():
    """An OCR slip ("Tysnos kommune") may name the place, but never on its own."""
    fuzzy = Mention(numbers=frozenset({GRAN}), matched="Grsn kommune", source="document",
                    strength="strong", alias_kind="fuzzy")
    linked = run((doc(mentions=(fuzzy,)),), sender(numbers=()), reply_numbers=frozenset({GRAN}))
    assert linked.status is Status.NEEDS_REVIEW and "municipality_near_spelling_only" in linked.reasons
    by_domain = run((doc(mentions=(fuzzy,)),), sender(numbers=(GRAN,)))
    assert by_domain.status is Status.ACCEPTED
    exact_too = run((doc(mentions=(fuzzy, mention(GRAN))),), sender(numbers=()), reply_numbers=frozenset({GRAN}))
    assert "municipality_near_spelling_only" not in exact_too.reasons
