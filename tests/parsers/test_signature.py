"""Digital signatures: read with pyHanko against a test CA made here, judged offline.

The PDFs are the sample factory's declaration forms, signed in the test; "altered" means
an incremental update after the signature that adds text to the page, or one flipped
byte inside the signed range.
"""
from __future__ import annotations

import datetime as dt

import pytest

from intake.samples import Attachment, DeclarationSpec, Signer, declaration_pdf, submission_email
from parsers.analyse import Analyser
from parsers.signature import TrustRootError, parse_trust_roots, read_signatures
from tests.parsers.conftest import campaign_analyser
from tests.parsers.pki import append_text_update, flip_signed_byte, make_ca, make_signer, sign_pdf

UTC = dt.timezone.utc
# The moment the mail arrives: signatures are judged at it, never at the wall clock.
RECEIVED = dt.datetime.now(UTC).replace(microsecond=0)
DEADLINE = RECEIVED + dt.timedelta(days=30)
VESTBY = "3019"


@pytest.fixture(scope="module")
def pki():
    ca = make_ca(not_before=RECEIVED - dt.timedelta(days=30))
    kari = make_signer(ca, "Kari Nordmann", organisation="Vestby kommune",
                       not_before=RECEIVED - dt.timedelta(days=10))
    stranger = make_ca("Other Root CA", not_before=RECEIVED - dt.timedelta(days=30))
    return {"ca": ca, "kari": kari, "stranger": stranger}


def _form(*signers: Signer) -> bytes:
    return declaration_pdf(DeclarationSpec(municipality="Vestby kommune", place="Vestby",
                                           signed_on=dt.date(2020, 5, 20), signers=signers))


@pytest.fixture(scope="module")
def signed(pki) -> bytes:
    return sign_pdf(_form(Signer("Kari Nordmann", "ordfører")), pki["kari"], pki["ca"])


@pytest.fixture(scope="module")
def signed_blank(pki) -> bytes:
    """The form with blank name lines: the digital signature is the only signature."""
    return sign_pdf(_form(), pki["kari"], pki["ca"])


# ------------------------------------------------------------- read_signatures

def test_a_signature_by_a_trusted_ca_is_read_with_signer_and_time(pki, signed):
    [check] = read_signatures(signed, trust_roots=[pki["ca"].asn1], moment=RECEIVED)
    assert (check.signer, check.organisation, check.issuer) == (
        "Kari Nordmann", "Vestby kommune", "Test Root CA")
    assert check.intact and check.unchanged and check.trusted and check.sound
    assert check.signed_at is not None and abs(check.signed_at - RECEIVED) < dt.timedelta(hours=1)


@pytest.mark.parametrize("roots", ["none", "other_ca"])
def test_without_its_root_the_signature_is_sound_but_untrusted(pki, signed, roots):
    trust = [] if roots == "none" else [pki["stranger"].asn1]
    [check] = read_signatures(signed, trust_roots=trust, moment=RECEIVED)
    assert check.sound and not check.trusted


def test_text_added_after_signing_is_a_change(pki, signed):
    altered = append_text_update(signed, "Ola Hansen ordforer")
    [check] = read_signatures(altered, trust_roots=[pki["ca"].asn1], moment=RECEIVED)
    assert check.intact and not check.unchanged and not check.sound


def test_a_flipped_byte_in_the_signed_range_breaks_the_digest(pki, signed):
    broken = flip_signed_byte(signed, b"D:2020")
    [check] = read_signatures(broken, trust_roots=[pki["ca"].asn1], moment=RECEIVED)
    assert not check.intact and not check.sound


def test_trust_is_judged_at_the_receipt_time_not_the_clock(pki, signed):
    """The signer's certificate runs for a year from 10 days before RECEIVED."""
    later = RECEIVED + dt.timedelta(days=400)
    [check] = read_signatures(signed, trust_roots=[pki["ca"].asn1], moment=later)
    assert check.sound and not check.trusted
    [check] = read_signatures(signed, trust_roots=[pki["ca"].asn1], moment=RECEIVED)
    assert check.trusted


def test_a_pdf_without_a_signature_has_no_checks():
    assert read_signatures(_form(Signer("Kari Nordmann", "ordfører")), trust_roots=[],
                           moment=RECEIVED) == ()


def test_a_damaged_signature_dictionary_is_a_broken_signature_not_none():
    junk = b"%PDF-1.4\n1 0 obj << /ByteRange [0 10 20 30] /Contents <00> >> endobj\n%%EOF"
    [check] = read_signatures(junk, trust_roots=[], moment=RECEIVED)
    assert not check.intact and check.signer is None


def test_trust_roots_are_read_from_pem_bundles_and_der(pki):
    bundle = pki["ca"].pem + pki["stranger"].pem
    assert [c.subject.native["common_name"] for c in parse_trust_roots(bundle)] == [
        "Test Root CA", "Other Root CA"]
    assert len(parse_trust_roots(pki["ca"].asn1.dump())) == 1
    with pytest.raises(TrustRootError):
        parse_trust_roots(b"not a certificate")


# ------------------------------------------------------------- mailed in

@pytest.fixture(scope="module")
def analyser(pki) -> Analyser:
    return campaign_analyser(DEADLINE, trust_roots=[pki["ca"].asn1])


