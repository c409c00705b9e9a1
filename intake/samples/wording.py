"""The words of the sample documents and mails, in Bokmål ("bokmål") and Nynorsk.

Written for this factory. Several phrasings per purpose, so that readers of the mail
are tested on meaning (municipality, signer, decision), not on one template's sentences.
Placeholders: {m} the municipality's printed name, {unit} "kommunen" or "heradet".
"""
from __future__ import annotations

BM, NN = "bokmål", "nynorsk"

FORM_LABELS = {
    BM: {"municipality": "Kommune", "place_date": "Sted og dato", "signature": "Underskrift",
         "name": "Navn", "title": "Tittel"},
    NN: {"municipality": "Kommune", "place_date": "Stad og dato", "signature": "Underskrift",
         "name": "Namn", "title": "Tittel"},
}

DECLARATION_TITLES = ("Intensjonserklæring", "INTENSJONSERKLÆRING", "Intensjonserklæring om Akson")
DECLARATION_SUBTITLES = {
    BM: ("Akson – felles journal for den kommunale helse- og omsorgstjenesten",
         "Felles kommunal journalløsning (Akson)",
         "Deltakelse i det videre arbeidet med Akson"),
    NN: ("Akson – felles journal for den kommunale helse- og omsorgstenesta",
         "Felles kommunal journalløysing (Akson)",
         "Deltaking i det vidare arbeidet med Akson"),
}
ATTACHMENT_NOTE = {
    BM: "Vedlegg 1 til brev fra Helse- og omsorgsdepartementet",
    NN: "Vedlegg 1 til brev frå Helse- og omsorgsdepartementet",
}

DECLARATION_BODIES = {
    BM: (
        ("{m} erklærer med dette at {unit} ønsker å være med i det videre arbeidet med "
         "Akson – en felles journal- og samhandlingsløsning for den kommunale helse- og "
         "omsorgstjenesten.",
         "{Unit} vil stille fagpersoner og andre ressurser til disposisjon for "
         "forprosjektet, etter nærmere avtale.",
         "Erklæringen binder ikke {unit} juridisk. Spørsmålet om deltakelse og finansiering "
         "avgjøres av de folkevalgte når et fullstendig beslutningsgrunnlag er klart."),
        ("Ved å signere denne erklæringen bekrefter {m} at {unit} støtter målet om en felles "
         "kommunal journal, Akson, og vil ta del i planleggingen av løsningen sammen med "
         "staten og KS.",
         "Vi legger til grunn at kostnader, gevinster og finansieringsmodell utredes grundig "
         "før det fattes endelige vedtak.",
         "Erklæringen uttrykker en intensjon og innebærer ingen økonomiske forpliktelser nå."),
        ("{m} gir sin tilslutning til at arbeidet med Akson videreføres, og har til hensikt å "
         "delta i forprosjektet.",
         "Erklæringen er ikke rettslig bindende."),
    ),
    NN: (
        ("{m} stadfestar med dette at {unit} ønskjer å vere med i det vidare arbeidet med "
         "Akson – ei felles journal- og samhandlingsløysing for den kommunale helse- og "
         "omsorgstenesta.",
         "{Unit} vil stille fagfolk og andre ressursar til rådvelde for forprosjektet, etter "
         "nærare avtale.",
         "Erklæringa bind ikkje {unit} juridisk. Spørsmålet om deltaking og finansiering blir "
         "avgjort av dei folkevalde når eit fullstendig avgjerdsgrunnlag er klart."),
        ("Ved å skrive under denne erklæringa stadfestar {m} at {unit} støttar målet om ei "
         "felles kommunal journal, Akson, og vil ta del i planlegginga av løysinga saman med "
         "staten og KS.",
         "Vi legg til grunn at kostnader, gevinstar og finansieringsmodell blir grundig "
         "utgreidde før det blir gjort endelege vedtak.",
         "Erklæringa uttrykkjer ein intensjon og inneber ingen økonomiske plikter no."),
        ("{m} sluttar seg til at arbeidet med Akson held fram, og har til hensikt å delta i "
         "forprosjektet.",
         "Erklæringa er ikkje rettsleg bindande."),
    ),
}


