"""Reminder steps and the step due at an instant (intake/reminder_plan.py)."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from intake.reminder_plan import (
    ReminderStep, StepDue, current_step, days_late, parse_send_time, plan_steps,
)

OSLO = ZoneInfo("Europe/Oslo")
CEST = dt.timezone(dt.timedelta(hours=2))
UTC = dt.timezone.utc
DEADLINE = dt.datetime(2020, 7, 1, 0, 0, tzinfo=CEST)


def at(text: str) -> dt.datetime:
    """A campaign instant written in Oslo summer time, e.g. "2020-06-10T09:00"."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=CEST)


@pytest.fixture(scope="module")
def steps() -> list[ReminderStep]:
    return plan_steps([21, 7, 2], "09:00", DEADLINE, OSLO)


# ------------------------------------------------------------------ plan_steps

def test_plan_2020_campaign(steps: list[ReminderStep]) -> None:
    assert [(s.days, s.due_at, s.planned_on, s.moved) for s in steps] == [
        (21, at("2020-06-10T09:00"), dt.date(2020, 6, 10), False),   # Wednesday
        (7, at("2020-06-24T09:00"), dt.date(2020, 6, 24), False),    # Wednesday
        (2, at("2020-06-29T09:00"), dt.date(2020, 6, 29), False),    # Monday
    ]
    assert all(s.due_at.tzinfo is OSLO for s in steps)


def test_step_on_saturday_moves_to_monday() -> None:
    [step] = plan_steps([25], "09:00", DEADLINE, OSLO)
    assert step.planned_on == dt.date(2020, 6, 6)            # Saturday
    assert step.due_at == at("2020-06-08T09:00")             # Monday
    assert step.moved


def test_order_of_configured_days_does_not_matter(steps: list[ReminderStep]) -> None:
    assert plan_steps([2, 21, 7], "09:00", DEADLINE, OSLO) == steps


def test_deadline_given_in_utc_plans_the_same(steps: list[ReminderStep]) -> None:
    assert plan_steps([21, 7, 2], "09:00", DEADLINE.astimezone(UTC), OSLO) == steps


def test_two_steps_on_one_day_keep_the_later_step() -> None:
    # 25 days: Saturday 6 June, 24 days: Sunday 7 June; both move to Monday 8 June.
    [step] = plan_steps([25, 24], "09:00", DEADLINE, OSLO)
    assert (step.days, step.due_at) == (24, at("2020-06-08T09:00"))


@pytest.mark.parametrize(("days", "deadline", "expected"), [
    # 0 days: the deadline's own date, 09:00 is after midnight's deadline.
    ([0], DEADLINE, []),
    # Maundy Thursday 9 April moves to Tuesday 14 April, the deadline's day: dropped...
    ([5], dt.datetime(2020, 4, 14, 0, 0, tzinfo=CEST), []),
    # ... and kept when the deadline is later that day.
    ([5], dt.datetime(2020, 4, 14, 12, 0, tzinfo=CEST), [at("2020-04-14T09:00")]),
    # A step due exactly at the deadline is dropped.
    ([0], dt.datetime(2020, 6, 30, 9, 0, tzinfo=CEST), []),
], ids=["zero-days", "moved-onto-deadline-day", "moved-before-deadline", "due-at-deadline"])
def test_no_step_at_or_after_the_deadline(days: list[int], deadline: dt.datetime,
                                           expected: list[dt.datetime]) -> None:
    assert [s.due_at for s in plan_steps(days, "09:00", deadline, OSLO)] == expected


def test_send_time_is_wall_time_across_dst() -> None:
    # Deadline in November (CET, +01:00); a step in October before the change (CEST).
    deadline = dt.datetime(2020, 11, 2, 0, 0, tzinfo=OSLO)
    early, late = plan_steps([14, 4], "09:00", deadline, OSLO)
    assert early.due_at.utcoffset() == dt.timedelta(hours=2)   # Mon 19 Oct 2020
    assert late.due_at.utcoffset() == dt.timedelta(hours=1)    # Thu 29 Oct 2020
    assert (early.due_at.hour, late.due_at.hour) == (9, 9)
    assert early.due_at.astimezone(UTC).hour == 7
    assert late.due_at.astimezone(UTC).hour == 8


def test_send_time_skipped_by_dst_becomes_a_real_instant() -> None:
    # Oslo changes on Sundays, never a working day; Tehran skipped 00:00-01:00 on
    # Monday 22 March 2021. A 00:30 send time that day becomes 01:30 (+04:30).
    tehran = ZoneInfo("Asia/Tehran")
    deadline = dt.datetime(2021, 3, 23, 0, 0, tzinfo=tehran)
    [step] = plan_steps([1], "00:30", deadline, tehran)
    assert step.due_at.replace(tzinfo=None) == dt.datetime(2021, 3, 22, 1, 30)
    assert step.due_at.utcoffset() == dt.timedelta(hours=4, minutes=30)


