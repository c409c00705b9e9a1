"""What people write in the mail itself: subjects and bodies, Bokmål and Nynorsk.

Each function takes the random generator so a campaign varies its phrasing; none of
these texts is needed by the intake to decide, which is the point: the evidence is in
the attachments and the sender, the body is noise (except for questions and declines).
"""
from __future__ import annotations

import random

from .names import display_title

BM, NN = "bokmål", "nynorsk"
INVITATION_SUBJECT = "Invitasjon til å signere intensjonserklæring – Akson"
REMINDER_SUBJECT = "Påminnelse: intensjonserklæring Akson"

_SUBJECTS = {
    BM: ("Intensjonserklæring Akson", "SV: " + INVITATION_SUBJECT, "Akson: signert erklæring fra {m}",
         "Akson – intensjonserklæring fra {m}", "Akson", "Intensjonserklæring - {short}",
         "RE: " + INVITATION_SUBJECT, "Signert erklæring Akson", "Akson intensjonserklæring"),
    NN: ("Intensjonserklæring Akson", "SV: " + INVITATION_SUBJECT, "Underteikna erklæring om Akson – {m}",
         "Akson – underteikna erklæring, {m}", "Erklæring om Akson, {short}", "Akson"),
}
_GREETINGS = {BM: ("Hei,", "Hei!", "Til Helse- og omsorgsdepartementet", "Hei Akson-teamet,", "God dag,"),
              NN: ("Hei,", "Hei!", "Til Helse- og omsorgsdepartementet", "God dag,")}
_SEND_LINES = {
    BM: ("Vedlagt er signert intensjonserklæring for {m}.",
         "Oversender med dette intensjonserklæringen for Akson, signert av {signatory}.",
         "Her kommer underskrevet erklæring fra oss.",
         "Se vedlegg.",
         "Som avtalt sender vi intensjonserklæringen for {m}. Gi gjerne beskjed om at den er mottatt.",
         "Vi viser til invitasjonen av 5. mai og sender med dette vår intensjonserklæring."),
    NN: ("Vedlagt er underteikna intensjonserklæring for {m}.",
         "Sender med dette intensjonserklæringa for Akson, underskriven av {signatory}.",
         "Her kjem underskriven erklæring frå oss.",
         "Sjå vedlegg.",
         "Vi viser til invitasjonen av 5. mai og sender med dette intensjonserklæringa vår."),
}
_CLOSINGS = {BM: ("Med vennlig hilsen", "Vennlig hilsen", "Mvh", "Hilsen"),
             NN: ("Med helsing", "Venleg helsing", "Mvh", "Helsing")}
_EXTRA_LINES = {  # what people add when there is more than one attachment
    "minutes": {BM: "Vi legger også ved protokollen fra møtet i {council}.",
                NN: "Vi legg òg ved protokollen frå møtet i {council}."},
    "cover": {BM: "Følgebrev ligger ved.", NN: "Følgjebrev ligg ved."},
    "zip": {BM: "Alle dokumentene ligger i zip-filen.", NN: "Alle dokumenta ligg i zip-fila."},
    "docx": {BM: "Vi har fylt ut erklæringen i Word-malen.", NN: "Vi har fylt ut erklæringa i Word-malen."},
}
_DEFINITE = {BM: {"ordfører": "ordføreren", "kommunedirektør": "kommunedirektøren", "rådmann": "rådmannen"},
             NN: {"ordfører": "ordføraren", "kommunedirektør": "kommunedirektøren", "rådmann": "rådmannen"}}