def _mail(pdf: bytes) -> bytes:
    return submission_email(
        from_name="Kari Nordmann", from_address="kari.nordmann@vestby.kommune.no",
        subject="Intensjonserklæring Akson", body="Vedlagt signert erklæring.",
        sent_at=RECEIVED - dt.timedelta(minutes=1), received_at=RECEIVED,
        attachments=[Attachment("Intensjonserklæring Akson.pdf", pdf)])


def test_signed_form_mailed_in_is_accepted_with_the_certificates_signer(analyser, signed):
    decision = analyser.analyse(_mail(signed), received_at=RECEIVED).decision
    assert (decision.status.value, decision.municipality_number, decision.reasons) == (
        "accepted", VESTBY, ())
    assert [s.name for s in decision.signers] == ["Kari Nordmann"]
    [doc] = decision.evidence["documents"]
    assert doc["signatures"][0]["signer"] == "Kari Nordmann" and doc["signatures"][0]["trusted"]


def test_a_trusted_signature_stands_in_for_a_handwritten_one(analyser, signed_blank):
    decision = analyser.analyse(_mail(signed_blank), received_at=RECEIVED).decision
    assert decision.status.value == "accepted", decision.reasons
    assert [(s.name, s.title) for s in decision.signers] == [("Kari Nordmann", "")]
    assert decision.signed_date == dt.date(2020, 5, 20)   # the printed date comes first


@pytest.mark.parametrize("alter", ["update", "flipped_byte"])
def test_the_same_form_altered_after_signing_goes_to_review(analyser, signed, alter):
    pdf = append_text_update(signed, "Ola Hansen ordforer") if alter == "update" \
        else flip_signed_byte(signed, b"D:2020")
    decision = analyser.analyse(_mail(pdf), received_at=RECEIVED).decision
    assert decision.status.value == "needs_review"
    assert "signature_invalid" in decision.reasons


def test_an_untrusted_signature_alone_is_no_signature(analyser, pki):
    stranger = make_signer(pki["stranger"], "Kari Nordmann",
                           not_before=RECEIVED - dt.timedelta(days=1))
    pdf = sign_pdf(_form(), stranger, pki["stranger"])
    decision = analyser.analyse(_mail(pdf), received_at=RECEIVED).decision
    assert decision.status.value == "needs_review"
    assert "signature_invalid" in decision.reasons and decision.signers == ()


def test_an_untrusted_signature_beside_printed_names_changes_nothing(analyser, pki):
    stranger = make_signer(pki["stranger"], "Kari Nordmann",
                           not_before=RECEIVED - dt.timedelta(days=1))
    pdf = sign_pdf(_form(Signer("Kari Nordmann", "ordfører")), stranger, pki["stranger"])
    decision = analyser.analyse(_mail(pdf), received_at=RECEIVED).decision
    assert decision.status.value == "accepted", decision.reasons
    assert [(s.name, s.title) for s in decision.signers] == [("Kari Nordmann", "ordfører")]


def test_a_trusted_signature_by_someone_not_printed_goes_to_review(analyser, pki):
    ola = make_signer(pki["ca"], "Ola Hansen", not_before=RECEIVED - dt.timedelta(days=1))
    pdf = sign_pdf(_form(Signer("Kari Nordmann", "ordfører")), ola, pki["ca"])
    decision = analyser.analyse(_mail(pdf), received_at=RECEIVED).decision
    assert decision.status.value == "needs_review"
    assert "signature_signer_mismatch" in decision.reasons


def test_a_digital_signing_day_is_the_day_where_the_mail_was_received():
    """Signed 22:30 UTC on 19 May is 00:30 on 20 May in Oslo, where the form came from."""
    from parsers.decide import BodyFacts, decide
    from parsers.types import (DecisionContext, DocKind, DocumentAnalysis, Mention,
                               ParsedMessage, SenderCheck, SignatureCheck)

    oslo = dt.timezone(dt.timedelta(hours=2))
    check = SignatureCheck(signer="Kari Nordmann", signed_at=dt.datetime(2020, 5, 19, 22, 30, tzinfo=UTC),
                           intact=True, unchanged=True, trusted=True)
    doc = DocumentAnalysis(
        filename="erklæring.pdf", path=(), detected_type="pdf", text_method="pdf_text", problem=None,
        doc_kind=DocKind.DECLARATION,
        mentions=(Mention(frozenset({VESTBY}), "Vestby kommune", "document", "strong"),),
        signers=(), signed_date=None, signatures=(check,))
    msg = ParsedMessage(message_id="<a@b>", from_address="kari@vestby.kommune.no", from_name="",
                        reply_to=None, to=(), subject="", date=None, received_date=None,
                        in_reply_to=None, references=(), headers=(), body_text="", documents=())
    sender = SenderCheck(address="kari@vestby.kommune.no", domain="vestby.kommune.no",
                         domain_numbers=frozenset({VESTBY}), authenticated=True)
    ctx = DecisionContext(registry=(), invited=frozenset({VESTBY}),
                          deadline=dt.datetime(2020, 7, 1, tzinfo=oslo),
                          received_at=dt.datetime(2020, 5, 20, 9, 0, tzinfo=oslo))
    decision = decide(msg, sender, [doc], BodyFacts((), False, False, False), ctx)
    assert decision.status.value == "accepted", decision.reasons
    assert decision.signed_date == dt.date(2020, 5, 20)
