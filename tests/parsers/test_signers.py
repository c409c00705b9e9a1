import pytest

from parsers.signers import find_signers, parse_titles, person_name, split_names


def pairs(text):
    return [(s.name, s.title) for s in find_signers(text)]


@pytest.mark.parametrize("text, expected", [
    pytest.param("Sted og dato: Hamar, 26.05.2020\nAnne Strand Andersen\nOrdfører",
                 [("Anne Strand Andersen", "ordfører")], id="name-over-title"),
    pytest.param("Kari Moen\n\nOrdførar", [("Kari Moen", "ordfører")], id="nynorsk-blank-between"),
    pytest.param("Elin Anne Aas\nordfører", [("Elin Anne Aas", "ordfører")], id="lowercase-title"),
    pytest.param("MARI BREKKE\nOrdfører", [("Mari Brekke", "ordfører")], id="all-caps"),
    pytest.param("ANN-KRISTIN STRAND\nORDFØRER", [("Ann-Kristin Strand", "ordfører")], id="all-caps-hyphen"),
    pytest.param("Tove J. Karlsen\nOrdfører", [("Tove J. Karlsen", "ordfører")], id="initial"),
    pytest.param("Ann-Kristin Strand\nOrdfører i Rendalen kommune",
                 [("Ann-Kristin Strand", "ordfører")], id="title-with-municipality"),
    pytest.param("Namn Tove Tone Strand\nTittel Ordførar", [("Tove Tone Strand", "ordfører")], id="label-nn"),
    pytest.param("Navn: Geir Stig Sunde\nStilling: Ordfører", [("Geir Stig Sunde", "ordfører")], id="label-colon"),
    pytest.param("Navn\nKjell Lund\nTittel\nOrdfører", [("Kjell Lund", "ordfører")], id="label-values-below"),
    pytest.param("Underskrift\nNavn Kjell Lund\nTittel ordfører\nUnderskrift\nNavn Lars Holm\n"
                 "Tittel Kommunedirektør",
                 [("Kjell Lund", "ordfører"), ("Lars Holm", "kommunedirektør")], id="label-two"),
    pytest.param("Navn Kjell Lund      Navn Lars Holm\nTittel Ordfører      Tittel Rådmann",
                 [("Kjell Lund", "ordfører"), ("Lars Holm", "rådmann")], id="label-side-by-side"),
    pytest.param("Navn og tittel: Kari Moen, ordførar", [("Kari Moen", "ordfører")], id="label-combined"),
    pytest.param("Navn: ______\nTittel: Ordfører\nNavn: Per Hansen\nTittel: Rådmann",
                 [("Per Hansen", "rådmann")], id="label-blank-first-keeps-order"),
    pytest.param("Navn: Kari Moen\nNavn: Per Hansen\nTittel: Ordfører\nTittel: Rådmann",
                 [("Kari Moen", "ordfører"), ("Per Hansen", "rådmann")], id="label-names-then-titles"),
    pytest.param("Kari Moen, ordfører", [("Kari Moen", "ordfører")], id="name-comma-title"),
    pytest.param("Ordfører Kari Moen", [("Kari Moen", "ordfører")], id="title-name"),
    pytest.param("Ordførar: Kari Moen", [("Kari Moen", "ordfører")], id="title-colon-name"),
    pytest.param("Kari Jensen\nOrdfører\nArne Olsen\nKommunedirektør",
                 [("Kari Jensen", "ordfører"), ("Arne Olsen", "kommunedirektør")], id="two-stacked"),
    pytest.param("Bjørn Dahl Astrid Tangen\nOrdfører Rådmann",
                 [("Bjørn Dahl", "ordfører"), ("Astrid Tangen", "rådmann")], id="side-by-side-one-line"),
    pytest.param("Per O. Solberg Kari Moen\nOrdfører Kommunedirektør",
                 [("Per O. Solberg", "ordfører"), ("Kari Moen", "kommunedirektør")],
                 id="side-by-side-initial-decides"),
    pytest.param("Bjørn Dahl       Astrid Tangen Holm\nOrdfører       Rådmann",
                 [("Bjørn Dahl", "ordfører"), ("Astrid Tangen Holm", "rådmann")], id="side-by-side-columns"),
    pytest.param("Kommune     Midt-Telemark kommune     Stad og dato     Bø, 07.05.2020     "
                 "Vidar Eriksen     Ordførar", [("Vidar Eriksen", "ordfører")], id="word-form-one-line"),
    pytest.param("Per Hansen\nKonst. rådmann", [("Per Hansen", "konstituert rådmann")], id="konst"),
    pytest.param("Per Hansen\nkonstituert rådmann", [("Per Hansen", "konstituert rådmann")], id="konstituert"),
    pytest.param("Per Hansen\nFung. kommunedirektør", [("Per Hansen", "fungerende kommunedirektør")], id="fung"),
    pytest.param("Per Hansen\nFungerande kommunedirektør", [("Per Hansen", "fungerende kommunedirektør")],
                 id="fungerande"),
    pytest.param("Per Hansen\nAssisterande kommunedirektør", [("Per Hansen", "assisterende kommunedirektør")],
                 id="assisterande"),
    pytest.param("Kari Nordmann\nVaraordførar", [("Kari Nordmann", "varaordfører")], id="varaordforar"),
    pytest.param("Kari Nordmann\nKommunalsjef", [("Kari Nordmann", "kommunalsjef")], id="kommunalsjef"),
    pytest.param("Kari Moen (sign.)\nOrdfører", [("Kari Moen", "ordfører")], id="sign-note"),
    pytest.param("Anna van der Berg\nOrdfører", [("Anna van der Berg", "ordfører")], id="particles"),
    pytest.param("Kari Moen (ordførar)", [("Kari Moen", "ordfører")], id="name-paren-title"),
    pytest.param("Kari Moen – ordfører", [("Kari Moen", "ordfører")], id="name-dash-title"),
    pytest.param("Kari Moen\nOrdfører i Gol", [("Kari Moen", "ordfører")], id="title-tail-place"),
    pytest.param("Kari Moen og Per Hansen\nOrdfører og rådmann",
                 [("Kari Moen", "ordfører"), ("Per Hansen", "rådmann")], id="names-joined-og"),
    pytest.param("Navn (blokkbokstaver): KARI MOEN\nStilling: Ordfører", [("Kari Moen", "ordfører")],
                 id="label-parenthesis"),
    pytest.param("Navn: | Kari Moen |\nTittel: | Ordførar |", [("Kari Moen", "ordfører")], id="table-pipes"),
    pytest.param("Kari Moen\n_______________\nOrdfører", [("Kari Moen", "ordfører")], id="signature-line"),
    pytest.param("Bente Haugen\nOrdfører '|", [("Bente Haugen", "ordfører")], id="ocr-trailing-noise"),
    pytest.param("Rådmann:\nPer Hansen\nOrdfører:\nKari Moen",
                 [("Per Hansen", "rådmann"), ("Kari Moen", "ordfører")], id="title-labels-above-names"),
    pytest.param("Rådmann:\nPer Hansen\nOrdfører:\n________", [("Per Hansen", "rådmann")],
                 id="blank-title-label-takes-no-name-from-above"),
    pytest.param("Kari Moen      Ordfører", [("Kari Moen", "ordfører")], id="name-title-one-row"),
    pytest.param("Gol, 12.05.2020      Kari Moen\nOrdfører", [("Kari Moen", "ordfører")],
                 id="date-and-name-over-title"),
])
def test_find_signers(text, expected):
    assert pairs(text) == expected


