"""Council minutes, declines and postponements through the whole parsing pipeline.

GIVEN a mail from the municipality's own domain carrying minutes, a form, a letter or
only a body text, in Bokmål or Nynorsk,
WHEN it is analysed,
THEN its kind, status and reasons say what staff and the count need: minutes alone wait
for the form, a refusal is a decline, a postponement and a conditional decision go to
staff, and the council's decision is kept as evidence.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import replace
from email.message import EmailMessage

import pytest

from parsers.analyse import Analyser
from parsers.types import Kind, Status

OSLO = dt.timezone(dt.timedelta(hours=2))
RECEIVED = dt.datetime(2020, 6, 12, 10, 0, tzinfo=OSLO)
GRAN, KVAM = "3446", "4622"
DOMAINS = {GRAN: "gran.kommune.no", KVAM: "kvam.no"}
NAMES = {GRAN: "Gran kommune", KVAM: "Kvam herad"}


@pytest.fixture(scope="module")
def analyser(registry):
    munis = [replace(m, domains=(DOMAINS[m.number],)) if m.number in DOMAINS else m for m in registry]
    return Analyser(munis, invited=frozenset(m.number for m in munis if m.invited),
                    deadline=dt.datetime(2020, 7, 1, tzinfo=OSLO))


def minutes(number: str, decision: str) -> str:
    nn = number == KVAM
    return "\n".join((
        NAMES[number], "Saksprotokoll" if not nn else "Møtebok",
        "Utval: Heradsstyret" if nn else "Utvalg: Kommunestyret", "Møtedato: 10.06.2020", "Saksnr: 045/20",
        "Akson – intensjonserklæring",
        "Tilråding frå kommunedirektøren:" if nn else "Kommunedirektørens innstilling:",
        f"{NAMES[number]} sluttar seg til intensjonserklæringa." if nn
        else f"{NAMES[number]} slutter seg til intensjonserklæringen.",
        "Handsaming i heradsstyret 10.06.2020:" if nn else "Behandling i kommunestyret 10.06.2020:",
        "Avrøysting: 15 mot 10." if nn else "Votering: 15 mot 10.",
        "Vedtak i heradsstyret:" if nn else "Vedtak i kommunestyret:",
        decision.format(m=NAMES[number]),
        "Utskrifta er stadfesta" if nn else "Rett utskrift bekreftes"))


def form(number: str) -> str:
    nn = number == KVAM
    return "\n".join((
        "INTENSJONSERKLÆRING", "Akson – felles kommunal journal",
        f"{NAMES[number]} stiller seg bak arbeidet med Akson.",
        f"Kommune: {NAMES[number]}",
        ("Stad og dato: Norheimsund, 11.06.2020" if nn else "Sted og dato: Jaren, 11.06.2020"),
        "Namn: Kari Moen" if nn else "Navn: Kari Moen",
        "Tittel: Ordførar" if nn else "Tittel: Ordfører"))


def mail(number: str, body: str, *attachments: tuple[str, str], domain: str | None = None) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Postmottak <postmottak@{domain or DOMAINS[number]}>"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Akson – intensjonserklæring"
    msg["Message-ID"] = f"<{abs(hash((body, attachments)))}@test>"
    msg["Date"] = "Fri, 12 Jun 2020 10:00:00 +0200"
    msg.set_content(body)
    for filename, text in attachments:
        msg.add_attachment(text.encode("utf-8"), maintype="text", subtype="plain", filename=filename)
    return bytes(msg)


POSITIVE = {GRAN: "{m} signerer intensjonserklæringen om Akson.",
            KVAM: "{m} vil underteikne intensjonserklæringa om Akson."}
NEGATIVE = {GRAN: "{m} signerer ikke intensjonserklæringen om Akson.",
            KVAM: "{m} skriv ikkje under intensjonserklæringa om Akson."}
POSTPONED = {GRAN: "Saken utsettes til høsten.", KVAM: "Saka vert utsett til hausten."}
CONDITIONAL = {GRAN: "{m} slutter seg til intensjonserklæringen. Kommunestyret ber om at staten tar en "
                     "større del av kostnadene.",
               KVAM: "{m} sluttar seg til intensjonserklæringa, under føresetnad av at staten dekkjer "
                     "ein større del av kostnadene."}
LETTER = {GRAN: "Gran kommune\nSvar på invitasjon – Akson\nKommunestyret har vedtatt at Gran kommune ikke "
                "signerer intensjonserklæringen.\nMed vennlig hilsen\nKari Moen\nordfører",
          KVAM: "Kvam herad\nSvar på invitasjonen – Akson\nHeradsstyret har vedteke at Kvam herad ikkje "
                "skriv under intensjonserklæringa.\nMed helsing\nKari Moen\nordførar"}
LATER_BODY = {GRAN: "Hei,\n\nGran kommune tar stilling til intensjonserklæringen etter sommeren. Vi vil "
                    "vente med å signere til kommunestyret har behandlet saken.\n\nHilsen\nPostmottak",
              KVAM: "Hei,\n\nKvam herad vil vente med å skrive under til heradsstyret har handsama saka "
                    "i august.\n\nHelsing\nPostmottak"}


def case(name: str, build, kind: Kind, status: Status, reasons: set[str], absent: set[str] = frozenset()):
    return [pytest.param(number, build, kind, status, reasons, absent, id=f"{name}-{lang}")
            for number, lang in ((GRAN, "nb"), (KVAM, "nn"))]


CASES = [
    *case("minutes-only", lambda n: mail(n, "Vedlagt vedtaket.", ("Saksprotokoll.txt", minutes(n, POSITIVE[n]))),
          Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, {"not_signed", "decision_without_declaration"},
          {"conditional_decision", "postponed"}),
    *case("minutes-plus-form", lambda n: mail(n, "Vedlagt.", ("Erklæring.txt", form(n)),
                                              ("Saksprotokoll.txt", minutes(n, POSITIVE[n]))),
          Kind.DECLARATION, Status.ACCEPTED, set()),
    *case("conditional-plus-form", lambda n: mail(n, "Vedlagt.", ("Erklæring.txt", form(n)),
                                                  ("Saksprotokoll.txt", minutes(n, CONDITIONAL[n]))),
          Kind.DECLARATION, Status.ACCEPTED, set()),
    *case("conditional-only", lambda n: mail(n, "Vedlagt.", ("Saksprotokoll.txt", minutes(n, CONDITIONAL[n]))),
          Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, {"conditional_decision", "decision_without_declaration"}),
    *case("negative-minutes", lambda n: mail(n, "Vedlagt.", ("Saksprotokoll.txt", minutes(n, NEGATIVE[n]))),
          Kind.DECLINE, Status.ACCEPTED, set()),
    *case("negative-minutes-beside-a-form", lambda n: mail(n, "Vedlagt.", ("Erklæring.txt", form(n)),
                                                           ("Saksprotokoll.txt", minutes(n, NEGATIVE[n]))),
          Kind.DECLARATION, Status.NEEDS_REVIEW, {"conflicting_decision"}),
    *case("decline-letter", lambda n: mail(n, "Vedlagt svar.", ("Svar.txt", LETTER[n])),
          Kind.DECLINE, Status.ACCEPTED, set()),
    *case("decline-from-another-domain", lambda n: mail(n, "Vedlagt svar.", ("Svar.txt", LETTER[n]),
                                                        domain="gmail.com"),
          Kind.DECLINE, Status.NEEDS_REVIEW, {"sender_domain_mismatch"}),
    *case("postponing-minutes", lambda n: mail(n, "Vedlagt.", ("Saksprotokoll.txt", minutes(n, POSTPONED[n]))),
          Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, {"postponed", "not_signed"}),
    *case("postponing-mail", lambda n: mail(n, LATER_BODY[n]),
          Kind.DECLINE, Status.NEEDS_REVIEW, {"postponed"}),
]


@pytest.mark.parametrize("number, build, kind, status, reasons, absent", CASES)
def test_kind_status_and_reasons(analyser, number, build, kind, status, reasons, absent):
    decision = analyser.analyse(build(number), received_at=RECEIVED).decision
    assert (decision.kind, decision.status, decision.municipality_number) == (kind, status, number)
    assert reasons <= set(decision.reasons), decision.reasons
    assert not absent & set(decision.reasons)


@pytest.mark.parametrize("number", [GRAN, KVAM], ids=["nb", "nn"])
def test_the_council_decision_is_kept_as_evidence(analyser, number):
    raw = mail(number, "Vedlagt.", ("Erklæring.txt", form(number)),
               ("Saksprotokoll.txt", minutes(number, CONDITIONAL[number])))
    evidence = analyser.analyse(raw, received_at=RECEIVED).decision.evidence["council_decision"]
    assert evidence["body"] == ("heradsstyret" if number == KVAM else "kommunestyret")
    assert (evidence["meeting_date"], evidence["case_number"]) == ("2020-06-10", "045/20")
    assert (evidence["polarity"], evidence["conditional"]) == ("positive", True)
    assert "staten" in evidence["conditions"][0]


@pytest.mark.parametrize("outcome, kind, status, reason", [
    ("positive", Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, "decision_without_declaration"),
    ("conditional", Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, "conditional_decision"),
    ("postpone", Kind.COUNCIL_DECISION, Status.NEEDS_REVIEW, "postponed"),
    ("negative", Kind.DECLINE, Status.ACCEPTED, None),
])
@pytest.mark.parametrize("number, language, council", [
    (GRAN, "bokmål", "formannskap"), (KVAM, "nynorsk", "heradsstyre"),
], ids=["nb", "nn"])
def test_minutes_as_pdf(analyser, outcome, kind, status, reason, number, language, council):
    """The same through a real text PDF laid out like a saksprotokoll, with the motion and
    the vote that precede the decision (a motion to refuse must not read as a refusal)."""
    from intake.samples import minutes_pdf
    from intake.samples.specs import MinutesSpec
    spec = MinutesSpec(municipality=NAMES[number], council=council, meeting_date=dt.date(2020, 6, 10),
                       case_number="045/20", archive_ref="20/1377", outcome=outcome, language=language,
                       votes_for=15, votes_against=10, secretary="Per Vik")
    msg = EmailMessage()
    msg["From"] = f"postmottak@{DOMAINS[number]}"
    msg["To"] = "akson@hod.dep.no"
    msg["Subject"] = "Vedtak i Akson-saka"
    msg["Message-ID"] = f"<{outcome}-{number}@test>"
    msg.set_content("Vedlagt protokollen.")
    msg.add_attachment(minutes_pdf(spec), maintype="application", subtype="pdf", filename="Saksprotokoll.pdf")
    decision = analyser.analyse(bytes(msg), received_at=RECEIVED).decision
    assert (decision.kind, decision.status, decision.municipality_number) == (kind, status, number)
    assert reason is None or reason in decision.reasons
    facts = decision.evidence["council_decision"]
    assert (facts["case_number"], facts["meeting_date"]) == ("045/20", "2020-06-10")


@pytest.mark.parametrize("number", [GRAN, KVAM], ids=["nb", "nn"])
def test_a_refusal_only_recommended_to_the_council_is_not_recorded(analyser, number):
    """The formannskap recommends; the kommunestyre decides. A negative recommendation
    alone must not make the municipality 'declined'."""
    text = "\n".join((NAMES[number], "Saksprotokoll", "Utvalg: Formannskapet", "Møtedato: 10.06.2020",
                      "Formannskapets innstilling til kommunestyret:",
                      f"{NAMES[number]} signerer ikke intensjonserklæringen.", "Enstemmig vedtatt."))
    decision = analyser.analyse(mail(number, "Vedlagt.", ("Saksprotokoll.txt", text)),
                                received_at=RECEIVED).decision
    assert (decision.kind, decision.status) == (Kind.DECLINE, Status.NEEDS_REVIEW)
    assert "not_final_decision" in decision.reasons
