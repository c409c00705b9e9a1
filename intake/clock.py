"""The campaign clock: "now" is an input everywhere, set once at the edge.

``--now`` fixes it for one invocation (planning, drills, tests); otherwise the wall
clock is read here and nowhere else.
"""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def parse_now(text: str | None, tz: ZoneInfo) -> dt.datetime | None:
    """Parse an ``--now`` value; a value without offset is taken in the campaign zone."""
    if text is None:
        return None
    value = dt.datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=tz)
    return value


def wall_clock(tz: ZoneInfo) -> dt.datetime:
    return dt.datetime.now(tz)
