import pytest

from parsers.classify import (
    classify_document, claims_signed_in_body, declines, is_question, own_text, postpones,
)
from parsers.types import DocKind

FORM_NB = """Intensjonserklæring
Akson – helhetlig samhandling og felles kommunal journal
Gol kommune stiller seg bak arbeidet med Akson.
Erklæringen er ikke juridisk bindende. Endelig beslutning tas av kommunens folkevalgte organer.
Kommune: Gol kommune
Sted og dato: Gol, 12.05.2020
Kari Moen
Ordfører"""

FORM_NN = """INTENSJONSERKLÆRING
Med denne erklæringa gir Kvam herad si tilslutnad til at staten og kommunane arbeider vidare.
Erklæringa er ikkje juridisk bindande.
Stad og dato: Norheimsund, 12.05.2020
Namn: Kari Moen
Tittel: Ordførar"""

MINUTES = """Gol kommune Saksprotokoll
Utval
Kommunestyret
Akson – intensjonserklæring
Kommunedirektøren sitt forslag til vedtak:
Gol kommune signerer intensjonserklæringa om Akson.
Handsaming i Kommunestyret 03.06.2020:
Forslaget vart samrøystes vedteke.
Vedtak i Kommunestyret:
Gol kommune signerer intensjonserklæringa om Akson."""

MINUTES_DECLINE = MINUTES.replace("signerer intensjonserklæringa", "signerer ikkje intensjonserklæringa")

COVER = """Aurland kommune
Vår ref. 20/1322-9
Oversending av signert intensjonserklæring – Akson
Vi viser til invitasjonen frå Helse- og omsorgsdepartementet.
Vedlagt er intensjonserklæringa for Aurland kommune, underteikna av ordførar.
Med helsing
Einar Lie
Rådgjevar"""

DECLINE_LETTER = """Ibestad kommune
Svar på invitasjon – intensjonserklæring Akson
Kommunestyret behandlet saken i møte 07.05.2020 og har vedtatt ikke å signere
intensjonserklæringen. Kommunen vil vurdere saken på nytt senere."""


@pytest.mark.parametrize("text, filename, kind", [
    pytest.param(FORM_NB, "x.pdf", DocKind.DECLARATION, id="form-bokmal"),
    pytest.param(FORM_NN, None, DocKind.DECLARATION, id="form-nynorsk"),
    pytest.param(FORM_NB.upper(), None, DocKind.DECLARATION, id="form-caps"),
    pytest.param(MINUTES, "Saksprotokoll.pdf", DocKind.MINUTES, id="minutes"),
    pytest.param(MINUTES_DECLINE, None, DocKind.MINUTES, id="minutes-declining-are-minutes"),
    pytest.param(MINUTES + "\n\n" + FORM_NB, None, DocKind.DECLARATION, id="minutes-with-form"),
    pytest.param(COVER, "Følgebrev.pdf", DocKind.COVER_LETTER, id="cover-letter"),
    pytest.param(DECLINE_LETTER, None, DocKind.DECLINE, id="decline-letter"),
    pytest.param("", "Signert intensjonserklæring.pdf", DocKind.DECLARATION, id="empty-by-filename"),
    pytest.param("", "Saksprotokoll.pdf", DocKind.MINUTES, id="empty-minutes-filename"),
    pytest.param("", "Følgebrev.pdf", DocKind.COVER_LETTER, id="empty-cover-filename"),
    pytest.param("", "Scan_20200518_1138.pdf", DocKind.OTHER, id="empty-scan"),
    pytest.param("", None, DocKind.OTHER, id="nothing"),
    pytest.param("INTENSJONSERKLÆRING\nTrysil kommune erklærer med dette at kommunen ønsker å være med "
                 "i det videre arbeidet.\nTrysil, 23.5.2020\nKari Moen", None, DocKind.DECLARATION,
                 id="form-without-field-labels"),
    pytest.param("Intensjonserklæring\nVed å skrive under denne erklæringa stadfestar Kvam herad at "
                 "heradet støttar målet om ei felles kommunal journal.", None, DocKind.DECLARATION,
                 id="form-nn-ved-a-skrive-under"),
    pytest.param("Faktura nr 2020-11 for konsulenttjenester levert i mai, totalt 12 000 kroner.",
                 None, DocKind.OTHER, id="unrelated"),
])
def test_classify_document(text, filename, kind):
    assert classify_document(text, filename) is kind