def fill(text: str, municipality: str, language: str, **extra: str) -> str:
    """Insert the municipality (and ``extra`` fields); a Nynorsk herad says "heradet"."""
    unit = "heradet" if language == NN and municipality.lower().endswith(" herad") else "kommunen"
    return text.format(m=municipality, unit=unit, Unit=unit.capitalize(), **extra)


# ---------------------------------------------------------------------------- minutes

COUNCIL_NAMES = {   # definite form, as in "Vedtak i kommunestyret"
    "formannskap": "Formannskapet", "kommunestyre": "Kommunestyret",
    "bystyre": "Bystyret", "heradsstyre": "Heradsstyret",
}
MINUTES_LABELS = {
    BM: {"heading": "Saksprotokoll", "body": "Utvalg", "date": "Møtedato", "case": "Saksnr.",
         "archive": "Arkivsak", "proposal": "Innstilling fra {who}:", "treatment": "Behandling",
         "vote": "Votering", "decision": "Vedtak", "certified": "Utskriftens riktighet bekreftes"},
    NN: {"heading": "Saksprotokoll", "body": "Utval", "date": "Møtedato", "case": "Saksnr.",
         "archive": "Arkivsak", "proposal": "Tilråding frå {who}:", "treatment": "Handsaming",
         "vote": "Avrøysting", "decision": "Vedtak", "certified": "Utskrifta er stadfesta"},
}
# Definite forms: "innstilling fra kommunedirektøren", "signert av ordføraren".
DEFINITE_TITLE = {
    BM: {"ordfører": "ordføreren", "kommunedirektør": "kommunedirektøren", "rådmann": "rådmannen",
         "varaordfører": "varaordføreren"},
    NN: {"ordfører": "ordføraren", "kommunedirektør": "kommunedirektøren", "rådmann": "rådmannen",
         "varaordfører": "varaordføraren"},
}
MINUTES_CASE_TITLE = {
    BM: "Akson – intensjonserklæring om felles kommunal journal",
    NN: "Akson – intensjonserklæring om felles kommunal journal",
}
MINUTES_PROPOSAL = {
    BM: "{m} slutter seg til intensjonserklæringen om Akson. Ordføreren gis fullmakt til å "
        "signere erklæringen på vegne av {unit}.",
    NN: "{m} sluttar seg til intensjonserklæringa om Akson. Ordføraren får fullmakt til å "
        "skrive under erklæringa på vegner av {unit}.",
}
MINUTES_DECISION = {
    BM: {
        "positive": MINUTES_PROPOSAL[BM],
        "negative": "{m} signerer ikke intensjonserklæringen om Akson nå. Saken kan tas opp "
                    "igjen når kostnadene for kommunen er bedre utredet.",
        "postpone": "Saken utsettes. Kommunedirektøren bes legge fram en vurdering av kostnader "
                    "og gevinster før saken behandles på nytt.",
        "conditional": "{m} slutter seg til intensjonserklæringen om Akson, under forutsetning "
                       "av at staten dekker en vesentlig del av kostnadene i forprosjektet. "
                       "Ordføreren gis fullmakt til å signere.",
    },
    NN: {
        "positive": MINUTES_PROPOSAL[NN],
        "negative": "{m} skriv ikkje under intensjonserklæringa om Akson no. Saka kan takast "
                    "opp att når kostnadene for {unit} er betre utgreidde.",
        "postpone": "Saka blir utsett. Kommunedirektøren blir beden om å leggje fram ei "
                    "vurdering av kostnader og gevinstar før saka blir handsama på nytt.",
        "conditional": "{m} sluttar seg til intensjonserklæringa om Akson, under føresetnad av "
                       "at staten dekkjer ein vesentleg del av kostnadene i forprosjektet. "
                       "Ordføraren får fullmakt til å skrive under.",
    },
}
COUNTER_PROPOSAL = {
    BM: "Representanten {name} fremmet forslag om at kommunen ikke signerer nå.",
    NN: "Representanten {name} fremja framlegg om at {unit} ikkje skriv under no.",
}
CONDITION_PROPOSAL = {
    BM: "Representanten {name} fremmet tilleggsforslag om at tilslutningen forutsetter at staten "
        "dekker en vesentlig del av kostnadene i forprosjektet.",
    NN: "Representanten {name} fremja tilleggsframlegg om at tilslutninga føreset at staten "
        "dekkjer ein vesentleg del av kostnadene i forprosjektet.",
}
POSTPONE_PROPOSAL = {
    BM: "Representanten {name} fremmet utsettelsesforslag.",
    NN: "Representanten {name} fremja framlegg om utsetjing.",
}


