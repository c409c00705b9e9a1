"""Downloads of the two ``export`` record sets as CSV and as an Excel workbook.

The records are ``intake.reporting``'s, field for field (interface.md). Two things differ
from the CLI's CSV because these files are opened in a spreadsheet by hand:

- a text cell that starts with ``= + - @`` (or a tab or carriage return, which some
  spreadsheets skip before reading a formula) gets a leading apostrophe, so a sender
  address or file name chosen by an attacker is never run as a formula;
- the CSV starts with a UTF-8 byte-order mark, so Excel shows æ, ø and å.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
from typing import Any, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Excel refuses a cell longer than this; evidence text never needs more.
XLSX_MAX_CELL = 32_767
# The header of an export with no records yet (interface.md; with records, their keys).
FIELDS = {
    "submissions": ("id", "message_id", "received_at", "sender", "attachment", "kind", "status",
                    "municipality_number", "signers", "signed_date", "late", "reasons"),
    "municipalities": ("number", "name", "county", "population", "status", "signed_at", "signers",
                       "submission_ids", "reminders_sent", "bounced"),
}
SHEET_TITLES = {"submissions": "Innsendinger", "municipalities": "Kommuner"}


def guard(value: str) -> str:
    """Neutralise a text that a spreadsheet would read as a formula."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def cell_value(value: Any) -> Any:
    """A record value as a spreadsheet cell: lists and objects as JSON (as the CLI does)."""
    if isinstance(value, (list, dict)):
        value = json.dumps(value, ensure_ascii=False)
    if isinstance(value, str):
        return guard(value)
    return value


def csv_bytes(rows: Sequence[dict[str, Any]], fields: Sequence[str]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(fields)
    for row in rows:
        writer.writerow(["" if row.get(f) is None else cell_value(row.get(f)) for f in fields])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _xlsx_cell(value: Any) -> Any:
    value = cell_value(value)
    if isinstance(value, str):
        # Control characters are not allowed in the file format: a hostile subject
        # must not make the whole download fail.
        value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)[:XLSX_MAX_CELL]
    return value


def xlsx_bytes(rows: Sequence[dict[str, Any]], fields: Sequence[str], title: str) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = title
    ws.append(list(fields))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([_xlsx_cell(row.get(f)) for f in fields])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"   # text, never a formula, whatever it starts with
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def filename(kind: str, fmt: str, today: dt.date) -> str:
    return f"akson-{kind}-{today.isoformat()}.{fmt}"
