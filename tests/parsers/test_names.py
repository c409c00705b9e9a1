"""Names in all their forms through the pipeline: former, parallel, herad, near spellings.

GIVEN a signed form naming its municipality by a former, Sami, herad or OCR-damaged name,
WHEN it is analysed with the sender's domain,
THEN it resolves to the 2020 municipality, the evidence says which name form was read,
and a near spelling never decides without the sender's domain.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from email.message import EmailMessage

import pytest

from parsers.analyse import Analyser
from parsers.types import Status

OSLO = dt.timezone(dt.timedelta(hours=2))
RECEIVED = dt.datetime(2020, 6, 12, 10, 0, tzinfo=OSLO)
DOMAINS = {"5415": "lavangen.kommune.no", "3446": "gran.kommune.no", "1806": "narvik.kommune.no", "5437": "karasjok.kommune.no", "4622": "kvam.no",
           "4616": "tysnes.kommune.no", "4617": "kvinnherad.kommune.no"}


@pytest.fixture(scope="module")
def analyser(registry):
    munis = [replace(m, domains=(DOMAINS[m.number],)) if m.number in DOMAINS else m for m in registry]
    return Analyser(munis, invited=frozenset(m.number for m in munis if m.invited),
                    deadline=dt.datetime(2020, 7, 1, tzinfo=OSLO))


def signed_form(name: str, domain: str) -> bytes:
    text = "\n".join(("INTENSJONSERKLÆRING", f"{name} stiller seg bak arbeidet med Akson.",
                      f"Kommune: {name}", "Sted og dato: Her, 11.06.2020", "Navn: Kari Moen",
                      "Tittel: Ordfører"))
    msg = EmailMessage()
    msg["From"] = f"postmottak@{domain}"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Intensjonserklæring"
    msg["Message-ID"] = f"<{abs(hash(name))}@{domain}>"
    msg.set_content("Vedlagt.")
    msg.add_attachment(text.encode(), maintype="text", subtype="plain", filename="erklæring.txt")
    return bytes(msg)


@pytest.mark.parametrize("name, domain, number, kind", [
    pytest.param("Ballangen kommune", "narvik.kommune.no", "1806", "former", id="former-merged-2020"),
    pytest.param("Kárášjoga gielda", "karasjok.kommune.no", "5437", "parallel", id="sami-genitive"),
    pytest.param("Loabága suohkan", "lavangen.kommune.no", "5415", "parallel", id="sami-genitive-lavangen"),
    pytest.param("Kvam herad", "kvam.no", "4622", "herad", id="herad"),
    pytest.param("Tysnos kommune", "tysnes.kommune.no", "4616", "fuzzy", id="ocr-slip-short"),
    pytest.param("Kvinnhcrad kommune", "kvinnherad.kommune.no", "4617", "fuzzy", id="ocr-slip-long"),
])
def test_resolved_to_the_2020_municipality_with_the_name_form_noted(analyser, name, domain, number, kind):
    decision = analyser.analyse(signed_form(name, domain), received_at=RECEIVED).decision
    assert (decision.status, decision.municipality_number) == (Status.ACCEPTED, number)
    notes = decision.evidence["names"]
    assert any(n["kind"] == kind and n["municipalities"][0].startswith(number) for n in notes), notes


def test_a_near_spelling_from_another_domain_is_never_accepted(analyser):
    decision = analyser.analyse(signed_form("Tysnos kommune", "gmail.com"), received_at=RECEIVED).decision
    assert decision.status is Status.NEEDS_REVIEW
    assert {"sender_domain_mismatch", "municipality_near_spelling_only"} <= set(decision.reasons)


def test_a_split_municipalitys_former_name_needs_the_domain(analyser):
    """Tysfjord went partly to Narvik, partly to Hamarøy: only the sender's domain decides."""
    narvik = analyser.analyse(signed_form("Tysfjord kommune", "narvik.kommune.no"), received_at=RECEIVED).decision
    assert (narvik.status, narvik.municipality_number) == (Status.ACCEPTED, "1806")
    private = analyser.analyse(signed_form("Tysfjord kommune", "online.no"), received_at=RECEIVED).decision
    assert private.status is Status.NEEDS_REVIEW and "ambiguous_municipality" in private.reasons


def joint_mail(lines: tuple[str, ...], domain: str = "gran.kommune.no") -> bytes:
    msg = EmailMessage()
    msg["From"] = f"postmottak@{domain}"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Intensjonserklæring"
    msg["Message-ID"] = f"<{abs(hash(lines))}@{domain}>"
    msg.set_content("Vedlagt.")
    msg.add_attachment("\n".join(lines).encode(), maintype="text", subtype="plain", filename="erklæring.txt")
    return bytes(msg)


SIGNATURES = ("Sted og dato: Jaren, 11.06.2020", "Navn: Kari Moen", "Tittel: Ordfører")


@pytest.mark.parametrize("lines, covered, status, number", [
    pytest.param(("INTENSJONSERKLÆRING", "Gran, Lunner og Jevnaker kommuner slutter seg til arbeidet med Akson.",
                  *SIGNATURES), ["3053", "3054", "3446"], Status.NEEDS_REVIEW, None, id="joint-form-nb"),
    pytest.param(("Møtebok for Hadeland regionråd", "Vedtak:", "Kommunane Gran, Lunner og Jevnaker sluttar seg "
                  "til intensjonserklæringa."), ["3053", "3054", "3446"], Status.NEEDS_REVIEW, None,
                 id="joint-minutes-nn"),
    pytest.param(("INTENSJONSERKLÆRING", "Gran kommune stiller seg bak arbeidet med Akson.",
                  "Hadeland IKT eies av Gran, Lunner og Jevnaker kommuner.", "Kommune: Gran", *SIGNATURES),
                 [], Status.ACCEPTED, "3446", id="partnership-described-not-joint"),
    pytest.param(("INTENSJONSERKLÆRING", "Gran og Lunner kommuner slutter seg til intensjonserklæringen.",
                  "Kommune: Hamar", *SIGNATURES), [], Status.NEEDS_REVIEW, "3403", id="outsider-named-ambiguous"),
    pytest.param(("INTENSJONSERKLÆRING", "Herøy og Gran kommuner slutter seg til intensjonserklæringen.",
                  *SIGNATURES), [], Status.NEEDS_REVIEW, None, id="homonym-in-list-not-joint"),
])
def test_a_document_for_several_municipalities(analyser, lines, covered, status, number):
    decision = analyser.analyse(joint_mail(lines), received_at=RECEIVED).decision
    assert decision.evidence["municipalities_covered"] == covered
    assert (decision.status, decision.municipality_number) == (status, number)
    if covered:
        assert "several_municipalities" in decision.reasons
    elif status is Status.NEEDS_REVIEW:
        assert {"ambiguous_municipality", "unknown_municipality"} & set(decision.reasons), decision.reasons


def test_a_joint_document_becomes_one_decision_per_municipality(analyser):
    from parsers.council import per_municipality
    lines = ("INTENSJONSERKLÆRING", "Gran, Lunner og Jevnaker kommuner slutter seg til arbeidet med Akson.",
             *SIGNATURES)
    parts = per_municipality(analyser.analyse(joint_mail(lines), received_at=RECEIVED).decision)
    assert [p.municipality_number for p in parts] == ["3053", "3054", "3446"]
    assert all(p.status is Status.NEEDS_REVIEW and "several_municipalities" in p.reasons for p in parts)
