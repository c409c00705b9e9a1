import re

import pytest

from parsers.textnorm import (
    alternation, compact, fold, fold_map, fold_words, levenshtein, original_span, phrase_pattern,
    split_cells, text_lines, trim_noise, words,
)


@pytest.mark.parametrize("raw, expected", [
    pytest.param("Nordre Land", "nordre land", id="lower"),
    pytest.param("HERØY", "heroy", id="caps-oslash"),
    pytest.param("Ærlig Åsnes", "aerlig asnes", id="ae-aring"),
    pytest.param("Kárášjohka", "karasjohka", id="sami-acute-caron"),
    pytest.param("Porsáŋgu", "porsangu", id="eng"),
    pytest.param("Unjárga đŧž", "unjarga dtz", id="d-t-z-stroke"),
    pytest.param("Sør–Fron — x‐y", "sor-fron - x-y", id="dashes"),
    pytest.param("  a \t\n  b  ", "a b", id="whitespace"),
    pytest.param("ﬁnn", "finn", id="nfkc-ligature"),
    pytest.param("Straße", "strasse", id="casefold"),
    pytest.param("a\u030a", "a", id="combining-ring"),
    pytest.param("", "", id="empty"),
])
def test_fold(raw, expected):
    assert fold(raw) == expected


def test_fold_map_points_back_to_the_original():
    raw = "Vedlagt:  ÆRØY  kommune"
    folded, origin = fold_map(raw)
    start = folded.index("aeroy")
    assert original_span(raw, origin, start, start + len("aeroy kommune")) == "ÆRØY  kommune"


@pytest.mark.parametrize("line, cells", [
    pytest.param("Kommune           Midt-Telemark kommune", ["Kommune", "Midt-Telemark kommune"], id="wide-gap"),
    pytest.param("Navn\tKari Moen", ["Navn", "Kari Moen"], id="tab"),
    pytest.param("Kari  Moen", ["Kari  Moen"], id="two-spaces-is-one-cell"),
    pytest.param("   ", [], id="blank"),
])
def test_split_cells(line, cells):
    assert split_cells(line) == cells


def test_text_lines_keeps_blank_lines_and_flattens_cells():
    assert text_lines("a   b\n\nc") == ["a", "b", "", "c"]


def test_words():
    assert words("Ann-Kristin O'Neil, 2020 og Sør-Fron.") == ["Ann-Kristin", "O'Neil", "og", "Sør-Fron"]


@pytest.mark.parametrize("a, b, limit, expected", [
    pytest.param("aurland", "aurland", 1, 0, id="equal"),
    pytest.param("aurlamd", "aurland", 1, 1, id="substitution"),
    pytest.param("aurlnad", "aurland", 1, None, id="transposition-is-two"),
    pytest.param("aurlnad", "aurland", 2, 2, id="transposition-within-two"),
    pytest.param("deanu", "deatnu", 1, 1, id="insertion"),
    pytest.param("ab", "abcdef", 2, None, id="length-gap"),
    pytest.param("", "ab", 2, 2, id="empty"),
])
def test_levenshtein(a, b, limit, expected):
    assert levenshtein(a, b, limit) == expected


@pytest.mark.parametrize("cell, expected", [
    pytest.param("| - Stad og dato: Vang |", "Stad og dato: Vang", id="borders-and-dash"),
    pytest.param("Ordførar ' | |", "Ordførar", id="ocr-specks"),
    pytest.param("Navn: ______", "Navn", id="blank-field"),
    pytest.param("Per O.", "Per O", id="trailing-dot"),
    pytest.param("___", "", id="only-noise"),
])
def test_trim_noise(cell, expected):
    assert trim_noise(cell) == expected


@pytest.mark.parametrize("a, b", [
    pytest.param("Nordre Land", "NORDRE-LAND", id="space-hyphen-case"),
    pytest.param("Loabák - Lavangen", "loabak lavangen", id="parallel"),
    pytest.param("Herøy (Nordland)", "heroy nordland", id="parentheses"),
])
def test_compact_agrees(a, b):
    assert compact(a) == compact(b)


@pytest.mark.parametrize("phrase, text, matches", [
    pytest.param("nordre land", "nordre-land", True, id="hyphen-for-space"),
    pytest.param("sor - fron", "sor- fron", True, id="loose-hyphen"),
    pytest.param("heroy (nordland)", "heroy ( nordland )", True, id="parentheses"),
    pytest.param("nordre land", "nordreland", False, id="words-stay-apart"),
])
def test_phrase_pattern(phrase, text, matches):
    assert bool(re.fullmatch(phrase_pattern(phrase), text)) is matches


def test_alternation_prefers_the_longest_phrase():
    assert re.match(alternation(["nordre", "nordre land"]), "nordre land kommune").group(0) == "nordre land"


def test_fold_words_marks_capitalised_words():
    folded, _, caps = fold_words("Anne strand Ærøy")
    assert folded == "anne strand aeroy"
    assert caps == {0, 12}
