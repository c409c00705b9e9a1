"""CSV and Excel downloads: the export records, readable by a spreadsheet, no formulas."""
from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from openpyxl import load_workbook

from intake import reporting
from intake.web import exports
from tests.web import seed as seeded


@pytest.mark.parametrize("value, expected", [
    ("=1+1", "'=1+1"), ("+47 22", "'+47 22"), ("-2+3@x.no", "'-2+3@x.no"), ("@SUM(A1)", "'@SUM(A1)"),
    ("\t=cmd", "'\t=cmd"), ("Gran kommune", "Gran kommune"), ("2020-06-01", "2020-06-01"), ("", ""),
])
def test_guard(value, expected):
    assert exports.guard(value) == expected


def test_cell_values_keep_numbers_and_write_lists_as_json():
    assert exports.cell_value(13630) == 13630
    assert exports.cell_value(True) is True
    assert exports.cell_value([{"name": "=x", "title": "ordfører"}]) == '[{"name": "=x", "title": "ordfører"}]'


@pytest.fixture
def app(tmp_path, db_url):
    app, _ids = seeded.seeded_app(tmp_path, db_url)
    try:
        yield app
    finally:
        app.close()


def test_csv_has_the_cli_fields_and_guards_the_hostile_sender(app):
    rows = reporting.export_submissions(app)
    data = exports.csv_bytes(rows, list(rows[0]))
    assert data.startswith("\ufeff".encode())
    table = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(table[0]) == list(rows[0]) == ["id", "message_id", "received_at", "sender", "attachment", "kind",
                                               "status", "municipality_number", "signers", "signed_date", "late",
                                               "reasons"]
    assert len(table) == 4
    stavanger = next(r for r in table if r["municipality_number"] == "1103")
    assert stavanger["sender"] == "'" + seeded.FORMULA_SENDER
    assert stavanger["attachment"] == seeded.HOSTILE_FILE


def test_xlsx_opens_with_the_rows_and_text_is_never_a_formula(app):
    rows = reporting.export_municipalities(app)
    fields = list(rows[0])
    wb = load_workbook(io.BytesIO(exports.xlsx_bytes(rows, fields, "Kommuner")))
    ws = wb["Kommuner"]
    values = list(ws.values)
    assert list(values[0]) == fields and len(values) == 1 + 8
    by_number = {r[0]: dict(zip(fields, r)) for r in values[1:]}
    assert by_number["3446"]["status"] == "signed" and by_number["3446"]["population"] == 13630
    assert by_number["3024"]["status"] == "declined"
    assert by_number["4601"]["reminders_sent"] == 1

    subs = reporting.export_submissions(app)
    ws = load_workbook(io.BytesIO(exports.xlsx_bytes(subs, list(subs[0]), "Innsendinger"))).active
    cells = [c for row in ws.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)
    assert "'" + seeded.FORMULA_SENDER in [c.value for c in cells]


def test_xlsx_survives_control_characters():
    rows = [{"subject": "Hei\x00\x07 der", "n": 1}]
    ws = load_workbook(io.BytesIO(exports.xlsx_bytes(rows, ["subject", "n"], "S"))).active
    assert ws["A2"].value == "Hei\ufffd\ufffd der" and ws["B2"].value == 1


def test_filename():
    assert exports.filename("submissions", "xlsx", dt.date(2020, 6, 24)) == "akson-submissions-2020-06-24.xlsx"
