"""Sender trust through the whole analysis: a forged or imitated sender is never accepted.

GIVEN Vestby's signed declaration form (a text PDF that would otherwise be accepted),
WHEN it arrives with the Authentication-Results, From domain or forwarding in each case,
THEN the decision is as the case says.
"""
from __future__ import annotations

import datetime as dt

import pytest

from intake.samples import (Attachment, Auth, DeclarationSpec, Signer, declaration_pdf,
                            forwarded_email, submission_email)
from parsers.analyse import Analyser
from tests.parsers.conftest import campaign_analyser

OSLO = dt.timezone(dt.timedelta(hours=2))
RECEIVED = dt.datetime(2020, 5, 20, 10, 0, tzinfo=OSLO)
DEADLINE = dt.datetime(2020, 7, 1, tzinfo=OSLO)
VESTBY = "3019"
FORM = declaration_pdf(DeclarationSpec(municipality="Vestby kommune", place="Vestby",
                                       signed_on=dt.date(2020, 5, 19),
                                       signers=(Signer("Kari Nordmann", "ordfører"),)))


@pytest.fixture(scope="module")
def analyser() -> Analyser:
    return campaign_analyser(DEADLINE, intermediaries={"ikt-follo.no": ["3019", "3020"], "ks.no": ["*"]})


def mail(sender: str, auth: Auth = Auth(), **extra) -> bytes:
    return submission_email(
        from_name="Kari Nordmann", from_address=sender, subject="Intensjonserklæring Akson",
        body="Vedlagt signert erklæring.", sent_at=RECEIVED - dt.timedelta(minutes=2),
        received_at=RECEIVED, auth=auth,
        attachments=[Attachment("Intensjonserklæring Akson.pdf", FORM)], **extra)


def decide(analyser: Analyser, raw: bytes):
    return analyser.analyse(raw, received_at=RECEIVED).decision


def test_the_genuine_mail_is_accepted(analyser):
    decision = decide(analyser, mail("kari.nordmann@vestby.kommune.no"))
    assert (decision.status.value, decision.municipality_number) == ("accepted", VESTBY)


@pytest.mark.parametrize("auth", [
    pytest.param(Auth.failed(), id="dmarc-and-spf-fail"),
    pytest.param(Auth(dkim="none", spf="fail", dmarc="none"), id="spf-fail-no-dkim"),
    pytest.param(Auth(dkim="pass", spf="pass", dmarc="fail"), id="dmarc-fail"),
    pytest.param(Auth(dkim="fail", spf="fail", dmarc="none"), id="spf-fail-dkim-fail"),
])
def test_a_fail_from_our_receiving_server_is_never_accepted(analyser, auth):
    decision = decide(analyser, mail("kari.nordmann@vestby.kommune.no", auth))
    assert decision.status.value == "needs_review"
    assert "sender_not_authenticated" in decision.reasons


def test_spf_fail_with_aligned_dkim_pass_is_authenticated(analyser):
    decision = decide(analyser, mail("kari.nordmann@vestby.kommune.no",
                                     Auth(dkim="pass", spf="fail", dmarc="none")))
    assert decision.status.value == "accepted", decision.reasons


def test_the_same_fail_written_by_another_server_is_ignored(analyser):
    raw = mail("kari.nordmann@vestby.kommune.no", Auth.failed())
    raw = raw.replace(b"Authentication-Results: mx.dep.no;", b"Authentication-Results: mx.evil.example;")
    decision = decide(analyser, raw)
    assert decision.status.value == "accepted", decision.reasons
    assert "sender_not_authenticated" not in decision.reasons


@pytest.mark.parametrize("sender", [
    "postmottak@vestby-kommune.com", "postmottak@vestby.kommune.net",
    "postmottak@vestby.kommmune.no", "postmottak@vestbykommune.no", "postmottak@v3stby.kommune.no",
    "postmottak@xn--vstby-bsa.kommune.no",   # véstby
])
def test_a_lookalike_domain_is_never_accepted_even_when_it_authenticates(analyser, sender):
    """The forger owns the lookalike domain, so its DKIM, SPF and DMARC all pass."""
    decision = decide(analyser, mail(sender))
    assert decision.status.value == "needs_review"
    assert "sender_lookalike_domain" in decision.reasons
    assert decision.evidence["sender"]["lookalike_of"] == "vestby.kommune.no"


def test_an_intermediary_may_send_for_its_municipalities(analyser):
    decision = decide(analyser, mail("arkiv@ikt-follo.no"))
    assert (decision.status.value, decision.municipality_number) == ("accepted", VESTBY)


def test_an_intermediary_for_other_municipalities_is_a_mismatch(analyser):
    form = declaration_pdf(DeclarationSpec(municipality="Gol kommune", place="Gol",
                                           signed_on=dt.date(2020, 5, 19),
                                           signers=(Signer("Kari Nordmann", "ordfører"),)))
    raw = submission_email(
        from_name="Arkiv", from_address="arkiv@ikt-follo.no", subject="Erklæring",
        body="Vedlagt.", sent_at=RECEIVED, received_at=RECEIVED,
        attachments=[Attachment("erklæring.pdf", form)])
    decision = decide(analyser, raw)
    assert decision.status.value == "needs_review" and "sender_domain_mismatch" in decision.reasons


def _forward_of(inner_sender: str, outer_sender: str) -> bytes:
    original = mail(inner_sender)
    return forwarded_email(original, from_name="Arkiv", from_address=outer_sender,
                           subject="Sak 20/123 - Intensjonserklæring", body="Oversendt fra arkivet.",
                           sent_at=RECEIVED, received_at=RECEIVED)


def test_a_trusted_forwarder_carries_the_inner_municipality(analyser):
    decision = decide(analyser, _forward_of("kari.nordmann@vestby.kommune.no", "post@ks.no"))
    assert (decision.status.value, decision.municipality_number) == ("accepted", VESTBY)


def test_an_untrusted_forwarder_gives_the_inner_from_no_weight(analyser):
    decision = decide(analyser, _forward_of("kari.nordmann@vestby.kommune.no", "kari@gmail.com"))
    assert decision.status.value == "needs_review"
    assert "sender_domain_mismatch" in decision.reasons


def test_a_forward_from_a_municipality_of_anothers_mail_is_not_accepted(analyser):
    decision = decide(analyser, _forward_of("x@as.kommune.no", "kari.nordmann@vestby.kommune.no"))
    assert decision.status.value == "needs_review"
