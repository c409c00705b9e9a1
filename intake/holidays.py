"""Norwegian public holidays and working days, for planning when mail may go out.

The list is the statutory "helligdager" (Lov om helligdager og helligdagsfred) plus the
two public holidays of lov om 1. og 17. mai. Sundays are not listed: they are not working
days anyway. Christmas Eve and New Year's Eve are not holidays in law, only customary
half days, so mail may go out on them.
"""
from __future__ import annotations

import datetime as dt

# Monday is 0; Saturday and Sunday are the week's two rest days.
_FIRST_WEEKEND_DAY = 5

# Offsets from Easter Sunday of the moveable holidays (days).
_EASTER_OFFSETS = (
    (-3, "Skjærtorsdag"),
    (-2, "Langfredag"),
    (0, "Påskedag"),
    (1, "2. påskedag"),
    (39, "Kristi himmelfartsdag"),
    (49, "Pinsedag"),
    (50, "2. pinsedag"),
)
_FIXED = (
    (1, 1, "Nyttårsdag"),
    (5, 1, "1. mai"),
    (5, 17, "17. mai"),
    (12, 25, "1. juledag"),
    (12, 26, "2. juledag"),
)


def easter_sunday(year: int) -> dt.date:
    """Easter Sunday in the Gregorian calendar (the anonymous "Meeus/Jones/Butcher" computus)."""
    golden = year % 19                      # position in the 19-year Metonic cycle
    century, year_in_century = divmod(year, 100)
    leap_centuries, century_rest = divmod(century, 4)
    lunar_correction = (century + 8) // 25
    moon_correction = (century - lunar_correction + 1) // 3
    epact = (19 * golden + century - leap_centuries - moon_correction + 15) % 30
    leap_years, year_rest = divmod(year_in_century, 4)
    weekday_shift = (32 + 2 * century_rest + 2 * leap_years - epact - year_rest) % 7
    full_moon_fix = (golden + 11 * epact + 22 * weekday_shift) // 451
    month, day = divmod(epact + weekday_shift - 7 * full_moon_fix + 114, 31)
    return dt.date(year, month, day + 1)


def public_holidays(year: int) -> dict[dt.date, str]:
    """Every public holiday of ``year``, date -> Norwegian name, in date order.

    When a moveable holiday falls on a fixed one (Ascension on 1 May in 2008, Whit
    Monday on 17 May in 2027) the day is listed once, under the moveable name.
    """
    easter = easter_sunday(year)
    days = {dt.date(year, month, day): name for month, day, name in _FIXED}
    days.update({easter + dt.timedelta(days=offset): name for offset, name in _EASTER_OFFSETS})
    return dict(sorted(days.items()))


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a public holiday."""
    return day.weekday() < _FIRST_WEEKEND_DAY and day not in public_holidays(day.year)


def next_working_day(day: dt.date) -> dt.date:
    """``day`` itself when it is a working day, else the first working day after it."""
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day
