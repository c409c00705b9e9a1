"""Norwegian public holidays and working days (intake/holidays.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from intake.holidays import easter_sunday, is_working_day, next_working_day, public_holidays

D = dt.date


@pytest.mark.parametrize(("year", "expected"), [
    (2019, D(2019, 4, 21)),
    (2020, D(2020, 4, 12)),
    (2021, D(2021, 4, 4)),
    (2024, D(2024, 3, 31)),
    (2025, D(2025, 4, 20)),
    (2038, D(2038, 4, 25)),   # the latest possible date
    (2008, D(2008, 3, 23)),   # early Easter: Ascension on 1 May
    (2285, D(2285, 3, 22)),   # the earliest possible date
], ids=lambda v: str(v))
def test_easter_sunday(year: int, expected: dt.date) -> None:
    assert easter_sunday(year) == expected


def test_public_holidays_2020_complete() -> None:
    assert public_holidays(2020) == {
        D(2020, 1, 1): "Nyttårsdag",
        D(2020, 4, 9): "Skjærtorsdag",
        D(2020, 4, 10): "Langfredag",
        D(2020, 4, 12): "Påskedag",
        D(2020, 4, 13): "2. påskedag",
        D(2020, 5, 1): "1. mai",
        D(2020, 5, 17): "17. mai",
        D(2020, 5, 21): "Kristi himmelfartsdag",
        D(2020, 5, 31): "Pinsedag",
        D(2020, 6, 1): "2. pinsedag",
        D(2020, 12, 25): "1. juledag",
        D(2020, 12, 26): "2. juledag",
    }


def test_holidays_are_in_date_order() -> None:
    days = list(public_holidays(2025))
    assert days == sorted(days)


def test_moveable_and_fixed_holiday_on_one_day_listed_once() -> None:
    holidays_2008 = public_holidays(2008)
    assert holidays_2008[D(2008, 5, 1)] == "Kristi himmelfartsdag"
    assert len(holidays_2008) == 11


@pytest.mark.parametrize(("day", "working"), [
    (D(2020, 5, 17), False),   # 17 May 2020 is a Sunday: a holiday and a weekend day
    (D(2020, 5, 18), True),    # no substitute day in Norway
    (D(2020, 5, 21), False),   # Ascension, Thursday
    (D(2020, 6, 1), False),    # Whit Monday
    (D(2020, 6, 2), True),
    (D(2020, 6, 6), False),    # Saturday
    (D(2020, 6, 7), False),    # Sunday
    (D(2020, 12, 24), True),   # Christmas Eve is not a holiday in law
    (D(2020, 12, 31), True),
    (D(2021, 1, 1), False),
], ids=lambda v: v.isoformat() if isinstance(v, dt.date) else str(v))
def test_is_working_day(day: dt.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_17_may_2020_is_a_sunday() -> None:
    assert D(2020, 5, 17).weekday() == 6
    assert public_holidays(2020)[D(2020, 5, 17)] == "17. mai"


@pytest.mark.parametrize(("day", "expected"), [
    (D(2020, 4, 9), D(2020, 4, 14)),    # Maundy Thursday -> Tuesday after Easter Monday
    (D(2020, 4, 8), D(2020, 4, 8)),     # a working day is its own next working day
    (D(2020, 6, 6), D(2020, 6, 8)),     # Saturday -> Monday
    (D(2020, 6, 7), D(2020, 6, 8)),     # Sunday -> Monday
    (D(2020, 5, 30), D(2020, 6, 2)),    # Whitsun weekend and Whit Monday
    (D(2020, 12, 25), D(2020, 12, 28)), # Christmas Friday, Saturday, Sunday
    (D(2021, 12, 31), D(2021, 12, 31)), # New Year's Eve is a working day
    (D(2022, 12, 31), D(2023, 1, 2)),   # across a year boundary
], ids=lambda v: v.isoformat())
def test_next_working_day(day: dt.date, expected: dt.date) -> None:
    assert next_working_day(day) == expected
