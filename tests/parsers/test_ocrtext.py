"""OCR output as text and evidence (parsers/ocrtext.py): TSV rows are written by hand in
Tesseract's format (level, page, block, par, line, word, left, top, width, height, conf, text)."""
from __future__ import annotations

import datetime as dt

import pytest

from parsers.ocrtext import (
    is_junk_text,
    layout_text,
    mean_confidence,
    parse_tsv,
    poorly_read,
    with_doubts,
)
from parsers.types import DocKind, DocumentAnalysis, DocumentText, Mention, OcrWord, Signer

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"


def _tsv(*words: tuple[int, int, int, int, int, int, float, str]) -> str:
    """(block, line, left, top, width, height, conf, text) per word."""
    rows = [HEADER, "1\t1\t0\t0\t0\t0\t0\t0\t1654\t2339\t-1\t",
            "2\t1\t1\t0\t0\t0\t100\t100\t500\t40\t-1\t"]
    for n, (block, line, left, top, width, height, conf, text) in enumerate(words, 1):
        rows.append(f"5\t1\t{block}\t1\t{line}\t{n}\t{left}\t{top}\t{width}\t{height}\t{conf}\t{text}")
    return "\n".join(rows) + "\n"


def test_tsv_words_keep_text_confidence_and_box() -> None:
    words = parse_tsv(_tsv((1, 1, 100, 200, 80, 30, 96.5, "Namn"), (1, 1, 190, 200, 60, 30, 91.0, "Kari")))
    assert [(w.text, w.confidence, w.left, w.top) for w in words] == [("Namn", 96.5, 100, 200),
                                                                        ("Kari", 91.0, 190, 200)]


def test_malformed_and_empty_rows_are_skipped() -> None:
    text = _tsv((1, 1, 100, 200, 80, 30, 96.0, "Namn")) + "5\t1\tx\n5\t1\t1\t1\t1\t9\t1\t1\t1\t1\t95\t \n"
    assert [w.text for w in parse_tsv(text)] == ["Namn"]


def test_table_cells_cut_into_blocks_come_back_as_one_row() -> None:
    """GIVEN a table row that Tesseract split into two blocks (label column, value column)
    WHEN the page is laid out THEN label and value share a line, separated by a tab."""
    words = parse_tsv(_tsv(
        (1, 1, 100, 500, 90, 30, 95, "Namn"), (1, 2, 100, 560, 90, 30, 95, "Tittel"),
        (2, 1, 600, 502, 80, 30, 96, "Kari"), (2, 1, 690, 502, 90, 30, 96, "Moen"),
        (2, 2, 600, 562, 160, 30, 96, "Ordførar"),
    ))
    assert layout_text(words) == "Namn\tKari Moen\nTittel\tOrdførar"


def test_two_tilted_lines_of_a_paragraph_stay_two_lines() -> None:
    """Lines that overlap in height but share the width of the page are not one row."""
    words = parse_tsv(_tsv(
        (1, 1, 100, 500, 400, 50, 95, "første"), (1, 2, 120, 530, 400, 50, 95, "andre"),
    ))
    assert layout_text(words) == "første\nandre"


def test_specks_and_scribble_fragments_are_left_out() -> None:
    words = parse_tsv(_tsv(
        (1, 1, 60, 505, 3, 3, 70, "1"),          # a speck, however sure Tesseract is
        (1, 1, 100, 500, 90, 30, 95, "Namn"),
        (1, 1, 600, 500, 90, 30, 96, "Moen"),
        (2, 1, 300, 400, 120, 90, 22, "~h"),     # a piece of the signature
    ))
    assert layout_text(words) == "Namn\tMoen"


def test_mean_confidence_weighs_long_words_more() -> None:
    words = [OcrWord("Ullensvang", 90.0), OcrWord("i", 30.0)]
    assert mean_confidence(words) == pytest.approx((900 + 30) / 11)
    assert mean_confidence([]) == 0.0


@pytest.mark.parametrize("text, junk", [
    ("Ullensvang kommune stiller seg bak arbeidet med Akson og vil bidra med kompetanse "
     "i forprosjektet. Erklæringa er ikkje juridisk bindande. Endeleg avgjerd om deltaking "
     "og finansiering blir teken av dei folkevalde organa i kommunen.", False),
    ("Kommune Ullensvang kommune\nStad og dato Odda, 16.05.2020\nNamn Jorunn Aas\nTittel Ordførar", False),
    ("l1| I;i ,.:|l 1I !l ii| |1 l|I ,; 1l1 |I1 ;;", True),
    ("\ue000\ue001\ue002 \ue003\ue004 \ue005\ue006\ue007 \ue008", True),
    ("Vqvhqvmrqvhunoãulqj Xoohqvydqj nrppxqh vwloohu vhj edn duehlghw phg Dnvrq kyhu "
     "Nrppxqhq øqvnmhu å yhuh phg l ghw ylgduh duehlghw rj ylo elgud phg nrpshwdqvh l "
     "iruspremhnwhw Huneãulqjd hu lnnmh mxulglvn elqgdqgh Hqghohj dyjmhug rp ghowdnlqj "
     "rj ilqdqvlhulqj eolu whnhq dy ghl ironhydogh rujdqd", True),
    ("Side 1 av 2", False),
], ids=["nynorsk-prose", "form-fields", "bars-and-dots", "private-use-glyphs",
        "shifted-letters", "too-short-to-judge"])
def test_junk_is_told_from_text(text: str, junk: bool) -> None:
    assert is_junk_text(text) is junk


def test_a_name_read_with_low_confidence_is_doubtful() -> None:
    words = [OcrWord("Namn", 95), OcrWord("Per", 96), OcrWord("Fjeid", 62), OcrWord("Meløy", 97)]
    facts = [("signer", "Per Fjeid"), ("municipality", "Meløy kommune")]
    assert poorly_read(words, facts) == ("signer Per Fjeid",)


def test_a_piece_not_read_by_ocr_came_from_a_text_layer() -> None:
    assert poorly_read([OcrWord("Fjeld", 97)], [("signer", "Kari Moen")]) == ()


def test_doubts_are_set_only_from_ocr_words() -> None:
    analysis = DocumentAnalysis(
        filename="scan.pdf", path=(), detected_type="pdf", text_method="ocr", problem=None,
        doc_kind=DocKind.DECLARATION,
        mentions=(Mention(frozenset({"1837"}), "Meløy kommune", "document", "strong"),),
        signers=(Signer("Per Fjeld", "ordfører"),), signed_date=dt.date(2020, 5, 18))
    shaky = DocumentText("...", "ocr", 1, ocr_words=(OcrWord("Per", 96), OcrWord("Fjeld", 70),
                                                      OcrWord("Meløy", 55), OcrWord("kommune", 97)))
    assert with_doubts(analysis, shaky).low_confidence == ("signer Per Fjeld", "municipality Meløy kommune")
    assert with_doubts(analysis, DocumentText("...", "pdf_text", 1)).low_confidence == ()
