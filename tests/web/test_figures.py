"""Dashboard figures on a seeded campaign with known numbers (tests/web/seed.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from intake.web import figures
from tests.web import seed as seeded


@pytest.fixture
def board(tmp_path, db_url):
    app, ids = seeded.seeded_app(tmp_path, db_url)
    try:
        yield figures.dashboard(app, seeded.NOW), ids
    finally:
        app.close()


def test_counts_and_share_come_from_the_status_report(board):
    d, _ids = board
    assert (d.status["invited"], d.status["signed"], d.status["declined"]) == (8, 2, 1)
    assert d.status["pending_review"] == 1 and d.status["no_response"] == 4
    assert d.status["population_invited"] == seeded.POPULATION_INVITED
    assert d.status["population_signed"] == seeded.POPULATION_SIGNED
    assert d.target == 0.55


def test_thresholds_say_how_many_people_are_missing(board):
    d, _ids = board
    # 50 % of 764 860 is 382 430 people; 55 % is 420 673 (rounded up to whole people).
    assert [(t.share, t.met, t.missing) for t in d.thresholds] == [
        (0.5, False, 382_430 - 44_999), (0.55, False, 420_673 - 44_999)]


def test_county_rows_carry_declined(board):
    d, _ids = board
    by = {c["county"]: c for c in d.status["by_county"]}
    assert (by["Innlandet"]["invited"], by["Innlandet"]["signed"], by["Innlandet"]["declined"]) == (3, 2, 0)
    assert by["Innlandet"]["population_share_signed"] == pytest.approx(44_999 / 62_828, abs=1e-6)
    assert (by["Viken"]["invited"], by["Viken"]["signed"], by["Viken"]["declined"]) == (2, 0, 1)


def test_timeline_steps_at_the_accepted_dates(board):
    """Gran was received on 2 June but accepted by staff on 10 June: it counts from the 10th.
    Hamar was accepted automatically two hours after it arrived: it counts from its arrival."""
    d, _ids = board
    assert [(p.number, p.at.astimezone(seeded.OSLO)) for p in d.timeline] == [
        ("3403", seeded.at(1)), ("3446", seeded.at(10, 12))]
    assert d.timeline[0].share == pytest.approx(31_369 / 764_860)
    assert d.timeline[-1].share == pytest.approx(44_999 / 764_860)


def test_call_list_is_largest_first_and_marks_where_55_percent_is_reached(board):
    d, _ids = board
    assert [c.number for c in d.calls] == ["4601", "3025", "1804", "3401"]
    assert [c.crosses_target for c in d.calls] == [False, True, False, False]
    assert d.calls[0].cumulative_share == pytest.approx(328_928 / 764_860)   # 43.0 %
    assert d.calls[1].cumulative_share == pytest.approx(423_369 / 764_860)   # 55.35 %
    assert d.calls[1].share_added == pytest.approx(94_441 / 764_860)


def test_reminder_history_per_municipality(board):
    d, _ids = board
    bergen = {c.number: c for c in d.calls}["4601"]
    assert [(r.days, r.state, r.bounced) for r in bergen.reminders] == [(21, "sent", True), (7, "failed", False)]
    assert {c.number: len(c.reminders) for c in d.calls} == {"4601": 2, "3025": 0, "1804": 0, "3401": 1}


def _row(number, population, status="no_response"):
    return {"number": number, "name": f"K{number}", "county": "X", "population": population, "status": status}


@pytest.mark.parametrize("signed, expected", [
    pytest.param(0, [False, False, True, False], id="crosses-third"),
    pytest.param(30, [True, False, False, False], id="crosses-first"),
    pytest.param(55, [False, False, False, False], id="already-met"),
    pytest.param(-1, None, id="unreachable"),
])
def test_call_list_crossing_row(signed, expected):
    rows = [_row("0001", 20), _row("0002", 30), _row("0003", 10), _row("0004", 5), _row("0005", 50, "signed")]
    if signed < 0:   # only 65 of 1000 people are waiting: 55 % cannot be reached
        calls = figures.call_list(rows, population_invited=1000, population_signed=0, target=0.55)
        assert not any(c.crosses_target for c in calls)
        return
    calls = figures.call_list(rows, population_invited=100, population_signed=signed, target=0.55)
    assert [c.number for c in calls] == ["0002", "0001", "0003", "0004"]
    assert [c.crosses_target for c in calls] == expected


def test_share_timeline_runs_up_in_time_order():
    t = dt.datetime(2020, 6, 1, tzinfo=dt.timezone.utc)
    events = [{"accepted_at": t + dt.timedelta(days=2), "number": "b", "name": "B", "population": 30},
              {"accepted_at": t, "number": "a", "name": "A", "population": 20}]
    points = figures.share_timeline(events, 100)
    assert [(p.number, p.share) for p in points] == [("a", 0.2), ("b", 0.5)]
    assert figures.share_timeline(events, 0)[-1].share == 0.0
