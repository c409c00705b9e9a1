"""Reading a council's decision from its minutes: body, date, case number, polarity, conditions."""
from __future__ import annotations

import datetime as dt

import pytest

from parsers.minutes import judge, read_minutes

HEAD_NB = """Gran kommune
Saksprotokoll
Utvalg: Kommunestyret
Møtedato: 11.06.2020
Saksnr: 045/20
Arkivsak: 20/1377
Akson – intensjonserklæring
Rådmannens innstilling:
Gran kommune slutter seg til intensjonserklæringen om Akson.
Behandling i kommunestyret 11.06.2020:
"""
HEAD_NN = """Kvam herad
Møtebok
Utval
Heradsstyret
Møtedato
03.06.2020
Saksnr.
20/123
Akson – intensjonserklæring
Tilråding frå kommunedirektøren:
Kvam herad sluttar seg til intensjonserklæringa om Akson.
Handsaming i heradsstyret 03.06.2020:
"""


@pytest.mark.parametrize("text, polarity, conditional", [
    pytest.param(HEAD_NB + "Enstemmig vedtatt.\nVedtak i kommunestyret:\nGran kommune signerer "
                 "intensjonserklæringen om Akson.", "positive", False, id="nb-positive"),
    pytest.param(HEAD_NN + "Samrøystes vedteke.\nHeradsstyret sitt vedtak:\nKvam herad vil underteikne "
                 "intensjonserklæringa.", "positive", False, id="nn-positive"),
    pytest.param(HEAD_NB + "Vedtak:\nKommunestyret gir ordføreren fullmakt til å signere "
                 "intensjonserklæringen.", "positive", False, id="nb-mandate"),
    pytest.param(HEAD_NB + "Representanten Lie fremmet forslag om at kommunen ikke signerer.\n"
                 "Innstillingen falt med 12 mot 15 stemmer.\nKommunestyrets vedtak:\nGran kommune "
                 "signerer ikke intensjonserklæringen.", "negative", False, id="nb-negative"),
    pytest.param(HEAD_NN + "Tilrådinga fall.\nVedtak i heradsstyret:\nKvam herad går ikkje inn for å "
                 "skrive under intensjonserklæringa.", "negative", False, id="nn-negative"),
    pytest.param(HEAD_NN + "Vedtak i heradsstyret:\nSaka vert utsett til hausten.", "postponed", False,
                 id="nn-postponed"),
    pytest.param(HEAD_NB + "Vedtak i kommunestyret:\nSaken utsettes til neste møte.", "postponed", False,
                 id="nb-postponed"),
    pytest.param(HEAD_NB + "Vedtak i kommunestyret:\nGran kommune slutter seg til intensjonserklæringen. "
                 "Kommunestyret ber om at staten tar en større del av kostnadene.", "positive", True,
                 id="nb-conditional-state-share"),
    pytest.param(HEAD_NN + "Vedtak i heradsstyret:\nKvam herad sluttar seg til intensjonserklæringa, "
                 "under føresetnad av at staten dekkjer kostnadene i forprosjektet.", "positive", True,
                 id="nn-conditional-premise"),
    # The proposal was adopted unchanged and no separate decision is printed.
    pytest.param(HEAD_NB + "Innstillingen ble enstemmig vedtatt.", "positive", False, id="nb-adopted-proposal"),
    pytest.param(HEAD_NB + "Innstillingen falt.", "unclear", False, id="nb-rejected-proposal-says-nothing"),
    pytest.param(HEAD_NB.replace("Rådmannens innstilling:", "Formannskapets innstilling til kommunestyret:")
                 .replace("slutter seg til", "slutter seg ikke til") + "Enstemmig vedtatt.", "negative", False,
                 id="nb-recommendation-to-the-council"),
])
def test_polarity_is_read_from_the_decision(text, polarity, conditional):
    facts = read_minutes(text)
    assert (facts.polarity, facts.conditional) == (polarity, conditional)


def test_a_rejected_proposal_or_a_recommendation_is_not_the_decision():
    assert not read_minutes(HEAD_NB + "Innstillingen falt.").final
    assert read_minutes(HEAD_NB + "Innstillingen ble enstemmig vedtatt.").final
    recommendation = HEAD_NB.replace("Rådmannens innstilling:", "Formannskapets innstilling til kommunestyret:")
    assert not read_minutes(recommendation + "Enstemmig vedtatt.").final


@pytest.mark.parametrize("text, body, date, case, archive", [
    pytest.param(HEAD_NB + "Vedtak:\nGran kommune signerer.", "kommunestyret", dt.date(2020, 6, 11),
                 "045/20", "20/1377", id="nb-labels-on-the-line"),
    pytest.param(HEAD_NN + "Vedtak:\nKvam herad signerer.", "heradsstyret", dt.date(2020, 6, 3),
                 "20/123", None, id="nn-labels-above-values"),
    pytest.param("Særutskrift\nPS 12/20 Akson\nFormannskapets vedtak:\nLund kommune slutter seg til "
                 "intensjonserklæringen.\nBehandlet i møte 2. juni 2020.", "formannskapet", dt.date(2020, 6, 2),
                 "12/20", None, id="saerutskrift-inline"),
    pytest.param("Møtebok for bystyret\nVedtak i bystyret 18.06.2020:\nBystyret sluttar seg til "
                 "intensjonserklæringa.", "bystyret", dt.date(2020, 6, 18), None, None, id="bystyre-heading"),
])
def test_body_date_and_case_number(text, body, date, case, archive):
    facts = read_minutes(text)
    assert (facts.body, facts.meeting_date, facts.case_number, facts.archive_case) == (body, date, case, archive)


def test_the_last_decision_counts_when_minutes_hold_several_meetings():
    text = ("Vedtak i formannskapet:\nFormannskapet rår til at kommunen signerer.\n"
            "Behandling i kommunestyret 18.06.2020\nVedtak i kommunestyret:\nKommunen signerer ikke "
            "intensjonserklæringen.")
    facts = read_minutes(text)
    assert (facts.polarity, facts.body) == ("negative", "kommunestyret")


@pytest.mark.parametrize("text, polarity", [
    pytest.param("", "unclear", id="empty"),
    pytest.param("Saka vart teken til orientering.", "unclear", id="noted-only"),
    pytest.param("Kommunen signerer ikke nå, og saken utsettes til høsten.", "postponed", id="postpone-outranks-no"),
    pytest.param("Kommunen sluttar seg til intensjonserklæringa.", "positive", id="nn-joins"),
])
def test_judge(text, polarity):
    assert judge(text)[0] == polarity
