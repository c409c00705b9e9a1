"""The dashboard's figures: progress, counties, the share over time and who to call.

The status rules (what counts as signed, which municipalities are invited, the shares)
live in ``intake.reporting``; this module only arranges its results for the page. The
arranging steps (``share_timeline``, ``call_list``, ``reminder_history``) are pure
functions over plain values, so they are tested with known numbers.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from intake import reporting
from intake.app import App
from storage import outbox
from storage.db import session_scope

# Outbox keys of reminders, as the planner writes them: reminder:<kommunenummer>:<days>.
REMINDER_KEY = re.compile(r"^reminder:(\d{4}):(\d+)$")


@dataclass(frozen=True)
class SharePoint:
    """The signed population share right after one municipality's signature was accepted."""

    at: dt.datetime
    share: float
    number: str
    name: str


@dataclass(frozen=True)
class Reminder:
    days: int
    state: str                      # queued, sending, sent, failed
    at: dt.datetime                 # sent_at when sent, else when it was queued
    bounced: bool


@dataclass(frozen=True)
class CallRow:
    """A municipality with no response, in the order to call them (largest first)."""

    rank: int
    number: str
    name: str
    county: str
    population: int
    share_added: float              # of the invited population
    cumulative_share: float         # signed share now plus this row and every larger one
    crosses_target: bool            # the first row at which the target would be reached
    reminders: tuple[Reminder, ...]


@dataclass(frozen=True)
class Threshold:
    share: float
    met: bool
    missing: int                    # more people in signed municipalities needed to meet it


@dataclass(frozen=True)
class Dashboard:
    status: dict[str, Any]
    thresholds: list[Threshold]
    timeline: list[SharePoint]
    calls: list[CallRow]
    target: float                   # the highest configured threshold (55 %)
    deadline: dt.datetime
    now: dt.datetime


def share_timeline(events: Iterable[dict[str, Any]], population_invited: int) -> list[SharePoint]:
    """Running signed share, one point per accepted signature (``signed_events`` rows)."""
    points, total = [], 0
    for e in sorted(events, key=lambda e: (e["accepted_at"], e["number"])):
        total += e["population"]
        share = total / population_invited if population_invited else 0.0
        points.append(SharePoint(e["accepted_at"], share, e["number"], e["name"]))
    return points


def reminder_history(rows: Iterable[Any]) -> dict[str, tuple[Reminder, ...]]:
    """Reminder mails per municipality number, earliest step first (outbox rows)."""
    out: dict[str, list[Reminder]] = {}
    for r in rows:
        m = REMINDER_KEY.match(r.key or "")
        if not m:
            continue
        at = r.sent_at if r.state == "sent" and r.sent_at else r.created_at
        out.setdefault(m.group(1), []).append(
            Reminder(days=int(m.group(2)), state=r.state, at=at, bounced=r.bounced_at is not None))
    return {n: tuple(sorted(v, key=lambda x: -x.days)) for n, v in out.items()}


def call_list(municipalities: Sequence[dict[str, Any]], *, population_invited: int,
              population_signed: int, target: float,
              reminders: dict[str, tuple[Reminder, ...]] | None = None) -> list[CallRow]:
    """Municipalities with no response, largest population first, with the running share.

    ``municipalities`` are ``export_municipalities`` rows; only ``no_response`` ones are
    listed. The row whose running share first reaches ``target`` is marked; none is when
    the target is already met or cannot be reached by these municipalities alone.
    """
    if population_invited <= 0:
        return []
    waiting = sorted((m for m in municipalities if m["status"] == "no_response"),
                     key=lambda m: (-m["population"], m["name"], m["number"]))
    # Whole people, divided once per row: no drift from adding rounded shares.
    running = population_signed
    crossed = running / population_invited >= target
    rows = []
    for rank, m in enumerate(waiting, start=1):
        running += m["population"]
        cumulative = running / population_invited
        crosses = not crossed and cumulative >= target
        crossed = crossed or crosses
        rows.append(CallRow(rank=rank, number=m["number"], name=m["name"], county=m["county"],
                            population=m["population"], share_added=m["population"] / population_invited,
                            cumulative_share=cumulative, crosses_target=crosses,
                            reminders=(reminders or {}).get(m["number"], ())))
    return rows


def threshold_gaps(status: dict[str, Any]) -> list[Threshold]:
    """Each configured threshold with the population still missing to meet it."""
    invited, signed = status["population_invited"], status["population_signed"]
    out = []
    for t in status["thresholds"]:
        needed = math.ceil(t["share"] * invited - 1e-9)   # whole people; no float rounding up
        out.append(Threshold(t["share"], t["met"], max(0, needed - signed)))
    return out


def dashboard(app: App, now: dt.datetime) -> Dashboard:
    """Everything the dashboard shows, read in a few queries."""
    status = reporting.status(app)
    municipalities = reporting.export_municipalities(app)
    with session_scope(app.sessions) as s:
        reminders = reminder_history(r for r in outbox.all_mail(s) if r.purpose == "reminder")
    thresholds = [t["share"] for t in status["thresholds"]]
    target = max(thresholds) if thresholds else 1.0
    calls = call_list(municipalities, population_invited=status["population_invited"],
                      population_signed=status["population_signed"], target=target,
                      reminders=reminders)
    timeline = share_timeline(reporting.signed_events(app), status["population_invited"])
    return Dashboard(status=status, thresholds=threshold_gaps(status), timeline=timeline, calls=calls, target=target,
                     deadline=app.config.deadline, now=now)
