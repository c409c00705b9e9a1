"""The signed population share over time, drawn as SVG on the server.

This module computes the geometry (lines, labels, the step path) as plain values; the
template ``web/share_chart.html`` writes the ``<svg>`` with autoescaping, so no markup is
built here. No script and no style sheet: colours and dashes are SVG presentation
attributes, which a strict Content-Security-Policy allows. The drawing has a title and a
description for screen readers; the page puts a table with the same numbers beside it.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

from intake.web.figures import SharePoint

MONTHS = ("jan", "feb", "mar", "apr", "mai", "jun", "jul", "aug", "sep", "okt", "nov", "des")

# Drawing area in SVG units; the element scales to its container (viewBox), so these fix
# only the proportions and the text size relative to the plot.
WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 28, 20, 44
# Colours chosen for at least 4.5:1 contrast on white (WCAG AA for text and lines).
LINE = "#1d4f91"
THRESHOLD_COLOURS = ("#8a1c1c", "#6b4e00", "#4a2a7a")
GRID = "#d0d0d0"
INK = "#222222"
DEADLINE_DASH = "2 3"
# Room above the highest threshold or share, so their lines never touch the top edge.
HEADROOM = 0.1


def pct(share: float, decimals: int = 1) -> str:
    """A share as Norwegian percent text: 0.5234 -> '52,3 %'."""
    text = f"{share * 100:.{decimals}f}".replace(".", ",")
    if decimals and text.endswith("," + "0" * decimals):
        text = text.split(",")[0]
    return f"{text}\u00a0%"   # no-break space: the sign stays with its number


def short_date(day: dt.date) -> str:
    return f"{day.day}. {MONTHS[day.month - 1]}"


@dataclass(frozen=True)
class Frame:
    start: dt.datetime
    end: dt.datetime
    top: float                       # the share at the top edge

    def x(self, at: dt.datetime) -> float:
        span = (self.end - self.start).total_seconds() or 1.0
        frac = (at - self.start).total_seconds() / span
        return round(LEFT + min(max(frac, 0.0), 1.0) * (WIDTH - LEFT - RIGHT), 1)

    def y(self, share: float) -> float:
        frac = min(max(share / self.top, 0.0), 1.0)
        return round(TOP + (1 - frac) * (HEIGHT - TOP - BOTTOM), 1)


def frame_for(points: Sequence[SharePoint], thresholds: Sequence[float], deadline: dt.datetime,
              now: dt.datetime) -> Frame:
    """From a day before the first signature (or a month before now) to past the deadline."""
    first = min([p.at for p in points] + [now]) if points else now - dt.timedelta(days=30)
    start = first - dt.timedelta(days=1)
    end = max([deadline, now] + [p.at for p in points]) + dt.timedelta(days=1)
    highest = max(list(thresholds) + [p.share for p in points] + [0.0])
    top = min(1.0, math.ceil((highest + HEADROOM) * 10) / 10)
    return Frame(start, end, top)


def _ticks(frame: Frame, tz) -> list[dt.datetime]:
    """Midnights for the x axis: daily, weekly (Mondays) or monthly by the span."""
    first = frame.start.astimezone(tz).date() + dt.timedelta(days=1)
    days = (frame.end - frame.start).days
    out = []
    for i in range(days + 1):
        day = first + dt.timedelta(days=i)
        if days <= 14 or (days <= 120 and day.weekday() == 0) or (days > 120 and day.day == 1):
            out.append(dt.datetime.combine(day, dt.time(), tzinfo=tz))
    return [t for t in out if frame.start <= t <= frame.end]


@dataclass(frozen=True)
class Line:
    x1: float
    y1: float
    x2: float
    y2: float
    colour: str = INK
    width: int = 1
    dash: str = ""


@dataclass(frozen=True)
class Label:
    x: float
    y: float
    text: str
    anchor: str = "middle"
    colour: str = INK


@dataclass(frozen=True)
class Chart:
    element_id: str
    title: str
    desc: str
    lines: tuple[Line, ...]
    labels: tuple[Label, ...]
    path: str                        # the step line of the share, SVG path data
    width: int = WIDTH
    height: int = HEIGHT
    line_colour: str = LINE


def _axes(frame: Frame, tz) -> tuple[list[Line], list[Label]]:
    lines, labels = [], []
    for i in range(round(frame.top * 10) + 1):
        y = frame.y(i / 10)
        lines.append(Line(LEFT, y, WIDTH - RIGHT, y, GRID))
        labels.append(Label(LEFT - 6, y + 4, pct(i / 10, 0), anchor="end"))
    base = HEIGHT - BOTTOM
    for tick in _ticks(frame, tz):
        x = frame.x(tick)
        lines.append(Line(x, base, x, base + 5))
        labels.append(Label(x, base + 18, short_date(tick.date())))
    lines.append(Line(LEFT, base, WIDTH - RIGHT, base))
    return lines, labels


def _markers(frame: Frame, thresholds: Sequence[float], deadline: dt.datetime) -> tuple[list[Line], list[Label]]:
    lines, labels = [], []
    for i, t in enumerate(sorted(thresholds)):
        colour = THRESHOLD_COLOURS[i % len(THRESHOLD_COLOURS)]
        y = frame.y(t)
        # Different dash lengths as well as colours: the lines differ without colour vision.
        lines.append(Line(LEFT, y, WIDTH - RIGHT, y, colour, 2, f"{6 + 4 * i} 4"))
        # The lowest label goes under its line, the others over theirs: 50 % and 55 % are
        # close enough for two labels on the same side to overlap.
        labels.append(Label(LEFT + 6, y + 15 if i == 0 else y - 5, f"Terskel {pct(t)}", anchor="start",
                            colour=colour))
    x = frame.x(deadline)
    lines.append(Line(x, TOP, x, HEIGHT - BOTTOM, INK, 2, DEADLINE_DASH))
    labels.append(Label(x - 4, TOP + 12, "Frist", anchor="end"))
    return lines, labels


def _step_path(frame: Frame, points: Sequence[SharePoint], now: dt.datetime) -> str:
    d = [f"M{frame.x(frame.start)},{frame.y(0.0)}"]
    for p in points:
        d.append(f"H{frame.x(p.at)}")
        d.append(f"V{frame.y(p.share)}")
    d.append(f"H{frame.x(min(max(now, points[-1].at if points else now), frame.end))}")
    return " ".join(d)


def share_chart(points: Sequence[SharePoint], *, thresholds: Sequence[float], deadline: dt.datetime,
                now: dt.datetime, tz, element_id: str = "andel-graf") -> Chart:
    """The chart's geometry and texts, for ``web/share_chart.html``."""
    frame = frame_for(points, thresholds, deadline, now)
    current = points[-1].share if points else 0.0
    local_deadline = deadline.astimezone(tz)
    desc = (f"Signert andel nå: {pct(current)}. Terskler: "
            + ", ".join(pct(t) for t in sorted(thresholds))
            + f". Frist: {short_date(local_deadline.date())} {local_deadline.year}. "
            + f"{len(points)} signaturer er tegnet inn; tabellen under grafen har de samme tallene.")
    axis_lines, axis_labels = _axes(frame, tz)
    marker_lines, marker_labels = _markers(frame, thresholds, deadline)
    return Chart(element_id=element_id,
                 title="Andel av innbyggerne i inviterte kommuner som har signert, over tid",
                 desc=desc, lines=tuple(axis_lines + marker_lines), labels=tuple(axis_labels + marker_labels),
                 path=_step_path(frame, points, now))