QUESTIONS = {
    BM: ("Vi har mottatt invitasjonen. Holder det at kommunedirektøren signerer, eller må "
         "ordføreren også skrive under?",
         "Må intensjonserklæringen behandles politisk før vi sender den inn? Kommunestyret har "
         "ikke møte før i september.",
         "Kan dere bekrefte fristen for å sende inn erklæringen? Vi ønsker å ta saken i "
         "formannskapet først.",
         "Hva forplikter kommunen seg til økonomisk ved å signere? Vi trenger dette til "
         "saksframlegget."),
    NN: ("Vi har fått invitasjonen. Er det nok at kommunedirektøren skriv under, eller må "
         "ordføraren òg skrive under?",
         "Må intensjonserklæringa handsamast politisk før vi sender ho inn? Kommunestyret har "
         "ikkje møte før i september.",
         "Kva pliktar kommunen seg til økonomisk ved å skrive under? Vi treng dette til "
         "saksframlegget."),
}
DECLINES = {
    BM: ("{council} i {m} har behandlet saken og vedtatt at kommunen ikke signerer "
         "intensjonserklæringen nå.",
         "{m} har vurdert invitasjonen og kommer ikke til å signere intensjonserklæringen om Akson."),
    NN: ("{council} i {m} har handsama saka og vedteke at kommunen ikkje skriv under "
         "intensjonserklæringa no.",
         "{m} har vurdert invitasjonen og kjem ikkje til å skrive under intensjonserklæringa om Akson."),
}
MINUTES_NOTE = {
    BM: "Her er vedtaket fra {council} i Akson-saken, se protokollen i vedlegget.",
    NN: "Her er vedtaket frå {council} i Akson-saka, sjå protokollen i vedlegget.",
}
BODY_ONLY = {
    BM: "Vi bekrefter herved at {m} slutter seg til intensjonserklæringen om Akson. Papirutgave "
        "ettersendes.",
    NN: "Vi stadfestar med dette at {m} sluttar seg til intensjonserklæringa om Akson. "
        "Papirutgåve blir ettersend.",
}
AUTO_REPLIES = {
    BM: ("Jeg er på ferie og tilbake {back}. Henvendelser kan sendes til postmottak@{domain}.",
         "Takk for din e-post. Jeg har begrenset tilgang til e-post frem til {back}. Ved hastesaker, "
         "ring sentralbordet.",
         "Jeg er ute av kontoret til og med {back} og leser ikke e-post i denne perioden."),
    NN: ("Eg er på ferie og er attende {back}. Førespurnader kan sendast til postmottak@{domain}.",
         "Takk for e-posten. Eg har avgrensa tilgang til e-post fram til {back}."),
}
AUTO_PREFIXES = ("Fraværsmelding: ", "Automatisk svar: ", "Autosvar: ", "Abwesenheitsnotiz: ")
ARCHIVE_BODY = {
    BM: "Denne e-posten er sendt fra sak- og arkivsystemet i {m}.\n\nSaksnummer: {case}\n"
        "Dokument: {title}\n\nSvar på denne e-posten går til postmottak.",
    NN: "Denne e-posten er send frå sak- og arkivsystemet i {m}.\n\nSaksnummer: {case}\n"
        "Dokument: {title}\n\nSvar på denne e-posten går til postmottak.",
}


def subject(rng: random.Random, language: str, municipality: str, short: str) -> str:
    return rng.choice(_SUBJECTS[language]).format(m=municipality, short=short)


def signature_block(name: str, title: str, municipality: str, language: str,
                    rng: random.Random) -> str:
    """Closing, name, title and municipality; phone number now and then."""
    lines = [rng.choice(_CLOSINGS[language]), name, display_title(title, language).capitalize(), municipality]
    if rng.random() < 0.4:
        lines.append(f"Tlf. {rng.randint(400, 999)} {rng.randint(10, 99)} {rng.randint(100, 999)}")
    return "\n".join(lines)


def submission_body(rng: random.Random, language: str, municipality: str, *, sender_name: str,
                    sender_title: str, signatory_title: str = "ordfører",
                    extras: tuple[str, ...] = (), council: str = "kommunestyret") -> str:
    signatory = _DEFINITE[language].get(signatory_title, signatory_title)
    lines = [rng.choice(_GREETINGS[language]), "",
             rng.choice(_SEND_LINES[language]).format(m=municipality, signatory=signatory)]
    lines += [_EXTRA_LINES[e][language].format(council=council) for e in extras]
    lines += ["", signature_block(sender_name, sender_title, municipality, language, rng)]
    return "\n".join(lines)


def phone_body(rng: random.Random) -> str:
    """Sent from a phone: one line and the client's footer."""
    return rng.choice(("Signert skjema ligger ved.", "Signert erklæring vedlagt.", "Sjå vedlegg")) + \
        "\n\n" + rng.choice(("Sendt fra min Galaxy", "Sendt fra Outlook for Android", "Sent from my iPad"))


def wrap(rng: random.Random, language: str, municipality: str, text: str, *, sender_name: str,
         sender_title: str) -> str:
    """A free-text message with greeting and signature (questions, declines, body-only)."""
    return "\n".join([rng.choice(_GREETINGS[language]), "", text, "",
                      signature_block(sender_name, sender_title, municipality, language, rng)])
