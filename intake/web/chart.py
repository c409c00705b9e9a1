"""The signed population share over time as server-rendered SVG.

No script and no style sheet: colours and dashes are SVG presentation attributes, which
a strict Content-Security-Policy allows. The drawing has a title and a description for
screen readers; the page puts a table with the same numbers beside it.
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Sequence

from markupsafe import Markup, escape

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
# Room above the highest threshold or share, so their lines never touch the top edge.
HEADROOM = 0.1


def pct(share: float, decimals: int = 1) -> str:
    """A share as Norwegian percent text: 0.5234 -> '52,3 %'."""
    text = f"{share * 100:.{decimals}f}".replace(".", ",")
    if decimals and text.endswith("," + "0" * decimals):
        text = text.split(",")[0]
    return f"{text} %"


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


def _text(x: float, y: float, body: str, anchor: str = "middle", colour: str = INK) -> str:
    return (f'<text x="{x}" y="{y}" text-anchor="{anchor}" fill="{colour}" font-size="12" '
            f'font-family="sans-serif">{escape(body)}</text>')


def _axes(frame: Frame, tz) -> list[str]:
    parts = []
    steps = round(frame.top * 10)
    for i in range(steps + 1):
        share = i / 10
        y = frame.y(share)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(LEFT - 6, y + 4, pct(share, 0), anchor="end"))
    for tick in _ticks(frame, tz):
        x = frame.x(tick)
        parts.append(f'<line x1="{x}" y1="{HEIGHT - BOTTOM}" x2="{x}" y2="{HEIGHT - BOTTOM + 5}" stroke="{INK}"/>')
        parts.append(_text(x, HEIGHT - BOTTOM + 18, short_date(tick.date())))
    parts.append(f'<line x1="{LEFT}" y1="{HEIGHT - BOTTOM}" x2="{WIDTH - RIGHT}" y2="{HEIGHT - BOTTOM}" '
                 f'stroke="{INK}" stroke-width="1"/>')
    return parts


def _markers(frame: Frame, thresholds: Sequence[float], deadline: dt.datetime) -> list[str]:
    parts = []
    for i, t in enumerate(sorted(thresholds)):
        colour = THRESHOLD_COLOURS[i % len(THRESHOLD_COLOURS)]
        y = frame.y(t)
        parts.append(f'<line x1="{LEFT}" y1="{y}" x2="{WIDTH - RIGHT}" y2="{y}" stroke="{colour}" '
                     f'stroke-width="2" stroke-dasharray="{6 + 4 * i} 4"/>')
        parts.append(_text(LEFT + 6, y - 5, f"Terskel {pct(t)}", anchor="start", colour=colour))
    x = frame.x(deadline)
    parts.append(f'<line x1="{x}" y1="{TOP}" x2="{x}" y2="{HEIGHT - BOTTOM}" stroke="{INK}" '
                 f'stroke-width="2" stroke-dasharray="2 3"/>')
    parts.append(_text(x - 4, TOP + 12, "Frist", anchor="end"))
    return parts


def _step_path(frame: Frame, points: Sequence[SharePoint], now: dt.datetime) -> str:
    d = [f"M{frame.x(frame.start)},{frame.y(0.0)}"]
    for p in points:
        d.append(f"H{frame.x(p.at)}")
        d.append(f"V{frame.y(p.share)}")
    d.append(f"H{frame.x(min(max(now, points[-1].at if points else now), frame.end))}")
    return (f'<path d="{" ".join(d)}" fill="none" stroke="{LINE}" stroke-width="3" '
            f'stroke-linejoin="round"/>')


def share_chart(points: Sequence[SharePoint], *, thresholds: Sequence[float], deadline: dt.datetime,
                now: dt.datetime, tz, element_id: str = "andel-graf") -> Markup:
    """The chart as an inline ``<svg>`` element (safe markup: every text is escaped)."""
    frame = frame_for(points, thresholds, deadline, now)
    current = points[-1].share if points else 0.0
    title = "Andel av innbyggerne i inviterte kommuner som har signert, over tid"
    desc = (f"Signert andel nå: {pct(current)}. Terskler: "
            + ", ".join(pct(t) for t in sorted(thresholds))
            + f". Frist: {short_date(deadline.astimezone(tz).date())} {deadline.astimezone(tz).year}. "
            + f"{len(points)} signaturer er tegnet inn; tabellen under grafen har de samme tallene.")
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="100%" '
        f'role="img" aria-labelledby="{element_id}-title {element_id}-desc" id="{element_id}">',
        f'<title id="{element_id}-title">{escape(title)}</title>',
        f'<desc id="{element_id}-desc">{escape(desc)}</desc>',
        f'<rect x="0" y="0" width="{WIDTH}" height="{HEIGHT}" fill="#ffffff"/>',
        *_axes(frame, tz),
        *_markers(frame, thresholds, deadline),
        _step_path(frame, points, now),
        "</svg>",
    ]
    return Markup("\n".join(body))