@pytest.mark.parametrize("text", [
    pytest.param("Kommunestyret har vedtatt ikke å signere intensjonserklæringen.", id="nb-vedtatt-ikke"),
    pytest.param("Kommunestyret har vedteke å ikkje signere intensjonserklæringa om Akson.", id="nn-ikkje-signere"),
    pytest.param("Vi vil ikkje underteikne erklæringa.", id="nn-underteikne"),
    pytest.param("Kommunen vil dessverre ikke kunne signere.", id="gap-adverbs"),
    pytest.param("Vi takker nei til invitasjonen.", id="takker-nei"),
    pytest.param("Vi takkar nei.", id="takkar-nei"),
    pytest.param("Kommunen ønsker ikke å slutte seg til Akson nå.", id="onsker-ikke"),
    pytest.param("Heradet ønskjer ikkje å vere med.", id="onskjer-ikkje-vere-med"),
    pytest.param("Kommunen avstår fra å signere.", id="avstar"),
    pytest.param("Vi signerer ikkje på noverande tidspunkt.", id="nn-noverande"),
    pytest.param("Kommunen tar ikke stilling på nåværende tidspunkt.", id="nb-navaerende"),
    pytest.param("Kommunen går ikke inn for å signere.", id="gar-ikke-inn-for"),
    pytest.param("Kommunen vil ikke delta i det videre arbeidet.", id="ikke-delta-i-arbeidet"),
    pytest.param("KOMMUNESTYRET HAR VEDTATT IKKE Å SIGNERE.", id="caps"),
    pytest.param("Bystyret sa nei til intensjonserklæringen.", id="sa-nei"),
    pytest.param("Gol kommune har vurdert invitasjonen og kommer ikke til å signere.", id="kommer-ikke-til-a"),
    pytest.param("Heradet kjem ikkje til å skrive under intensjonserklæringa.", id="kjem-ikkje-til-a"),
    pytest.param("Vedtak: Kvam herad skriv ikkje under intensjonserklæringa om Akson no.", id="skriv-ikkje-under"),
    pytest.param("Vedtak i kommunestyret: Gol kommune signerer ikke intensjonserklæringen nå.",
                 id="vedtak-signerer-ikke"),
    pytest.param("Formannskapet har ikke tatt stilling til saken.", id="ikke-tatt-stilling"),
    pytest.param("Kommunen vil ikke gå videre med Akson.", id="ikke-ga-videre"),
    pytest.param("Vi meiner at kommunen ikkje underteiknar no.", id="ikkje-underteiknar"),
    pytest.param("Saka er førebels ikkje handsama, og vi har foreløpig ikke tatt stilling.", id="forelopig"),
])
def test_declines(text):
    assert declines(text)


@pytest.mark.parametrize("text", [
    pytest.param("Erklæringen er ikke juridisk bindende. Kommunen stiller seg bak.", id="not-binding-nb"),
    pytest.param("Erklæringa er ikkje juridisk bindande.", id="not-binding-nn"),
    pytest.param(FORM_NB, id="whole-form"),
    pytest.param(MINUTES, id="minutes-yes"),
    pytest.param("Vi har ikke fått bekreftelse. Sender derfor på nytt.", id="resend"),
    pytest.param("Kan vi ikke signere elektronisk?", id="question"),
    pytest.param("Det er ikke noe problem å signere.", id="not-a-problem"),
    pytest.param("Fristen for signering er utsatt til 1. juli.", id="deadline-extended"),
    pytest.param("Vi kan dessverre ikke delta på webinaret.", id="webinar"),
    pytest.param("Jeg er ikke på kontoret.", id="out-of-office"),
    pytest.param("Gran kommune signerer herved intensjonserklæringen.", id="claims-signed"),
    pytest.param("Vi avventer svar fra dere.", id="awaiting-answer"),
    pytest.param("Saken utsettes. Kommunedirektøren bes legge fram en vurdering.", id="postponed-is-not-declined"),
    pytest.param("Representanten Per Vik (Frp) fremmet forslag om at kommunen ikke signerer nå.\n"
                 "Forslaget falt.\nVedtak: Gol kommune slutter seg til intensjonserklæringen.",
                 id="motion-voted-down"),
    pytest.param("Representanten Kari Li fremja framlegg om at heradet ikkje skriv under no.", id="motion-nn"),
    pytest.param("Vi har foreløpig ikke fått svar fra dere.", id="forelopig-no-answer"),
    pytest.param("Erklæringa tek ikkje stilling til finansiering.", id="form-caveat-stilling"),
    pytest.param("Vi har på nåværende tidspunkt ingen merknader.", id="navaerende-no-negation"),
    pytest.param("Vedlagt er erklæringa. Ho er ikkje signert elektronisk, men for hand.", id="participle"),
])
def test_not_declines(text):
    assert not declines(text)


