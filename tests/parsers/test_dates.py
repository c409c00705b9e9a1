import datetime as dt

import pytest

from parsers.dates import find_signed_date, parse_date

D = dt.date


@pytest.mark.parametrize("text, expected", [
    pytest.param("06.05.2020", D(2020, 5, 6), id="dd.mm.yyyy"),
    pytest.param("6.5.2020", D(2020, 5, 6), id="d.m.yyyy"),
    pytest.param("11.5.20", D(2020, 5, 11), id="d.m.yy"),
    pytest.param("2020-06-04", D(2020, 6, 4), id="iso"),
    pytest.param("06/05/2020", D(2020, 5, 6), id="slashes"),
    pytest.param("06. 05. 2020", D(2020, 5, 6), id="ocr-spaces"),
    pytest.param("6. mai 2020", D(2020, 5, 6), id="textual"),
    pytest.param("den 21. juni 2020", D(2020, 6, 21), id="den"),
    pytest.param("21 JUNI 2020", D(2020, 6, 21), id="caps-no-dot"),
    pytest.param("3. des. 2020", D(2020, 12, 3), id="abbrev"),
    pytest.param("14 May 2020", D(2020, 5, 14), id="english"),
    pytest.param("12/5-2020", D(2020, 5, 12), id="slash-dash"),
    pytest.param("12/5-20", D(2020, 5, 12), id="slash-dash-short"),
    pytest.param("31.02.2020", None, id="invalid-day"),
    pytest.param("13.13.2020", None, id="invalid-month"),
    pytest.param("20/1322-9", None, id="case-number"),
    pytest.param("01.01.1970", None, id="implausible-year"),
    pytest.param("6.5.2020.1", D(2020, 5, 6), id="trailing-junk"),
    pytest.param("O6.05.2O2O", D(2020, 5, 6), id="ocr-letter-o"),
    pytest.param("1l.06.2020", D(2020, 6, 11), id="ocr-letter-l"),
    pytest.param("Ol.Ol.OlOl", None, id="ocr-too-few-digits"),
])
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize("text, expected", [
    pytest.param("Sted og dato: Nordre Land, 6. mai 2020", D(2020, 5, 6), id="bokmal-label"),
    pytest.param("Stad og dato: Aurland, 06.05.2020", D(2020, 5, 6), id="nynorsk-label"),
    pytest.param("Sted og dato Dovre, 2020-05-12", D(2020, 5, 12), id="label-no-colon"),
    pytest.param("Sted og dato: 13.5.20", D(2020, 5, 13), id="short-year"),
    pytest.param("Sted/dato: Hamar 26.05.2020", D(2020, 5, 26), id="slash-label"),
    pytest.param("Stad og dato\n\nBø, 07.05.2020", D(2020, 5, 7), id="value-below"),
    pytest.param("Sted og dato: Gol\n12.05.2020", D(2020, 5, 12), id="place-then-date-below"),
    pytest.param("Sted og dato: Gol, 31.13.2020\n12.05.2020", None, id="bad-date-not-replaced-from-below"),
    pytest.param("Kommune     Gol     Stad og dato     Gol, 7. mai 2020", D(2020, 5, 7), id="cells"),
    pytest.param("Vedlegg til brev av 5. mai 2020\nIntensjonserklæring\nSted og dato: Gol, 12.05.2020",
                 D(2020, 5, 12), id="ignores-letter-reference"),
    pytest.param("Vedlegg til brev av 5. mai 2020\nTana, 11.06.2020\nKari Moen",
                 D(2020, 6, 11), id="place-comma-date"),
    pytest.param("Oslo, den 6. mai 2020", D(2020, 5, 6), id="place-comma-den"),
    pytest.param("Dato: 06.05.2020", D(2020, 5, 6), id="dato-label"),
    pytest.param("| - Stad og dato: Vang, 01.06.2020", D(2020, 6, 1), id="ocr-leading-noise"),
    pytest.param("Dato\n06.05.2020\nSted og dato: Gol, 12.05.2020", D(2020, 5, 12), id="place-date-preferred"),
    pytest.param("Vedlegg til brev av 5. mai 2020", None, id="only-reference"),
    pytest.param("Sted og dato: ______\nNavn: Kari", None, id="blank-field"),
    pytest.param("Sted og dato: Hamar, 31.6.2020", None, id="invalid-date"),
    pytest.param("Møtedato\n13.06.2020\nRett utskrift bekreftes 13.06.2020", None, id="minutes-no-label"),
    pytest.param("", None, id="empty"),
])
def test_find_signed_date(text, expected):
    assert find_signed_date(text) == expected