@pytest.mark.parametrize("text", [
    pytest.param("Med helsing\nEinar Lie\nRådgjevar\nAurland kommune", id="cover-letter-adviser"),
    pytest.param("Med vennlig hilsen\nSiri Utsi\nKonsulent", id="konsulent"),
    pytest.param("Navn: ______\nTittel: Ordfører", id="blank-placeholder"),
    pytest.param("Navn: ..........\nTittel: Ordfører", id="dot-placeholder"),
    pytest.param("Ordfører", id="title-alone"),
    pytest.param("\n\nOrdfører", id="blank-above-title"),
    pytest.param("Ibestad kommune\nOrdføreren\nPostboks 284", id="letterhead-definite"),
    pytest.param("Tysnes kommune\nOrdførar", id="municipality-above-title"),
    pytest.param("Nordre Land\nOrdfører", id="place-above-title"),
    pytest.param("Med vennlig hilsen\nOrdfører", id="closing-above-title"),
    pytest.param("MED VENNLIG HILSEN\nORDFØRER", id="closing-caps"),
    pytest.param("Rådhusvegen 7\nOrdfører", id="address"),
    pytest.param("Kari Moen 2020\nOrdfører", id="digits"),
    pytest.param("Anne Strand Andersen Kari Moen\nOrdfører Rådmann", id="side-by-side-ambiguous"),
    pytest.param("Vedlagt er erklæringa, underteikna av ordførar Kari Moen i dag.", id="prose"),
    pytest.param("Ordfører Rådmann", id="titles-only"),
    pytest.param("Kommunedirektørens forslag til vedtak:", id="minutes-heading"),
    pytest.param("NAV Kontor\nOrdfører", id="acronym"),
    pytest.param("Kari Moen      Per Hansen\nOrdfører", id="two-names-one-title"),
    pytest.param("Ordfører\nKari Moen\nRådmann\nPer Hansen", id="titles-above-names-ambiguous"),
    pytest.param("Bente Haugen\nOrdfører :", id="colon-makes-a-label"),
    pytest.param("Navn: Kari Moen\nNavn: Per Hansen\nTittel: Ordfører", id="two-name-fields-one-title"),
    pytest.param("Tittel: Ordfører\nNavn: Kari Moen", id="title-field-before-name-field"),
    pytest.param("Ordfører     Kari Moen     Rådmann     Per Hansen", id="title-name-cells-in-one-row"),
    pytest.param("Underskrift      Underskrift\nOrdfører      Rådmann", id="labels-over-titles"),
])
def test_not_signers(text):
    assert pairs(text) == []