@pytest.mark.parametrize("bad", ["9", "09-00", "25:00", "ab:cd", "09:0"])
def test_bad_send_time_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_send_time(bad)


def test_naive_deadline_is_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        plan_steps([7], "09:00", dt.datetime(2020, 7, 1), OSLO)


# ------------------------------------------------------------------ current_step

@pytest.mark.parametrize(("now", "days", "late_by", "superseded"), [
    (at("2020-06-01T12:00"), None, None, ()),
    (at("2020-06-10T08:59"), None, None, ()),
    (at("2020-06-10T09:00"), 21, dt.timedelta(0), ()),
    (at("2020-06-10T15:00"), 21, dt.timedelta(hours=6), ()),
    (at("2020-06-24T08:59"), 21, dt.timedelta(days=13, hours=23, minutes=59), ()),
    (at("2020-06-24T09:00"), 7, dt.timedelta(0), (21,)),
    (at("2020-06-30T23:59"), 2, dt.timedelta(days=1, hours=14, minutes=59), (21, 7)),
    (at("2020-07-01T00:00"), None, None, ()),
    (at("2020-07-02T09:00"), None, None, ()),
], ids=["before-all", "a-minute-early", "on-time", "six-hours-late", "last-minute-of-step-21",
        "step-7-supersedes-21", "last-minute-before-deadline", "at-deadline", "after-deadline"])
def test_current_step(steps: list[ReminderStep], now: dt.datetime, days: int | None,
                      late_by: dt.timedelta | None, superseded: tuple[int, ...]) -> None:
    due = current_step(steps, now, DEADLINE)
    if days is None:
        assert due is None
        return
    assert isinstance(due, StepDue)
    assert due.step.days == days
    assert due.late_by == late_by
    assert tuple(s.days for s in due.superseded) == superseded


def test_worker_down_for_two_weeks_sends_only_the_newest_step(steps: list[ReminderStep]) -> None:
    due = current_step(steps, at("2020-06-26T10:00"), DEADLINE)
    assert due is not None
    assert due.step.days == 7
    assert [s.days for s in due.superseded] == [21]


def test_now_in_utc(steps: list[ReminderStep]) -> None:
    # 07:00 UTC is 09:00 in Oslo in June.
    assert current_step(steps, dt.datetime(2020, 6, 10, 6, 59, tzinfo=UTC), DEADLINE) is None
    due = current_step(steps, dt.datetime(2020, 6, 10, 7, 0, tzinfo=UTC), DEADLINE)
    assert due is not None and (due.step.days, due.late_by) == (21, dt.timedelta(0))
    assert current_step(steps, dt.datetime(2020, 6, 30, 22, 0, tzinfo=UTC), DEADLINE) is None


def test_steps_in_any_order(steps: list[ReminderStep]) -> None:
    due = current_step(list(reversed(steps)), at("2020-06-29T09:30"), DEADLINE)
    assert due is not None
    assert due.step.days == 2 and [s.days for s in due.superseded] == [21, 7]


def test_no_steps() -> None:
    assert current_step([], at("2020-06-29T09:30"), DEADLINE) is None


def test_naive_now_is_refused(steps: list[ReminderStep]) -> None:
    with pytest.raises(ValueError, match="no time zone"):
        current_step(steps, dt.datetime(2020, 6, 10, 9, 0), DEADLINE)


# ------------------------------------------------------------------ days_late

@pytest.mark.parametrize(("now", "expected"), [
    (at("2020-06-10T09:00"), 0),
    (at("2020-06-10T23:59"), 0),
    (at("2020-06-11T00:00"), 1),
    (at("2020-06-23T18:00"), 13),
    # 22:30 UTC on the 10th is already the 11th in Oslo.
    (dt.datetime(2020, 6, 10, 22, 30, tzinfo=UTC), 1),
    (dt.datetime(2020, 6, 10, 21, 59, tzinfo=UTC), 0),
], ids=["on-time", "same-evening", "next-midnight", "thirteen-days", "utc-next-day",
        "utc-same-day"])
def test_days_late(steps: list[ReminderStep], now: dt.datetime, expected: int) -> None:
    due = current_step(steps, now, DEADLINE)
    assert due is not None and due.step.days == 21
    assert days_late(due, OSLO) == expected