@pytest.mark.parametrize("text, expected", [
    pytest.param("Saka vart utsett til hausten.", True, id="utsett"),
    pytest.param("Formannskapet utset handsaminga av saka.", True, id="utset"),
    pytest.param("Saken utsettes. Kommunedirektøren bes legge fram en vurdering.", True, id="utsettes"),
    pytest.param("Vi vil vente med å signere til saka er handsama.", True, id="vente-med"),
    pytest.param("Kommunen avventer signering til høsten.", True, id="avventer"),
    pytest.param("Fristen for signering er utsatt til 1. juli.", False, id="deadline-extended"),
    pytest.param("Representanten Per Vik fremmet utsettelsesforslag. Vedtak: Saken utsettes.", True,
                 id="motion-ignored-decision-read"),
    pytest.param("Saken utsettes ikke.", False, id="negated"),
    pytest.param("Representanten Per Vik fremmet forslag om at saken utsettes.", False, id="motion-only"),
    pytest.param("Gol kommune slutter seg til intensjonserklæringen.", False, id="positive"),
    pytest.param("Skal saka utsetjast?", False, id="question"),
    pytest.param("Kommunestyret tar stilling til erklæringen etter sommeren.", True, id="nb-after-summer"),
    pytest.param("Heradsstyret tek stilling til saka til hausten.", True, id="nn-autumn"),
    pytest.param("Saka vert handsama i heradsstyret i september.", True, id="nn-handled-in-september"),
    pytest.param("Vi kommer tilbake til saken når formannskapet har møtt.", True, id="nb-come-back"),
    pytest.param("Vi vil ikke signere før kommunestyret har behandlet saken.", True, id="nb-not-until"),
    pytest.param("Me skriv ikkje under før heradsstyret har handsama saka.", True, id="nn-not-until"),
    pytest.param("Kommunestyret behandlet saken i august i fjor.", False, id="past-meeting"),
    pytest.param("Kommunen signerer ikke intensjonserklæringen.", False, id="plain-no"),
])
def test_postpones(text, expected):
    assert postpones(text) is expected


@pytest.mark.parametrize("subject, body, expected", [
    pytest.param("SV: Invitasjon", "Kan kommunedirektøren signere alene, eller må ordfører også signere?",
                 True, id="question-mark"),
    pytest.param("Spørsmål om Akson", "Hei", True, id="subject"),
    pytest.param("Akson", "Vi lurer på om erklæringen må behandles politisk.", True, id="lurer-pa"),
    pytest.param("Intensjonserklæring", "Vedlagt følger signert erklæring.", False, id="submission"),
    pytest.param("SV: Akson", "Vedlagt er erklæringa.\n\n-----Original Message-----\nFra: HOD\n"
                 "Har de spørsmål?", False, id="quoted-question-ignored"),
    pytest.param("Akson", "Se https://example.no/side?id=3 for skjema.", False, id="url"),
    pytest.param("Akson", "> Har dere spørsmål?\nVedlagt.", False, id="quote-marks"),
])
def test_is_question(subject, body, expected):
    assert is_question(subject, body) is expected


@pytest.mark.parametrize("body, expected", [
    pytest.param("Gran kommune signerer herved intensjonserklæringen om Akson.", True, id="herved"),
    pytest.param("Kommunen signerer med dette intensjonserklæringa.", True, id="med-dette"),
    pytest.param("Tysnes kommune sluttar seg med dette til intensjonserklæringa.", True, id="nn-sluttar"),
    pytest.param("Herved signert av ordfører.", True, id="herved-signert"),
    pytest.param("Vi bekrefter at Gol kommune slutter seg til intensjonserklæringen.", True, id="bekrefter"),
    pytest.param("Vedlagt er signert erklæring.", False, id="attachment"),
    pytest.param("Kommunen signerer herved ikke intensjonserklæringen.", False, id="negated"),
    pytest.param("Signerer vi herved, eller må vi sende skjema?", False, id="question"),
    pytest.param("Hei\n\n-----Original Message-----\nFra: X\nKommunen signerer herved.", False, id="quoted"),
])
def test_claims_signed_in_body(body, expected):
    assert claims_signed_in_body(body) is expected


def test_own_text_cuts_reply_headers():
    body = "Vedlagt.\n\nOn Mon, 5 May 2020 Kari wrote:\n> tekst\nmer sitat"
    assert own_text(body).strip() == "Vedlagt."
