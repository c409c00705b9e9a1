"""The outbox page: failures with the server's reply, and retrying one without a second row."""
from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select

from storage import outbox, repo
from storage.db import session_scope
from storage.models import OutboxMail
from tests.web import seed as seeded
from tests.web.pages_helper import client, page_text, csrf_of, site, sqlite_site  # noqa: F401 - fixtures


def _row(app, mail_id):
    with session_scope(app.sessions) as s:
        return outbox.get(s, mail_id)


def test_viewer_sees_failures_with_the_reply_but_no_retry_button(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, "leser") as c:
        page = c.get("/utboks?tilstand=failed").text
    text = page_text(page)
    assert "1 e-post (feilet)" in text and seeded.FAILED_REPLY in text
    assert f'id="mail-{ids["rem_bergen_7"]}"' in page and f'id="mail-{ids["ack_gran"]}"' not in page
    assert "prov-igjen" not in page


def test_all_states_are_listed(sqlite_site):  # noqa: F811
    app, ids = sqlite_site
    with client(app, "kari") as c:
        page = c.get("/utboks").text
    assert sorted(int(n) for n in re.findall(r'id="mail-(\d+)"', page)) == sorted(
        ids[k] for k in ("ack_gran", "rem_bergen_21", "rem_bergen_7", "rem_kongsvinger_21"))
    assert "Kom i retur 10.06.2020 11:00: " + seeded.BOUNCE_DETAIL in page_text(page)
    assert page.count("prov-igjen") == 1                 # only the failed one can be retried


def test_retry_makes_the_failed_mail_due_again_without_a_second_row(site):  # noqa: F811
    app, ids = site
    mail_id = ids["rem_bergen_7"]
    with client(app, "kari") as c:
        token = csrf_of(c.get("/utboks").text)
        r = c.post(f"/utboks/{mail_id}/prov-igjen", data={"csrf_token": token})
        assert r.status_code == 303
        assert "sendes ved neste utsending" in page_text(c.get(r.headers["location"]).text)
    row = _row(app, mail_id)
    assert (row.state, row.next_attempt_at) == ("queued", seeded.NOW)
    with session_scope(app.sessions) as s:
        assert s.scalar(select(func.count()).select_from(OutboxMail)) == 4
        assert s.scalar(select(func.count()).select_from(OutboxMail).where(OutboxMail.key == "reminder:4601:7")) == 1
        due = outbox.claim_due(s, now=seeded.NOW, stale_before=seeded.NOW - dt.timedelta(minutes=10), limit=10)
        assert mail_id in [m.id for m in due]              # the send job takes it at its next run
        entry = repo.audit_for_municipality(s, "4601")[0]
        assert (entry.actor, entry.action, entry.details["key"]) == ("kari", "outbox_retry", "reminder:4601:7")


def test_retrying_a_mail_that_did_not_fail_changes_nothing(site):  # noqa: F811
    app, ids = site
    with client(app, "kari") as c:
        token = csrf_of(c.get("/utboks").text)
        r = c.post(f"/utboks/{ids['rem_bergen_21']}/prov-igjen", data={"csrf_token": token})
        assert r.status_code == 303
        assert "bare feilede e-poster kan prøves igjen" in page_text(c.get(r.headers["location"]).text)
        assert c.post("/utboks/99999/prov-igjen", data={"csrf_token": token}).status_code == 404
    assert _row(app, ids["rem_bergen_21"]).state == "sent"


def test_retry_needs_a_reviewer_and_a_token(site):  # noqa: F811
    app, ids = site
    mail_id = ids["rem_bergen_7"]
    with client(app, "leser") as c:
        token = csrf_of(c.get("/utboks").text)
        assert c.post(f"/utboks/{mail_id}/prov-igjen", data={"csrf_token": token}).status_code == 403
    with client(app, "kari") as c:
        assert c.post(f"/utboks/{mail_id}/prov-igjen", data={}).status_code == 403
        assert c.post(f"/utboks/{mail_id}/prov-igjen", data={"csrf_token": "x" * 43}).status_code == 403
    with client(app, None) as c:
        assert c.post(f"/utboks/{mail_id}/prov-igjen", data={}).status_code == 403
    assert _row(app, mail_id).state == "failed"
