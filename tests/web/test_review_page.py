"""The review page's parts: choosing a municipality, rendering pages, marking names."""
from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image

from intake.app import App
from intake.config import parse_config
from intake.web import documents, review_page
from parsers.types import Document
from storage.schema import upgrade
from tests.web.conftest import scanned_pdf
from tests.web.pages_helper import client, csrf_of, sqlite_site  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def campaign(tmp_path_factory):
    """The default campaign: every municipality outside Midt-Norge invited."""
    url = f"sqlite:///{tmp_path_factory.mktemp('reg') / 'r.db'}"
    upgrade(url)
    app = App(parse_config({"database": {"url": url}}))
    yield app.campaign()
    app.close()


@pytest.mark.parametrize("typed, number, candidates", [
    ("3018 Våler – Viken", "3018", set()),                   # picked from the list
    ("Våler", None, {"Våler – Viken (3018)", "Våler – Innlandet (3419)"}),
    ("herøy", "1818", set()),        # Herøy in Møre og Romsdal belongs to Midt-Norge: not invited
    ("lindes", "4205", set()),       # part of a name
    ("Guovdageaidnu", "5430", set()),  # a Sami name
    ("5001", None, set()),           # Trondheim is not invited
    ("x", None, set()),
], ids=["datalist-value", "homonym", "homonym-one-invited", "prefix", "sami-alias", "not-invited", "too-short"])
def test_resolve_typed_municipality(campaign, typed, number, candidates):
    got, choices = review_page.resolve(typed, campaign)
    assert got == number and {c.label for c in choices} == candidates


def test_choices_show_county_for_homonyms(campaign):
    labels = {c.label for c in review_page.choices(campaign)}
    assert {"3018 Våler – Viken", "3419 Våler – Innlandet"} <= labels
    assert any(label.startswith("5430 Guovdageaidnu") for label in labels)


def _pdf_doc(data: bytes, name: str = "skann.pdf") -> Document:
    return Document(filename=name, declared_type="application/pdf", detected_type="pdf", data=data)


def test_scanned_pdf_page_becomes_a_bounded_png():
    png = documents.render_page(_pdf_doc(scanned_pdf(["Asker kommune"])), 0)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG" and max(image.size) == documents.MAX_EDGE


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge image (a decompression bomb's shape)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")


@pytest.mark.parametrize("doc, page", [
    (Document("bomb.png", "image/png", "image", _png_claiming(50_000, 50_000)), 0),
    (_pdf_doc(b"%PDF-1.4\nnot really a pdf"), 0),
    (_pdf_doc(scanned_pdf(["x"])), 1),
    (_pdf_doc(scanned_pdf(["x"])), documents.MAX_PAGES + 5),
    (Document("x.docx", "application/msword", "docx", b"PK\x03\x04"), 0),
], ids=["pixel-bomb", "broken-pdf", "page-past-end", "page-past-limit", "word-file"])
def test_what_cannot_be_rendered_is_refused(doc, page):
    with pytest.raises(documents.RenderError):
        documents.render_page(doc, page)


def test_highlight_marks_names_case_insensitively_without_markup():
    pieces = documents.highlight("Vedtak i ASKER kommune <b>", ["Asker", "kommune"])
    assert pieces == [("Vedtak i ", False), ("ASKER", True), (" ", False), ("kommune", True), (" <b>", False)]


def test_ambiguous_typed_name_offers_a_choice(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    sid = ids["stavanger"]
    with client(app, "kari") as c:
        token = csrf_of(c.get(f"/review/{sid}").text)
        r = c.post(f"/review/{sid}/assign", data={"csrf_token": token, "municipality": "an"})
        assert r.status_code == 200 and "Flere kommuner passer" in r.text
        assert 'value="3446"' in r.text and 'value="1103"' in r.text and "Gran – Innlandet (3446)" in r.text
        r = c.post(f"/review/{sid}/assign", data={"csrf_token": token, "municipality": "Narnia"})
        assert r.status_code == 422 and "Fant ingen invitert kommune" in r.text


def test_edit_form_saves_signers_and_date(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    sid = ids["stavanger"]
    with client(app, "kari") as c:
        token = csrf_of(c.get(f"/review/{sid}").text)
        r = c.post(f"/review/{sid}/edit", data={"csrf_token": token, "signer_name_0": "Kari Nordmann",
                                                 "signer_title_0": "Ordfører", "signer_name_1": "Ola <b>",
                                                 "signer_title_1": "kommunedirektør", "signed_date": "2020-06-20"})
        assert r.status_code == 303
        page = c.get(f"/review/{sid}").text
        assert "Kari Nordmann (ordfører), Ola &lt;b&gt; (kommunedirektør)" in page and "20.06.2020" in page
        r = c.post(f"/review/{sid}/edit", data={"csrf_token": token, "signed_date": "20. juni"})
        assert r.status_code == 422 and "ikke en dato" in r.text
