"""Staff decisions: audited with before/after, acknowledged like automatic ones, undoable."""
from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from intake import staff
from intake.worker import make_notifier
from storage import submissions
from storage.db import session_scope
from storage.models import AuditLog, OutboxMail, Submission
from tests.web import seed as seeded
from tests.web.pages_helper import site  # noqa: F401 - fixture

ASKER = "3025"


def _new_item(app, n: int = 90, *, sender: str = "ordforer@asker.kommune.no", number: str | None = None) -> int:
    with session_scope(app.sessions) as s:
        return seeded._submission(s, n, number=number, when=seeded.at(20), kind="other", status="needs_review",
                                  sender=sender, reasons=["no_text_layer"])


def _act(app, sid: int, action: str, **params):
    campaign = app.campaign()
    with session_scope(app.sessions) as s:
        return staff.act(s, sid, action, actor="kari", now=seeded.NOW, notifier=make_notifier(app),
                         invited=campaign.invited, known=frozenset(campaign.by_number()), **params)


def _state(app, sid: int) -> tuple:
    with session_scope(app.sessions) as s:
        row = s.get(Submission, sid)
        acks = [(m.key, m.purpose) for m in s.scalars(select(OutboxMail).where(OutboxMail.submission_id == sid))]
        status = submissions.municipality_states(submissions.all_submissions(s), [ASKER])[ASKER].status
        return row.status, row.kind, row.municipality_number, acks, status


def test_accept_queues_one_ack_and_undo_restores_without_unsending(site):  # noqa: F811
    app, _ids = site
    sid = _new_item(app)
    _act(app, sid, "assign", number=ASKER)
    out = _act(app, sid, "accept")
    assert out.queued == f"ack:{sid}"
    assert _state(app, sid) == ("accepted", "declaration", ASKER, [(f"ack:{sid}", "ack_signed")], "signed")

    undo = _act(app, sid, "undo")
    assert undo.queued is None
    assert _state(app, sid) == ("needs_review", "other", ASKER, [(f"ack:{sid}", "ack_signed")], "no_response")

    again = _act(app, sid, "accept")        # accepted again: the ack exists, none is added
    assert again.queued is None
    assert _state(app, sid)[3] == [(f"ack:{sid}", "ack_signed")]
    with session_scope(app.sessions) as s:
        trail = list(s.scalars(select(AuditLog).where(AuditLog.submission_id == sid).order_by(AuditLog.id)))
    assert [e.action for e in trail] == ["assign", "accept", "undo", "accept"]
    assert trail[1].actor == "kari" and trail[1].details["before"]["status"] == "needs_review"
    assert trail[1].details["after"]["status"] == "accepted" and trail[2].details["undoes"] == trail[1].id


def test_accepting_for_a_municipality_that_signed_needs_confirmation(site):  # noqa: F811
    app, _ids = site
    hamar = "3403"     # signed in the seed
    sid = _new_item(app, sender="postmottak@hamar.kommune.no", number=hamar)
    with pytest.raises(staff.StaffError, match="allerede signert"):
        _act(app, sid, "accept")
    assert _act(app, sid, "accept", confirm_conflict=True).action == "accept"


@pytest.mark.parametrize("action, params, status, kind, municipality_status", [
    ("decline", {"number": ASKER}, "accepted", "decline", "declined"),
    ("reject", {"reason": "Ikke en erklæring"}, "rejected", "other", "no_response"),
    ("answered", {}, "ignored", "question", "no_response"),
], ids=["decline", "reject", "answered-elsewhere"])
def test_other_decisions(site, action, params, status, kind, municipality_status):  # noqa: F811
    app, _ids = site
    sid = _new_item(app, number=ASKER)
    _act(app, sid, action, **params)
    got = _state(app, sid)
    assert (got[0], got[1], got[4]) == (status, kind, municipality_status)
    assert bool(got[3]) is (action == "decline")     # only a recorded answer is acknowledged


@pytest.mark.parametrize("action, params, message", [
    ("accept", {}, "Velg kommunen"),
    ("assign", {"number": "5001"}, "ikke invitert"),     # Trondheim: Midt-Norge, not in this campaign
    ("assign", {"number": "9999"}, "Ukjent"),
    ("reject", {"reason": "  "}, "begrunnelse"),
    ("undo", {}, "ingen handling"),
], ids=["accept-without-municipality", "not-invited", "unknown-number", "reject-without-reason", "nothing-to-undo"])
def test_refused_actions_change_nothing(site, action, params, message):  # noqa: F811
    app, _ids = site
    sid = _new_item(app)
    with pytest.raises(staff.StaffError, match=message):
        _act(app, sid, action, **params)
    assert _state(app, sid)[:3] == ("needs_review", "other", None)


def test_edit_signers_and_date_then_undo(site):  # noqa: F811
    app, _ids = site
    sid = _new_item(app)
    _act(app, sid, "edit", signers=[("  Lene   Conradi ", "Ordfører"), ("", "")], signed_date=dt.date(2020, 6, 22))
    with session_scope(app.sessions) as s:
        row = s.get(Submission, sid)
        assert row.signers == [{"name": "Lene Conradi", "title": "ordfører"}]
        assert row.signed_date == dt.date(2020, 6, 22)
    _act(app, sid, "undo")
    with session_scope(app.sessions) as s:
        row = s.get(Submission, sid)
        assert row.signers == [] and row.signed_date == seeded.at(20).date()


def test_undo_refused_once_a_later_change_happened(site):  # noqa: F811
    """Only the latest action is undone, and only while the submission stands as it left it."""
    app, _ids = site
    sid = _new_item(app)
    _act(app, sid, "assign", number=ASKER)
    with session_scope(app.sessions) as s:       # the CLI changes it behind the page's back
        submissions.staff_reject(s, sid, reason="dobbel", actor="cli", now=seeded.NOW)
    with pytest.raises(staff.StaffError, match="endret etterpå"):
        _act(app, sid, "undo")
