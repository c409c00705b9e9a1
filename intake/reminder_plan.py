"""When reminders go out: the planned steps, and which one is due at a given instant.

Steps are configured as "days before the deadline" (``reminders.days_before_deadline``)
and a time of day (``reminders.send_time``) in the campaign time zone. A step that falls
on a weekend or a public holiday moves forward to the next working day: a reminder that
arrives on a Saturday is read on Monday under Monday's mail, if at all. Moving forward,
never back, keeps every step at least as close to the deadline as planned, and the
deadline itself is a hard wall: nothing goes out at or after it.

Only the newest due step is ever current. A worker that was down while two steps came due
sends one reminder, the newest, and the older ones are reported as superseded; two
reminders in one morning would read as a mistake to the municipality.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from intake.holidays import next_working_day


@dataclass(frozen=True)
class ReminderStep:
    days: int                 # as configured: days before the deadline's date
    due_at: dt.datetime       # aware, in the campaign zone, after any move
    planned_on: dt.date       # deadline date minus ``days``, before moving
    moved: bool               # planned_on was not a working day


@dataclass(frozen=True)
class StepDue:
    step: ReminderStep
    late_by: dt.timedelta                    # now - step.due_at, never negative
    superseded: tuple[ReminderStep, ...]     # earlier steps whose turn has passed


def parse_send_time(text: str) -> dt.time:
    """``"HH:MM"`` (24-hour clock) as a time; ValueError with the bad value otherwise."""
    hours, sep, minutes = text.strip().partition(":")
    if not (sep and hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"send time {text!r} is not HH:MM")
    return dt.time(int(hours), int(minutes))


def _require_aware(value: dt.datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} {value.isoformat()} has no time zone")


def _local(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    # A round trip through UTC resolves a wall time that a DST change skipped (02:30 on
    # the last Sunday of March) to a real instant instead of keeping an impossible one.
    naive_local = dt.datetime.combine(day, at, tzinfo=tz)
    return naive_local.astimezone(dt.timezone.utc).astimezone(tz)


def plan_steps(days_before_deadline: Sequence[int], send_time: str, deadline: dt.datetime,
               tz: ZoneInfo) -> list[ReminderStep]:
    """The reminder steps, ordered by ``due_at``.

    A step on a non-working day moves to the next working day at ``send_time``. A step
    whose (moved) time is at or after ``deadline`` is dropped. When two steps land on the
    same day, the one with fewer days (the later step in the plan) is kept.
    """
    _require_aware(deadline, "deadline")
    at = parse_send_time(send_time)
    deadline_date = deadline.astimezone(tz).date()
    by_day: dict[dt.date, ReminderStep] = {}
    for days in days_before_deadline:
        planned = deadline_date - dt.timedelta(days=days)
        day = next_working_day(planned)
        step = ReminderStep(days=days, due_at=_local(day, at, tz), planned_on=planned,
                            moved=day != planned)
        if step.due_at >= deadline:
            continue
        kept = by_day.get(day)
        if kept is None or step.days < kept.days:
            by_day[day] = step
    return sorted(by_day.values(), key=lambda s: s.due_at)


def current_step(steps: Sequence[ReminderStep], now: dt.datetime,
                 deadline: dt.datetime) -> StepDue | None:
    """The step to send at ``now``: the latest one due, or None.

    None before the first step and from the deadline on. Every earlier due step is
    returned as superseded, whether or not it was sent: the caller knows which it sent.
    """
    _require_aware(now, "now")
    _require_aware(deadline, "deadline")
    if now >= deadline:
        return None
    due = sorted((s for s in steps if s.due_at <= now), key=lambda s: s.due_at)
    if not due:
        return None
    step = due[-1]
    return StepDue(step=step, late_by=now - step.due_at, superseded=tuple(due[:-1]))


def days_late(step_due: StepDue, tz: ZoneInfo) -> int:
    """Calendar days in ``tz`` between the step's due date and now's date (0: same day)."""
    now = step_due.step.due_at + step_due.late_by
    return (now.astimezone(tz).date() - step_due.step.due_at.astimezone(tz).date()).days
