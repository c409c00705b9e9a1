"""Queue the reminders due at a given moment: which step, and who gets it.

The plan is pure (``reminder_plan``); this module adds the campaign state: recipients are
the invited municipalities whose status is ``no_response`` at that moment (not signed,
not declined, nothing for them waiting in review), each gets a step's reminder once ever
(the outbox key), and none after the deadline. Running it again, or after downtime,
queues only what was not queued before; a missed step is sent late at most once, and only
while it is the newest step, with a warning in the log.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.notify import Notifier
from intake.reminder_plan import StepDue, current_step, days_late, plan_steps
from storage import submissions
from storage.models import Municipality

log = logging.getLogger("akson.remind")


@dataclass
class ReminderRun:
    step: StepDue | None
    queued: list[tuple[str, str, str, list[str]]] = field(default_factory=list)  # number, name, key, to
    no_contact: list[tuple[str, str]] = field(default_factory=list)               # number, name
    already: int = 0


def remind(s: Session, notifier: Notifier, *, invited: frozenset[str], days_before: tuple[int, ...],
           send_time: str, now: dt.datetime, dry_run: bool = False) -> ReminderRun:
    settings = notifier.settings
    steps = plan_steps(days_before, send_time, settings.deadline, settings.tz)
    due = current_step(steps, now, settings.deadline)
    run = ReminderRun(step=due)
    if due is None:
        return run
    for old in due.superseded:
        log.info("reminder step %s (due %s) was superseded by step %s", old.days,
                 old.due_at.isoformat(), due.step.days)
    late = days_late(due, settings.tz)
    if late:
        log.warning("reminder step %s was due %s: sending %s day(s) late", due.step.days,
                    due.step.due_at.isoformat(), late)
    final = due.step.days == min(st.days for st in steps)
    names = {n: d for n, d in s.execute(select(Municipality.number, Municipality.display_name))}
    states = submissions.municipality_states(submissions.all_submissions(s), sorted(invited), until=now)
    for number, state in sorted(states.items()):
        if state.status != "no_response":
            continue
        result = notifier.reminder(s, number, days=due.step.days, final=final, now=now, dry_run=dry_run)
        if result is not None:
            run.queued.append((number, names.get(number, number), result[0], result[1]))
        elif notifier.has_reminder(s, number, due.step.days):
            run.already += 1
        else:
            run.no_contact.append((number, names.get(number, number)))
    if run.no_contact and not dry_run:
        log.warning("reminder step %s: %s municipalities have no contact address (run "
                    "'municipalities import'): %s", due.step.days, len(run.no_contact),
                    ",".join(n for n, _ in run.no_contact[:20]))
    return run


def format_run(run: ReminderRun, *, dry_run: bool, tz) -> str:
    if run.step is None:
        return "no reminder is due at this time"
    st = run.step.step
    verb = "would queue" if dry_run else "queued"
    lines = [f"reminder step {st.days} days before the deadline, due "
             f"{st.due_at.astimezone(tz):%Y-%m-%d %H:%M}: {verb} {len(run.queued)}, "
             f"already queued before {run.already}, without a contact address {len(run.no_contact)}"]
    for number, name, key, to in run.queued:
        lines.append(f"  {number} {name}: {key} -> {', '.join(to)}")
    for number, name in run.no_contact:
        lines.append(f"  {number} {name}: no contact address, nothing queued")
    return "\n".join(lines)