@pytest.mark.parametrize("cell, titles", [
    pytest.param("Ordfører", ["ordfører"], id="one"),
    pytest.param("ORDFØRAR", ["ordfører"], id="caps-nn"),
    pytest.param("Ordfører Rådmann", ["ordfører", "rådmann"], id="two"),
    pytest.param("Ordførar og kommunedirektør", ["ordfører", "kommunedirektør"], id="two-og"),
    pytest.param("Ass. rådmann", ["assisterende rådmann"], id="ass"),
    pytest.param("Ass. ordfører", None, id="no-assistant-mayor"),
    pytest.param("Ordføreren", None, id="definite"),
    pytest.param("Rådgiver", None, id="adviser"),
    pytest.param("Ordfører:", None, id="label"),
    pytest.param("Ordfører i Gol", ["ordfører"], id="tail-place"),
])
def test_parse_titles(cell, titles):
    assert parse_titles(cell) == titles


@pytest.mark.parametrize("text, name", [
    pytest.param("Kari Moen", "Kari Moen", id="plain"),
    pytest.param("KARI MOEN", "Kari Moen", id="caps"),
    pytest.param("Kari Anne MOEN", "Kari Anne Moen", id="caps-surname"),
    pytest.param("KARI Moen", None, id="caps-first-only"),
    pytest.param("Per O. SOLBERG", "Per O. Solberg", id="caps-surname-after-initial"),
    pytest.param("Kari", None, id="one-token"),
    pytest.param("Anne Marie Strand Holm Andersen Li", None, id="six-tokens"),
    pytest.param("Kari J.", None, id="ends-with-initial"),
    pytest.param("kari moen", None, id="lowercase"),
    pytest.param("Tysnes Kommune", None, id="kommune"),
    pytest.param("Sør-Fron", None, id="place"),
    pytest.param("Navn: Kari Moen", None, id="label"),
    pytest.param("Postboks 8011 Dep", None, id="address"),
])
def test_person_name(text, name):
    assert person_name(text) == name


@pytest.mark.parametrize("text, count, names", [
    pytest.param("Bjørn Dahl Astrid Tangen", 2, ["Bjørn Dahl", "Astrid Tangen"], id="even"),
    pytest.param("Per O. Solberg Kari Moen", 2, ["Per O. Solberg", "Kari Moen"], id="initial"),
    pytest.param("Kari Moen Per O. Solberg", 2, ["Kari Moen", "Per O. Solberg"], id="initial-second"),
    pytest.param("Anne Strand Andersen Kari Moen", 2, None, id="ambiguous"),
])
def test_split_names(text, count, names):
    assert split_names(text, count) == names
