"""A small campaign with known numbers, for the dashboard, municipality and outbox tests.

Eight invited municipalities (2020 populations from the registry), 764 860 people:

| nr   | name        | population | state                                   |
|------|-------------|-----------:|-----------------------------------------|
| 4601 | Bergen      |    283 929 | no response; reminder 21 sent, 7 failed |
| 1103 | Stavanger   |    143 574 | in review (hostile subject/file name)   |
| 3024 | Bærum       |    127 731 | declined                                |
| 3025 | Asker       |     94 441 | no response                             |
| 1804 | Bodø        |     52 357 | no response                             |
| 3403 | Hamar       |     31 369 | signed, accepted automatically 1 June   |
|      |             |            | (received 10:00, processed 12:00)       |
| 3401 | Kongsvinger |     17 829 | no response; reminder 21 sent           |
| 3446 | Gran        |     13 630 | signed, accepted by staff 10 June       |

Signed: 44 999 people = 5.88 %. Calling the largest first, Bergen brings 43.0 % and
Asker 55.35 %: Asker is the row where 55 % would be reached.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from intake.app import App
from intake.config import load_config
from storage import outbox, submissions
from storage.db import session_scope
from storage.models import MunicipalityContact, RawMessage, Submission
from storage.schema import upgrade

OSLO = dt.timezone(dt.timedelta(hours=2))
INVITED = ("4601", "1103", "3024", "3025", "1804", "3403", "3401", "3446")
POPULATION_INVITED = 764_860
POPULATION_SIGNED = 31_369 + 13_630
HOSTILE_SUBJECT = '"><img src=x onerror=alert(1)> Intensjonserklæring'
HOSTILE_FILE = "<script>alert('fil')</script>.pdf"
FORMULA_SENDER = "=HYPERLINK(\"http://127.0.0.1/x\")@evil.example"
BERGEN_MAIL = "postmottak@bergen.kommune.no"
FAILED_REPLY = f"550 5.1.1 <{BERGEN_MAIL}>: mailbox unavailable"
BOUNCE_DETAIL = "5.2.2 mailbox full"
NOW = dt.datetime(2020, 6, 24, 9, 5, tzinfo=OSLO)


def at(day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2020, 6, day, hour, 0, tzinfo=OSLO)


def write_config(tmp: Path, db_url: str) -> Path:
    path = tmp / "config.toml"
    invited = ", ".join(f'"{n}"' for n in INVITED)
    path.write_text(
        f'[campaign]\ninvited = [{invited}]\n'
        f'[mailbox]\nurl = "maildir://{tmp / "inbox"}"\n'
        f'[database]\nurl = "{db_url}"\n'
        f'[smtp]\nurl = "maildir://{tmp / "outbox"}"\n'
        # The scanned declaration stands for a scan Tesseract could not read ("Ingen lesbar
        # tekst"), so staff must name the municipality; reading scans has its own tests.
        f'[ocr]\nenabled = false\n', encoding="utf-8")
    return path


def _raw(s, n: int, when: dt.datetime) -> int:
    data = f"Message-ID: <seed{n}@test>\r\n\r\nseed {n}\r\n".encode()
    row = RawMessage(sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data,
                     received_at=when, first_seen_at=when, state="processed", attempts=1)
    s.add(row)
    s.flush()
    return row.id


def _submission(s, n: int, *, number: str, when: dt.datetime, kind: str, status: str,
                sender: str, subject: str = "Intensjonserklæring Akson",
                attachment: str | None = "erklaering.pdf", reasons=()) -> int:
    row = Submission(raw_message_id=_raw(s, n, when), part=0, message_id=f"<seed{n}@test>",
                     received_at=when, sender=sender, subject=subject, attachment=attachment,
                     kind=kind, status=status, municipality_number=number,
                     signers=[{"name": "Kari Nordmann", "title": "ordfører"}] if kind == "declaration" else [],
                     signed_date=when.date(), late=False, reasons=list(reasons), evidence={},
                     # processed two hours after receipt, as after a backlog
                     decided_by="auto", decided_at=when + dt.timedelta(hours=2), created_at=when)
    s.add(row)
    s.flush()
    return row.id


def _mail(s, key: str, *, number: str, purpose: str, when: dt.datetime, subject: str, to: str,
          days: int | None = None, submission_id: int | None = None) -> int:
    mail = outbox.NewMail(key=key, purpose=purpose, language="nb", to=[to],
                          subject=subject, text="Hei.", message_id=f"<{key}@akson.test>",
                          auto_submitted="auto-generated", municipality_number=number,
                          submission_id=submission_id, reminder_days=days)
    mail_id = outbox.enqueue(s, mail, now=when)
    assert mail_id is not None
    return mail_id


def seed(app: App) -> dict[str, int]:
    """Fill the database; returns the ids the tests refer to."""
    ids: dict[str, int] = {}
    with session_scope(app.sessions) as s:
        ids["hamar"] = _submission(s, 1, number="3403", when=at(1), kind="declaration", status="accepted",
                                   sender="ordforer@hamar.kommune.no")
        ids["gran"] = _submission(s, 2, number="3446", when=at(2), kind="declaration", status="needs_review",
                                  sender="ordforer@gran.kommune.no", reasons=["sender_not_authenticated"])
        submissions.staff_accept(s, ids["gran"], municipality_number="3446", kind="declaration",
                                 signers=[{"name": "Kari Nordmann", "title": "ordfører"}],
                                 signed_date=at(2).date(), actor="kari", now=at(10, 12))
        ids["baerum"] = _submission(s, 3, number="3024", when=at(3), kind="decline", status="accepted",
                                    sender="postmottak@baerum.kommune.no")
        ids["stavanger"] = _submission(s, 4, number="1103", when=at(4), kind="declaration",
                                       status="needs_review", sender=FORMULA_SENDER,
                                       subject=HOSTILE_SUBJECT, attachment=HOSTILE_FILE,
                                       reasons=["sender_domain_mismatch"])
        s.add(MunicipalityContact(number="4601", email=BERGEN_MAIL, role="official", created_at=at(1, 8)))
        ids["ack_gran"] = _mail(s, f"ack:{ids['gran']}", number="3446", purpose="ack", when=at(10, 12),
                                to="ordforer@gran.kommune.no",
                                subject="Kvittering: intensjonserklæring mottatt", submission_id=ids["gran"])
        ids["rem_bergen_21"] = _mail(s, "reminder:4601:21", number="4601", purpose="reminder", when=at(10, 9),
                                     to=BERGEN_MAIL,
                                     subject="Påminnelse: intensjonserklæring Akson", days=21)
        ids["rem_bergen_7"] = _mail(s, "reminder:4601:7", number="4601", purpose="reminder", when=at(24, 9),
                                    to=BERGEN_MAIL,
                                    subject="Påminnelse: 7 dager igjen", days=7)
        ids["rem_kongsvinger_21"] = _mail(s, "reminder:3401:21", number="3401", purpose="reminder",
                                          when=at(10, 9), to="postmottak@kongsvinger.kommune.no", subject="Påminnelse: intensjonserklæring Akson", days=21)
        for key in ("rem_bergen_21", "rem_kongsvinger_21", "rem_bergen_7"):
            outbox.mark_sending(outbox.get(s, ids[key]), now=at(10, 9))
        for key in ("rem_bergen_21", "rem_kongsvinger_21"):
            outbox.mark_sent(outbox.get(s, ids[key]), now=at(10, 9), reply="250 2.0.0 OK")
        outbox.mark_failed(outbox.get(s, ids["rem_bergen_7"]), now=at(24, 9), error="refused",
                           reply=FAILED_REPLY)
        outbox.record_bounce(s, outbox.get(s, ids["rem_bergen_21"]), addresses=[BERGEN_MAIL],
                             detail=BOUNCE_DETAIL, now=at(10, 11))
    return ids


def seeded_app(tmp: Path, db_url: str) -> tuple[App, dict[str, int]]:
    config = write_config(tmp, db_url)
    upgrade(db_url)
    app = App(load_config(str(config)))
    return app, seed(app)