def vote_text(language: str, votes_for: int | None, votes_against: int, adopted: bool) -> str:
    """"Enstemmig vedtatt" or "Vedtatt med 19 mot 8 stemmer" (and the Nynorsk forms)."""
    if votes_for is None:
        return "Innstillingen ble enstemmig vedtatt." if language == BM else \
            "Tilrådinga vart samrøystes vedteken."
    if language == BM:
        verb = "ble vedtatt" if adopted else "falt"
        return f"Innstillingen {verb} med {votes_for} mot {votes_against} stemmer."
    verb = "vart vedteken" if adopted else "fall"
    return f"Tilrådinga {verb} med {votes_for} mot {votes_against} røyster."


# ---------------------------------------------------------------------------- letters

LETTER_LABELS = {
    BM: {"our_ref": "Vår ref.", "your_ref": "Deres ref.", "date": "Dato", "officer": "Saksbehandler",
         "enclosure": "Vedlegg", "greeting": "Med vennlig hilsen"},
    NN: {"our_ref": "Vår ref.", "your_ref": "Dykkar ref.", "date": "Dato", "officer": "Sakshandsamar",
         "enclosure": "Vedlegg", "greeting": "Med helsing"},
}
RECIPIENT = ("Helse- og omsorgsdepartementet", "Postboks 8011 Dep", "0030 OSLO")
COVER_SUBJECT = {BM: "Akson – oversendelse av underskrevet intensjonserklæring",
                 NN: "Akson – oversending av underskriven intensjonserklæring"}
COVER_BODY = {
    BM: ("Vi viser til departementets invitasjon av 5. mai 2020 om å slutte seg til arbeidet "
         "med Akson.",
         "Vedlagt følger intensjonserklæringen for {m}, signert av {signatory}. Spørsmål om "
         "saken kan rettes til undertegnede."),
    NN: ("Vi viser til invitasjonen frå departementet av 5. mai 2020 om å slutte seg til "
         "arbeidet med Akson.",
         "Vedlagt følgjer intensjonserklæringa for {m}, underteikna av {signatory}. Spørsmål "
         "om saka kan rettast til underteikna."),
}
ELECTRONIC_APPROVAL = {BM: "Dokumentet er godkjent elektronisk og har derfor ingen håndskrevet signatur.",
                       NN: "Dokumentet er godkjent elektronisk og har difor inga handskriven signatur."}
DECLINE_SUBJECT = {BM: "Akson – svar på invitasjonen til å signere intensjonserklæring",
                   NN: "Akson – svar på invitasjonen til å skrive under intensjonserklæring"}
DECLINE_BODY = {
    BM: ("Vi viser til brev av 5. mai 2020 fra Helse- og omsorgsdepartementet.",
         "{council} i {m} tok stilling til saken i møtet {meeting} (sak {case}) og vedtok at "
         "kommunen ikke signerer intensjonserklæringen nå.",
         "Vi ser verdien av en felles journal, men mener de økonomiske konsekvensene for "
         "kommunen er for usikre. Vi vil gjerne følge arbeidet videre."),
    NN: ("Vi viser til brev av 5. mai 2020 frå Helse- og omsorgsdepartementet.",
         "{council} i {m} tok stilling til saka i møtet {meeting} (sak {case}) og vedtok at "
         "{unit} ikkje skriv under intensjonserklæringa no.",
         "Vi ser verdien av ei felles journal, men meiner dei økonomiske konsekvensane for "
         "{unit} er for usikre. Vi vil gjerne følgje arbeidet vidare."),
}
