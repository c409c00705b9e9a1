"""The dashboard and its downloads through HTTP (Starlette's TestClient), on both backends."""
from __future__ import annotations

import csv
import io
import re

from openpyxl import load_workbook

from tests.web import seed as seeded
from tests.web.pages_helper import client, page_text, site, sqlite_site  # noqa: F401 - fixtures


def test_anonymous_visitor_is_sent_to_login(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, None) as c:
        r = c.get("/")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        assert c.get("/eksport/kommuner.csv").status_code == 303


def test_viewer_sees_counts_share_and_thresholds(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        r = c.get("/")
    assert r.status_code == 200
    text = page_text(r.text)
    assert "2 av 8 inviterte kommuner har signert" in text
    assert "1 har takket nei" in text and "4 har ikke svart" in text
    assert "44 999 av 764 860, det vil si 5,9 %" in text
    assert "Terskel 50 %: ikke nådd – mangler 337 431 innbyggere" in text
    assert "Terskel 55 %: ikke nådd – mangler 375 674 innbyggere" in text
    assert 'role="img"' in r.text and "<title id=\"andel-graf-title\">" in r.text


def test_call_list_marks_the_row_where_55_percent_is_reached(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        html = c.get("/").text
    rows = re.findall(r"<tr( class=\"crossing\")?>\s*<td class=\"num\">(\d+)</td>\s*<th scope=\"row\"><a href=\"/kommuner/(\d{4})\"", html)
    assert [(n, number, bool(mark)) for mark, n, number in rows] == [
        ("1", "4601", False), ("2", "3025", True), ("3", "1804", False), ("4", "3401", False)]
    text = page_text(html)
    assert "55 % nås ved nr. 2, Asker." in text
    assert "21 dager: sendt 10.06.2020 (kom i retur)" in text and "7 dager: feilet 24.06.2020" in text


def test_call_list_sorted_by_name_keeps_the_call_order_numbers(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        html = c.get("/?sorter=navn").text
    order = re.findall(r'<td class="num">(\d)</td>\s*<th scope="row"><a href="/kommuner/\d{4}">([^<]+)</a>', html)
    assert order == [("2", "Asker"), ("1", "Bergen"), ("3", "Bodø"), ("4", "Kongsvinger")]


def test_county_table(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        text = page_text(c.get("/").text)
    assert "Innlandet 3 2 0 71,6 %" in text and "Viken 2 0 1 0 %" in text


def test_xlsx_download_has_every_municipality(site):  # noqa: F811
    app, _ids = site
    with client(app, "leser") as c:
        r = c.get("/eksport/kommuner.xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert 'attachment; filename="akson-kommuner-2020-06-24.xlsx"' == r.headers["content-disposition"]
    values = list(load_workbook(io.BytesIO(r.content)).active.values)
    assert values[0][:5] == ("number", "name", "county", "population", "status")
    assert sorted(v[0] for v in values[1:]) == sorted(seeded.INVITED)


def test_csv_download_guards_formulas(site):  # noqa: F811
    app, _ids = site
    with client(app, "leser") as c:
        r = c.get("/eksport/innsendinger.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) == 4
    assert {row["sender"] for row in rows if row["municipality_number"] == "1103"} == {"'" + seeded.FORMULA_SENDER}


def test_unknown_export_is_not_found(sqlite_site):  # noqa: F811
    app, _ids = sqlite_site
    with client(app, "leser") as c:
        assert c.get("/eksport/brukere.csv").status_code == 404
        assert c.get("/eksport/kommuner.pdf").status_code == 404
